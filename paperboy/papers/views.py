"""HTML pages of the daily list: a day, an ISO week, a month, trending, and one paper.

Queries live in :mod:`paperboy.papers.ranking`; views parse the URL, call it and render.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from paperboy.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperboy.papers import ranking
from paperboy.papers.models import Paper

PAGE_SIZE = 30  # papers per page on day, week and month lists


def _period_url(kind: str, day: dt.date) -> str:
    """URL of the day, ISO week or month page that holds ``day``."""
    if kind == "day":
        return reverse("papers:day", kwargs={"day": day.isoformat()})
    if kind == "week":
        return reverse("papers:week", kwargs={"week": ranking.week_of(day).slug})
    return reverse("papers:month", kwargs={"month": ranking.month_of(day).slug})


def _render_period(request: HttpRequest, period: ranking.Period, *, is_latest: bool = False) -> HttpResponse:
    papers = ranking.featured_papers(period)
    page = Paginator(papers, PAGE_SIZE).get_page(request.GET.get("page"))
    before, after = ranking.neighbour_days(period)
    # The Day tab of a week or month opens its newest day with papers, not an empty Monday.
    anchor = period.start if period.kind == "day" else (ranking.latest_day_in(period) or period.start)
    context = {
        "period": period,
        "page_obj": page,
        "papers": page.object_list,
        "is_latest": is_latest,
        "prev_day": before,
        "next_day": after,
        "prev_url": _period_url(period.kind, before) if before else None,
        "next_url": _period_url(period.kind, after) if after else None,
        "day_url": _period_url("day", anchor),
        "week_url": _period_url("week", anchor),
        "month_url": _period_url("month", anchor),
        "nav": {"day": "daily", "week": "weekly", "month": "monthly"}[period.kind],
    }
    return render(request, "papers/list.html", context)


def daily(request: HttpRequest) -> HttpResponse:
    """``/``: the latest day with featured papers, or an empty state when there are none yet."""
    day = ranking.latest_featured_day()
    if day is None:
        return render(request, "papers/list.html", {"period": None, "nav": "daily", "papers": []})
    return _render_period(request, ranking.day_period(day), is_latest=True)


def day(request: HttpRequest, day: str) -> HttpResponse:
    """``/day/YYYY-MM-DD``; an impossible date is a 404."""
    try:
        date = ranking.parse_day(day)
    except ValueError as exc:
        raise Http404(f"“{day}” is not a day (use YYYY-MM-DD).") from exc
    return _render_period(request, ranking.day_period(date))


def week(request: HttpRequest, week: str) -> HttpResponse:
    """``/week/YYYY-Www`` (ISO week, Monday to Sunday); W00 or a missing W53 is a 404."""
    try:
        year, number = ranking.parse_iso_week(week)
    except ValueError as exc:
        raise Http404(f"“{week}” is not an ISO week (use YYYY-Www, e.g. 2026-W06).") from exc
    return _render_period(request, ranking.week_period(year, number))


def month(request: HttpRequest, month: str) -> HttpResponse:
    """``/month/YYYY-MM``."""
    try:
        year, number = ranking.parse_month(month)
    except ValueError as exc:
        raise Http404(f"“{month}” is not a month (use YYYY-MM).") from exc
    return _render_period(request, ranking.month_period(year, number))


def latest_week(request: HttpRequest) -> HttpResponse:
    """``/week``: redirect to the ISO week of the latest featured day (or of today when there is none)."""
    day = ranking.latest_featured_day() or dt.datetime.now(dt.UTC).date()
    return redirect("papers:week", week=ranking.week_of(day).slug)


def latest_month(request: HttpRequest) -> HttpResponse:
    """``/month``: redirect to the month of the latest featured day (or this month)."""
    day = ranking.latest_featured_day() or dt.datetime.now(dt.UTC).date()
    return redirect("papers:month", month=ranking.month_of(day).slug)


def trending(request: HttpRequest) -> HttpResponse:
    """``/trending``: gravity-ranked papers of the last days (formula in :mod:`paperboy.papers.ranking`).

    When nothing was featured in the window (an instance whose ingest stopped, or the demo corpus), the
    ranking is computed as of the end of the latest featured day instead, and the page says so.
    """
    items, as_of = ranking.trending_or_latest()
    context = {
        "items": items,
        "papers": [item.paper for item in items],
        "as_of": as_of,
        "gravity": ranking.TRENDING_GRAVITY,
        "offset_hours": ranking.TRENDING_OFFSET_HOURS,
        "window_days": ranking.TRENDING_WINDOW_DAYS,
        "nav": "trending",
    }
    return render(request, "papers/trending.html", context)


def detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """``/papers/<arxiv id>``: one paper.

    The path may be the canonical id (``2401.01234``, ``hep-th/9901001``) or any form
    :func:`paperboy.lib.arxiv_ids.parse_arxiv_id` accepts (``2401.01234v2``, ``arXiv:2401.01234``,
    ``math.CA/0611800``, an arxiv.org URL): known papers are redirected (301) to the canonical URL.
    Unknown or malformed ids get a 404 page that links to arXiv when the id is valid.
    """
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raw = arxiv_id
        # "https://arxiv.org/abs/…" arrives with its double slash folded by some clients.
        if raw.startswith(("http:/", "https:/")) and "://" not in raw:
            raw = raw.replace(":/", "://", 1)
        try:
            parsed = parse_arxiv_id(raw)
        except InvalidArxivId:
            return render(
                request, "papers/not_found.html", {"arxiv_id": arxiv_id, "valid": False}, status=404
            )
        paper = Paper.objects.filter(arxiv_id=parsed.arxiv_id).first()
        if paper is None:
            context = {
                "arxiv_id": parsed.arxiv_id,
                "valid": True,
                "abs_url": f"https://arxiv.org/abs/{parsed.versioned}",
            }
            return render(request, "papers/not_found.html", context, status=404)
        return HttpResponseRedirect(paper.get_absolute_url(), status=301)
    featured_days = list(paper.featured_entries.order_by("featured_on").values_list("featured_on", flat=True))
    context = {"paper": paper, "featured_days": featured_days, "nav": ""}
    return render(request, "papers/detail.html", context)
