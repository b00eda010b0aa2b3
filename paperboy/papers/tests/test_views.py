from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.utils import timezone

from paperboy.papers.models import FeaturedEntry, Paper

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _ingest_run(**fields):
    # papers never imports ingest (STYLE: imports point inwards), so the model is looked up by name.
    IngestRun = apps.get_model("ingest", "IngestRun")
    return IngestRun.objects.create(source=fields.pop("source", "hf"), location="test", **fields)


# --- Daily list -------------------------------------------------------------------------------------------


def test_home_shows_the_latest_featured_day_ranked_by_upvotes(client, make_paper):
    make_paper("2602.00001", title="Older day paper", upvotes=50, featured=["2026-02-02"])
    make_paper("2602.00002", title="Few votes", upvotes=3, featured=["2026-02-03"])
    make_paper("2602.00003", title="Many votes", upvotes=12, featured=["2026-02-03"])

    response = client.get("/")

    assert response.status_code == 200
    html = _text(response)
    assert "Tuesday, February 3, 2026" in html
    assert html.index("Many votes") < html.index("Few votes")
    assert "Older day paper" not in html
    assert 'rel="prev" href="/day/2026-02-02"' in html
    assert 'aria-disabled="true">Next' in html


def test_home_without_papers_shows_an_empty_state(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "No papers yet" in _text(response)


def test_day_page_links_the_nearest_days_with_entries(client, make_paper):
    make_paper("2601.00001", featured=["2026-01-28"])
    make_paper("2602.00002", title="Middle", featured=["2026-02-03"])
    make_paper("2602.00003", featured=["2026-02-09"])

    html = _text(client.get("/day/2026-02-03"))

    assert "Middle" in html
    assert 'rel="prev" href="/day/2026-01-28"' in html
    assert 'rel="next" href="/day/2026-02-09"' in html
    assert 'href="/week/2026-W06"' in html
    assert 'href="/month/2026-02"' in html


def test_an_empty_day_is_a_friendly_page_with_links_to_days_that_have_papers(client, make_paper):
    make_paper("2602.00001", featured=["2026-02-02"])
    make_paper("2602.00002", featured=["2026-02-06"])

    response = client.get("/day/2026-02-04")

    assert response.status_code == 200
    html = _text(response)
    assert "No papers on this day" in html
    assert 'href="/day/2026-02-02"' in html
    assert 'href="/day/2026-02-06"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/day/2026-02-30",
        "/day/2026-13-01",
        "/day/26-02-01",
        "/day/yesterday",
        "/week/2026-W00",
        "/week/2026-W54",
        "/week/2025-W53",
        "/week/2026-06",
        "/month/2026-00",
        "/month/2026-13",
        "/month/2026-2",
    ],
)
def test_invalid_dates_are_404_not_500(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_card_shows_title_authors_count_date_and_upvotes(client, make_paper):
    make_paper(
        "2602.00001",
        title="Card paper",
        upvotes=42,
        published="2025-09-02",
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"],
        abstract="We study $x^2$ in depth.",
        featured=["2026-02-03"],
    )

    html = _text(client.get("/day/2026-02-03"))

    assert "Card paper" in html
    assert "Ada Lovelace, Alan Turing, Grace Hopper and 2 more" in html
    assert "5 authors" in html
    assert re.search(r'class="vote-count"[^>]*>42<', html)
    assert "Sep 2, 2025" in html
    assert "We study $x^2$ in depth." in html
    assert 'href="/papers/2602.00001"' in html


# --- Week and month ---------------------------------------------------------------------------------------


def test_week_page_holds_monday_to_sunday_and_links_neighbouring_weeks(client, make_paper):
    make_paper("2512.00001", title="Sunday before", featured=["2025-12-28"])
    make_paper("2512.00002", title="Monday first", upvotes=2, featured=["2025-12-29"])
    make_paper("2601.00003", title="Sunday last", upvotes=1, featured=["2026-01-04"])
    make_paper("2601.00004", title="Monday after", featured=["2026-01-05"])

    response = client.get("/week/2026-W01")

    assert response.status_code == 200
    html = _text(response)
    assert "Week 1, 2026" in html
    assert "Mon, Dec 29, 2025 – Sun, Jan 4, 2026" in html
    assert "Monday first" in html and "Sunday last" in html
    assert "Sunday before" not in html and "Monday after" not in html
    assert 'rel="prev" href="/week/2025-W52"' in html
    assert 'rel="next" href="/week/2026-W02"' in html
    assert "Dec 29" in html  # cards show the featured day on week pages
    assert 'href="/day/2026-01-04"' in html  # the Day tab opens the newest day with papers


def test_day_without_a_date_redirects_home(client):
    assert client.get("/day")["Location"] == "/"


def test_month_page_boundaries_and_neighbours(client, make_paper):
    make_paper("2601.00001", title="January last", featured=["2026-01-31"])
    make_paper("2602.00002", title="February first", featured=["2026-02-01"])
    make_paper("2602.00003", title="February last", featured=["2026-02-28"])
    make_paper("2604.00004", title="April", featured=["2026-04-10"])

    html = _text(client.get("/month/2026-02"))

    assert "February 2026" in html
    assert "February first" in html and "February last" in html
    assert "January last" not in html and "April" not in html
    assert 'rel="prev" href="/month/2026-01"' in html
    assert 'rel="next" href="/month/2026-04"' in html  # March is empty: skipped


def test_long_months_are_paginated(client, make_paper):
    for n in range(35):
        make_paper(f"2602.{n:05d}", title=f"Paper number {n:02d}", upvotes=n, featured=["2026-02-10"])

    first = _text(client.get("/month/2026-02"))
    second = _text(client.get("/month/2026-02?page=2"))

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Paper number 34" in first and "Paper number 05" in first
    assert "Paper number 04" in second and "Paper number 34" not in second
    assert client.get("/month/2026-02?page=junk").status_code == 200


def test_week_and_month_shortcuts_redirect_to_the_latest_featured_day(client, make_paper):
    make_paper("2602.00001", featured=["2026-02-03"])

    assert client.get("/week")["Location"] == "/week/2026-W06"
    assert client.get("/month")["Location"] == "/month/2026-02"


# --- Trending -----------------------------------------------------------------------------------------------


def test_trending_page_orders_by_score_and_documents_the_formula(client, make_paper):
    now = timezone.now()
    make_paper(
        "2602.00001",
        title="Old but loved",
        upvotes=30,
        featured=[now.date()],
        featured_at=now - dt.timedelta(hours=48),
    )
    make_paper(
        "2602.00002",
        title="Fresh",
        upvotes=10,
        featured=[now.date()],
        featured_at=now - dt.timedelta(hours=10),
    )

    html = _text(client.get("/trending"))

    assert html.index("Fresh") < html.index("Old but loved")
    assert "Featured 10 hours ago · score 0.114" in html  # 10 / 12^1.8 = 0.1142
    assert "Featured 2 days ago · score 0.026" in html  # 30 / 50^1.8 = 0.0262
    assert "How trending works" in html
    assert "score = upvotes / (age in hours + 2)<sup>1.8</sup>" in html


def test_trending_page_empty_state(client):
    assert "Nothing trending right now" in _text(client.get("/trending"))


# --- Paper page -----------------------------------------------------------------------------------------------


def test_paper_page_shows_everything_about_the_paper(client, make_paper):
    make_paper(
        "2602.01234",
        title="A $\\mathcal{O}(n)$ method",
        abstract='We show $E = mc^2$ and $$\\sum_i x_i$$ hold, 30\\% faster than \\emph{na\\"ive} runs.',
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        upvotes=7,
        version=3,
        published="2026-02-01",
        updated_at=dt.datetime(2026, 2, 20, tzinfo=dt.UTC),
        announced_on=dt.date(2026, 2, 2),
        primary_category="cs.LG",
        categories=["cs.LG", "stat.ML"],
        comments="12 pages, 3 figures",
        journal_ref="J. Test 1 (2026) 1-12",
        doi="10.1000/xyz123",
        code_url="https://github.com/example/repo",
        project_url="https://example.org/project",
        featured=["2026-02-03", "2026-02-04"],
    )

    response = client.get("/papers/2602.01234")

    assert response.status_code == 200
    html = _text(response)
    assert "A $\\mathcal{O}(n)$ method" in html  # raw TeX kept for KaTeX (readable without JS)
    assert "We show $E = mc^2$ and $$\\sum_i x_i$$ hold, 30% faster than naïve runs." in html
    assert "Ada Lovelace" in html and "Grace Hopper" in html and "3 authors" in html
    assert 'href="https://arxiv.org/abs/2602.01234"' in html
    assert 'href="https://arxiv.org/pdf/2602.01234"' in html
    assert 'href="https://github.com/example/repo"' in html
    assert 'href="https://example.org/project"' in html
    assert 'href="https://doi.org/10.1000/xyz123"' in html
    assert "data-count>7<" in html
    assert re.search(r'chip chip-primary"[^>]*>cs\.LG', html)
    assert "stat.ML" in html
    assert "12 pages, 3 figures" in html and "J. Test 1 (2026) 1-12" in html
    assert "Published (v1)" in html and "Feb 1, 2026" in html
    assert "Updated (v3)" in html and "Feb 20, 2026" in html
    assert "Announced" in html and "Feb 2, 2026" in html
    assert 'href="/day/2026-02-03"' in html and 'href="/day/2026-02-04"' in html
    assert "vendor/katex/katex.min.js" in html


def test_old_style_ids_with_a_slash_work(client, make_paper):
    make_paper("hep-th/9901001", title="Old style")

    response = client.get("/papers/hep-th/9901001")

    assert response.status_code == 200
    assert "Old style" in _text(response)
    assert 'href="https://arxiv.org/abs/hep-th/9901001"' in _text(response)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/papers/2401.01234v2", "/papers/2401.01234"),
        ("/papers/arXiv:2401.01234", "/papers/2401.01234"),
        ("/papers/https://arxiv.org/abs/2401.01234v1", "/papers/2401.01234"),
        ("/papers/math.CA/0611800v2", "/papers/math/0611800"),
        ("/papers/hep-th/9901001v3", "/papers/hep-th/9901001"),
    ],
)
def test_non_canonical_ids_redirect_to_the_canonical_url(client, make_paper, path, target):
    make_paper("2401.01234")
    make_paper("math/0611800")
    make_paper("hep-th/9901001")

    response = client.get(path)

    assert response.status_code == 301
    assert response["Location"] == target


