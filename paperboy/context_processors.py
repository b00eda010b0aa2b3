"""Template context shared by every page."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

#: A run still marked "running" after this long was killed; it is not shown as in progress.
RUNNING_INGEST_MAX_AGE = dt.timedelta(hours=6)


_status: dict[str, tuple[float, object, object]] = {}


def _ingest_status(fresh: bool) -> tuple[object, object]:
    """(newest successful IngestRun or None, running IngestRun or None): two queries, remembered per
    process for ``settings.SITE_STATUS_TTL_SECONDS`` (5 s by default, 0 in the tests), so pages that are
    not served from the page cache (search, signed-in pages) do not ask the database every time.
    ``fresh`` asks anyway (and refreshes what is remembered)."""
    from django.db import connection

    from paperboy.ingest.models import IngestRun

    ttl = settings.SITE_STATUS_TTL_SECONDS
    key = str(connection.settings_dict.get("NAME"))
    now = time.monotonic()
    found = _status.get(key)
    if ttl > 0 and not fresh and found is not None and now - found[0] < ttl:
        return found[1], found[2]
    last = IngestRun.objects.updates().only("finished_at", "source", "status").first()
    running = (
        IngestRun.objects.filter(
            status=IngestRun.Status.RUNNING, started_at__gte=timezone.now() - RUNNING_INGEST_MAX_AGE
        )
        .order_by("-started_at")
        .only("started_at", "source", "location", "seen_count")
        .first()
    )
    _status[key] = (now, last, running)
    return last, running


def site(request: HttpRequest) -> dict[str, object]:
    """For every page: ``site_name``; ``last_ingest``, the newest successful IngestRun (or None); and
    ``running_ingest``, an import going on right now (or None), with its record count so far (both at most
    ``SITE_STATUS_TTL_SECONDS`` old). A page the page cache may store is rendered with fresh ones: it is
    stored under a version of the data that includes the newest finished import, and kept for minutes."""
    from paperboy.ops.pagecache import is_cacheable_request

    last, running = _ingest_status(fresh=is_cacheable_request(request))
    return {"site_name": settings.SITE_NAME, "last_ingest": last, "running_ingest": running}
