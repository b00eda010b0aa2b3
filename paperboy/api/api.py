"""The JSON API under ``/api/`` (django-ninja): OpenAPI 3 schema at ``/api/openapi.json``, docs at
``/api/docs``.

``GET /api/daily_papers`` mirrors Hugging Face's endpoint of the same name (parameters and item
shape), so an HF Daily Papers client works by changing its base URL. Errors are JSON
``{"error": message}`` with status 400 (bad parameters), 401 (not signed in), 404 (unknown paper).
Writes accept the session (with its CSRF token) or ``Authorization: Bearer <personal token>``.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from paperboy.api import lists, services
from paperboy.api.schemas import (
    CommentOut,
    DailyPaperOut,
    ErrorOut,
    PaperDetailOut,
    SearchHitOut,
    UpvoteOut,
)
from paperboy.api.serializers import daily_items, paper_detail, paper_dict
from paperboy.api.tokens import user_for_token
from paperboy.papers.models import Paper

MAX_LIMIT = 100
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
WEEK_PATTERN = r"^\d{4}-W\d{2}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"


class BearerToken(HttpBearer):
    """``Authorization: Bearer pb_…`` with a personal API token (see :mod:`paperboy.api.tokens`)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="paperboy API",
    version="1.0.0",
    description=(
        "Daily lists, papers, search and feeds of a paperboy server. `/api/daily_papers` follows "
        "Hugging Face's `/api/daily_papers` (same parameters, same item shape)."
    ),
    urls_namespace="api",
    docs_url="/docs",
)

WRITE_AUTH = [BearerToken(), django_auth]


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> Any:
    parts = []
    for err in exc.errors:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
        message = str(err.get("msg", "invalid"))
        if "input" in err and err.get("type") != "missing":
            message += f" (got {err['input']!r})"
        parts.append(f"{where}: {message}" if where else message)
    return api.create_response(request, {"error": "; ".join(parts) or "invalid parameters"}, status=400)


@api.exception_handler(lists.InvalidParameter)
def _invalid_parameter(request: HttpRequest, exc: lists.InvalidParameter) -> Any:
    return api.create_response(request, {"error": str(exc)}, status=400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> Any:
    return api.create_response(request, {"error": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> Any:
    return api.create_response(
        request, {"error": "sign in, or send Authorization: Bearer <API token>"}, status=401
    )


def _paper_or_404(raw_id: str) -> Paper:
    paper = services.find_paper(raw_id)
    if paper is None:
        raise HttpError(404, f"no paper with id {raw_id!r}")
    return paper


@api.get(
    "/daily_papers",
    response={200: list[DailyPaperOut], 400: ErrorOut},
    by_alias=True,
    summary="Featured papers of a day, week or month (Hugging Face compatible)",
    tags=["lists"],
)
def daily_papers(
    request: HttpRequest,
    date: str | None = Query(
        None, description="Featured day, YYYY-MM-DD", pattern=DAY_PATTERN, example="2026-02-03"
    ),
    week: str | None = Query(
        None, description="ISO week, e.g. 2025-W16", pattern=WEEK_PATTERN, example="2026-W06"
    ),
    month: str | None = Query(
        None, description="Month, e.g. 2025-04", pattern=MONTH_PATTERN, example="2026-02"
    ),
    sort: Literal["publishedAt", "trending"] | None = Query(
        None,
        description="publishedAt (newest featured first) or trending; default: most upvoted for a "
        "date/week/month, newest first otherwise",
    ),
    p: int = Query(0, ge=0, le=100_000, description="Page number, 0-based"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT})"),
    submitter: str | None = Query(None, max_length=150, description="Only entries submitted by this handle"),
) -> Any:
    """At most one of `date`, `week`, `month`; none gives every featured day, newest first."""
    period = lists.parse_period(date=date, week=week, month=month)
    entries = lists.list_entries(period, sort=sort, submitter=submitter, offset=p * limit, limit=limit)
    return daily_items(entries)


@api.get(
    "/papers/search",
    response={200: list[SearchHitOut], 400: ErrorOut},
    by_alias=True,
    summary="Search papers by words and meaning",
    tags=["papers"],
)
def search_papers(
    request: HttpRequest,
    q: str = Query(
        ...,
        min_length=1,
        max_length=500,
        description="Query: words, a title or an arXiv id",
        example="sparse guidance map",
    ),
    mode: Literal["hybrid", "keyword", "semantic"] = Query("hybrid", description="How to rank"),
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000),
    category: str | None = Query(None, max_length=32, description="Only this arXiv category, e.g. cs.CL"),
    date_from: str | None = Query(None, description="Published on or after YYYY-MM-DD", pattern=DAY_PATTERN),
    date_to: str | None = Query(None, description="Published on or before YYYY-MM-DD", pattern=DAY_PATTERN),
) -> Any:
    lists.check_text("q", q)
    lists.check_text("category", category)
    if not q.strip():
        raise lists.InvalidParameter("q must not be blank")
    filters: dict[str, Any] = {"category": category}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value:
            filters[name] = lists.parse_day(value).start
    hits = services.search(q, mode=mode, filters=filters, limit=limit, offset=offset)
    return [
        {"paper": paper_dict(h.paper), "title": h.paper.title, "rank": offset + i + 1, "score": h.score}
        for i, h in enumerate(hits)
    ]


@api.get(
    "/papers/{path:arxiv_id}/similar",
    response={200: list[SearchHitOut], 400: ErrorOut, 404: ErrorOut},
    by_alias=True,
    summary="Papers similar to this one",
    tags=["papers"],
)
def similar_papers(request: HttpRequest, arxiv_id: str, limit: int = Query(10, ge=1, le=50)) -> Any:
    paper = _paper_or_404(arxiv_id)
    hits = services.similar(paper, limit=limit)
    return [
        {"paper": paper_dict(h.paper), "title": h.paper.title, "rank": i + 1, "score": h.score}
        for i, h in enumerate(hits)
    ]


@api.get(
    "/papers/{path:arxiv_id}/comments",
    response={200: list[CommentOut], 404: ErrorOut},
    summary="Comments on a paper, oldest first",
    tags=["papers"],
)
def paper_comments(request: HttpRequest, arxiv_id: str) -> Any:
    return services.comments_of(_paper_or_404(arxiv_id))


@api.post(
    "/papers/{path:arxiv_id}/upvote",
    response={200: UpvoteOut, 401: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
    summary="Upvote a paper (idempotent)",
    tags=["actions"],
)
def upvote(request: HttpRequest, arxiv_id: str) -> Any:
    paper = _paper_or_404(arxiv_id)
    count = services.set_upvote(request.user, paper, upvoted=True)
    return {"paper": paper.arxiv_id, "upvoted": True, "upvotes": count}


@api.delete(
    "/papers/{path:arxiv_id}/upvote",
    response={200: UpvoteOut, 401: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
    summary="Remove one's upvote (idempotent)",
    tags=["actions"],
)
def remove_upvote(request: HttpRequest, arxiv_id: str) -> Any:
    paper = _paper_or_404(arxiv_id)
    count = services.set_upvote(request.user, paper, upvoted=False)
    return {"paper": paper.arxiv_id, "upvoted": False, "upvotes": count}


@api.get(
    "/papers/{path:arxiv_id}",
    response={200: PaperDetailOut, 404: ErrorOut},
    by_alias=True,
    summary="One paper; old-style ids with a slash (hep-th/9901001) work",
    tags=["papers"],
)
def paper(request: HttpRequest, arxiv_id: str) -> Any:
    return paper_detail(_paper_or_404(arxiv_id))
