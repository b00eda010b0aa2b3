from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command

from paperboy.ops import worker
from paperboy.ops.models import JobRun
from paperboy.papers.models import Paper

UTC = dt.UTC
# Monday 2025-01-13 20:30 EST: the slot of Monday's announcement.
MONDAY_SLOT = dt.datetime(2025, 1, 14, 1, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_slot_run_it_once():
    """Eight threads, each with its own database connection, claim the same slot at once."""
    start = threading.Barrier(8)
    results: list[JobRun | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        try:
            start.wait()
            run = worker.claim("ingest", MONDAY_SLOT, claimed_by=f"worker-{n}", now=MONDAY_SLOT)
            with lock:
                results.append(run)
        except BaseException as exc:
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert JobRun.objects.filter(job="ingest", slot=MONDAY_SLOT).count() == 1
    assert JobRun.objects.get().claimed_by == winners[0].claimed_by


@pytest.mark.django_db
def test_a_finished_slot_is_not_claimed_again():
    run = worker.claim("ingest", MONDAY_SLOT, claimed_by="a", now=MONDAY_SLOT)
    assert run is not None
    run.status = JobRun.Status.SUCCESS
    run.save()
    later = MONDAY_SLOT + dt.timedelta(days=1)
    assert worker.claim("ingest", MONDAY_SLOT, claimed_by="b", now=later) is None


@pytest.mark.django_db
def test_a_stale_running_claim_is_taken_over_once(settings):
    settings.WORKER_STALE_MINUTES = 60
    assert worker.claim("ingest", MONDAY_SLOT, claimed_by="dead", now=MONDAY_SLOT) is not None
    JobRun.objects.update(started_at=MONDAY_SLOT)
    soon = MONDAY_SLOT + dt.timedelta(minutes=30)
    assert worker.claim("ingest", MONDAY_SLOT, claimed_by="b", now=soon) is None
    late = MONDAY_SLOT + dt.timedelta(minutes=90)
    taken = worker.claim("ingest", MONDAY_SLOT, claimed_by="c", now=late)
    assert taken is not None and taken.claimed_by == "c"
    assert worker.claim("ingest", MONDAY_SLOT, claimed_by="d", now=late) is None


def test_due_jobs_include_the_ingest_slot_until_it_is_too_old():
    jobs = {d.job: d.slot for d in worker.due_jobs(MONDAY_SLOT + dt.timedelta(hours=2))}
    assert jobs["ingest"] == MONDAY_SLOT
    assert set(jobs) == {"ingest", "embed", "digests"}
    # Saturday noon: Thursday's slot is more than 20 h old: no ingest due.
    saturday = dt.datetime(2025, 1, 11, 17, 0, tzinfo=UTC)
    assert "ingest" not in {d.job for d in worker.due_jobs(saturday)}


def _fake_ingest(new_papers: int, calls: list[tuple[str, ...]] | None = None):
    """Stands in for the ingest command's live fetch (no network in tests): adds `new_papers` papers."""

    def run_command(name: str, *args: str) -> str:
        assert name == "ingest"
        if calls is not None:
            calls.append(args)
        if args[0] == "feed" and args[-1] == "cs.CL":
            for i in range(new_papers):
                Paper.objects.create(arxiv_id=f"2501.{i:05d}", title=f"Paper {i}")
        return f"{new_papers} new\n"

    return run_command


@pytest.mark.django_db
def test_an_announcement_day_without_new_papers_is_recorded_as_silent(monkeypatch, client):
    monkeypatch.setattr(worker, "_command_exists", lambda name: name == "ingest")
    monkeypatch.setattr(worker, "_run_command", _fake_ingest(0))
    runs = worker.tick(now=MONDAY_SLOT + dt.timedelta(minutes=1), claimed_by="w")
    ingest = next(r for r in runs if r.job == "ingest")
    assert ingest.status == JobRun.Status.SILENT
    assert "no new papers for the announcement of 2025-01-13" in ingest.message
    page = client.get("/status")
    assert page.status_code == 200
    assert "silent day" in page.content.decode()


@pytest.mark.django_db
def test_an_ingest_with_new_papers_succeeds_and_counts_them(monkeypatch, settings):
    settings.WORKER_INGEST_SOURCES = ["feed:cs.AI", "feed:cs.CL", "hf"]
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(worker, "_command_exists", lambda name: name == "ingest")
    monkeypatch.setattr(worker, "_run_command", _fake_ingest(3, calls))
    runs = worker.tick(now=MONDAY_SLOT + dt.timedelta(minutes=1), claimed_by="w")
    ingest = next(r for r in runs if r.job == "ingest")
    assert (ingest.status, ingest.new_paper_count) == (JobRun.Status.SUCCESS, 3)
    assert calls == [
        ("feed", "--live", "--quiet", "--category", "cs.AI"),
        ("feed", "--live", "--quiet", "--category", "cs.CL"),
        ("hf", "--live", "--quiet"),
    ]
    # Another worker's pass over the same slot does nothing.
    assert [r.job for r in worker.tick(now=MONDAY_SLOT + dt.timedelta(minutes=2), claimed_by="x")] == []


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_worker_goes_on(monkeypatch):
    def boom(name: str, *args: str) -> str:
        raise RuntimeError("arXiv said 503")

    monkeypatch.setattr(worker, "_command_exists", lambda name: True)
    monkeypatch.setattr(worker, "_run_command", boom)
    runs = worker.tick(now=MONDAY_SLOT + dt.timedelta(minutes=1), claimed_by="w")
    assert {r.job: r.status for r in runs} == {"ingest": "failed", "embed": "failed", "digests": "failed"}
    assert "arXiv said 503" in JobRun.objects.get(job="ingest").message


@pytest.mark.django_db
def test_one_failing_source_does_not_stop_the_others(monkeypatch, settings):
    settings.WORKER_INGEST_SOURCES = ["feed:cs.AI", "feed:cs.CL"]
    ok = _fake_ingest(2)

    def flaky(name: str, *args: str) -> str:
        if args[-1] == "cs.AI":
            raise RuntimeError("feed timed out")
        return ok(name, *args)

    monkeypatch.setattr(worker, "_command_exists", lambda name: name == "ingest")
    monkeypatch.setattr(worker, "_run_command", flaky)
    ingest = next(r for r in worker.tick(now=MONDAY_SLOT, claimed_by="w") if r.job == "ingest")
    assert (ingest.status, ingest.new_paper_count) == (JobRun.Status.SUCCESS, 2)
    assert "cs.AI FAILED: RuntimeError: feed timed out" in ingest.message


@pytest.mark.django_db(transaction=True)
def test_missing_commands_are_recorded_as_skipped(monkeypatch):
    monkeypatch.setattr(worker, "_command_exists", lambda name: False)
    call_command("worker", "--once")
    assert set(JobRun.objects.values_list("status", flat=True)) <= {"skipped"}


@pytest.mark.django_db
def test_an_embed_slot_is_busy_not_success_while_another_embed_holds_the_lock(monkeypatch):
    """A manual `embed` of the whole corpus holds the lock: the worker's slot did nothing, and says so."""
    from paperboy.search.semantic import embed_lock

    calls: list[str] = []
    monkeypatch.setattr(worker, "_command_exists", lambda name: name == "embed")
    monkeypatch.setattr(worker, "_run_command", lambda name, *args: calls.append(name) or "embed: done")
    with embed_lock():
        runs = worker.tick(now=MONDAY_SLOT + dt.timedelta(hours=3), claimed_by="w")
    run = next(r for r in runs if r.job == "embed")
    assert run.status == JobRun.Status.BUSY
    assert "another embed run holds the lock" in run.message and calls == []
    runs = worker.tick(now=MONDAY_SLOT + dt.timedelta(hours=3, minutes=15), claimed_by="w")
    run = next(r for r in runs if r.job == "embed")
    assert (run.status, calls) == (JobRun.Status.SUCCESS, ["embed"])


@pytest.mark.django_db
def test_a_worker_pass_abandons_an_ingest_run_whose_process_died(client, monkeypatch):
    import socket
    import subprocess
    import sys

    from paperboy.ingest.models import IngestRun

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    IngestRun.objects.create(source="feed", location="live", process=f"{socket.gethostname()}:{proc.pid}")
    monkeypatch.setattr(worker, "_command_exists", lambda name: False)
    worker.tick(now=MONDAY_SLOT + dt.timedelta(hours=3), claimed_by="w")
    assert IngestRun.objects.get().status == IngestRun.Status.ABANDONED
    page = client.get("/status").content.decode()
    assert "abandoned (its process died mid-run)" in page and "was killed or crashed mid-run" in page


@pytest.mark.django_db
def test_claims_of_a_killed_worker_are_taken_over_or_marked_abandoned(monkeypatch):
    """A worker killed mid-job (SIGKILL, stop timeout): its slot, if still due, runs again at once; an
    older slot is marked failed ("abandoned") instead of staying "running" on /status for ever."""
    import socket
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = f"{socket.gethostname()}:{proc.pid}"
    now = MONDAY_SLOT + dt.timedelta(minutes=1)
    JobRun.objects.create(job="ingest", slot=MONDAY_SLOT, claimed_by=dead)  # still due
    JobRun.objects.create(job="embed", slot=MONDAY_SLOT - dt.timedelta(hours=2), claimed_by=dead)  # past
    JobRun.objects.create(job="digests", slot=MONDAY_SLOT - dt.timedelta(hours=2), claimed_by="elsewhere:1")
    monkeypatch.setattr(worker, "_command_exists", lambda name: False)
    runs = worker.tick(now=now, claimed_by="w")
    ingest = next(r for r in runs if r.job == "ingest")
    assert (ingest.claimed_by, ingest.status) == ("w", JobRun.Status.SKIPPED)  # taken over and run again
    old = JobRun.objects.get(job="embed", slot=MONDAY_SLOT - dt.timedelta(hours=2))
    assert old.status == JobRun.Status.FAILED and old.message.startswith("abandoned: the worker process")
    other_host = JobRun.objects.get(job="digests", slot=MONDAY_SLOT - dt.timedelta(hours=2))
    assert other_host.status == JobRun.Status.RUNNING  # nothing is known about another host's processes
