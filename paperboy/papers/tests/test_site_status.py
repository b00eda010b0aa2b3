"""The footer's last update and the import banner: remembered a few seconds on pages the page cache never
stores (search), always fresh on pages it may store."""

import pytest
from django.apps import apps
from django.utils import timezone

from paperboy import context_processors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_status():
    context_processors._status.clear()
    yield
    context_processors._status.clear()


def _finished_run() -> None:
    # papers never imports ingest (STYLE: imports point inwards), so the model is looked up by name.
    IngestRun = apps.get_model("ingest", "IngestRun")
    now = timezone.now()
    IngestRun.objects.create(source="hf", location="test", started_at=now, finished_at=now, status="success")


def test_search_pages_reuse_the_status_for_a_few_seconds(client, settings, django_assert_max_num_queries):
    settings.SITE_STATUS_TTL_SECONDS = 60
    assert "No successful ingest yet" in client.get("/search").content.decode()
    _finished_run()
    with django_assert_max_num_queries(0):
        assert "No successful ingest yet" in client.get("/search").content.decode()
    context_processors._status.clear()  # as after the 60 s
    assert "Last successful update" in client.get("/search").content.decode()


def test_pages_the_page_cache_stores_always_render_the_newest_import(client, settings):
    settings.SITE_STATUS_TTL_SECONDS = 60
    settings.PAGE_CACHE_SECONDS = 300
    assert "No successful ingest yet" in client.get("/search").content.decode()
    _finished_run()
    assert "Last successful update" in client.get("/").content.decode()
    assert "Last successful update" in client.get("/search").content.decode()  # refreshed by that read


def test_no_reuse_with_a_zero_ttl(client, settings):
    settings.SITE_STATUS_TTL_SECONDS = 0
    assert "No successful ingest yet" in client.get("/search").content.decode()
    _finished_run()
    assert "Last successful update" in client.get("/search").content.decode()
