"""Issue 2's done-when on the shipped demo corpus (about 25,000 papers): the daily page shows the latest
day's papers, and a search for "sparse guidance" has the seed page's first result in its top 3.

This imports the whole demo corpus through ``load_demo`` (the command ``make run`` uses), so it is the
slowest test of the suite (about 20-40 s).
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TARGET = "Effective Spectral Unmixing via Robust Representation and Learning-based Sparsity"


@pytest.fixture
def demo_corpus():
    call_command("load_demo", "--quiet")


def _titles(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", t).strip() for t in re.findall(r'class="card-title"[^>]*><a [^>]*>([^<]+)<', html)
    ]


def test_demo_corpus_daily_page_and_sparse_guidance_search(client, demo_corpus):
    daily = client.get("/").content.decode()
    assert "Friday, February 27, 2026" in daily  # the latest featured day of the demo corpus
    assert len(_titles(daily)) == 28

    response = client.get("/search", {"q": "sparse guidance"})  # default mode: hybrid

    assert response.status_code == 200
    top3 = _titles(response.content.decode())[:3]
    assert TARGET in top3, top3
