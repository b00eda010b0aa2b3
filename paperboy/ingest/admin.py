"""Admin for ingest runs (read-only history) and harvest checkpoints."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from paperboy.ingest.models import HarvestCheckpoint, IngestRun


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "source",
        "status",
        "seen_count",
        "new_count",
        "updated_count",
        "featured_count",
        "failed_count",
        "duration_seconds",
    )
    list_filter = ("status", "source")
    search_fields = ("location", "message")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HarvestCheckpoint)
class HarvestCheckpointAdmin(admin.ModelAdmin):
    list_display = ("key", "last_datestamp", "cursor", "completed", "updated_at")
    search_fields = ("key",)
