"""The scheduled-job worker: which job slots are due, how a slot is claimed, how a run is recorded.

Jobs (each a management command of another app, run in this process):

============  =====================================================  ==================================
job           slot                                                   command
============  =====================================================  ==================================
``ingest``    20:00 US-Eastern + ``INGEST_DELAY_MINUTES``, Sun-Thu   ``ingest <kind> --live`` per source
``embed``     every ``WORKER_EMBED_MINUTES`` (and after an ingest)   ``embed`` (new papers only)
``digests``   every ``WORKER_DIGEST_MINUTES``                        ``send_digests`` (subscribers' hour)
============  =====================================================  ==================================

A slot is claimed by inserting its ``JobRun`` row; the unique (job, slot) constraint lets exactly
one worker win, however many run. A claim left "running" by a dead worker for longer than
``WORKER_STALE_MINUTES`` is taken over with a conditional UPDATE (again only one winner).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from paperboy.lib.procs import process_gone, process_label
from paperboy.ops import schedule
from paperboy.ops.models import JobRun

log = logging.getLogger(__name__)

#: An ingest slot missed by more than this (worker down) is not run any more: the next one catches up.
INGEST_CATCH_UP = dt.timedelta(hours=20)
#: Periodic (embed, digests) rows older than this are deleted when they succeeded.
KEEP_PERIODIC_DAYS = 30


def worker_id() -> str:
    """``host:pid`` of this process, stored in ``JobRun.claimed_by``."""
    return process_label()


def holidays() -> set[dt.date]:
    return {dt.date.fromisoformat(d) for d in settings.ARXIV_HOLIDAYS}


@dataclass(frozen=True)
class DueJob:
    job: str
    slot: dt.datetime


def due_jobs(now: dt.datetime) -> list[DueJob]:
    """The (job, slot) pairs whose time has come at ``now``; claimed slots are filtered by ``claim``."""
    due: list[DueJob] = []
    ingest_slot = schedule.latest_ingest_slot(
        now, delay_minutes=settings.INGEST_DELAY_MINUTES, holidays=holidays()
    )
    if now - ingest_slot <= INGEST_CATCH_UP:
        due.append(DueJob("ingest", ingest_slot))
    due.append(DueJob("embed", schedule.interval_slot(now, every_minutes=settings.WORKER_EMBED_MINUTES)))
    due.append(DueJob("digests", schedule.interval_slot(now, every_minutes=settings.WORKER_DIGEST_MINUTES)))
    return due


def claim(job: str, slot: dt.datetime, *, claimed_by: str, now: dt.datetime | None = None) -> JobRun | None:
    """Claim ``slot`` of ``job`` for this worker; None when another worker holds it or it is done.

    The INSERT of the (job, slot) row is the lock. A row still RUNNING after
    ``WORKER_STALE_MINUTES``, or whose worker process on this host is gone (killed mid-job), is taken
    over by a conditional UPDATE that only one worker can win.
    """
    now = now or timezone.now()
    for attempt in range(_CLAIM_ATTEMPTS):
        try:
            return _claim_once(job, slot, claimed_by=claimed_by, now=now)
        except OperationalError as exc:
            # SQLite only: "database is locked" / "table is locked" when the busy timeout or a
            # shared-cache lock gives up; nothing was written, so trying again is safe.
            if "locked" not in str(exc) or attempt == _CLAIM_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None  # unreachable: the last attempt returns or raises


#: Tries of a claim that SQLite answered with "locked" (about 2.7 s of back-off in all).
_CLAIM_ATTEMPTS = 10


def _claim_once(job: str, slot: dt.datetime, *, claimed_by: str, now: dt.datetime) -> JobRun | None:
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, slot=slot, claimed_by=claimed_by)
    except IntegrityError:
        pass  # another worker holds the slot
    stale_before = now - dt.timedelta(minutes=settings.WORKER_STALE_MINUTES)
    taken = JobRun.objects.filter(
        job=job, slot=slot, status=JobRun.Status.RUNNING, started_at__lt=stale_before
    ).update(claimed_by=claimed_by, started_at=now, message="claim taken over from a stale worker")
    if not taken:
        holder = (
            JobRun.objects.filter(job=job, slot=slot, status=JobRun.Status.RUNNING)
            .values_list("claimed_by", flat=True)
            .first()
        )
        if holder is not None and process_gone(holder):
            taken = JobRun.objects.filter(
                job=job, slot=slot, status=JobRun.Status.RUNNING, claimed_by=holder
            ).update(
                claimed_by=claimed_by,
                started_at=now,
                message=f"claim taken over: the worker {holder} that held it is gone",
            )
    if taken:
        return JobRun.objects.get(job=job, slot=slot)
    return None


def _command_exists(name: str) -> bool:
    return name in get_commands()


def _run_command(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def ingest_commands() -> list[list[str]]:
    """The ``ingest`` invocations of one live-ingest run, from ``settings.WORKER_INGEST_SOURCES``.

    ``feed:cs.CL`` -> ``ingest feed --live --category cs.CL``; ``hf`` -> ``ingest hf --live``.
    """
    commands: list[list[str]] = []
    for source in settings.WORKER_INGEST_SOURCES:
        kind, _, arg = source.partition(":")
        command = [kind, "--live", "--quiet"]
        if arg:
            command += ["--category", arg]
        commands.append(command)
    return commands


def run_ingest(run: JobRun) -> None:
    """Live ingest for an announcement evening; 0 new papers is recorded as a silent day.

    Every source is tried even when one fails; the run fails when all of them failed.
    """
    from paperboy.papers.models import Paper

    if not _command_exists("ingest"):
        run.status, run.message = JobRun.Status.SKIPPED, "the ingest command is not installed"
        return
    started = timezone.now()
    lines: list[str] = []
    failures = 0
    commands = ingest_commands()
    for args in commands:
        try:
            lines.append(f"ingest {' '.join(args)}: {_run_command('ingest', *args).strip()[-1000:]}")
        except Exception as exc:  # CommandError, network errors: record and go on with the next source
            failures += 1
            lines.append(f"ingest {' '.join(args)} FAILED: {exc.__class__.__name__}: {exc}")
    run.new_paper_count = Paper.objects.filter(created_at__gte=started).count()
    run.message = "\n".join(lines)[-4000:]
    announce_day = run.slot.astimezone(schedule.ARXIV_TZ).date()
    if commands and failures == len(commands):
        run.status = JobRun.Status.FAILED
    elif run.new_paper_count == 0 and schedule.is_announcement_day(announce_day, holidays=holidays()):
        run.status = JobRun.Status.SILENT
        run.message = f"no new papers for the announcement of {announce_day}\n{run.message}"
    else:
        run.status = JobRun.Status.SUCCESS


def embed_busy() -> bool:
    """Whether another process (a manual ``embed`` of the whole corpus, another worker) holds the embed
    lock of this machine right now; False when the search app offers no lock."""
    try:
        from paperboy.search.semantic import EmbedLocked, embed_lock
    except ImportError:
        return False
    try:
        with embed_lock(wait=False):
            return False
    except EmbedLocked:
        return True


def run_embed(run: JobRun) -> None:
    """Embed new papers; recorded as busy (not success) when another embed run holds the lock."""
    if not _command_exists("embed"):
        run.status, run.message = JobRun.Status.SKIPPED, "the embed command is not installed"
        return
    if embed_busy():
        run.status = JobRun.Status.BUSY
        run.message = (
            "another embed run holds the lock (e.g. a manual `embed` of the whole corpus); nothing done"
        )
        return
    output = _run_command("embed")
    # The lock is taken again inside the command; a run that started between the look above and the
    # command's own attempt makes the command do nothing and say so.
    if "another embed job is running" in output and "nothing done" in output:
        run.status = JobRun.Status.BUSY
    else:
        run.status = JobRun.Status.SUCCESS
    run.message = output[-4000:]


def _simple(command: str, *args: str) -> Callable[[JobRun], None]:
    def runner(run: JobRun) -> None:
        if not _command_exists(command):
            run.status, run.message = JobRun.Status.SKIPPED, f"the {command} command is not installed"
            return
        run.message = _run_command(command, *args)[-4000:]
        run.status = JobRun.Status.SUCCESS

    return runner


RUNNERS: dict[str, Callable[[JobRun], None]] = {
    "ingest": run_ingest,
    "embed": run_embed,
    "digests": _simple("send_digests"),
}


def execute(run: JobRun) -> JobRun:
    """Run the claimed job and record how it ended (a failure is recorded, never raised)."""
    try:
        RUNNERS[run.job](run)
    except BaseException as exc:  # SystemExit from a command is a failure too; re-raise interrupts
        run.status = JobRun.Status.FAILED
        run.message = f"{exc.__class__.__name__}: {exc}"[:4000]
        log.exception("job %s for %s failed", run.job, run.slot)
        if isinstance(exc, KeyboardInterrupt):
            run.finished_at = timezone.now()
            run.save()
            raise
    run.finished_at = timezone.now()
    run.save()
    log.info("job %s for %s: %s", run.job, run.slot, run.status)
    return run


def prune(now: dt.datetime) -> int:
    """Delete successful, skipped or busy periodic runs older than ``KEEP_PERIODIC_DAYS``; ingest runs stay."""
    cutoff = now - dt.timedelta(days=KEEP_PERIODIC_DAYS)
    quiet = [JobRun.Status.SUCCESS, JobRun.Status.SKIPPED, JobRun.Status.BUSY]
    deleted, _ = JobRun.objects.filter(slot__lt=cutoff, status__in=quiet).exclude(job="ingest").delete()
    return deleted


def abandon_dead_claims(now: dt.datetime, due: list[DueJob]) -> int:
    """Mark RUNNING job runs whose worker process on this host is gone as failed ("abandoned"), except
    slots still due (``claim`` takes those over and runs them again). Returns how many were marked."""
    due_slots = {(d.job, d.slot) for d in due}
    marked = 0
    for run in JobRun.objects.filter(status=JobRun.Status.RUNNING).only("pk", "job", "slot", "claimed_by"):
        if (run.job, run.slot) in due_slots or not process_gone(run.claimed_by):
            continue
        marked += JobRun.objects.filter(
            pk=run.pk, status=JobRun.Status.RUNNING, claimed_by=run.claimed_by
        ).update(
            status=JobRun.Status.FAILED,
            finished_at=now,
            message=f"abandoned: the worker process {run.claimed_by} is gone (killed or crashed mid-job)",
        )
    return marked


def abandon_stale_ingest_runs() -> None:
    """Mark ingest runs of dead processes abandoned (``paperboy.ingest.services.abandon_stale_runs``), so
    /status stops showing a killed import as running; a no-op without the ingest app."""
    try:
        from paperboy.ingest.services import abandon_stale_runs
    except ImportError:
        return
    abandon_stale_runs()


def tick(*, now: dt.datetime | None = None, claimed_by: str | None = None) -> list[JobRun]:
    """One pass over the schedule: claim and run every due slot this worker wins; returns the runs."""
    now = now or timezone.now()
    claimed_by = claimed_by or worker_id()
    abandon_stale_ingest_runs()
    due_now = due_jobs(now)
    abandon_dead_claims(now, due_now)
    done: list[JobRun] = []
    for due in due_now:
        run = claim(due.job, due.slot, claimed_by=claimed_by, now=now)
        if run is None:
            continue
        done.append(execute(run))
        if due.job == "ingest" and run.status == JobRun.Status.SUCCESS and _command_exists("embed"):
            # Embed the new papers right away instead of waiting for the next embed slot.
            follow = claim("embed", now.replace(second=1, microsecond=0), claimed_by=claimed_by, now=now)
            if follow is not None:
                done.append(execute(follow))
    prune(now)
    return done
