"""Upvotes stay consistent when many requests hit one paper at once.

Real threads, each with its own database connection, call the vote services concurrently; afterwards
there is at most one Upvote per (user, paper) and ``upvote_count == imported_upvote_count + rows``.

On PostgreSQL the threads use the test database directly. pytest-django's SQLite test database is an
in-memory *shared-cache* database, where SQLite reports lock conflicts as "database table is locked"
immediately instead of waiting (busy_timeout does not apply to shared-cache locks), so it cannot model
a server. There the test copies the database to a file and points the threads' new connections at it:
the code then runs on SQLite exactly as in production (a file, WAL, ``BEGIN IMMEDIATE``, busy_timeout).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from paperboy.papers.models import Paper, Upvote
from paperboy.papers.services import set_upvote, toggle_upvote


@contextlib.contextmanager
def _threads_use_a_real_database(tmp_path: Path) -> Iterator[None]:
    """On in-memory SQLite, give connections opened from now on a file copy of the test database."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "votes.sqlite3")
    connection.connection.backup(target)
    # A deployed database is already in WAL mode; switching modes needs the file to itself, which
    # threads opening their first connections at the same moment would not give it.
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    settings_dict = connections.settings["default"]
    original = settings_dict["NAME"]
    settings_dict["NAME"] = str(tmp_path / "votes.sqlite3")
    try:
        yield
    finally:
        settings_dict["NAME"] = original


def _in_threads(jobs: list[Callable[[], object]], rounds: int) -> list[BaseException]:
    """Start all jobs at once (barrier), each ``rounds`` times in its own thread; return the errors."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(rounds):
                job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a vote thread hung"
    return errors


def _state(paper_id: int) -> dict[str, object]:
    """Read the outcome through a fresh connection in another thread (sees the same database as the jobs)."""
    out: dict[str, object] = {}

    def read() -> None:
        try:
            paper = Paper.objects.get(pk=paper_id)
            rows = Upvote.objects.filter(paper_id=paper_id)
            out["count"] = paper.upvote_count
            out["imported"] = paper.imported_upvote_count
            out["rows"] = rows.count()
            out["per_user"] = sorted(rows.values_list("user__username", flat=True))
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=60)
    return out


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_one_vote_per_user_and_an_exact_count(tmp_path: Path) -> None:
    paper = Paper.objects.create(arxiv_id="2401.00001", title="T", imported_upvote_count=7, upvote_count=7)
    alice = User.objects.create_user("alice", "alice@example.org", "pw")
    bob = User.objects.create_user("bob", "bob@example.org", "pw")
    others = [User.objects.create_user(f"user{i}", f"user{i}@example.org", "pw") for i in range(4)]
    jobs: list[Callable[[], object]] = [
        # alice clicks "upvote" in two browsers at once, again and again: one vote must remain
        lambda: set_upvote(alice, paper, voted=True),
        lambda: set_upvote(alice, paper, voted=True),
        # bob toggles from two browsers: whatever the interleaving, at most one row
        lambda: toggle_upvote(bob, paper),
        lambda: toggle_upvote(bob, paper),
        # different users toggle at the same time (5 rounds each: each ends voted)
        *[(lambda u=u: toggle_upvote(u, paper)) for u in others],
    ]
    with _threads_use_a_real_database(tmp_path):
        errors = _in_threads(jobs, rounds=5)
        state = _state(paper.pk)
    assert errors == [], [repr(e) for e in errors]
    per_user = state["per_user"]
    assert isinstance(per_user, list)
    assert len(per_user) == len(set(per_user)), f"duplicate votes: {per_user}"
    assert per_user.count("alice") == 1
    assert all(per_user.count(u.username) == 1 for u in others)  # 5 toggles each -> voted
    assert state["count"] == state["imported"] + state["rows"] == 7 + len(per_user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_http_votes_from_two_browsers(tmp_path: Path, settings) -> None:
    """The same through the whole request stack (middleware, CSRF-exempt test client, view, service):
    alice's two logged-in browsers and three other users post to the upvote URL at the same time."""
    from django.test import Client
    from django.urls import reverse

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": "100000/m"}
    paper = Paper.objects.create(
        arxiv_id="hep-th/9901001", title="T", imported_upvote_count=2, upvote_count=2
    )
    alice = User.objects.create_user("alice", "alice@example.org", "pw")
    users = [alice, alice, *[User.objects.create_user(f"v{i}", f"v{i}@example.org", "pw") for i in range(3)]]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)  # sessions are stored before the database is copied
        clients.append(client)
    url = reverse("community:upvote", args=[paper.arxiv_id])
    statuses: list[int] = []

    def vote(client: Client, value: str) -> None:
        response = client.post(url, {"value": value}, headers={"Accept": "application/json"})
        statuses.append(response.status_code)

    jobs: list[Callable[[], object]] = [
        lambda: vote(clients[0], "1"),  # alice, browser 1
        lambda: vote(clients[1], "1"),  # alice, browser 2
        *[(lambda c=c: vote(c, "")) for c in clients[2:]],  # toggles: 4 rounds -> not voted
    ]
    with _threads_use_a_real_database(tmp_path):
        errors = _in_threads(jobs, rounds=4)
        state = _state(paper.pk)
    assert errors == [], [repr(e) for e in errors]
    assert statuses == [200] * len(jobs) * 4
    assert state["per_user"] == ["alice"]
    assert state["count"] == state["imported"] + state["rows"] == 3
