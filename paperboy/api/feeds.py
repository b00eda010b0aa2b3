"""RSS 2.0 and Atom 1.0 feeds of every list: daily, weekly, monthly, trending, a category, an author, a search.

Item ids (RSS ``guid``, Atom ``id``) are the paper's canonical URL on this site, so they stay the
same across requests, formats and hosts. Each response carries ``ETag`` and ``Last-Modified``
computed from the list's papers before rendering; a conditional GET that matches gets 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.views.decorators.http import condition, require_safe

from paperboy.api import lists, services
from paperboy.api.serializers import paper_published, paper_url
from paperboy.lib.text import collapse_whitespace
from paperboy.papers import ranking
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.ranking import Period

FEED_LIMIT = 50
FORMATS: dict[str, type[SyndicationFeed]] = {"rss": Rss201rev2Feed, "atom": Atom1Feed}
_CATEGORY_RE = re.compile(r"^[A-Za-z][A-Za-z-]*(\.[A-Za-z][A-Za-z-]*)?$")
# Characters XML 1.0 forbids (Django refuses to write them).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class FeedItem:
    paper: Paper
    pubdate: dt.datetime
    changed: dt.datetime = field(compare=False)


@dataclass(frozen=True)
class FeedList:
    """What one feed shows: ``key`` names the list (and enters the ETag), ``path`` is the feed's own path."""

    key: str
    title: str
    description: str
    path: str
    link: str
    items: list[FeedItem]

    @property
    def last_modified(self) -> dt.datetime | None:
        return max((item.changed for item in self.items), default=None)

    def etag(self, fmt: str) -> str:
        digest = hashlib.sha256(f"{fmt}|{self.key}".encode())
        for item in self.items:
            paper = item.paper
            digest.update(f"|{paper.arxiv_id}:{paper.upvote_count}:{paper.modified_at.isoformat()}".encode())
        return digest.hexdigest()[:32]


def _entry_items(entries: list[FeaturedEntry]) -> list[FeedItem]:
    return [
        FeedItem(
            paper=e.paper,
            pubdate=lists.featured_time(e),
            changed=max(e.paper.modified_at, e.created_at),
        )
        for e in entries
    ]


def _paper_items(papers: list[Paper]) -> list[FeedItem]:
    return [
        FeedItem(paper=p, pubdate=_as_datetime(paper_published(p)), changed=p.modified_at) for p in papers
    ]


