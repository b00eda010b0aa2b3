from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from paperboy.ingest.models import IngestRun


def make_index(settings) -> None:
    index = settings.SEARCH_INDEX_DIR
    index.mkdir(parents=True, exist_ok=True)
    (index / "meta.json").write_text("{}")


def finished_ingest(hours_ago: float) -> IngestRun:
    run = IngestRun.objects.create(source="atom", location="test", status=IngestRun.Status.SUCCESS)
    run.finished_at = timezone.now() - dt.timedelta(hours=hours_ago)
    run.save()
    return run


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django makes any database access in this test raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readyz_is_ready_with_database_index_and_a_recent_ingest(client, settings):
    make_index(settings)
    finished_ingest(hours_ago=5)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["search_index"] == "ok"
    assert body["checks"]["ingest"] == "ok"
    assert 4.9 < body["checks"]["last_ingest_age_hours"] < 5.1


@pytest.mark.django_db
def test_the_demo_corpus_is_not_a_recent_ingest(client, settings):
    make_index(settings)
    demo = finished_ingest(hours_ago=1)
    IngestRun.objects.filter(pk=demo.pk).update(demo=True)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["ingest"] == "never" and "demo corpus" in checks["ingest_note"]
    page = client.get("/status").content.decode()
    assert "No successful ingest yet" in page and "(demo corpus)" in page
    # Nor in every page's footer.
    footer = client.get("/").content.decode()
    assert "No successful ingest yet" in footer and "Last successful update:" not in footer
    finished_ingest(hours_ago=2)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_without_a_search_index(client, caplog, monkeypatch):
    from paperboy.ops import views

    monkeypatch.setattr(views, "_last_ready", None)
    finished_ingest(hours_ago=1)
    with caplog.at_level(logging.INFO):
        response = client.get("/readyz")
        client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["search_index"] == "missing"
    # An answer, not a server error: nothing from django.request, and one WARNING for two probes.
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelno for r in caplog.records if r.name == "paperboy.ops.views"] == [logging.WARNING]


@pytest.mark.django_db
def test_readyz_fails_when_the_last_ingest_is_too_old(client, settings):
    make_index(settings)
    settings.READY_MAX_INGEST_AGE_HOURS = 24
    finished_ingest(hours_ago=30)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["ingest"] == "stale"
    settings.READY_MAX_INGEST_AGE_HOURS = 0  # check turned off
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_when_the_database_is_unreachable(client, settings):
    make_index(settings)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"].startswith("error: OperationalError")
    assert checks["ingest"] == "unknown"


@pytest.mark.django_db
def test_the_status_page_shows_the_last_successful_update(client):
    finished_ingest(hours_ago=2)
    IngestRun.objects.create(source="feed", location="live", status=IngestRun.Status.FAILED)
    page = client.get("/status").content.decode()
    assert "Last successful update" in page
    assert "finished with errors" not in page
    assert "failed" in page
