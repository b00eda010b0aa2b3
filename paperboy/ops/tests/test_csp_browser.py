"""The production Content-Security-Policy lets the pages work in Chromium: KaTeX typesets, no violation."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_pages_with_math_satisfy_the_content_security_policy(live_server, page):
    from paperboy.papers.models import FeaturedEntry, Paper

    paper = Paper.objects.create(
        arxiv_id="2503.11945",
        title="Bounds for $\\alpha$-divergences",
        abstract="We show $W_*$ reaches $99\\%$ accuracy with $10^5 \\times$ fewer steps: $$\\sum_{i=1}^n x_i^2$$.",
        authors=["Ada Lovelace"],
        published_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
    )
    FeaturedEntry.objects.create(paper=paper, featured_on=dt.date(2026, 2, 3))
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ["/", f"/papers/{paper.arxiv_id}", "/search?q=divergences", "/status"]:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        if path.startswith("/papers/"):
            page.locator(".abstract .katex").first.wait_for()
            assert page.locator(".abstract .katex").count() >= 3
            # KaTeX's fonts and inline style attributes were allowed: the glyphs have a real size.
            assert page.locator(".abstract .katex").first.bounding_box()["height"] > 5
        assert page.evaluate("window.__csp") == [], path
    assert [line for line in console if "Content Security Policy" in line] == []