def test_unknown_valid_id_is_a_friendly_404_with_an_arxiv_link(client):
    response = client.get("/papers/2401.99999v2")

    assert response.status_code == 404
    html = _text(response)
    assert "We don't have arXiv:2401.99999 yet" in html
    assert 'href="https://arxiv.org/abs/2401.99999v2"' in html


def test_malformed_id_is_a_404(client):
    response = client.get("/papers/not-an-id<b>")

    assert response.status_code == 404
    assert "That is not an arXiv id" in _text(response)
    assert "<b>" not in _text(response).split("<main", 1)[1]


def test_titles_and_abstracts_are_escaped(client, make_paper):
    make_paper(
        "2602.00666",
        title="<script>alert('t')</script> Attack",
        abstract="<img src=x onerror=alert(1)> and <script>alert('a')</script>",
        authors=["<b>Mallory</b>"],
        featured=["2026-02-03"],
    )

    for url in ["/", "/day/2026-02-03", "/papers/2602.00666", "/trending"]:
        html = _text(client.get(url))
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>Mallory" not in html, url
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; Attack" in _text(
        client.get("/papers/2602.00666")
    )


# --- Footer and error pages --------------------------------------------------------------------------------


def test_footer_says_when_no_ingest_succeeded(client):
    _ingest_run(status="failed", finished_at=timezone.now())

    assert "No successful ingest yet" in _text(client.get("/"))


