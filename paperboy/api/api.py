"""The JSON API under ``/api/`` (django-ninja): OpenAPI 3 schema at ``/api/openapi.json``, docs at
``/api/docs``.

``GET /api/daily_papers`` mirrors Hugging Face's endpoint of the same name (parameters and item
shape), so an HF Daily Papers client works by changing its base URL. Errors are JSON
``{"error": message}`` with status 400 (bad parameters), 401 (not signed in), 404 (unknown paper).
Writes accept the session (with its CSRF token) or ``Authorization: Bearer <personal token>``; when an
``Authorization`` header is sent only the token counts (no CSRF), and a bad or revoked token is a 401.
Unknown ``/api/…`` paths answer a JSON 404.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from paperboy.accounts.ratelimits import retry_after, wait_text
from paperboy.api import lists, services
from paperboy.api.schemas import (
    CommentIn,
    CommentOut,
    DailyPaperOut,
    ErrorOut,
    PaperDetailOut,
    SearchHitOut,
    SubmitIn,
    UpvoteOut,
)
from paperboy.api.serializers import daily_item, daily_items, paper_detail, paper_dict
from paperboy.api.tokens import user_for_token
from paperboy.comments.services import CommentError, post_comment
from paperboy.lib.arxiv_ids import is_arxiv_id
from paperboy.papers.models import Paper
from paperboy.papers.submissions import ArxivUnavailable, SubmissionRejected, submit_paper
from paperboy.search import SearchFilters

MAX_LIMIT = 100
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
WEEK_PATTERN = r"^\d{4}-W\d{2}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"


class TokenRejected(Exception):
    """An ``Authorization`` header was sent but does not carry a valid, active API token (401)."""


class BearerToken(HttpBearer):
    """``Authorization: Bearer pb_…`` with a personal API token (see :mod:`paperboy.api.tokens`).

    When an ``Authorization`` header is present it is the only credential looked at (no session,
    no CSRF): a malformed, unknown or revoked token raises :class:`TokenRejected` (401).
    """

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise TokenRejected("the Authorization header must be 'Bearer <API token>'")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            raise TokenRejected("invalid or revoked API token")
        request.user = user
        return user


class SessionWithCsrf(SessionAuth):
    """The signed-in session, with its CSRF token; skipped when an ``Authorization`` header is sent
    or nobody is signed in (so an anonymous write answers 401, not a CSRF 403)."""

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return None
        return super().__call__(request)


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

WRITE_AUTH = [BearerToken(), SessionWithCsrf()]


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


@api.exception_handler(TokenRejected)
def _bad_token(request: HttpRequest, exc: TokenRejected) -> Any:
    response = api.create_response(request, {"error": str(exc)}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> Any:
    return api.create_response(
        request, {"error": "sign in, or send Authorization: Bearer <API token>"}, status=401
    )


class RateLimited(Exception):
    """Over a rate limit: 429 with ``Retry-After`` (seconds, the limit's window)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> Any:
    response = api.create_response(request, {"error": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _limit(request: HttpRequest, action: str) -> None:
    """The site's rate limit for ``action`` (``settings.RATE_LIMITS``), per user and per IP: 429 when over."""
    rate = settings.RATE_LIMITS[action]
    for group, key in ((f"paperboy.{action}.user", "user_or_ip"), (f"paperboy.{action}.ip", "ip")):
        if is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True):
            seconds = retry_after(action)
            raise RateLimited(
                f"too many {action} requests: at most {rate}; try again in {wait_text(seconds)}", seconds
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
    sort: Literal["relevance", "date", "upvotes"] = Query("relevance", description="Order of the results"),
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000),
    category: str | None = Query(None, max_length=32, description="Only this arXiv category, e.g. cs.CL"),
    published_from: str | None = Query(
        None, description="arXiv v1 on or after YYYY-MM-DD", pattern=DAY_PATTERN
    ),
    published_to: str | None = Query(
        None, description="arXiv v1 on or before YYYY-MM-DD", pattern=DAY_PATTERN
    ),
    featured_from: str | None = Query(
        None, description="Featured on or after YYYY-MM-DD", pattern=DAY_PATTERN
    ),
    featured_to: str | None = Query(
        None, description="Featured on or before YYYY-MM-DD", pattern=DAY_PATTERN
    ),
    has_code: bool | None = Query(None, description="Only papers with (true) or without (false) a code link"),
    min_upvotes: int | None = Query(None, ge=0, le=10**9, description="At least this many upvotes"),
) -> Any:
    """The search page's search (same modes, sorts and filters) as JSON, best first."""
    lists.check_text("q", q)
    lists.check_text("category", category)
    if not q.strip():
        raise lists.InvalidParameter("q must not be blank")
    days = {
        name: lists.parse_day(value).start if value else None
        for name, value in (
            ("published_from", published_from),
            ("published_to", published_to),
            ("featured_from", featured_from),
            ("featured_to", featured_to),
        )
    }
    filters = SearchFilters(
        **days, categories=[category] if category else [], has_code=has_code, min_upvotes=min_upvotes
    )
    hits = services.search(q, mode=mode, filters=filters, sort=sort, limit=limit, offset=offset)
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
    "/papers/{path:arxiv_id}/comments",
    response={201: CommentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=WRITE_AUTH,
    summary="Comment on a paper (plain text or a Markdown subset)",
    tags=["actions"],
)
def add_comment(request: HttpRequest, arxiv_id: str, payload: CommentIn) -> Any:
    _limit(request, "comment")
    paper = _paper_or_404(arxiv_id)
    try:
        comment = post_comment(request.user, paper, payload.body)  # type: ignore[arg-type]
    except CommentError as exc:
        raise lists.InvalidParameter(str(exc)) from exc
    return 201, services.comment_dict(comment)


@api.post(
    "/papers/submit",
    response={201: DailyPaperOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    by_alias=True,
    auth=WRITE_AUTH,
    summary="Submit a paper to today's daily list (same rules as the submit page)",
    tags=["actions"],
)
def submit(request: HttpRequest, payload: SubmitIn) -> Any:
    """400 when a rule stops it (age, daily quota, already listed, not an arXiv id); 503 when the paper
    is not stored here and arXiv cannot be reached."""
    if is_arxiv_id(payload.id):  # a malformed id is a 400 that does not use up the allowance
        _limit(request, "submit")
    try:
        result = submit_paper(request.user, payload.id)  # type: ignore[arg-type]
    except ArxivUnavailable as exc:
        raise HttpError(503, str(exc)) from exc
    except SubmissionRejected as exc:
        raise lists.InvalidParameter(str(exc)) from exc
    return 201, daily_item(result.entry)


@api.post(
    "/papers/{path:arxiv_id}/upvote",
    response={200: UpvoteOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=WRITE_AUTH,
    summary="Upvote a paper (idempotent)",
    tags=["actions"],
)
def upvote(request: HttpRequest, arxiv_id: str) -> Any:
    _limit(request, "vote")
    paper = _paper_or_404(arxiv_id)
    count = services.set_upvote(request.user, paper, upvoted=True)
    return {"paper": paper.arxiv_id, "upvoted": True, "upvotes": count}


@api.delete(
    "/papers/{path:arxiv_id}/upvote",
    response={200: UpvoteOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=WRITE_AUTH,
    summary="Remove one's upvote (idempotent)",
    tags=["actions"],
)
def remove_upvote(request: HttpRequest, arxiv_id: str) -> Any:
    _limit(request, "vote")
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
