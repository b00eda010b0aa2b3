"""Hugging Face's own client (huggingface_hub.HfApi.list_daily_papers) reads our /api/daily_papers
after only its endpoint changes: the compatibility promise of issue 6, checked with the real client."""

from __future__ import annotations

import datetime as dt

import pytest
from huggingface_hub import HfApi

from paperboy.api.tests.conftest import load_corpus
from paperboy.papers.models import FeaturedEntry


@pytest.fixture
def hf_api(live_server, transactional_db, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # the server is local (live_server on 127.0.0.1), not the Hub
    load_corpus()
    return HfApi(endpoint=live_server.url, token=False)


def test_hf_client_lists_a_day_week_month_and_pages(hf_api):
    papers = list(hf_api.list_daily_papers(date="2026-02-03"))
    entries = FeaturedEntry.objects.filter(featured_on=dt.date(2026, 2, 3)).select_related("paper")
    assert {p.id for p in papers} == {e.paper.arxiv_id for e in entries}
    by_id = {e.paper.arxiv_id: e for e in entries}
    for info in papers:
        entry = by_id[info.id]
        assert info.title == entry.paper.title
        assert info.summary == (entry.paper.abstract or None)  # HfApi maps "" to None
        assert [a.name for a in info.authors] == entry.paper.authors
        assert info.submitted_at == entry.featured_at
        assert info.submitted_by.name == entry.submitter_name
        assert info.github_repo == (entry.paper.code_url or None)
        assert info.comments == 0
        if entry.paper.upvote_count:  # HfApi maps 0 upvotes to None (`x or None`)
            assert info.upvotes == entry.paper.upvote_count
    week = list(hf_api.list_daily_papers(week="2026-W07", sort="trending", limit=100))
    assert {p.submitted_at.date().isoformat() for p in week} == {"2026-02-09", "2026-02-10", "2026-02-13"}
    month = list(hf_api.list_daily_papers(month="2026-02", limit=100))
    assert len(month) == FeaturedEntry.objects.values("paper").distinct().count()
    first = list(hf_api.list_daily_papers(limit=5))
    second = list(hf_api.list_daily_papers(limit=5, p=1))
    assert len(first) == len(second) == 5 and not {p.id for p in first} & {p.id for p in second}
    mine = list(hf_api.list_daily_papers(month="2026-02", submitter="akhaliq", limit=100))
    assert mine and {p.submitted_by.name for p in mine} == {"akhaliq"}
