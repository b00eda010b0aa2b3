"""Data migrations of the ingest app, run forward from the state before them on the real database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("ingest", "0002_ingestrun_demo_process_heartbeat")]
AFTER = [("ingest", "0003_mark_earlier_demo_runs")]


@pytest.mark.django_db(transaction=True)
def test_upgrade_marks_the_demo_imports_made_before_the_demo_flag():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("ingest", "IngestRun")
    demo_dir = str(settings.DEMO_DIR)
    old.objects.create(
        source="jsonl", location=f"{demo_dir}/seed-search-sparse-guidance.jsonl.gz", status="success"
    )
    old.objects.create(
        source="hf",
        location="/srv/old-checkout/demo/hf-daily-papers-hfbot-2026-02.jsonl.gz",
        status="success",
    )
    # A real import of a file with a demo file's name, outside a demo folder; and a live ingest.
    old.objects.create(source="hf", location="/data/hf-daily-papers-hfbot-2026-02.jsonl.gz", status="success")
    old.objects.create(source="feed", location="https://rss.arxiv.org/rss/cs.CL", status="success")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("ingest", "IngestRun")
    marked = dict(new.objects.values_list("location", "demo"))
    assert marked == {
        f"{demo_dir}/seed-search-sparse-guidance.jsonl.gz": True,
        "/srv/old-checkout/demo/hf-daily-papers-hfbot-2026-02.jsonl.gz": True,
        "/data/hf-daily-papers-hfbot-2026-02.jsonl.gz": False,
        "https://rss.arxiv.org/rss/cs.CL": False,
    }
