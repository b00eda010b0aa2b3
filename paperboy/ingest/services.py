"""Ingest: read records from files or live sources and upsert them, reporting what happened.

Entry point: :func:`run_ingest`. Records are written in batches, each batch in one transaction
(paper and featured entry together, see :func:`paperboy.papers.services.upsert_papers`); if a batch
fails it is retried record by record, so one bad record is reported and skipped while the rest is
imported. A crash rolls back the open batch: never half a paper, and a rerun never duplicates.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperboy.ingest.models import IngestRun
from paperboy.ingest.parsers import FORMATS, get_parser
from paperboy.ingest.parsers.base import Item, PageDone, ParseError, SourceError, open_binary
from paperboy.lib.procs import process_gone, process_label
from paperboy.papers.services import Outcome, PaperRecord, upsert_paper, upsert_papers, validate_record

__all__ = ["IngestResult", "Progress", "abandon_stale_runs", "guess_format", "list_files", "run_ingest"]

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
BATCH_SIZE = 1000

# Which file names a folder contributes for each format.
_EXTENSIONS = {
    "hf": (".json", ".json.gz", ".jsonl", ".jsonl.gz"),
    "jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
    "atom": (".xml", ".xml.gz", ".atom", ".json"),
    "oai": (".xml", ".xml.gz"),
    "feed": (".xml", ".xml.gz", ".rss", ".atom"),
    "listing": None,  # arxiv-browse listing files have no extension (9204.gz, new.AG.gz)
}
_SKIP_NAMES = {"SOURCE.md", "README.md", "manifest.json", "RESOLVED.md"}


@dataclass
class IngestResult:
    """What a run did. ``seconds`` is wall time; ``errors`` are ``{"position", "reason"}`` dicts."""

    run: IngestRun | None
    source: str
    location: str
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    featured: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    status: str = IngestRun.Status.RUNNING
    message: str = ""

    @property
    def records_per_second(self) -> float:
        return self.seen / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line: ``new 3, updated 1, unchanged 0, featured 2, failed 1 in 0.4 s (10 records/s)``."""
        return (
            f"{self.source} {self.location}: new {self.new}, updated {self.updated}, unchanged {self.unchanged}, "
            f"featured {self.featured}, failed {self.failed} in {self.seconds:.1f} s "
            f"({self.records_per_second:,.0f} records/s) [{self.status}]"
        )


class Progress:
    """Progress lines on a stream (stderr) for long runs: records done, rate and time left.

    Prints at most every ``interval`` seconds and only once a run has lasted ``interval`` seconds.
    ``fraction`` (0..1, from bytes read) gives the time left; without it none is shown.
    """

    def __init__(self, stream: TextIO | None, *, interval: float = 2.0, clock: Any = time.monotonic) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last = self.started

    def update(self, done: int, fraction: float | None = None, *, force: bool = False) -> str | None:
        now = self.clock()
        if self.stream is None or (not force and now - self.last < self.interval):
            return None
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        line = f"ingest: {done:,} records, {rate:,.0f}/s"
        if fraction is not None and 0 < fraction <= 1:
            left = elapsed * (1 - fraction) / fraction
            line += f", {fraction:.0%} read, ~{dt.timedelta(seconds=round(left))} left"
        print(line, file=self.stream, flush=True)
        return line


def list_files(location: Path, source_format: str) -> list[Path]:
    """A file -> [file]; a folder -> its files for that format, sorted by path (recursively).

    Raises FileNotFoundError when ``location`` does not exist.
    """
    if location.is_file():
        return [location]
    if not location.is_dir():
        raise FileNotFoundError(f"no such file or folder: {location}")
    suffixes = _EXTENSIONS[source_format]
    files = []
    for path in sorted(location.rglob("*")):
        if not path.is_file() or path.name in _SKIP_NAMES or path.name.startswith("."):
            continue
        if path.suffix == ".md":
            continue
        if suffixes is None or path.name.endswith(suffixes):
            files.append(path)
    return files


def guess_format(path: Path) -> str:
    """Guess a format from a file's name and first bytes (``--format auto``). Raises ValueError."""
    if path.is_dir():
        files = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix != ".md"]
        if not files:
            raise ValueError(f"{path}: empty folder")
        path = files[0]
    raw, stream = open_binary(path)
    try:
        head = stream.read(4096)
    finally:
        raw.close()
    text = head.decode("utf-8", "replace").lstrip()
    if "<OAI-PMH" in text:
        return "oai"
    if "announce_type" in text or "rss.arxiv.org" in text or "<rss" in text:
        return "feed"
    if "<feed" in text or ('"body"' in text and "opensearch" in text):
        return "atom"
    if text.startswith("\\\\") or text.startswith("---") or "\nPaper:" in text or "\narXiv:" in text:
        return "listing"
    if text.startswith("[") or (
        text.startswith("{") and "\n" not in text.strip()[:2] and '"paper' in text[:200]
    ):
        return "hf"
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        return "hf" if '"paper_id"' in first or '"paper"' in first else "jsonl"
    raise ValueError(f"{path}: cannot tell the format; pass one of {', '.join(FORMATS)}")


