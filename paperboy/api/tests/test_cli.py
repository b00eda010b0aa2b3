"""The ``paperboy`` console script: --help of each command, status, search, pass-through commands."""

from __future__ import annotations

import json

import pytest
from django.core.management import get_commands

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
        for name in ("serve", "ingest", "embed", "digests", "search", "status"):
            assert f"    {name}" in out


@pytest.mark.parametrize(
    ("words", "command"),
    [(["ingest"], "ingest"), (["embed"], "embed"), (["digests", "send"], "send_digests")],
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


def test_status_reports_counts_last_ingest_and_index(capsys, corpus):
    IngestRun.objects.create(source="hf", location="demo/hf.jsonl.gz", status="success", new_count=72)
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
    assert status["search_index"]  # the search app's index_status(), else the index folder's files
    assert cli.main(["status"]) == 0
    text = capsys.readouterr().out
    assert f"papers              {corpus['papers']}" in text
    assert "last successful     success" in text
    assert "newest 2026-02-13" in text


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