def _path(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return request.path + (f"?{query}" if query else "")


#: kind -> (query parameter, parser, period holding a day, title, description, page path prefix)
_PERIODS: dict[str, tuple[str, Callable[[str], Period], Callable[[dt.date], Period], str, str, str]] = {
    "daily": (
        "date",
        lists.parse_day,
        ranking.day_period,
        "daily papers, {}",
        "Papers featured on {}",
        "day",
    ),
    "weekly": (
        "week",
        lists.parse_week,
        ranking.week_of,
        "papers of the week, {}",
        "Papers featured in week {}",
        "week",
    ),
    "monthly": (
        "month",
        lists.parse_month,
        ranking.month_of,
        "papers of the month, {}",
        "Papers featured in {}",
        "month",
    ),
}


def _period_list(request: HttpRequest, kind: str) -> FeedList:
    """A day, week or month of the daily list (from the query parameter, else the newest featured one)."""
    param, parse, holding, title, description, page = _PERIODS[kind]
    period: Period | None
    if request.GET.get(param):
        period = parse(request.GET[param])
    else:
        newest = lists.latest_featured_day()
        period = holding(newest) if newest else None
    entries = lists.list_entries(period, limit=FEED_LIMIT) if period else []
    label = period.slug if period else "no papers yet"
    return FeedList(
        key=f"{kind}:{label}",
        title=f"{settings.SITE_NAME}: {title.format(label)}",
        description=f"{description.format(label)}, most upvoted first.",
        path=_path(request),
        link=f"/{page}/{label}" if period else "/",
        items=_entry_items(entries),
    )


def daily_list(request: HttpRequest) -> FeedList:
    """Papers featured on ``?date=`` (default: the newest featured day), most upvoted first."""
    return _period_list(request, "daily")


def weekly_list(request: HttpRequest) -> FeedList:
    """Papers featured in ISO week ``?week=`` (default: the week of the newest featured day)."""
    return _period_list(request, "weekly")


def monthly_list(request: HttpRequest) -> FeedList:
    """Papers featured in month ``?month=`` (default: the month of the newest featured day)."""
    return _period_list(request, "monthly")


def trending_list(request: HttpRequest) -> FeedList:
    """The site's trending papers (:func:`paperboy.papers.ranking.trending`)."""
    entries = lists.list_entries(None, sort="trending", limit=FEED_LIMIT)
    return FeedList(
        key="trending",
        title=f"{settings.SITE_NAME}: trending papers",
        description="Featured papers gaining upvotes fastest.",
        path=_path(request),
        link="/trending",
        items=_entry_items(entries),
    )


def category_list(request: HttpRequest, category: str) -> FeedList:
    """Newest papers listed (primary or cross-list) in an arXiv category."""
    if not _CATEGORY_RE.match(category):
        raise lists.InvalidParameter(f"not an arXiv category: {category!r}")
    return FeedList(
        key=f"category:{category}",
        title=f"{settings.SITE_NAME}: new papers in {category}",
        description=f"Newest papers in arXiv category {category}.",
        path=_path(request),
        link="/search?" + urlencode({"category": category}),
        items=_paper_items(lists.papers_in_category(category, limit=FEED_LIMIT)),
    )


def author_list(request: HttpRequest, name: str) -> FeedList:
    """Newest papers by an author (exact name, any case)."""
    name = collapse_whitespace(lists.check_text("author", name) or "")
    if not name or len(name) > 200:
        raise lists.InvalidParameter("author name must be 1 to 200 characters")
    return FeedList(
        key=f"author:{name.casefold()}",
        title=f"{settings.SITE_NAME}: papers by {name}",
        description=f"Newest papers with {name} among the authors.",
        path=_path(request),
        link="/search?" + urlencode({"q": name}),
        items=_paper_items(lists.papers_by_author(name, limit=FEED_LIMIT)),
    )


def search_list(request: HttpRequest) -> FeedList:
    """The results of a search (``?q=``, optional ``mode=``), best first."""
    query = collapse_whitespace(lists.check_text("q", request.GET.get("q", "")) or "")
    mode = request.GET.get("mode") or "hybrid"
    if not query or len(query) > 500:
        raise lists.InvalidParameter("q must be 1 to 500 characters")
    if mode not in services.SEARCH_MODES:
        raise lists.InvalidParameter(f"mode must be one of {', '.join(services.SEARCH_MODES)}")
    hits = services.search(query, mode=mode, limit=FEED_LIMIT)
    return FeedList(
        key=f"search:{mode}:{query}",
        title=f"{settings.SITE_NAME}: search “{query}”",
        description=f"Papers matching “{query}” ({mode} search).",
        path=_path(request),
        link="/search?" + urlencode({"q": query, "mode": mode}),
        items=_paper_items([h.paper for h in hits]),
    )


class PaperListFeed(Feed):
    """Renders a :class:`FeedList`; one instance per format."""

    def __init__(self, feed_type: type[SyndicationFeed]) -> None:
        super().__init__()
        self.feed_type = feed_type

    def title(self, obj: FeedList) -> str:
        return _xml_text(obj.title)

    def link(self, obj: FeedList) -> str:
        return settings.SITE_URL + obj.link

    def feed_url(self, obj: FeedList) -> str:
        return settings.SITE_URL + obj.path

    def feed_guid(self, obj: FeedList) -> str:
        return settings.SITE_URL + obj.path

    def description(self, obj: FeedList) -> str:
        return _xml_text(obj.description)

    def subtitle(self, obj: FeedList) -> str:
        return _xml_text(obj.description)

    def items(self, obj: FeedList) -> list[FeedItem]:
        return obj.items

    def item_title(self, item: FeedItem) -> str:
        return _xml_text(collapse_whitespace(item.paper.title))

    def item_description(self, item: FeedItem) -> str:
        paper = item.paper
        authors = ", ".join(paper.authors[:10]) + (" et al." if len(paper.authors) > 10 else "")
        head = f"{authors} · arXiv:{paper.arxiv_id} · {paper.upvote_count} upvotes"
        return _xml_text(f"{head}\n\n{collapse_whitespace(paper.abstract)}")

    def item_link(self, item: FeedItem) -> str:
        return paper_url(item.paper)

    def item_guid(self, item: FeedItem) -> str:
        return paper_url(item.paper)

    item_guid_is_permalink = True

    def item_pubdate(self, item: FeedItem) -> dt.datetime:
        return item.pubdate

    def item_updateddate(self, item: FeedItem) -> dt.datetime:
        return item.paper.updated_at or item.pubdate

    def item_author_name(self, item: FeedItem) -> str | None:
        authors = item.paper.authors
        if not authors:
            return None
        return _xml_text(authors[0] + (" et al." if len(authors) > 1 else ""))

    def item_categories(self, item: FeedItem) -> list[str]:
        return list(item.paper.categories)


def feed_view(build: Callable[..., FeedList]) -> Callable[..., HttpResponse]:
    """A view serving ``build(request, **kwargs)`` as RSS or Atom (``fmt`` from the URL), with 304s."""

    @require_safe
    def view(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponse:
        try:
            data = build(request, **kwargs)
        except lists.InvalidParameter as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        feed = PaperListFeed(FORMATS[fmt])

        @condition(
            etag_func=lambda r, **kw: data.etag(fmt), last_modified_func=lambda r, **kw: data.last_modified
        )
        def render(request: HttpRequest) -> HttpResponse:
            generator = feed.get_feed(data, request)
            response = HttpResponse(content_type=getattr(generator, "content_type", "application/xml"))
            generator.write(response, "utf-8")
            return response

        return render(request)

    return view
