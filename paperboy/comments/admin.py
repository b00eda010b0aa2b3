"""Moderation: reported comments, hiding comments, suspending their authors."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from paperboy.accounts.services import suspend_user
from paperboy.comments.models import Comment, CommentReport
from paperboy.comments.services import hide_comments


def _suspend(request: HttpRequest, users: QuerySet[User]) -> int:
    count = 0
    for user in users.exclude(pk=request.user.pk or -1).exclude(is_superuser=True):
        suspend_user(user, reason=f"Suspended by {request.user.get_username()} for comments")
        count += 1
    return count


class ReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    fields = ("reporter", "reason", "status", "created_at")
    readonly_fields = ("reporter", "reason", "created_at")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("pk", "paper", "author", "short_body", "created_at", "hidden", "open_reports")
    list_filter = ("hidden", "created_at")
    search_fields = ("body", "author__username", "paper__arxiv_id")
    raw_id_fields = ("paper", "author")
    readonly_fields = ("body_html", "created_at", "edited_at")
    inlines = [ReportInline]
    actions = ["hide", "unhide", "suspend_authors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return (
            super()
            .get_queryset(request)
            .select_related("paper", "author")
            .annotate(_open=Count("reports", filter=Q(reports__status="open")))
        )

    @admin.display(description="comment")
    def short_body(self, obj: Comment) -> str:
        return obj.body[:80]

    @admin.display(description="open reports", ordering="_open")
    def open_reports(self, obj: Comment) -> int:
        return obj._open  # type: ignore[attr-defined]

    @admin.action(description="Hide selected comments (and resolve their reports)")
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = hide_comments(queryset, reason=f"Hidden by {request.user.get_username()}")
        self.message_user(request, f"Hid {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Show selected comments again")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = queryset.update(hidden=False, hidden_reason="")
        self.message_user(request, f"Showed {count} comment(s) again.", messages.SUCCESS)

    @admin.action(description="Suspend the authors of selected comments")
    def suspend_authors(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = _suspend(request, User.objects.filter(comments__in=queryset).distinct())
        self.message_user(request, f"Suspended {count} user(s).", messages.SUCCESS)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ("pk", "comment_text", "comment_author", "reporter", "reason", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("reason", "comment__body", "comment__author__username")
    raw_id_fields = ("comment", "reporter")
    readonly_fields = ("created_at", "resolved_at")
    actions = ["hide_comments", "dismiss", "suspend_comment_authors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommentReport]:
        return super().get_queryset(request).select_related("comment__author", "reporter")

    @admin.display(description="comment")
    def comment_text(self, obj: CommentReport) -> str:
        return obj.comment.body[:80]

    @admin.display(description="author")
    def comment_author(self, obj: CommentReport) -> str:
        return obj.comment.author.get_username()

    @admin.action(description="Hide the reported comments")
    def hide_comments(self, request: HttpRequest, queryset: QuerySet[CommentReport]) -> None:
        count = hide_comments(
            Comment.objects.filter(reports__in=queryset).distinct(),
            reason=f"Hidden by {request.user.get_username()}",
        )
        self.message_user(request, f"Hid {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Dismiss selected reports")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[CommentReport]) -> None:
        count = queryset.update(status=CommentReport.Status.DISMISSED, resolved_at=timezone.now())
        self.message_user(request, f"Dismissed {count} report(s).", messages.SUCCESS)

    @admin.action(description="Suspend the authors of the reported comments")
    def suspend_comment_authors(self, request: HttpRequest, queryset: QuerySet[CommentReport]) -> None:
        count = _suspend(request, User.objects.filter(comments__reports__in=queryset).distinct())
        self.message_user(request, f"Suspended {count} user(s).", messages.SUCCESS)
