"""Paper properties derived from its own fields."""

from __future__ import annotations

import datetime as dt

import pytest

from paperboy.papers.models import Paper


@pytest.mark.parametrize(
    ("arxiv_id", "month"),
    [
        ("2602.01234", dt.date(2026, 2, 1)),
        ("0704.0001", dt.date(2007, 4, 1)),
        ("hep-th/9901001", dt.date(1999, 1, 1)),
        ("math/0611800", dt.date(2006, 11, 1)),
        ("astro-ph/9204001", dt.date(1992, 4, 1)),
    ],
)
def test_id_month_reads_the_yymm_digits(arxiv_id: str, month: dt.date) -> None:
    assert Paper(arxiv_id=arxiv_id).id_month == month
