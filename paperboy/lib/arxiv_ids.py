"""The one arXiv identifier normalizer.

Source: arXiv help, "Understanding the arXiv identifier" (https://info.arxiv.org/help/arxiv_identifier.html)
and ../shared/DOMAIN.md.

- New scheme: ``YYMM.NNNN`` (2007-04 .. 2014-12) and ``YYMM.NNNNN`` (2015 on), optional ``vN``.
- Old scheme: ``archive(.SUBJECT-CLASS)?/YYMMNNN``; the canonical form keeps the archive and drops
  the subject class (``math.CA/0611800v2`` -> ``math/0611800``, version 2).
- Wrappers seen in the wild are accepted: ``arXiv:`` prefixes, ``http(s)://(export.)arxiv.org/abs|pdf|html/…``,
  Hugging Face paper pages ``https://huggingface.co/papers/<id>``,
  ``.pdf`` suffixes, OAI identifiers ``oai:arXiv.org:…``, and the odd ``hep-th/1601.07616`` (= ``1601.07616``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ArxivId", "InvalidArxivId", "is_arxiv_id", "normalize_arxiv_id", "parse_arxiv_id"]


class InvalidArxivId(ValueError):
    """Raised when a string is not an arXiv identifier in any accepted form."""


@dataclass(frozen=True)
class ArxivId:
    """A parsed arXiv identifier.

    Attributes:
        arxiv_id: canonical id without version, e.g. ``"2401.01234"`` or ``"hep-th/9901001"``.
        version: the ``vN`` number, or ``None`` when the input named no version ("latest").
    """

    arxiv_id: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        """``arxiv_id`` with its ``vN`` suffix when a version is known."""
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    @property
    def is_old_style(self) -> bool:
        return "/" in self.arxiv_id


# Archive names: lowercase letters and hyphens (hep-th, atom-ph, q-alg, cond-mat, …).
_OLD = r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.(?P<subj>[A-Za-z]{2}))?/(?P<old_num>\d{7})"
_NEW = r"(?P<new_num>\d{4}\.\d{4,5})"
_VERSION = r"(?:v(?P<version>\d+))?"
_CORE = re.compile(rf"^(?:{_NEW}|{_OLD}){_VERSION}$")
# "hep-th/1601.07616": a new-style id written behind an archive.
_ARCHIVE_NEW = re.compile(rf"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{{2}})?/{_NEW}{_VERSION}$")
_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:(?:www\.|export\.|lanl\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/"
    r"|(?:www\.)?(?:huggingface\.co|hf\.co)/papers/)",
    re.IGNORECASE,
)
_ARXIV_PREFIX = re.compile(r"^(?:oai:arxiv\.org:|arxiv:)\s*", re.IGNORECASE)


def _strip(raw: str) -> str:
    text = raw.strip()
    text = _URL_PREFIX.sub("", text)
    text = _ARXIV_PREFIX.sub("", text)
    text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    return text.strip()


def parse_arxiv_id(raw: str) -> ArxivId:
    """Parse any accepted form of an arXiv id.

    Examples:
        ``"arXiv:2401.01234v3"`` -> ArxivId("2401.01234", 3)
        ``"https://arxiv.org/pdf/1108.1172v1.pdf"`` -> ArxivId("1108.1172", 1)
        ``"math.CA/0611800v2"`` -> ArxivId("math/0611800", 2)
        ``"hep-th/1601.07616"`` -> ArxivId("1601.07616", None)

    Raises:
        InvalidArxivId: the text is not an arXiv id (including impossible months such as ``1399.00001``).
    """
    if not isinstance(raw, str):
        raise InvalidArxivId(f"not an arXiv id: {raw!r}")
    text = _strip(raw)
    match = _CORE.match(text) or _ARCHIVE_NEW.match(text)
    if match is None:
        raise InvalidArxivId(f"not an arXiv id: {raw!r}")
    groups = match.groupdict()
    version = int(groups["version"]) if groups.get("version") else None
    if version == 0:
        raise InvalidArxivId(f"arXiv versions start at v1: {raw!r}")
    if groups.get("new_num"):
        number = groups["new_num"]
        yymm, seq = number.split(".")
        month = int(yymm[2:])
        if not 1 <= month <= 12:
            raise InvalidArxivId(f"not an arXiv id (month {month:02d}): {raw!r}")
        # Four-digit sequence numbers were used up to 1412, five digits from 1501 on.
        if (int(yymm) >= 1501) != (len(seq) == 5):
            raise InvalidArxivId(f"not an arXiv id (sequence length for {yymm}): {raw!r}")
        if int(yymm) < 704:
            raise InvalidArxivId(f"not an arXiv id (new-style ids start at 0704): {raw!r}")
        return ArxivId(number, version)
    month = int(groups["old_num"][2:4])
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"not an arXiv id (month {month:02d}): {raw!r}")
    return ArxivId(f"{groups['archive'].lower()}/{groups['old_num']}", version)


def normalize_arxiv_id(raw: str) -> str:
    """The canonical id (no version) of any accepted form. Raises InvalidArxivId."""
    return parse_arxiv_id(raw).arxiv_id


def is_arxiv_id(raw: str) -> bool:
    """True when ``raw`` parses as an arXiv id in any accepted form."""
    try:
        parse_arxiv_id(raw)
    except InvalidArxivId:
        return False
    return True