def _file_items(source_format: str, files: list[Path], state: dict[str, float]) -> Iterator[Item]:
    """Items of every file, keeping ``state['fraction']`` (bytes read / total bytes) current."""
    parser = get_parser(source_format)
    total = sum(p.stat().st_size for p in files) or 1
    done_bytes = 0
    for path in files:
        raw, stream = open_binary(path)
        try:
            for item in parser(stream, str(path)):
                state["fraction"] = (done_bytes + raw.tell()) / total
                yield item
        except SourceError as exc:
            yield str(path), ParseError(str(exc).removeprefix(f"{path}: "))
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            yield str(path), ParseError(f"unreadable: {exc}")
        finally:
            raw.close()
        done_bytes += path.stat().st_size
        state["fraction"] = done_bytes / total


def run_ingest(
    source_format: str,
    location: str | Path | Iterable[str | Path] | None = None,
    *,
    live: bool = False,
    live_options: dict[str, Any] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    progress: TextIO | None = sys.stderr,
    batch_size: int = BATCH_SIZE,
    index: bool = True,
    items: Iterable[Item] | None = None,
    demo: bool = False,
) -> IngestResult:
    """Import every record of ``location`` (a file, a folder or a list of them) in ``source_format``.

    Args:
        source_format: one of ``hf, atom, oai, feed, jsonl, listing`` (see :mod:`paperboy.ingest.parsers`).
        location: file(s) or folder(s); ignored with ``live``.
        live: fetch from the live source instead (see :func:`paperboy.ingest.fetch.live_items`), with
            ``live_options`` such as ``date``, ``category``, ``query``, ``id_list``, ``from_date``.
        limit: stop after this many records.
        dry_run: parse and upsert inside a transaction that is rolled back; no IngestRun is kept.
        progress: stream for progress lines (None: quiet).
        index: hand new/updated papers to ``paperboy.search.index_papers`` after each batch.
        items: pre-built ``(position, record)`` items (tests), instead of reading ``location``.
        demo: the run imports sample data (``load_demo``): recorded, but not an update of the site, so
            ``/readyz`` does not take it for a recent ingest.

    Runs of earlier processes still marked running whose process is gone are first marked abandoned
    (:func:`abandon_stale_runs`).

    Returns the :class:`IngestResult`; ``status`` is success (no failure), partial (some records
    failed) or failed (the source could not be read at all, or the run crashed; the exception is re-raised).
    """
    if source_format not in FORMATS:
        raise ValueError(f"unknown format {source_format!r}; use one of {', '.join(FORMATS)}")
    state: dict[str, float] = {}
    if items is not None:
        label = "items"
        source_items: Iterable[Item] = items
    elif live:
        from paperboy.ingest.fetch import live_items

        label = f"live {source_format} {live_options or {}}"
        source_items = live_items(source_format, **(live_options or {}))
    else:
        locations = [location] if isinstance(location, str | Path) else list(location or [])
        if not locations:
            raise ValueError("nothing to import: give a file or a folder")
        files: list[Path] = []
        for loc in locations:
            files.extend(list_files(Path(loc), source_format))
        label = ", ".join(str(loc) for loc in locations)
        source_items = _file_items(source_format, files, state)

    if dry_run:
        with transaction.atomic():
            result = _run(source_format, label, source_items, None, limit, progress, batch_size, False, state)
            transaction.set_rollback(True)
        return result
    abandon_stale_runs()
    run = IngestRun.objects.create(
        source=source_format,
        location=label[:10000],
        demo=demo,
        process=process_label(),
        heartbeat_at=timezone.now(),
    )
    return _run(source_format, label, source_items, run, limit, progress, batch_size, index, state)


def abandon_stale_runs(*, now: dt.datetime | None = None) -> list[IngestRun]:
    """Mark runs left "running" by a dead process as abandoned (with ``finished_at`` and the reason).

    A run is abandoned when its process (``host:pid``) ran on this host and no longer exists (killed,
    crashed, machine rebooted), or when it showed no progress (``heartbeat_at``, written after each batch;
    ``started_at`` for older rows) for ``settings.INGEST_STALE_MINUTES``, whatever host it ran on. A run
    of this very process is never judged by its pid. Each row is updated only while still running, so a
    run that finishes meanwhile keeps its own status. Returns the abandoned runs.
    """
    now = now or timezone.now()
    stale_before = now - dt.timedelta(minutes=settings.INGEST_STALE_MINUTES)
    abandoned: list[IngestRun] = []
    for run in IngestRun.objects.filter(status=IngestRun.Status.RUNNING).only(
        "pk", "process", "heartbeat_at", "started_at", "message"
    ):
        last_sign = run.heartbeat_at or run.started_at
        if process_gone(run.process):
            reason = f"abandoned: its process ({run.process}) is gone; it was killed or crashed mid-run"
        elif last_sign < stale_before:
            reason = (
                f"abandoned: no progress since {last_sign:%Y-%m-%d %H:%M} UTC "
                f"(more than {settings.INGEST_STALE_MINUTES} minutes; process {run.process or 'unknown'})"
            )
        else:
            continue
        message = f"{reason}\n{run.message}".strip()
        if IngestRun.objects.filter(pk=run.pk, status=IngestRun.Status.RUNNING).update(
            status=IngestRun.Status.ABANDONED, finished_at=now, message=message
        ):
            log.warning("ingest run %s %s", run.pk, reason)
            run.status, run.finished_at, run.message = IngestRun.Status.ABANDONED, now, message
            abandoned.append(run)
    return abandoned


