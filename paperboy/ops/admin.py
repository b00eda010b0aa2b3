from __future__ import annotations

from django.contrib import admin

from paperboy.ops.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "slot", "status", "new_paper_count", "claimed_by", "started_at", "finished_at"]
    list_filter = ["job", "status"]
    search_fields = ["message", "claimed_by"]
    date_hierarchy = "slot"
    readonly_fields = [f.name for f in JobRun._meta.fields]


def _register_ingest_run_admin() -> None:
    """Make failed runs visible in the admin when the ingest app has not registered IngestRun itself."""
    from paperboy.ingest.models import IngestRun

    if admin.site.is_registered(IngestRun):
        return

    class IngestRunAdmin(admin.ModelAdmin):
        list_display = [
            "source",
            "started_at",
            "finished_at",
            "status",
            "new_count",
            "updated_count",
            "failed_count",
        ]
        list_filter = ["status", "source"]
        search_fields = ["location", "message"]
        date_hierarchy = "started_at"

    admin.site.register(IngestRun, IngestRunAdmin)


_register_ingest_run_admin()
