"""Records of ingest runs and harvest checkpoints."""

from __future__ import annotations

from django.db import models


class IngestRunQuerySet(models.QuerySet["IngestRun"]):
    def updates(self) -> IngestRunQuerySet:
        """Runs that updated the papers, newest finished first: successful or partial, finished, and not
        load_demo's sample data. What the footer, /status, /readyz and ``paperboy status`` call the last
        successful update."""
        return (
            self.filter(status__in=[IngestRun.Status.SUCCESS, IngestRun.Status.PARTIAL], demo=False)
            .exclude(finished_at=None)
            .order_by("-finished_at")
        )


class IngestRun(models.Model):
    """One run of the ``ingest`` command over one input (file, folder or live source)."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCESS = "success"
        PARTIAL = "partial", "finished with errors"
        FAILED = "failed"
        ABANDONED = "abandoned", "abandoned (its process died mid-run)"

    source = models.CharField(max_length=32, help_text="Format: hf, atom, oai, feed, jsonl, listing")
    location = models.TextField(help_text="File, folder or URL read")
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    seen_count = models.IntegerField(default=0)
    new_count = models.IntegerField(default=0)
    updated_count = models.IntegerField(default=0)
    unchanged_count = models.IntegerField(default=0)
    featured_count = models.IntegerField(default=0, help_text="New featured entries")
    failed_count = models.IntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{position, reason}], the first 1000")
    message = models.TextField(blank=True)
    demo = models.BooleanField(
        default=False, help_text="Imported by load_demo: sample data, not an update of the site (/readyz)"
    )
    process = models.CharField(
        max_length=200, blank=True, help_text="host:pid of the process running the import"
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of progress (each batch); stale runs are abandoned"
    )

    objects = IngestRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class HarvestCheckpoint(models.Model):
    """Where a resumable harvest (OAI-PMH, API paging) stopped, so a rerun continues from there."""

    key = models.CharField(max_length=255, unique=True, help_text="e.g. oai:arXivRaw:cs:2025-01-01")
    resumption_token = models.TextField(blank=True)
    last_datestamp = models.DateField(null=True, blank=True)
    cursor = models.IntegerField(default=0)
    completed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
