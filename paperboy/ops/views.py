"""Health, readiness and the public status page."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from paperboy.ops import schedule, services
from paperboy.ops.models import JobRun

log = logging.getLogger(__name__)
#: This process's last /readyz answer (None before the first): changes are logged, not every probe.
_last_ready: bool | None = None


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 ``ok`` while the process serves; touches neither the database nor the index."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """JSON ``{"ready": bool, "checks": {...}}``; 503 when the database, search index or ingest is not ok.

    A 503 here is an answer, not a server error: not an ERROR of ``django.request`` (a probe every 10 s
    on a fresh install would fill the log). Each process logs when its answer changes instead: a
    WARNING with the checks on becoming not ready (``paperboy.ops.views``), an INFO on becoming ready."""
    global _last_ready
    result = services.readiness()
    response = JsonResponse(
        {"ready": result.ready, "checks": result.checks}, status=200 if result.ready else 503
    )
    if result.ready != _last_ready:
        if result.ready:
            log.info("readyz: ready")
        else:
            log.warning("readyz: not ready: %s", result.checks)
        _last_ready = result.ready
    if not result.ready:
        response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log.log_response
    return response


def _holidays() -> set[dt.date]:
    return {dt.date.fromisoformat(d) for d in settings.ARXIV_HOLIDAYS}


def status(request: HttpRequest) -> HttpResponse:
    """Public status: last successful update, recent ingest runs, failed or silent days, next ingest."""
    from paperboy.ingest.models import IngestRun

    now = timezone.now()
    ready = services.readiness(now=now)
    recent_ingests = list(IngestRun.objects.order_by("-started_at")[:20])
    last_update = IngestRun.objects.updates().first()
    job_runs = list(JobRun.objects.order_by("-slot", "job")[:30])
    problems = list(
        JobRun.objects.filter(status__in=[JobRun.Status.FAILED, JobRun.Status.SILENT]).order_by("-slot")[:20]
    )
    next_ingest = schedule.next_ingest_at(
        now, delay_minutes=settings.INGEST_DELAY_MINUTES, holidays=_holidays()
    )
    return render(
        request,
        "ops/status.html",
        {
            "ready": ready,
            "last_update": last_update,
            "recent_ingests": recent_ingests,
            "job_runs": job_runs,
            "problems": problems,
            "next_ingest": next_ingest,
        },
    )
