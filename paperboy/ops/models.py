"""Records of scheduled job runs; the unique (job, slot) row is the claim that stops two workers."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One scheduled run of one job (``ingest``, ``embed``, ``digests``) for one time slot.

    The row is created before the job starts; ``UniqueConstraint(job, slot)`` makes that insert the
    claim: a second worker trying the same slot gets an IntegrityError and skips it.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCESS = "success"
        SILENT = "silent", "silent day (no new papers on an announcement day)"
        FAILED = "failed"
        SKIPPED = "skipped", "skipped (command not installed)"
        BUSY = "busy", "busy (another process was already running it)"

    job = models.CharField(max_length=32, help_text="ingest, embed or digests")
    slot = models.DateTimeField(help_text="The scheduled time this run is for (UTC)")
    claimed_by = models.CharField(max_length=200, help_text="host:pid of the worker that claimed the slot")
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    new_paper_count = models.IntegerField(default=0, help_text="Papers added by this run (ingest)")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_one_claim_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
