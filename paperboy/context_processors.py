"""Template context shared by every page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

#: A run still marked "running" after this long was killed; it is not shown as in progress.
RUNNING_INGEST_MAX_AGE = dt.timedelta(hours=6)


def site(request: HttpRequest) -> dict[str, object]:
    """For every page: ``site_name``; ``last_ingest``, the newest successful IngestRun (or None); and
    ``running_ingest``, an import going on right now (or None), with its record count so far."""
    from paperboy.ingest.models import IngestRun

    last = (
        IngestRun.objects.filter(status__in=[IngestRun.Status.SUCCESS, IngestRun.Status.PARTIAL])
        .order_by("-finished_at")
        .only("finished_at", "source", "status")
        .first()
    )
    running = (
        IngestRun.objects.filter(
            status=IngestRun.Status.RUNNING, started_at__gte=timezone.now() - RUNNING_INGEST_MAX_AGE
        )
        .order_by("-started_at")
        .only("started_at", "source", "location", "seen_count")
        .first()
    )
    return {"site_name": settings.SITE_NAME, "last_ingest": last, "running_ingest": running}
