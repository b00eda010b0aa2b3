"""Per-user state beyond Django's auth.User, and authorship claims.

``auth.User.is_active`` is False both before the e-mail address is confirmed and while a moderator
suspends the account; :class:`Profile` says which.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from paperboy.papers.models import Paper


class Profile(models.Model):
    """Account state: when the e-mail address was confirmed, and whether a moderator suspended it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class AuthorClaim(models.Model):
    """A user's claim to be one author entry (by position) of a paper; an admin approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="author_claims")
    author_index = models.PositiveIntegerField(help_text="0-based position in Paper.authors")
    author_name = models.CharField(max_length=300, help_text="The name at that position when claimed")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # one open or approved claim per user and paper
            models.UniqueConstraint(
                fields=["user", "paper"],
                condition=~Q(status="rejected"),
                name="one_live_claim_per_user_and_paper",
            ),
            # an author entry belongs to at most one approved user
            models.UniqueConstraint(
                fields=["paper", "author_index"],
                condition=Q(status="approved"),
                name="one_approved_claim_per_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} claims {self.author_name} of {self.paper.arxiv_id} ({self.status})"
