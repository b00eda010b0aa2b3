"""Compose digests: which papers an edition of a stream carries. Queries and ranking only, no I/O.

One :class:`Composer` per run holds the parts that every subscriber of an edition shares (the
day's ranked list, the week's list, the window of new papers, search results, rendered bodies), so
10,000 subscribers cost a handful of list queries.

Editions. For edition day E (a subscriber's local yesterday, or ``--date``):
- ``daily:E``: papers featured on E, ranked by upvote_count; only on days with a list;
- ``weekly:YYYY-Www``: papers featured in the 7 days ending E, ranked by upvote_count; only when E
  is the ISO weekday settings.DIGEST_WEEKLY_ISOWEEKDAY (Friday by default);
- ``search:E`` / ``author:E`` / ``category:E``: papers new (arXiv announce day, or v1 date when the
  announce day is unknown) after the stream's last edition day (first time: E itself) up to E that
  match the saved search / author name / category.
No paper is ever sent twice in a stream (SentPaper, and the papers of its pending sends are held
back too), and an edition with no paper left is not composed (None: no empty e-mail).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import truncatewords

from paperboy.digests import schedule
from paperboy.digests.models import DigestSend, SentPaper, Subscriber, Subscription
from paperboy.lib.emails import render_parts
from paperboy.lib.text import plain_text
from paperboy.papers.models import FeaturedEntry, Paper

log = logging.getLogger(__name__)

Kind = Subscription.Kind
PENDING = (DigestSend.Status.CLAIMED, DigestSend.Status.FAILED)
#: Placeholders of the per-subscriber links in a rendered body shared by an edition.
UNSUBSCRIBE_PLACEHOLDER = "@@PAPERBOY_UNSUBSCRIBE_URL@@"
MANAGE_PLACEHOLDER = "@@PAPERBOY_MANAGE_URL@@"
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class PaperView:
    """What an e-mail shows of a paper: plain-text title/abstract (math as $…$), page URL."""

    id: int
    arxiv_id: str
    url: str
    title: str
    abstract: str
    authors: str
    upvote_count: int


@dataclass(frozen=True)
class Digest:
    """One e-mail to compose: a stream, an edition and its papers (never empty)."""

    subscription: Subscription
    edition: str
    edition_on: dt.date
    papers: list[Paper]

    @property
    def subscriber(self) -> Subscriber:
        return self.subscription.subscriber

    @property
    def paper_ids(self) -> list[int]:
        return [p.pk for p in self.papers]


def edition_key(kind: str, edition_on: dt.date) -> str | None:
    """The edition of ``kind`` for edition day ``edition_on``; None when the kind has none that day.

    Examples: ``("daily", 2026-02-27)`` -> ``"daily:2026-02-27"``;
    ``("weekly", 2026-02-27)`` (a Friday) -> ``"weekly:2026-W09"``; ``("weekly", 2026-02-26)`` -> None.
    """
    if kind == Kind.WEEKLY:
        if edition_on.isoweekday() != settings.DIGEST_WEEKLY_ISOWEEKDAY:
            return None
        return f"weekly:{schedule.weekly_edition(edition_on)}"
    return f"{kind}:{edition_on.isoformat()}"


def normalise_name(name: str) -> str:
    """Case- and space-insensitive form of an author name (``" Yann  LeCun"`` -> ``"yann lecun"``)."""
    return _WS.sub(" ", plain_text(name)).strip().casefold()


def stream_key(kind: str, params: dict[str, Any]) -> str:
    """The normalised params of a stream (Subscription.key)."""
    if kind == Kind.SEARCH:
        return f"{_WS.sub(' ', params.get('query', '')).strip().casefold()}|{params.get('category', '')}"[
            :255
        ]
    if kind == Kind.AUTHOR:
        return normalise_name(params.get("author", ""))[:255]
    if kind == Kind.CATEGORY:
        return str(params.get("category", "")).strip()[:255]
    return ""


_TEX_MARK = re.compile(r"[\\{}$~]")
_LITERAL_SPECIALS = re.compile(r"(?<!\\)([&%#])")


def email_text(text: str) -> str:
    """Plain text of a title or abstract for e-mail: ``plain_text`` (accents to Unicode, math kept
    as ``$…$``), with a bare ``&``, ``%`` or ``#`` kept as written — in arXiv metadata they are
    nearly always literal ("Q&A", "12%"), but TeX would drop them or the rest of the line.

    Example: ``"Attention in $O(n^2)$ & 12% more"`` -> ``"Attention in $O(n^2)$ & 12% more"``.
    """
    text = text or ""
    if not _TEX_MARK.search(text):  # no TeX at all: nothing to protect, and plain_text's fast path
        return plain_text(text)
    return plain_text(_LITERAL_SPECIALS.sub(r"\\\1", text))


def _category_matches(wanted: str, categories: list[str]) -> bool:
    """``cs.CL`` matches exactly; an archive without a dot (``cs``) matches any ``cs.*``."""
    if "." in wanted:
        return wanted in categories
    return any(c == wanted or c.startswith(wanted + ".") for c in categories)


class Composer:
    """Per-run caches of what subscribers of an edition share. Not thread-safe; one per run."""

    def __init__(self, *, papers_per_email: int | None = None) -> None:
        self.size = papers_per_email or settings.DIGEST_PAPERS_PER_EMAIL
        self._daily: dict[dt.date, list[Paper]] = {}
        self._weekly: dict[dt.date, list[Paper]] = {}
        self._window: dict[tuple[dt.date, dt.date], list[Paper]] = {}
        self._search: dict[str, set[int] | None] = {}
        self._views: dict[int, PaperView] = {}
        self._rendered: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._matches: dict[tuple[Any, ...], list[Paper]] = {}
        self._author_sets: dict[int, frozenset[str]] = {}
        self.excluded: dict[int, set[int]] = {}  # subscription id -> paper ids sent or pending

    # -- shared lists
    def _ranked_featured(self, start: dt.date, end: dt.date) -> list[Paper]:
        ids = (
            FeaturedEntry.objects.filter(featured_on__gte=start, featured_on__lte=end)
            .values_list("paper_id", flat=True)
            .distinct()
        )
        return list(
            Paper.objects.filter(pk__in=list(ids), withdrawn=False).order_by("-upvote_count", "arxiv_id")
        )

    def daily(self, day: dt.date) -> list[Paper]:
        """Papers featured on ``day``, best first (upvotes, then arXiv id)."""
        if day not in self._daily:
            self._daily[day] = self._ranked_featured(day, day)
        return self._daily[day]

    def weekly(self, day: dt.date) -> list[Paper]:
        """Papers featured in the 7 days ending ``day``, best first."""
        if day not in self._weekly:
            self._weekly[day] = self._ranked_featured(day - dt.timedelta(days=6), day)
        return self._weekly[day]

    def window(self, after: dt.date, upto: dt.date) -> list[Paper]:
        """Papers new after ``after`` up to ``upto`` (announce day, else v1 day), best first."""
        key = (after, upto)
        if key not in self._window:
            qs = Paper.objects.filter(
                Q(announced_on__gt=after, announced_on__lte=upto)
                | Q(announced_on__isnull=True, published_at__date__gt=after, published_at__date__lte=upto),
                withdrawn=False,
            ).order_by("-upvote_count", "-published_at", "arxiv_id")
            self._window[key] = list(qs)
        return self._window[key]

    def search_ids(self, query: str) -> set[int] | None:
        """Paper ids that ``paperboy.search.search_papers`` returns for ``query``, or None when
        the search app has no ``search_papers`` yet (the caller then matches words itself)."""
        if query not in self._search:
            try:
                from paperboy.search import search_papers  # type: ignore[attr-defined]
            except ImportError:
                self._search[query] = None
            else:
                try:
                    hits = search_papers(query, limit=1000)
                    self._search[query] = {_hit_paper_id(h) for h in hits}
                except Exception:  # a broken search must not stop every other digest of the run
                    log.exception("search_papers failed for a saved search; matching words instead")
                    self._search[query] = None
        return self._search[query]

    def view(self, paper: Paper) -> PaperView:
        """The e-mail view of a paper (computed once per run)."""
        found = self._views.get(paper.pk)
        if found is None:
            authors = [plain_text(a) for a in paper.authors[:6]]
            line = ", ".join(authors[:5]) + (" et al." if len(paper.authors) > 5 else "")
            found = PaperView(
                id=paper.pk,
                arxiv_id=paper.arxiv_id,
                url=settings.SITE_URL + paper.get_absolute_url(),
                title=email_text(paper.title),
                abstract=truncatewords(email_text(paper.abstract), 70),
                authors=line,
                upvote_count=paper.upvote_count,
            )
            self._views[paper.pk] = found
        return found

    # -- per stream
    def candidates(self, subscription: Subscription, edition_on: dt.date) -> list[Paper]:
        """Papers of this stream's edition, best first, before removing already-sent ones.

        Alert matches are cached per (kind, params, window): subscribers who follow the same author
        on the same day share one match.
        """
        kind = subscription.kind
        if kind == Kind.DAILY:
            return self.daily(edition_on)
        if kind == Kind.WEEKLY:
            return self.weekly(edition_on)
        after = subscription.last_edition_on or (edition_on - dt.timedelta(days=1))
        if after >= edition_on:
            return []
        key = (kind, stream_key(kind, subscription.params or {}), after, edition_on)
        found = self._matches.get(key)
        if found is None:
            found = self._match(kind, subscription.params or {}, self.window(after, edition_on))
            self._matches[key] = found
        return found

    def _authors(self, paper: Paper) -> frozenset[str]:
        names = self._author_sets.get(paper.pk)
        if names is None:
            names = frozenset(normalise_name(a) for a in paper.authors)
            self._author_sets[paper.pk] = names
        return names

    def _match(self, kind: str, params: dict[str, Any], papers: list[Paper]) -> list[Paper]:
        if kind == Kind.AUTHOR:
            wanted = normalise_name(params.get("author", ""))
            return [p for p in papers if wanted and wanted in self._authors(p)]
        if kind == Kind.CATEGORY:
            category = str(params.get("category", "")).strip()
            return [p for p in papers if category and _category_matches(category, p.categories)]
        if kind == Kind.SEARCH:
            query = str(params.get("query", "")).strip()
            category = str(params.get("category", "")).strip()
            if not query:
                return []
            if category:
                papers = [p for p in papers if _category_matches(category, p.categories)]
            ids = self.search_ids(query)
            if ids is not None:
                return [p for p in papers if p.pk in ids]
            # Fallback until paperboy.search provides search_papers: every word of the query
            # occurs in the title or abstract (case-insensitive), like an ORM icontains per word.
            words = [w.casefold() for w in query.split()]
            return [p for p in papers if all(w in f"{p.title} {p.abstract}".casefold() for w in words)]
        return []

    def prefetch_excluded(self, subscription_ids: Iterable[int]) -> None:
        """Load, for these streams, the papers already sent or held by a pending send."""
        ids = list(subscription_ids)
        for sub_id in ids:
            self.excluded[sub_id] = set()
        for sub_id, paper_id in SentPaper.objects.filter(subscription_id__in=ids).values_list(
            "subscription_id", "paper_id"
        ):
            self.excluded[sub_id].add(paper_id)
        for sub_id, paper_ids in DigestSend.objects.filter(
            subscription_id__in=ids, status__in=PENDING
        ).values_list("subscription_id", "paper_ids"):
            self.excluded[sub_id].update(paper_ids)

    def excluded_for(self, subscription_id: int) -> set[int]:
        if subscription_id not in self.excluded:
            self.prefetch_excluded([subscription_id])
        return self.excluded[subscription_id]

    # -- rendering
    def render(self, digest: Digest) -> tuple[str, str, str]:
        """``(subject, text, html)`` with per-subscriber link placeholders; cached per content."""
        sub = digest.subscription
        key = (sub.kind, sub.label, digest.edition, tuple(digest.paper_ids))
        found = self._rendered.get(key)
        if found is None:
            ctx = {
                "site_name": settings.SITE_NAME,
                "site_url": settings.SITE_URL,
                "kind": sub.kind,
                "stream_label": sub.label,
                "edition": digest.edition,
                "edition_on": digest.edition_on,
                "week_start": digest.edition_on - dt.timedelta(days=6),
                "papers": [self.view(p) for p in digest.papers],
                "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
                "manage_url": MANAGE_PLACEHOLDER,
            }
            found = render_parts("digests/email/digest", ctx)
            self._rendered[key] = found
        return found


def _hit_paper_id(hit: Any) -> int:
    """The Paper pk of a search hit (a SearchHit mapping, an object with paper_id, or a Paper)."""
    if isinstance(hit, dict):
        return int(hit["paper_id"])
    if hasattr(hit, "paper_id"):
        return int(hit.paper_id)
    return int(hit.pk)


def compose_digest(
    subscription: Subscription,
    *,
    edition_on: dt.date,
    composer: Composer | None = None,
    exclude_sent: bool = True,
) -> Digest | None:
    """The digest of ``subscription`` for edition day ``edition_on``, or None if there is nothing
    to send (no edition that day, no matching paper, or every paper already sent in this stream).

    Query and ranking only: nothing is written or sent.
    """
    composer = composer or Composer()
    edition = edition_key(subscription.kind, edition_on)
    if edition is None:
        return None
    papers = composer.candidates(subscription, edition_on)
    if exclude_sent:
        excluded = composer.excluded_for(subscription.pk)
        papers = [p for p in papers if p.pk not in excluded]
    papers = papers[: composer.size]
    if not papers:
        return None
    return Digest(subscription=subscription, edition=edition, edition_on=edition_on, papers=papers)
