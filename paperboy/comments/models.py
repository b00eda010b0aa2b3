"""Comments on paper pages and reports of comments to moderators.

Threads are flat (no replies), so a deleted comment simply goes away (see ``delete_account``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from paperboy.papers.models import Paper


class Comment(models.Model):
    """A comment on a paper. ``body`` is what the author typed; ``body_html`` is its sanitized rendering."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="user_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(help_text="Plain text or the Markdown subset, as typed")
    body_html = models.TextField(help_text="Rendered and sanitized with nh3; safe to show")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, db_index=True, help_text="Hidden by a moderator")
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper.arxiv_id}: {self.body[:60]}"


class CommentReport(models.Model):
    """A user's report that a comment breaks the rules; moderators resolve it in the admin."""

    class Status(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"
        DISMISSED = "dismissed"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comment_reports",
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_user_and_comment"),
        ]

    def __str__(self) -> str:
        return f"report on comment {self.comment_id} ({self.status})"
