from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from paperboy.search.forms import SearchForm
from paperboy.search.services import search_papers

PAGE_SIZE = 20


def search(request: HttpRequest) -> HttpResponse:
    """/search?q=…&mode=hybrid|keyword|semantic&sort=relevance|date|upvotes&page=N and filters.

    Any query gives results or "no results", never an error page. An arXiv id or URL of a paper we
    have redirects to its page."""
    form = SearchForm(request.GET or None)
    form.is_valid()
    query = form.value("q", "") if form.is_bound else ""
    page = form.value("page", 1) if form.is_bound else 1
    results = None
    if form.is_bound and (query or form.search_filters().active):
        results = search_papers(
            query,
            mode=form.value("mode", "hybrid"),
            filters=form.search_filters(),
            sort=form.value("sort", "relevance"),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        if results.redirect_to:
            return redirect(results.redirect_to)
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    total = results.total if results else 0
    context = {
        "form": form,
        "query": results.query if results else query,
        "results": results.hits if results else [],
        "search": results,
        "total": total,
        "mode": results.mode if results else form.value("mode", "hybrid"),
        # The select keeps what the reader asked for, even when search fell back (a note says so).
        "requested_mode": form.value("mode", "hybrid"),
        "arxiv_id": results.arxiv_id if results else None,
        "took_ms": results.took_ms if results else None,
        "notes": form.ignored_notes() + (results.notes if results else []),
        "page": page,
        "has_previous": page > 1,
        "has_next": results is not None and page * PAGE_SIZE < total,
        "previous_url": "?" + urlencode({**params, "page": page - 1}),
        "next_url": "?" + urlencode({**params, "page": page + 1}),
    }
    return render(request, "search/results.html", context)
