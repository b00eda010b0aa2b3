"""Submitting a paper to the daily list (community submissions, as on HF Daily Papers).

Rules (shown on the form by :func:`submission_rules`, enforced by :func:`submit_paper`):
- only signed-in users submit (the view requires log-in);
- the paper is at most ``settings.SUBMISSION_MAX_AGE_DAYS`` days old, counted from its latest version
  (``Paper.updated_at``, else ``published_at``, else the announce day);
- at most ``settings.SUBMISSIONS_PER_DAY`` submissions per user per UTC day;
- a paper that is (or was) on the daily list cannot be submitted again;
- staff may feature any paper: the age, quota and "already listed" rules do not apply to them.

A paper missing from the database is fetched from the arXiv API through :func:`fetch_paper_record`
(the one function tests mock). Without network the user gets :class:`ArxivUnavailable`'s message and
nothing is saved: the paper row and the featured entry are written in one transaction, after the fetch.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from paperboy.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord, upsert_paper

log = logging.getLogger(__name__)

#: Seconds to wait for the arXiv API before telling the user it is unreachable.
ARXIV_TIMEOUT_SECONDS = 15.0


class SubmissionRejected(Exception):
    """A rule stopped the submission; ``str(exc)`` is the message for the user."""


class ArxivUnavailable(SubmissionRejected):
    """The paper is not in the database and the arXiv API cannot be reached (or network is off)."""


@dataclass(frozen=True)
class SubmissionResult:
    """A successful submission: the paper, its new featured entry, and whether it came from arXiv now."""

    paper: Paper
    entry: FeaturedEntry
    fetched: bool


def submission_rules() -> list[str]:
    """The rules in words, with the configured numbers, for the submission form."""
    return [
        "You need to be signed in.",
        f"The paper must be at most {settings.SUBMISSION_MAX_AGE_DAYS} days old, counted from its latest version.",
        f"You can submit {settings.SUBMISSIONS_PER_DAY} papers per day (UTC).",
        "A paper that is already on the daily list cannot be submitted again.",
        "Give an arXiv id (2401.01234, hep-th/9901001) or an arXiv URL.",
    ]


def fetch_paper_record(arxiv_id: str) -> PaperRecord | None:
    """Fetch one paper's metadata from the arXiv API (one request, no retries: a user is waiting).

    Uses the ingest app's polite client and Atom parser (``paperboy.ingest.fetch.PoliteClient``,
    ``paperboy.ingest.parsers.atom``), imported lazily so that the papers app does not depend on
    ingest at import time; without the ingest app it falls back to ``requests`` + ``feedparser``.

    Args:
        arxiv_id: canonical id (no version).
    Returns:
        The paper's PaperRecord, or None when arXiv has no such paper.
    Raises:
        ArxivUnavailable: settings.LIVE_NETWORK is false, or the request failed (timeout, DNS,
            429/5xx, unreadable answer).
    Source: https://info.arxiv.org/help/api/user-manual.html (``id_list`` query).
    """
    if not settings.LIVE_NETWORK:
        raise ArxivUnavailable(
            "arXiv is unreachable from this server right now (network access is switched off), and the paper "
            "is not in our database yet. Nothing was saved; please try again later."
        )
    import requests

    params = {"id_list": arxiv_id, "max_results": "1"}
    try:
        try:
            from paperboy.ingest.fetch import FetchError, PoliteClient
        except ImportError:  # pragma: no cover - the ingest app is part of paperboy
            response = requests.get(
                settings.ARXIV_API_URL,
                params=params,
                headers={"User-Agent": settings.HTTP_USER_AGENT},
                timeout=ARXIV_TIMEOUT_SECONDS,
            )
        else:
            client = PoliteClient(max_retries=0, timeout=(5.0, ARXIV_TIMEOUT_SECONDS))
            try:
                response = client.get(settings.ARXIV_API_URL, params=params)
            except FetchError as exc:
                raise requests.ConnectionError(str(exc)) from exc
        if response.status_code == 400:  # arXiv's answer to an id it does not know the form of
            return None
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("arXiv API request for %s failed: %s", arxiv_id, exc)
        raise ArxivUnavailable(
            "arXiv is unreachable right now, and the paper is not in our database yet. "
            "Nothing was saved; please try again in a few minutes."
        ) from exc
    return parse_api_response(response.content, arxiv_id)


def parse_api_response(content: bytes, arxiv_id: str) -> PaperRecord | None:
    """Turn an arXiv API Atom answer into the PaperRecord of ``arxiv_id`` (None when it is absent).

    Example: ``<entry><id>http://arxiv.org/abs/2104.12255v1</id>…`` -> PaperRecord(arxiv_id="2104.12255",
    version=1, …). Empty feeds and the API's error feed give None.

    Raises:
        ArxivUnavailable: the answer is not readable XML.
    """
    try:
        from paperboy.ingest.parsers import atom
        from paperboy.ingest.parsers.base import SourceError
    except ImportError:  # pragma: no cover - the ingest app is part of paperboy
        return _parse_with_feedparser(content, arxiv_id)
    try:
        page = atom.parse_page(content, f"arXiv API id_list={arxiv_id}")
    except SourceError as exc:
        if "not XML" in str(exc):
            raise ArxivUnavailable(
                "arXiv sent an answer we could not read. Nothing was saved; please try again later."
            ) from exc
        return None  # the API's error feed (e.g. a malformed id)
    for _position, item in page.items:
        if isinstance(item, PaperRecord) and item.arxiv_id == arxiv_id:
            return item
    return None


def _parse_with_feedparser(content: bytes, arxiv_id: str) -> PaperRecord | None:
    """Fallback parser when the ingest app is absent (same contract as :func:`parse_api_response`)."""
    import feedparser

    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        raise ArxivUnavailable(
            "arXiv sent an answer we could not read. Nothing was saved; please try again later."
        )
    for entry in feed.entries:
        try:
            parsed = parse_arxiv_id(entry.get("id", ""))
        except InvalidArxivId:
            continue  # error entries: <id>http://arxiv.org/api/errors#…</id>
        if parsed.arxiv_id != arxiv_id:
            continue
        categories = [t["term"] for t in entry.get("tags", []) if t.get("term")]
        primary = (entry.get("arxiv_primary_category") or {}).get("term", "")
        return PaperRecord(
            arxiv_id=parsed.arxiv_id,
            version=parsed.version,
            title=" ".join(entry.get("title", "").split()),
            abstract=entry.get("summary", "").strip(),
            authors=[a.get("name", "") for a in entry.get("authors", []) if a.get("name")],
            categories=categories,
            primary_category=primary,
            comments=entry.get("arxiv_comment", ""),
            journal_ref=entry.get("arxiv_journal_ref", ""),
            doi=entry.get("arxiv_doi", ""),
            published_at=_utc(entry.get("published_parsed")),
            updated_at=_utc(entry.get("updated_parsed")),
        )
    return None


def _utc(value: object) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)  # type: ignore[arg-type]


def _check_quota(user: User, today: dt.date) -> None:
    limit = settings.SUBMISSIONS_PER_DAY
    done = FeaturedEntry.objects.filter(submitted_by=user, featured_on=today, source="submission").count()
    if done >= limit:
        raise SubmissionRejected(
            f"You have already submitted {done} papers today; the limit is {limit} per day (UTC). "
            "Please come back tomorrow."
        )


def _check_not_listed(paper: Paper | None, *, staff: bool, today: dt.date) -> None:
    if paper is None:
        return
    entries = FeaturedEntry.objects.filter(paper=paper)
    if not staff:
        entry = entries.order_by("featured_on").first()
        if entry is not None:
            raise SubmissionRejected(
                f"{paper.arxiv_id} is already on the daily list (since {entry.featured_on:%Y-%m-%d}); "
                "duplicates are not accepted."
            )
    elif entries.filter(featured_on=today).exists():
        raise SubmissionRejected(f"{paper.arxiv_id} is already on today's list.")


def _check_age(paper: Paper, now: dt.datetime) -> None:
    announced = (
        dt.datetime.combine(paper.announced_on, dt.time(), tzinfo=dt.UTC) if paper.announced_on else None
    )
    # The latest version's date; a source that gave no version dates leaves the announce day (the day
    # arXiv listed it, at or after v1). The id's month alone is too coarse to judge a 14-day rule.
    latest = paper.updated_at or paper.published_at or announced
    max_days = settings.SUBMISSION_MAX_AGE_DAYS
    if latest is None:
        raise SubmissionRejected(
            f"We do not know when {paper.arxiv_id} was published, so it cannot be submitted."
        )
    age = now - latest
    if age > dt.timedelta(days=max_days):
        raise SubmissionRejected(
            f"{paper.arxiv_id} is too old for the daily list: its latest version (v{paper.version}) is from "
            f"{latest:%Y-%m-%d}, {age.days} days ago, and submissions must be at most {max_days} days old."
        )


def submit_paper(user: User, raw_id: str, *, now: dt.datetime | None = None) -> SubmissionResult:
    """Put a paper on today's daily list on behalf of ``user``, enforcing the rules above.

    Args:
        user: the signed-in submitter (staff skip the age, quota and "already listed" rules).
        raw_id: an arXiv id or URL in any form :func:`paperboy.lib.arxiv_ids.parse_arxiv_id` accepts.
        now: the current time (aware UTC); tests pass it, the view does not.
    Returns:
        SubmissionResult with the new FeaturedEntry (featured_on = today, UTC).
    Raises:
        SubmissionRejected: a rule failed; the message says which. Nothing is saved.
        ArxivUnavailable: the paper is unknown here and arXiv cannot be reached. Nothing is saved.
    """
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    staff = user.is_staff
    try:
        arxiv_id = parse_arxiv_id(raw_id).arxiv_id
    except InvalidArxivId:
        raise SubmissionRejected(
            f"“{raw_id.strip()[:100]}” is not an arXiv id or arXiv URL. "
            "Examples: 2401.01234, arXiv:2401.01234v2, https://arxiv.org/abs/2401.01234, hep-th/9901001."
        ) from None
    if not staff:
        _check_quota(user, today)
    paper = Paper.objects.by_arxiv_id(arxiv_id)
    _check_not_listed(paper, staff=staff, today=today)
    record = None
    if paper is None:
        record = fetch_paper_record(arxiv_id)  # network: outside the transaction
        if record is None:
            raise SubmissionRejected(f"arXiv has no paper with the id {arxiv_id}. Please check the id.")
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()  # one submission per user at a time
            if record is not None:
                paper = upsert_paper(record, source="submission").paper
            assert paper is not None
            if not staff:
                _check_quota(user, today)
                _check_age(paper, now)
            _check_not_listed(paper, staff=staff, today=today)
            entry = FeaturedEntry.objects.create(
                paper=paper,
                featured_on=today,
                featured_at=now,
                submitted_by=user,
                submitter_name=user.username[:150],
                source="submission",
            )
    except IntegrityError:
        raise SubmissionRejected(f"{arxiv_id} is already on today's list.") from None
    return SubmissionResult(paper=paper, entry=entry, fetched=record is not None)