def _run(
    source_format: str,
    label: str,
    source_items: Iterable[Item],
    run: IngestRun | None,
    limit: int | None,
    progress_stream: TextIO | None,
    batch_size: int,
    index: bool,
    state: dict[str, float],
) -> IngestResult:
    result = IngestResult(run=run, source=source_format, location=label)
    progress = Progress(progress_stream)
    started = time.monotonic()
    batch: list[tuple[str, PaperRecord]] = []
    to_index: list[int] = []

    def fail(position: str, reason: str) -> None:
        result.failed += 1
        if len(result.errors) < MAX_STORED_ERRORS:
            result.errors.append({"position": position, "reason": reason})
        log.debug("ingest %s: skipped %s: %s", source_format, position, reason)

    def count(outcome: Outcome, featured: bool, paper_pk: int) -> None:
        if outcome is Outcome.NEW:
            result.new += 1
        elif outcome is Outcome.UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
        if featured:
            result.featured += 1
        if outcome is not Outcome.UNCHANGED:
            to_index.append(paper_pk)

    def flush() -> None:
        if not batch:
            return
        records = [record for _, record in batch]
        try:
            outcomes = upsert_papers(records, source=source_format)
        except Exception:  # isolate the record that spoils the batch
            log.info("ingest %s: batch failed, retrying record by record", source_format, exc_info=True)
            for position, record in batch:
                try:
                    one = upsert_paper(record, source=source_format)
                except Exception as exc:
                    fail(position, f"{type(exc).__name__}: {exc}")
                else:
                    count(one.outcome, one.featured_created, one.paper.pk)
        else:
            for one in outcomes:
                count(one.outcome, one.featured_created, one.paper.pk)
        batch.clear()
        if index and to_index:
            _index(to_index)
            to_index.clear()
        if run is not None:  # progress for the site banner and the admin while the run goes on
            IngestRun.objects.filter(pk=run.pk).update(
                heartbeat_at=timezone.now(),
                seen_count=result.seen,
                new_count=result.new,
                updated_count=result.updated,
                unchanged_count=result.unchanged,
                featured_count=result.featured,
                failed_count=result.failed,
            )

    try:
        for position, item in source_items:
            if isinstance(item, PageDone):
                flush()
                item.commit()
                continue
            if limit is not None and result.seen >= limit:
                break
            result.seen += 1
            if isinstance(item, ParseError):
                fail(position, item.reason)
            else:
                try:
                    validate_record(item)
                except ValueError as exc:
                    fail(position, str(exc))
                else:
                    batch.append((position, item))
                    if len(batch) >= batch_size:
                        flush()
            if result.seen % 1000 == 0:
                progress.update(result.seen, state.get("fraction"))
        flush()
    except BaseException as exc:
        result.status = IngestRun.Status.FAILED
        result.message = f"{type(exc).__name__}: {exc}"
        _finish(result, started)
        raise
    if result.failed == 0:
        result.status = IngestRun.Status.SUCCESS
    elif result.new + result.updated + result.unchanged == 0:
        result.status = IngestRun.Status.FAILED
    else:
        result.status = IngestRun.Status.PARTIAL
    if time.monotonic() - started >= progress.interval:
        progress.update(result.seen, 1.0 if state else None, force=True)
    _finish(result, started)
    return result


def _index(paper_ids: list[int]) -> None:
    from paperboy.search import index_papers

    index_papers(list(dict.fromkeys(paper_ids)))


def _finish(result: IngestResult, started: float) -> None:
    result.seconds = time.monotonic() - started
    run = result.run
    if run is None:
        return
    run.finished_at = timezone.now()
    run.status = result.status
    run.seen_count = result.seen
    run.new_count = result.new
    run.updated_count = result.updated
    run.unchanged_count = result.unchanged
    run.featured_count = result.featured
    run.failed_count = result.failed
    run.errors = result.errors
    run.message = result.message or result.summary()
    try:
        run.save()
    except Exception:
        log.exception("could not save IngestRun %s", run.pk)