def test_footer_shows_the_last_successful_ingest_and_its_source(client, make_paper):
    make_paper("2602.00001", featured=["2026-02-03"])
    _ingest_run(source="atom", status="success", finished_at=dt.datetime(2026, 2, 3, 21, 5, tzinfo=dt.UTC))
    _ingest_run(source="hf", status="failed", finished_at=dt.datetime(2026, 2, 4, 9, 0, tzinfo=dt.UTC))

    for url in [
        "/",
        "/day/2026-02-03",
        "/week/2026-W06",
        "/month/2026-02",
        "/trending",
        "/papers/2602.00001",
    ]:
        html = _text(client.get(url))
        assert "Last successful update:" in html, url
        assert "Feb 3, 2026, 21:05 UTC" in html, url
        assert "(atom)" in html, url


def test_404_page_is_friendly(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    html = _text(response)
    assert "Page not found" in html
    assert 'href="/trending"' in html


def test_500_page_renders_without_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "Something went wrong" in html


def test_trending_falls_back_to_the_latest_list_when_nothing_is_recent(client):
    paper = Paper.objects.create(arxiv_id="2602.00001", title="An old but loved paper", upvote_count=9)
    FeaturedEntry.objects.create(paper=paper, featured_on=dt.date(2026, 2, 27))

    html = client.get("/trending").content.decode()

    assert "trending as of the latest list, Feb 27, 2026" in html
    assert "An old but loved paper" in html


def test_every_page_shows_an_import_that_is_running(client):
    from paperboy.ingest.models import IngestRun

    IngestRun.objects.create(source="jsonl", location="demo.jsonl.gz", seen_count=12000)

    html = client.get("/").content.decode()

    assert "Importing papers in the background (jsonl): 12,000 records so far" in html
