from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template

from paperboy.papers.templatetags.paper_tags import (
    abstract_preview,
    age_label,
    authors_short,
    fixed_url,
    iso_week,
    paper_date,
    tex_text,
    url_if_exists,
)


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ([], ""),
        (["Ada Lovelace"], "Ada Lovelace"),
        (["A", "B"], "A and B"),
        (["A", "B", "C"], "A, B and C"),
        (["A", "B", "C", "D"], "A, B, C and 1 more"),
        ([f"N{i}" for i in range(120)], "N0, N1, N2 and 117 more"),
    ],
)
def test_authors_short(authors, expected):
    assert authors_short(authors) == expected


def test_tex_text_converts_text_macros_and_keeps_math():
    raw = 'We get $99\\%$ with $10^5 \\times$ fewer, 30\\% faster, \\emph{na\\"ive}\n  baselines.'
    assert tex_text(raw) == "We get $99\\%$ with $10^5 \\times$ fewer, 30% faster, naïve baselines."


def test_tex_text_keeps_text_after_a_bare_percent():
    # A bare "%" is a TeX comment; it must not swallow the rest of the abstract.
    assert tex_text("We improve by 50% over \\emph{baselines}. Next sentence.") == (
        "We improve by 50% over baselines. Next sentence."
    )


def test_tex_text_leaves_html_for_the_template_to_escape():
    html = Template("{% load paper_tags %}{{ text|tex_text }}").render(
        Context({"text": "<script>x</script> $a<b$"})
    )
    assert html == "&lt;script&gt;x&lt;/script&gt; $a&lt;b$"


def test_abstract_preview_cuts_at_a_word_and_never_leaves_math_open():
    text = "word " * 50 + "$\\alpha + \\beta = \\gamma$ tail"
    preview = abstract_preview(text, 262)
    assert preview.endswith("word…")
    assert "$" not in preview
    assert abstract_preview("Short $x$ text.", 280) == "Short $x$ text."
    assert abstract_preview("a $x$ b $y$ c " * 30, 50).count("$") % 2 == 0


@time_machine.travel(dt.datetime(2026, 2, 10, tzinfo=dt.UTC), tick=False)
def test_paper_date_omits_the_year_within_the_current_year():
    assert paper_date(dt.date(2026, 5, 17)) == "May 17"
    assert paper_date(dt.datetime(2014, 9, 2, 23, 0, tzinfo=dt.UTC)) == "Sep 2, 2014"
    assert paper_date(None) == ""


def test_iso_week_and_age_label():
    assert iso_week(dt.date(2025, 12, 29)) == "2026-W01"
    assert iso_week(dt.date(2026, 2, 3)) == "2026-W06"
    assert age_label(0.4) == "just now"
    assert age_label(1.5) == "1 hour ago"
    assert age_label(30) == "30 hours ago"
    assert age_label(75) == "3 days ago"


def test_url_if_exists():
    assert url_if_exists("papers:trending") == "/trending"
    assert url_if_exists("digests:subscribe") == "/subscribe"
    assert url_if_exists("nowhere:missing") == ""


def test_fixed_url_reverses_once_per_script_prefix():
    from django.urls import NoReverseMatch, set_script_prefix

    assert fixed_url("papers:trending") == "/trending"
    set_script_prefix("/lab/")  # a site served under a sub-path gets its own links
    try:
        assert fixed_url("papers:trending") == "/lab/trending"
    finally:
        set_script_prefix("/")
    assert fixed_url("papers:trending") == "/trending"
    with pytest.raises(NoReverseMatch):
        fixed_url("nowhere:missing")
