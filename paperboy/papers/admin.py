"""Admin for papers, featured entries (the daily lists) and upvotes."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from paperboy.papers.models import FeaturedEntry, Paper, Upvote


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "version", "published_at", "updated_at", "upvote_count", "source")
    list_filter = ("source", "withdrawn", "primary_category")
    search_fields = ("arxiv_id", "title")
    date_hierarchy = "published_at"
    # Counts are kept by the services (imported + local upvotes); editing them by hand would skew them.
    readonly_fields = ("upvote_count", "created_at", "modified_at")
    actions = ["feature_today"]

    @admin.action(description="Feature selected papers on today's list")
    def feature_today(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        now = timezone.now()
        created = 0
        for paper in queryset:
            _, new = FeaturedEntry.objects.get_or_create(
                paper=paper,
                featured_on=now.date(),
                defaults={
                    "featured_at": now,
                    "submitted_by": request.user,
                    "submitter_name": request.user.get_username(),
                    "source": "admin",
                },
            )
            created += int(new)
        self.message_user(request, f"Featured {created} paper(s) on {now.date():%Y-%m-%d}.", messages.SUCCESS)


@admin.register(FeaturedEntry)
class FeaturedEntryAdmin(admin.ModelAdmin):
    list_display = ("featured_on", "paper", "submitter_name", "submitted_by", "source")
    list_filter = ("source", "featured_on")
    search_fields = ("paper__arxiv_id", "paper__title", "submitter_name")
    raw_id_fields = ("paper", "submitted_by")
    date_hierarchy = "featured_on"


@admin.register(Upvote)
class UpvoteAdmin(admin.ModelAdmin):
    """Read-only: votes change only through the vote services, which keep the counts right."""

    list_display = ("paper", "user", "created_at")
    search_fields = ("paper__arxiv_id", "user__username")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
