"""Back up, restore into an EMPTY database, and find every paper, featured entry, upvote and subscription.

Runs on the suite's engine: SQLite (online backup API, restored into a new file) or PostgreSQL
(pg_dump -Fc, restored with pg_restore into a database created for the test).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from paperboy.ops import services
from paperboy.papers.models import FeaturedEntry, Paper, Upvote


def make_rows() -> dict[str, set[Any]]:
    """Papers, featured entries, upvotes (and a subscription when the digests app exists)."""
    User = get_user_model()
    alice = User.objects.create_user("alice", "alice@example.org", "pw")
    bob = User.objects.create_user("bob", "bob@example.org", "pw")
    papers = [
        Paper.objects.create(
            arxiv_id=aid, title=f"Title of {aid} with émigré TeX $\\alpha$", authors=["Ünal Ö.", "B. C."]
        )
        for aid in ("2401.00001", "2401.00002", "hep-th/9901001")
    ]
    for p in papers[:2]:
        FeaturedEntry.objects.create(paper=p, featured_on=dt.date(2024, 1, 3), submitter_name="ak")
    Upvote.objects.create(user=alice, paper=papers[0])
    Upvote.objects.create(user=bob, paper=papers[0])
    Upvote.objects.create(user=bob, paper=papers[2])
    rows = {
        "papers": {p.arxiv_id for p in papers},
        "upvotes": set(Upvote.objects.values_list("user_id", "paper_id")),
        "featured": set(FeaturedEntry.objects.values_list("paper_id", "featured_on")),
    }
    if apps.is_installed("paperboy.digests"):
        rows["subscriptions"] = _make_subscription(alice)
    return rows


def _make_subscription(user: Any) -> set[Any]:
    """A confirmed subscriber with a daily digest and an author follow (paperboy.digests models)."""
    from django.utils import timezone

    Subscriber = apps.get_model("digests", "Subscriber")
    Subscription = apps.get_model("digests", "Subscription")
    subscriber = Subscriber.objects.create(email=user.email, confirmed_at=timezone.now())
    Subscription.objects.create(subscriber=subscriber, kind="daily", params={}, key="daily")
    Subscription.objects.create(
        subscriber=subscriber, kind="author", params={"author": "Ünal Ö."}, key="author:ünal ö."
    )
    return set(Subscription.objects.values_list("pk", flat=True))


def table_counts() -> dict[str, int]:
    """Row count of every table of every installed model, read through Django."""
    return {
        m._meta.db_table: m._default_manager.count()
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


@contextmanager
def empty_target(tmp_path) -> Iterator[tuple[dict[str, Any], Any]]:
    """A DATABASES entry for a new, empty database, and a DB-API connection factory to read it."""
    if connection.vendor == "sqlite":
        target = dict(connection.settings_dict, NAME=str(tmp_path / "restored.sqlite3"))
        yield target, lambda: sqlite3.connect(target["NAME"])
        return
    import psycopg

    name = f"paperboy_restore_{uuid.uuid4().hex[:10]}"
    admin = dict(connection.settings_dict)
    conninfo = dict(host=admin["HOST"] or None, port=admin["PORT"] or None, user=admin["USER"] or None)
    if admin.get("PASSWORD"):
        conninfo["password"] = admin["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield dict(admin, NAME=name), lambda: psycopg.connect(dbname=name, **conninfo)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_paper_vote_and_subscription(tmp_path):
    rows = make_rows()
    counts = table_counts()
    made = services.backup(tmp_path / "paperboy.backup")
    assert made.size_bytes > 0
    assert made.engine == {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]

    with empty_target(tmp_path) as (target, connect):
        restored = services.restore(made.path, database=target)
        assert restored.engine == made.engine
        db = connect()
        try:
            cur = db.cursor()
            for table, count in counts.items():
                cur.execute(f'SELECT COUNT(*) FROM "{table}"')
                assert cur.fetchone()[0] == count, table
            cur.execute(f'SELECT arxiv_id, title FROM "{Paper._meta.db_table}"')
            titles = dict(cur.fetchall())
            assert set(titles) == rows["papers"]
            assert titles["hep-th/9901001"] == "Title of hep-th/9901001 with émigré TeX $\\alpha$"
            cur.execute(f'SELECT user_id, paper_id FROM "{Upvote._meta.db_table}"')
            assert set(cur.fetchall()) == rows["upvotes"]
            cur.execute(f'SELECT paper_id, featured_on FROM "{FeaturedEntry._meta.db_table}"')
            featured = {
                (pid, d if isinstance(d, dt.date) else dt.date.fromisoformat(d)) for pid, d in cur.fetchall()
            }
            assert featured == rows["featured"]
            if "subscriptions" in rows:
                table = apps.get_model("digests", "Subscription")._meta.db_table
                cur.execute(f'SELECT id FROM "{table}"')
                assert {r[0] for r in cur.fetchall()} == rows["subscriptions"]
        finally:
            db.close()


@pytest.mark.django_db(transaction=True)
def test_restore_command_brings_back_deleted_rows(tmp_path):
    make_rows()
    path = tmp_path / "b.backup"
    call_command("backup", str(path))
    Upvote.objects.all().delete()
    Paper.objects.filter(arxiv_id="2401.00002").delete()
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip(
            "the suite's SQLite database is in memory: restoring over it is covered by the test above"
        )
    # --force: earlier tests in this process may leave a thread's connection open (as a web worker
    # would); the refusal itself is tested above.
    call_command("restore", str(path), "--no-input", "--force")
    assert Upvote.objects.count() == 3
    assert Paper.objects.filter(arxiv_id="2401.00002").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_postgresql_database_that_others_are_using(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("sessions of other processes are a PostgreSQL matter (SQLite restores page by page)")
    make_rows()
    made = services.backup(tmp_path / "b.backup")
    with empty_target(tmp_path) as (target, connect):
        services.restore(made.path, database=target)  # nobody else connected: restored
        server = connect()  # a web worker, say, still connected
        try:
            server.execute("SELECT 1")
            with pytest.raises(services.BackupError, match=r"1 other session\(s\) are connected .*--force"):
                services.restore(made.path, database=target)
            assert services.restore(made.path, database=target, force=True).engine == "postgresql"
        finally:
            server.close()
        assert services.other_sessions(target) == []


def test_a_backup_of_the_wrong_engine_is_refused(tmp_path):
    bogus = tmp_path / "x.backup"
    bogus.write_bytes(b"not a backup")
    with pytest.raises(services.BackupError, match="neither an SQLite database nor a pg_dump"):
        services.file_engine(bogus)
    sqlite_file = tmp_path / "a.sqlite3"
    sqlite3.connect(sqlite_file).close()
    sqlite3.connect(sqlite_file).execute("create table t(x)").connection.commit()
    target = {"ENGINE": "django.db.backends.postgresql", "NAME": "whatever"}
    with pytest.raises(services.BackupError, match="is a sqlite backup but the database is postgresql"):
        services.restore(sqlite_file, database=target)


@pytest.mark.django_db(transaction=True)
def test_backups_are_readable_by_their_owner_only(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    call_command("backup")
    (written,) = list(settings.BACKUP_DIR.iterdir())
    assert services.BACKUP_NAME_RE.match(written.name)
    assert written.stat().st_mode & 0o777 == 0o600
    assert settings.BACKUP_DIR.stat().st_mode & 0o777 == 0o700
    explicit = tmp_path / "elsewhere" / "mine.backup"
    call_command("backup", str(explicit))
    assert explicit.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db(transaction=True)
def test_backup_keep_deletes_all_but_the_newest(tmp_path, settings):
    folder = settings.BACKUP_DIR = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"paperboy-2020010{d}-031500.pgdump" for d in range(1, 5)]
    others = [folder / "paperboy-manual.pgdump", folder / "paperboy-20200105-031500.pgdump.partial"]
    for p in [*old, *others]:
        p.write_bytes(b"x")
    call_command("backup", "--keep", "3")
    names = sorted(p.name for p in folder.iterdir())
    newest = max(n for n in names if services.BACKUP_NAME_RE.match(n))
    assert newest.startswith("paperboy-20") and not newest.startswith("paperboy-2020")  # the new backup
    assert [n for n in names if services.BACKUP_NAME_RE.match(n)] == [old[2].name, old[3].name, newest]
    assert {p.name for p in others} <= set(names)  # files of other names are never deleted
    settings.BACKUP_KEEP = 1
    call_command("backup")
    assert len([n for n in (p.name for p in folder.iterdir()) if services.BACKUP_NAME_RE.match(n)]) == 1


def test_prune_refuses_to_delete_every_backup(tmp_path):
    with pytest.raises(ValueError):
        services.prune_backups(tmp_path, 0)
