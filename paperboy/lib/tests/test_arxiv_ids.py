from __future__ import annotations

import pytest

from paperboy.lib.arxiv_ids import ArxivId, InvalidArxivId, is_arxiv_id, parse_arxiv_id

# Every form listed in ../shared/DOMAIN.md, "arXiv identifiers".
CASES = [
    ("2401.01234", ArxivId("2401.01234", None)),
    ("2401.01234v3", ArxivId("2401.01234", 3)),
    ("0704.0001", ArxivId("0704.0001", None)),
    ("1108.1172", ArxivId("1108.1172", None)),
    ("1108.1172v1", ArxivId("1108.1172", 1)),
    ("1412.9999v2", ArxivId("1412.9999", 2)),
    ("1501.00001", ArxivId("1501.00001", None)),
    ("arXiv:2401.01234", ArxivId("2401.01234", None)),
    ("arxiv:2401.01234v2", ArxivId("2401.01234", 2)),
    ("ARXIV: 2401.01234", ArxivId("2401.01234", None)),
    ("https://arxiv.org/abs/2401.01234", ArxivId("2401.01234", None)),
    ("http://arxiv.org/abs/2401.01234v5", ArxivId("2401.01234", 5)),
    ("https://arxiv.org/pdf/2401.01234", ArxivId("2401.01234", None)),
    ("https://arxiv.org/pdf/2401.01234v2.pdf", ArxivId("2401.01234", 2)),
    ("https://arxiv.org/html/2401.01234v1", ArxivId("2401.01234", 1)),
    ("http://export.arxiv.org/abs/2401.01234", ArxivId("2401.01234", None)),
    ("https://www.arxiv.org/abs/2401.01234/", ArxivId("2401.01234", None)),
    ("oai:arXiv.org:2508.13167v1", ArxivId("2508.13167", 1)),
    ("  2401.01234  ", ArxivId("2401.01234", None)),
    ("hep-th/9901001", ArxivId("hep-th/9901001", None)),
    ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
    ("cs/9901001", ArxivId("cs/9901001", None)),
    ("math.CA/0611800v2", ArxivId("math/0611800", 2)),
    ("arXiv:math/0611800v2", ArxivId("math/0611800", 2)),
    ("atom-ph/9601001", ArxivId("atom-ph/9601001", None)),
    ("cond-mat.str-el/0101001", None),  # subject classes are two letters; this is not an id
    ("https://arxiv.org/abs/hep-th/9901001v1", ArxivId("hep-th/9901001", 1)),
    ("http://arxiv.org/pdf/quant-ph/0201082v1.pdf", ArxivId("quant-ph/0201082", 1)),
    ("hep-th/1601.07616", ArxivId("1601.07616", None)),
    ("astro-ph/0601001", ArxivId("astro-ph/0601001", None)),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_it_parses_every_documented_form(raw: str, expected: ArxivId | None) -> None:
    if expected is None:
        with pytest.raises(InvalidArxivId):
            parse_arxiv_id(raw)
    else:
        assert parse_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "2401.1234",
        "1501.0001",
        "1412.00001",
        "2413.01234",
        "0612.0001",
        "2401.01234v0",
        "hep-th/99010011",
        "hep-th/9913001",
        "https://example.org/abs/2401.01234",
        "2401.01234v",
        "sparse guidance",
    ],
)
def test_it_rejects_what_is_not_an_id(raw: str) -> None:
    assert not is_arxiv_id(raw)
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(raw)


def test_versioned_and_old_style_properties() -> None:
    assert ArxivId("hep-th/9901001", 2).versioned == "hep-th/9901001v2"
    assert ArxivId("2401.01234").versioned == "2401.01234"
    assert ArxivId("hep-th/9901001").is_old_style
    assert not ArxivId("2401.01234").is_old_style


def test_archives_are_part_of_the_id() -> None:
    assert parse_arxiv_id("hep-th/9901001").arxiv_id != parse_arxiv_id("cs/9901001").arxiv_id
