"""What a person sees: the daily page, a paper page with typeset math, and the search form, in Chromium.

Runs Playwright against Debian's /usr/bin/chromium (root conftest.py ``browser``/``page`` fixtures;
skipped loudly when it is missing). Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

DAY = dt.date(2026, 2, 3)
SHOTS = Path(settings.BASE_DIR) / "build" / "screenshots"


@pytest.fixture
def daily_list(real_papers):
    """The six real papers featured on DAY; the math paper gets the most upvotes; a successful ingest run."""
    from paperboy.papers.models import FeaturedEntry, Paper

    upvotes = {"2503.11945": 25, "2504.17768": 13, "2412.09349": 8, "2509.24014": 5, "2505.14708": 2}
    for paper in real_papers:
        FeaturedEntry.objects.create(paper=paper, featured_on=DAY)
        if paper.arxiv_id in upvotes:
            Paper.objects.filter(pk=paper.pk).update(upvote_count=upvotes[paper.arxiv_id])
    IngestRun = apps.get_model("ingest", "IngestRun")
    IngestRun.objects.create(
        source="hf",
        location="test",
        status="success",
        finished_at=dt.datetime(2026, 2, 3, 21, 5, tzinfo=dt.UTC),
    )
    return {p.arxiv_id: p for p in real_papers}


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_daily_page_paper_page_and_search_as_a_reader_sees_them(live_server, page, daily_list):
    # Daily list: the latest featured day, ranked by upvotes.
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Tuesday, February 3, 2026"
    titles = page.locator(".card-title").all_inner_texts()
    assert len(titles) == 6
    assert titles[0].startswith("Your Text Encoder Can Be An Object-Level Watermarking Controller")
    assert titles[1] == "The Sparse Frontier: Sparse Attention Trade-offs in Transformer LLMs"
    first = page.locator(".card").nth(1)
    assert "6 authors" in first.inner_text()
    assert first.locator(".vote-count").inner_text() == "13"
    draft = page.locator(".card", has_text="DraftAttention")
    assert "10 authors" in draft.inner_text()
    assert "May 17, 2025" in draft.inner_text()
    footer = page.get_by_test_id("last-update").inner_text()
    assert "Last successful update: Feb 3, 2026, 21:05 UTC (hf)" in footer
    assert _no_horizontal_scroll(page)
    _shot(page, "daily-desktop")

    # Paper page, reached by clicking its card: full abstract with KaTeX-rendered math.
    page.get_by_role("link", name="Your Text Encoder Can Be An Object-Level Watermarking Controller").click()
    page.wait_for_url(re.compile(r"/papers/2503\.11945$"))
    page.locator(".abstract .katex").first.wait_for()
    # $W_*$, $99\%$, $48$ and $10^5 \times$: four typeset spans, no raw TeX left.
    assert page.locator(".abstract .katex").count() == 4
    abstract = page.locator(".abstract").inner_text()
    assert "Invisible watermarking of AI-generated images" in abstract
    assert "enabling efficient watermarking." in abstract
    assert "$" not in abstract and "\\times" not in abstract
    authors = page.locator(".paper-authors").inner_text()
    for name in daily_list["2503.11945"].authors:
        assert name in authors
    assert "6 authors" in authors
    assert (
        page.get_by_role("link", name="View PDF").get_attribute("href") == "https://arxiv.org/pdf/2503.11945"
    )
    assert "25" in page.locator(".actions .vote").inner_text()
    assert "FEATURED ON\nFeb 3, 2026" in page.locator(".paper-facts").inner_text()  # dt is upper-cased by CSS
    _shot(page, "paper-desktop")

    # Search from the header box: the form submits to /search?q=...
    box = page.get_by_role("searchbox", name="Search papers")
    box.fill("sparse attention")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=sparse\+attention$"))
    assert page.evaluate("location.pathname + location.search") == "/search?q=sparse+attention"
    _shot(page, "search-desktop")


def test_pages_fit_a_phone_screen(live_server, browser, daily_list):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True
    )
    phone = context.new_page()
    try:
        phone.goto(live_server.url + "/")
        assert phone.locator(".card").count() == 6
        assert phone.get_by_role("searchbox", name="Search papers").is_visible()
        assert _no_horizontal_scroll(phone)
        _shot(phone, "daily-mobile")
        phone.goto(live_server.url + "/papers/2503.11945")
        phone.locator(".abstract .katex").first.wait_for()
        assert _no_horizontal_scroll(phone)
        _shot(phone, "paper-mobile")
    finally:
        context.close()


def test_paper_page_is_readable_without_javascript(live_server, browser, daily_list):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 800})
    tab = context.new_page()
    try:
        tab.goto(live_server.url + "/papers/2503.11945")
        text = tab.locator(".abstract").inner_text()
        assert "fine-tuning text token embeddings $W_*$, we" in text
        assert tab.locator(".katex").count() == 0
    finally:
        context.close()
