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


def test_plain_text_keeps_a_bare_percent_and_what_follows_it() -> None:
    from paperboy.lib.text import plain_text

    assert plain_text(r"improves by 50% over \emph{x}.") == "improves by 50% over x."
    assert plain_text(r"5\% more") == "5% more"


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ('Schr\\"odinger equation', "Schrödinger equation"),
        ("{\\'E}cole and Pi\\v{z}urica and \\c{c}a and G\\'{o}mez", "École and Pižurica and ça and Gómez"),
        ('na\\"{\\i}ve \\ss{} \\o{}', "naïve ß ø"),
        ("We \\emph{propose} a \\textbf{new} \\textit{method}", "We propose a new method"),
        (
            "gains of 50\\% on $O(n^2)$ and $$\\sum_i x_i$$ terms",
            "gains of 50% on $O(n^2)$ and $$\\sum_i x_i$$ terms",
        ),
        ("a {GPU} kernel with ``quotes'' and a~tie", "a GPU kernel with “quotes” and a tie"),
        ("costs \\$5 and R\\&D", "costs $5 and R&D"),
        ("plain text\n  wrapped", "plain text wrapped"),
        ("", ""),
    ],
)
def test_plain_text_resolves_tex_but_keeps_math(raw: str, plain: str) -> None:
    from paperboy.lib.text import plain_text

    assert plain_text(raw) == plain
