"""Papers, their days on the daily list (featured entries) and upvotes.

Three dates are kept apart (../shared/DOMAIN.md, "Dates"): ``published_at`` (arXiv v1),
``announced_on`` (the arXiv listing day) and ``FeaturedEntry.featured_on`` (the day a paper was put
on the daily list).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse


class PaperQuerySet(models.QuerySet["Paper"]):
    def by_arxiv_id(self, arxiv_id: str) -> Paper | None:
        return self.filter(arxiv_id=arxiv_id).first()


class Paper(models.Model):
    """One arXiv paper, keyed by its canonical arXiv id (no version; old-style ids keep their archive)."""

    arxiv_id = models.CharField(max_length=64, unique=True, help_text="Canonical id without version")
    version = models.PositiveIntegerField(default=1, help_text="Latest version known")
    title = models.TextField(help_text="One line; TeX markup kept")
    abstract = models.TextField(blank=True, help_text="Raw text as arXiv gives it")
    authors = models.JSONField(default=list, help_text="Ordered author names, TeX accents as Unicode")
    authors_raw = models.JSONField(default=list, help_text="Ordered author names as the source gave them")
    primary_category = models.CharField(max_length=32, blank=True, db_index=True)
    categories = models.JSONField(default=list, help_text="Primary first, then every cross-list")
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Date of v1")
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Date of the latest version")
    announced_on = models.DateField(null=True, blank=True, db_index=True, help_text="arXiv listing day")
    code_url = models.URLField(max_length=500, blank=True)
    project_url = models.URLField(max_length=500, blank=True)
    imported_upvote_count = models.IntegerField(
        default=0, help_text="Upvotes recorded by an imported snapshot (e.g. HF Daily Papers)"
    )
    upvote_count = models.IntegerField(
        default=0, db_index=True, help_text="imported_upvote_count + local upvotes; kept by the services"
    )
    withdrawn = models.BooleanField(default=False)
    source = models.CharField(max_length=32, blank=True, help_text="Source the paper was first seen in")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-arxiv_id"]
        indexes = [models.Index(fields=["-upvote_count", "-published_at"], name="paper_upvotes_idx")]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", kwargs={"arxiv_id": self.arxiv_id})

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def author_count(self) -> int:
        return len(self.authors)

    @property
    def best_date(self) -> dt.datetime | None:
        """The date lists and search sort and filter by: ``published_at`` (v1) when the source gave it,
        else the announce day, else the month of the arXiv id (00:00 UTC); None when none is known.

        Some sources (arXiv listing crawls, HF page scrapes) carry no v1 date; without this fallback such
        papers would drop out of every date filter and sort last.
        """
        if self.published_at is not None:
            return self.published_at
        day = self.announced_on or self.id_month
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None

    @property
    def id_month(self) -> dt.date | None:
        """The month the arXiv id was minted (first day of it), from its ``YYMM`` digits.

        ``2602.01234`` -> 2026-02-01; ``hep-th/9901001`` -> 1999-01-01. A date to show when the source gave
        no published date; arXiv numbers papers by the month of their submission.
        """
        digits = self.arxiv_id.rsplit("/", 1)[-1][:4]
        if not digits.isdigit():
            return None
        yy, mm = int(digits[:2]), int(digits[2:])
        if not 1 <= mm <= 12:
            return None
        return dt.date(1900 + yy if yy >= 91 else 2000 + yy, mm, 1)


class FeaturedEntry(models.Model):
    """A paper on the daily list of a given day, with who put it there."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="featured_entries")
    featured_on = models.DateField(db_index=True)
    featured_at = models.DateTimeField(null=True, blank=True, help_text="When it was featured (UTC)")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitter_name = models.CharField(max_length=150, blank=True, help_text="Imported submitter handle")
    source = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-featured_on"]
        verbose_name_plural = "featured entries"
        constraints = [
            models.UniqueConstraint(fields=["paper", "featured_on"], name="featured_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.featured_on} {self.paper.arxiv_id}"


class Upvote(models.Model):
    """One user's upvote of one paper (at most one: a database constraint)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upvotes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="upvotes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="one_upvote_per_user_and_paper")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ↑ {self.paper_id}"
