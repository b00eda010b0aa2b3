"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """``site_name`` and ``last_ingest`` (the newest successful IngestRun, or None) for every page."""
    from paperboy.ingest.models import IngestRun

    last = (
        IngestRun.objects.filter(status__in=[IngestRun.Status.SUCCESS, IngestRun.Status.PARTIAL])
        .order_by("-finished_at")
        .only("finished_at", "source", "status")
        .first()
    )
    return {"site_name": settings.SITE_NAME, "last_ingest": last}
