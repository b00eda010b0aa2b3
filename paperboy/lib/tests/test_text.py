from __future__ import annotations

import pytest

from paperboy.lib.text import clean_title, collapse_whitespace, split_authors, tex_to_unicode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Adam M. Dillamore, Vasily Belokurov, N. Wyn Evans and Elliot Y. Davies",
            ["Adam M. Dillamore", "Vasily Belokurov", "N. Wyn Evans", "Elliot Y. Davies"],
        ),
        (
            "Ramesh Narayan, Bohdan Paczy\\'nski, and Tsvi Piran",
            ["Ramesh Narayan", "Bohdan Paczy\\'nski", "Tsvi Piran"],
        ),
        ("Lawrence Krauss and Martin White", ["Lawrence Krauss", "Martin White"]),
        ("Patrick L. Nash (University of Texas at San Antonio)", ["Patrick L. Nash"]),
        ("A. Smith (1), B. Jones (2) ((1) MIT, (2) CERN, Geneva)", ["A. Smith", "B. Jones"]),
        ("Andrea Anderson and Sandra Chandler", ["Andrea Anderson", "Sandra Chandler"]),
        (
            "Lukas J. Furtak, Ad\\`ele Plat, Seiji\n  Fujimoto",
            ["Lukas J. Furtak", "Ad\\`ele Plat", "Seiji Fujimoto"],
        ),
        ("Connor J. Cheverall, M{\\aa}ns Holmberg", ["Connor J. Cheverall", "M{\\aa}ns Holmberg"]),
        ("", []),
    ],
)
def test_split_authors(raw: str, expected: list[str]) -> None:
    assert split_authors(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pi\\v{z}urica", "Pižurica"),
        ('{\\"U}ber', "Über"),
        ("G\\'omez", "Gómez"),
        ("Jos\\'e", "José"),
        ("Ad\\`ele", "Adèle"),
        ("M{\\aa}ns", "Måns"),
        ("Plain Name", "Plain Name"),
    ],
)
def test_tex_accents_become_unicode(raw: str, expected: str) -> None:
    assert tex_to_unicode(raw) == expected


def test_titles_lose_hard_wraps_and_doubled_spaces() -> None:
    raw = (
        "A stellar halo walks into a bar: creation of substructure from a smooth\n  distribution   function "
    )
    assert (
        clean_title(raw)
        == "A stellar halo walks into a bar: creation of substructure from a smooth distribution function"
    )
    assert collapse_whitespace("a\t\tb\r\nc") == "a b c"
    assert clean_title("Order $\\hbar$ Corrections") == "Order $\\hbar$ Corrections"  # TeX kept
