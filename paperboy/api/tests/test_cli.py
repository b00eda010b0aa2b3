"""The ``paperboy`` console script: --help of each command, status, search, pass-through commands."""

from __future__ import annotations

import json

import pytest
from django.core.management import get_commands
from django.utils import timezone

from paperboy import cli
from paperboy.ingest.models import IngestRun
from paperboy.papers.models import FeaturedEntry, Paper


@pytest.mark.parametrize("words", [[], ["serve"], ["search"], ["status"], ["digests"]])
def test_help_of_each_command(capsys, words):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*words, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: paperboy")
    if not words:
        for name in (
            "serve",
            "ingest",
            "embed",
            "digests",
            "search",
            "status",
            "worker",
            "backup",
            "restore",
        ):
            assert f"    {name}" in out


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["ingest"], "ingest"),
        (["embed"], "embed"),
        (["digests", "send"], "send_digests"),
        (["worker"], "worker"),
        (["backup"], "backup"),
        (["restore"], "restore"),
    ],
)
def test_help_of_pass_through_commands(capsys, words, command):
    assert cli.main([*words, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"Arguments are those of `manage.py {command}`" in out
    if command in get_commands():
        assert f"usage: paperboy {command}" in out
    else:
        assert "is not available in this installation" in out


def test_missing_command_fails_with_a_message_not_a_traceback(capsys, monkeypatch):
    monkeypatch.setitem(cli.PASS_THROUGH, ("ingest",), ("no_such_command_here", "Import papers"))
    assert cli.main(["ingest", "--source", "hf", "file.json"]) == cli.EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert err.startswith("paperboy: `no_such_command_here` is not available")
    assert "Traceback" not in err


def test_pass_through_hands_arguments_to_the_management_command(capsys, monkeypatch, db):
    monkeypatch.setitem(cli.PASS_THROUGH, ("embed",), ("showmigrations", "Compute meaning vectors"))
    assert cli.main(["embed", "api", "--plan"]) == 0
    assert "api.0001_initial" in capsys.readouterr().out


def test_serve_migrates_then_runs_the_development_server(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "run_management_command", lambda name, args: calls.append((name, args)) or 0)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert calls == [("migrate", ["--no-input"]), ("runserver", ["127.0.0.1:8123"])]


def test_serve_prod_hands_over_to_serve_prod(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(cli, "run_management_command", lambda name, args: calls.append((name, args)) or 0)
    assert cli.main(["serve", "--prod"]) == 0
    assert cli.main(["serve", "--prod", "--port", "8123", "--workers", "3", "--no-migrate"]) == 0
    assert calls == [
        ("serve_prod", []),  # PAPERBOY_WEB_BIND and PAPERBOY_WEB_WORKERS decide
        ("serve_prod", ["--bind", "127.0.0.1:8123", "--workers", "3", "--skip-setup"]),
    ]


def test_serve_prod_dry_run_prints_the_gunicorn_command(capsys):
    assert cli.run_management_command("serve_prod", ["--dry-run", "--bind", "127.0.0.1:8123"]) == 0
    out = capsys.readouterr().out
    assert "gunicorn paperboy.wsgi:application --bind 127.0.0.1:8123" in out
    assert "--no-control-socket" in out  # one per user by default: servers would take it from each other


def test_backup_pass_through_writes_a_backup(capsys, transactional_db, tmp_path):
    from django.db import connection

    from paperboy.ops.services import file_engine

    target = tmp_path / "b.backup"
    assert cli.main(["backup", str(target)]) == 0
    assert "backup written" in capsys.readouterr().out
    assert file_engine(target) == ("sqlite" if connection.vendor == "sqlite" else "postgresql")


def test_status_reports_counts_last_ingest_and_index(capsys, corpus):
    now = timezone.now()
    IngestRun.objects.create(
        source="hf", location="hf-2026-02.jsonl.gz", status="success", new_count=72, finished_at=now
    )
    # load_demo's sample data, newer: not an update of the papers, as on /status.
    IngestRun.objects.create(
        source="jsonl", location="demo/x.jsonl.gz", status="success", new_count=9, demo=True, finished_at=now
    )
    IngestRun.objects.create(source="feed", location="cs.CL", status="failed", message="HTTP 503")
    assert cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["papers"] == Paper.objects.count() == corpus["papers"]
    assert status["featured_entries"] == FeaturedEntry.objects.count()
    assert status["featured_days"] == 6
    assert status["newest_featured_day"] == "2026-02-13"
    assert status["last_ingest"]["status"] == "failed"
    assert status["last_successful_ingest"]["new"] == 72
    assert status["database"]["pending_migrations"] == 0
    assert status["search_index"]["documents"] == corpus["papers"] and status["search_index"]["in_step"]
    assert status["search_index"]["files"] > 0
    assert cli.main(["status"]) == 0
    text = capsys.readouterr().out
    assert f"papers              {corpus['papers']}" in text
    assert "last successful     success" in text
    assert "newest 2026-02-13" in text
    assert f"search index        {corpus['papers']} documents (in step" in text


def test_search_prints_a_ranked_table_and_json(capsys, corpus):
    assert cli.main(["search", "--limit", "3", "Effective Spectral Unmixing"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["#", "arXiv", "id", "title", "upvotes", "date"]
    assert lines[2].split()[:2] == ["1", "1409.0685"]
    assert "Effective Spectral Unmixing" in lines[2] and "2014-09-02" in lines[2]
    assert cli.main(["search", "--json", "--limit", "3", "Effective Spectral Unmixing"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == "1409.0685" and rows[0]["rank"] == 1
    assert rows[0]["title"] == Paper.objects.get(arxiv_id="1409.0685").title
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


def test_search_with_no_results_says_so(capsys, db):
    assert cli.main(["search", "zzzz-nothing-matches-this"]) == 0
    assert "No papers match" in capsys.readouterr().out


def test_ingest_then_status_and_search_end_to_end(capsys, transactional_db, settings):
    """`paperboy ingest` runs the real ingest command; status and search then see what it imported.

    transactional_db: a command run from the command line closes every database connection when it ends
    (Django's BaseCommand.run_from_argv), which would end a test transaction."""
    demo = settings.BASE_DIR / "demo" / "hf-daily-papers-hfbot-2026-02.jsonl.gz"
    assert cli.main(["ingest", "hf", str(demo), "--limit", "40", "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["papers"] == Paper.objects.count() > 0
    run = IngestRun.objects.get()
    assert status["last_successful_ingest"]["status"] == run.status == "success"
    assert status["last_successful_ingest"]["new"] == run.new_count == Paper.objects.count()
    assert status["search_index"]["documents"] == status["papers"] and status["search_index"]["in_step"]
    # A plain title (no search syntax such as a leading "-" that would exclude a word).
    paper = next(
        p for p in Paper.objects.order_by("arxiv_id") if all(c.isalnum() or c in " ,:" for c in p.title)
    )
    assert cli.main(["search", "--json", "--mode", "keyword", paper.title]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == paper.arxiv_id


@pytest.mark.parametrize("limit", ["0", "-5", "many"])
def test_search_limit_must_be_positive(capsys, limit):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["search", "--limit", limit, "x"])
    assert exit_info.value.code == 2
    assert "argument --limit" in capsys.readouterr().err


def test_status_prints_the_search_index_line_once_and_whole(capsys, corpus):
    from paperboy.search.models import PaperEmbedding

    assert cli.main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    index_lines = [line for line in lines if line.startswith("search index")]
    assert len(index_lines) == 1
    assert index_lines[0].count("documents") == 1 and index_lines[0].rstrip().endswith("/search")
    embeddings = [line for line in lines if line.startswith("embeddings")]
    assert embeddings == [
        f"embeddings          {PaperEmbedding.objects.count()} of {corpus['papers']} papers"
    ]


def test_digests_send_with_a_bad_date_is_a_usage_error(capsys, db):
    assert cli.main(["digests", "send", "--date", "bad"]) == 2
    err = capsys.readouterr().err
    assert "argument --date: 'bad' is not a day written YYYY-MM-DD" in err
    assert "Traceback" not in err


def test_search_keeps_info_logs_off_stderr(capsys, corpus, monkeypatch):
    import logging

    monkeypatch.delenv("PAPERBOY_LOG_LEVEL", raising=False)
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # restored after the test
    assert cli.main(["search", "--limit", "2", "spectral"]) == 0
    assert not logging.getLogger("paperboy.search").isEnabledFor(logging.INFO)
