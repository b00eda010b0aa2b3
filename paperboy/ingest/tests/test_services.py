"""run_ingest, the ingest and load_demo commands: idempotency, versions, errors, atomicity, progress."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from paperboy.ingest.models import IngestRun
from paperboy.ingest.parsers.base import ParseError
from paperboy.ingest.services import Progress, abandon_stale_runs, guess_format, run_ingest
from paperboy.ingest.tests.conftest import DATA
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord

pytestmark = pytest.mark.django_db


def quiet(*args, **kwargs):
    kwargs.setdefault("progress", None)
    return run_ingest(*args, **kwargs)


def test_reimporting_the_same_file_changes_nothing() -> None:
    first = quiet("oai", DATA / "oai_arXivRaw_handmade.xml")
    assert (first.new, first.updated, first.failed, first.status) == (2, 0, 0, "success")
    before = list(Paper.objects.values_list("arxiv_id", "modified_at").order_by("arxiv_id"))
    second = quiet("oai", DATA / "oai_arXivRaw_handmade.xml")
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert list(Paper.objects.values_list("arxiv_id", "modified_at").order_by("arxiv_id")) == before


@pytest.mark.parametrize(
    ("source_format", "name", "papers"),
    [
        ("atom", "q_testing_s0_m10_bc5a6c384fe9.json", 10),
        ("oai", "arxiv-physics-hep-th.xml", 3),
        ("feed", "arxiv_cs.AI_atom_2025-08-20.repaired.xml", 86),
        ("jsonl", "kaggle_snapshot_handmade.jsonl", 2),
        ("hf", "hfbot.jsonl", 3),
        ("listing", "new_astro-ph_excerpt", 4),
    ],
)
def test_every_format_imports_then_reimports_as_zero_new_zero_updated(
    source_format: str, name: str, papers: int
) -> None:
    first = quiet(source_format, DATA / name)
    assert first.new == papers and first.failed == 0
    second = quiet(source_format, DATA / name)
    assert (second.new, second.updated, second.featured, second.failed) == (0, 0, 0, 0)
    assert Paper.objects.count() == papers


def test_newer_version_updates_title_abstract_authors_and_version() -> None:
    quiet("jsonl", DATA / "kaggle_snapshot_handmade.jsonl")
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.version == 2
    assert (
        paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    v3 = PaperRecord(
        arxiv_id="0704.0001",
        version=3,
        title="A  new\n  title",
        abstract="New abstract.",
        authors=["Only One"],
        updated_at=dt.datetime(2010, 1, 1, tzinfo=dt.UTC),
    )
    result = quiet("jsonl", items=[("edit:1", v3)])
    assert result.updated == 1
    paper.refresh_from_db()
    assert (paper.title, paper.abstract, paper.authors, paper.version) == (
        "A new title",
        "New abstract.",
        ["Only One"],
        3,
    )
    assert paper.updated_at == dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    assert paper.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)  # v1 date stays
    older = PaperRecord(arxiv_id="0704.0001", version=1, title="Old title", authors=["Old"])
    assert quiet("jsonl", items=[("edit:2", older)]).updated == 0
    paper.refresh_from_db()
    assert paper.title == "A new title" and paper.version == 3


def test_tex_accents_become_unicode_and_the_raw_form_is_kept() -> None:
    quiet("oai", DATA / "oai_arXivRaw_handmade.xml")
    paper = Paper.objects.get(arxiv_id="1501.00002")
    assert paper.authors == ["Jane Doe", "René Gödel", "Nikola Pižurica"]
    assert paper.authors_raw == ["Jane Doe", "Ren\\'e G{\\\"o}del", "Nikola Pi\\v{z}urica"]
    assert paper.title == "An invented example with three versions"  # doubled spaces folded
    assert Paper.objects.get(arxiv_id="0704.0001").authors[0] == "C. Balázs"


def test_old_style_ids_keep_their_archive() -> None:
    quiet("listing", DATA / "9712_astro-ph_excerpt")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) >= {"astro-ph/9712001", "gr-qc/9712014"}


def test_announce_day_keeps_the_earliest_and_categories_merge(tmp_path: Path) -> None:
    line = json.loads((DATA / "2025-03-18.jsonl").read_text().splitlines()[0])
    (tmp_path / "2025-03-18.jsonl").write_text(json.dumps(line) + "\n")
    line["categories"] = ["cs.CV", "cs.LG"]
    with gzip.open(tmp_path / "2025-03-20.jsonl.gz", "wt") as fh:
        fh.write(json.dumps(line) + "\n")
    result = quiet("jsonl", tmp_path)
    assert (result.new, result.updated) == (1, 1)
    paper = Paper.objects.get(arxiv_id=line["id"])
    assert paper.announced_on == dt.date(2025, 3, 18)
    assert paper.categories == ["cs.CV", "cs.RO", "cs.LG"]


def test_featured_entries_and_upvote_snapshots() -> None:
    result = quiet("hf", DATA / "hf_daily_papers_handmade.json")
    assert (result.new, result.featured, result.failed) == (1, 1, 1)
    paper = Paper.objects.get(arxiv_id="2410.18978")
    entry = FeaturedEntry.objects.get(paper=paper)
    assert entry.featured_on == dt.date(2024, 10, 25) and entry.submitter_name == "akhaliq"
    assert (paper.imported_upvote_count, paper.upvote_count) == (42, 42)
    newer = PaperRecord(arxiv_id="2410.18978", title="t", upvotes=50, featured_on=dt.date(2024, 10, 25))
    again = quiet("hf", items=[("x#1", newer)])
    assert (again.updated, again.featured) == (1, 0)
    paper.refresh_from_db()
    assert (paper.imported_upvote_count, paper.upvote_count) == (50, 50)
    assert FeaturedEntry.objects.count() == 1


def test_malformed_records_are_reported_skipped_and_the_command_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"id": "2401.01234", "title": "Good one", "authors": "A and B"}\n'
        "{broken\n"
        '{"id": "2401.01235", "title": "Bad link", "code_url": "javascript:alert(1)"}\n'
        '{"id": "2401.01236", "title": "Good two", "authors": ["C"]}\n'
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 record"):
        call_command("ingest", "jsonl", str(bad), "--quiet", stdout=out, stderr=err)
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2401.01234", "2401.01236"}
    assert "new 2, updated 0, unchanged 0, featured 0, failed 2" in out.getvalue()
    assert f"skipped {bad}:2: invalid JSON" in err.getvalue()
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.PARTIAL
    assert [e["position"] for e in run.errors] == [f"{bad}:2", f"{bad}:3"]
    assert "code_url" in run.errors[1]["reason"]


def test_command_success_prints_the_summary() -> None:
    out = io.StringIO()
    call_command("ingest", "auto", str(DATA / "arxiv-single.xml"), "--quiet", stdout=out)
    assert "oai" in out.getvalue() and "new 1, updated 0" in out.getvalue() and "records/s" in out.getvalue()
    assert IngestRun.objects.get().status == IngestRun.Status.SUCCESS


def test_dry_run_stores_nothing() -> None:
    out = io.StringIO()
    call_command(
        "ingest", "jsonl", str(DATA / "kaggle_snapshot_handmade.jsonl"), "--dry-run", "--quiet", stdout=out
    )
    assert "dry run" in out.getvalue() and "new 2" in out.getvalue()
    assert not Paper.objects.exists() and not IngestRun.objects.exists()


def test_a_failure_inside_a_record_leaves_no_half_paper() -> None:
    """The featured entry of one record fails: that paper is not stored at all, the others are."""
    from paperboy.papers import services as paper_services

    real = FeaturedEntry.objects.get_or_create

    def flaky(**kwargs):
        if kwargs["paper"].arxiv_id == "2601.13097":
            raise RuntimeError("disk full in the middle of a record")
        return real(**kwargs)

    with (
        mock.patch.object(paper_services, "_create_featured_entries", side_effect=RuntimeError("batch")),
        mock.patch.object(FeaturedEntry.objects, "get_or_create", side_effect=flaky),
    ):
        result = quiet("hf", DATA / "hfbot.jsonl")
    assert (result.new, result.failed) == (2, 1)
    assert "disk full" in result.errors[0]["reason"]
    assert not Paper.objects.filter(arxiv_id="2601.13097").exists()
    assert FeaturedEntry.objects.count() == 2 == Paper.objects.count()


def test_a_crash_mid_run_commits_no_partial_batch_and_a_rerun_does_not_duplicate() -> None:
    good = [
        (f"f:{i}", PaperRecord(arxiv_id=f"2401.0000{i}", title=f"T{i}", featured_on=dt.date(2024, 1, 2)))
        for i in range(1, 4)
    ]

    def crashing():
        yield from good
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        quiet("jsonl", items=crashing())
    assert not Paper.objects.exists() and not FeaturedEntry.objects.exists()
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED
    result = quiet("jsonl", items=good + good)
    assert (result.new, result.unchanged, result.featured) == (3, 3, 3)
    assert Paper.objects.count() == 3 and FeaturedEntry.objects.count() == 3


def test_batches_isolate_a_bad_record_and_keep_counts() -> None:
    items: list = [(f"f:{i}", PaperRecord(arxiv_id=f"2402.{i:05d}", title="T")) for i in range(1, 8)]
    items.insert(3, ("f:bad", ParseError("no title")))
    result = quiet("jsonl", items=items, batch_size=3)
    assert (result.seen, result.new, result.failed) == (8, 7, 1)
    assert result.errors == [{"position": "f:bad", "reason": "no title"}]


def test_search_index_gets_new_and_updated_papers_in_batches() -> None:
    with mock.patch("paperboy.search.index_papers") as index:
        quiet("jsonl", DATA / "kaggle_snapshot_handmade.jsonl")
        quiet("jsonl", DATA / "kaggle_snapshot_handmade.jsonl")
    assert index.call_count == 1
    assert sorted(index.call_args.args[0]) == sorted(Paper.objects.values_list("pk", flat=True))


def test_progress_shows_records_rate_and_time_left() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, interval=2.0, clock=lambda: now[0])
    assert progress.update(100, 0.1) is None  # too early
    now[0] = 10.0
    line = progress.update(5000, 0.25)
    assert line == "ingest: 5,000 records, 500/s, 25% read, ~0:00:30 left"
    assert stream.getvalue().strip() == line


def test_guess_format() -> None:
    assert guess_format(DATA / "oai_page1.xml") == "oai"
    assert guess_format(DATA / "arxiv_cs.AI_atom_2025-08-20.repaired.xml") == "feed"
    assert guess_format(DATA / "legacy_2016_id_list_1111.2011v2.xml") == "atom"
    assert guess_format(DATA / "q_testing_s0_m10_bc5a6c384fe9.json") == "atom"
    assert guess_format(DATA / "9712_astro-ph_excerpt") == "listing"
    assert guess_format(DATA / "hfbot.jsonl") == "hf"
    assert guess_format(DATA / "hf_daily_papers_handmade.json") == "hf"
    assert guess_format(DATA / "kaggle_snapshot_handmade.jsonl") == "jsonl"


def test_load_demo_imports_the_manifest_once(tmp_path: Path, settings) -> None:
    shutil.copy(DATA / "kaggle_snapshot_handmade.jsonl", tmp_path / "a.jsonl")
    shutil.copy(DATA / "hfbot.jsonl", tmp_path / "b.jsonl")
    (tmp_path / "manifest.json").write_text(
        json.dumps([{"format": "jsonl", "path": "a.jsonl"}, {"format": "hf", "path": "b.jsonl"}])
    )
    settings.DEMO_DIR = tmp_path
    out = io.StringIO()
    call_command("load_demo", "--quiet", stdout=out)
    assert Paper.objects.count() == 5 and FeaturedEntry.objects.count() == 3
    # Sample data, not an update of the site: /readyz and /status do not count these runs.
    assert set(IngestRun.objects.values_list("demo", flat=True)) == {True}
    call_command("load_demo", "--quiet", stdout=out)
    assert "skipped" in out.getvalue()
    out = io.StringIO()
    call_command("load_demo", "--quiet", "--force", stdout=out)
    assert out.getvalue().count("new 0, updated 0") == 2


# --- runs left "running" by a dead process ------------------------------------------------------


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running(process: str, *, minutes_ago: float = 0) -> IngestRun:
    heartbeat = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return IngestRun.objects.create(source="feed", location="live", process=process, heartbeat_at=heartbeat)


def test_runs_of_dead_or_silent_processes_are_abandoned(settings) -> None:
    import socket

    settings.INGEST_STALE_MINUTES = 60
    host = socket.gethostname()
    killed = _running(f"{host}:{_dead_pid()}")
    alive_here = _running(f"{host}:{os.getppid()}", minutes_ago=5)  # pytest's parent: alive
    elsewhere_recent = _running("other-host:123", minutes_ago=30)
    elsewhere_silent = _running("other-host:456", minutes_ago=61)
    legacy = IngestRun.objects.create(source="oai", location="x")  # no process, no heartbeat
    IngestRun.objects.filter(pk=legacy.pk).update(started_at=timezone.now() - dt.timedelta(hours=3))

    abandoned = abandon_stale_runs()
    assert {r.pk for r in abandoned} == {killed.pk, elsewhere_silent.pk, legacy.pk}
    status = dict(IngestRun.objects.values_list("pk", "status"))
    assert status[killed.pk] == status[elsewhere_silent.pk] == status[legacy.pk] == "abandoned"
    assert status[alive_here.pk] == status[elsewhere_recent.pk] == "running"
    killed.refresh_from_db()
    assert killed.finished_at is not None and "is gone" in killed.message
    assert abandon_stale_runs() == []  # nothing twice


def test_the_next_run_abandons_the_killed_one_and_records_its_process(tmp_path: Path) -> None:
    import socket

    killed = _running(f"{socket.gethostname()}:{_dead_pid()}")
    shutil.copy(DATA / "hfbot.jsonl", tmp_path / "b.jsonl")
    result = run_ingest("hf", tmp_path / "b.jsonl", progress=None, index=False)
    killed.refresh_from_db()
    assert killed.status == IngestRun.Status.ABANDONED
    assert result.run is not None and result.run.status == IngestRun.Status.SUCCESS
    assert result.run.process.endswith(f":{os.getpid()}") and result.run.heartbeat_at
    assert result.run.demo is False
