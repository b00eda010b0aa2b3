"""Admin for users (with suspension) and authorship claims (approve / reject)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from paperboy.accounts import services
from paperboy.accounts.models import AuthorClaim, Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    readonly_fields = ("email_confirmed_at", "suspended_at")
    fields = ("email_confirmed_at", "suspended_at", "suspension_reason")


@admin.action(description="Suspend selected users (they can no longer log in)")
def suspend_users(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
    count = 0
    for user in queryset.exclude(pk=request.user.pk or -1).exclude(is_superuser=True):
        services.suspend_user(user, reason=f"Suspended by {request.user.get_username()}")
        count += 1
    modeladmin.message_user(request, f"Suspended {count} user(s).", messages.SUCCESS)


@admin.action(description="Lift the suspension of selected users")
def unsuspend_users(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
    for user in queryset:
        services.unsuspend_user(user)
    modeladmin.message_user(
        request, f"Lifted the suspension of {queryset.count()} user(s).", messages.SUCCESS
    )


admin.site.unregister(User)


@admin.register(User)
class PaperboyUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    actions = [suspend_users, unsuspend_users]
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ("paper", "author_name", "user", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("paper__arxiv_id", "author_name", "user__username", "user__email")
    raw_id_fields = ("paper", "user")
    readonly_fields = ("decided_at", "decided_by", "created_at")
    actions = ["approve", "reject"]

    def _decide(self, request: HttpRequest, queryset: QuerySet[AuthorClaim], *, approve: bool) -> None:
        done = 0
        for claim in queryset:
            try:
                services.decide_claim(claim, approve=approve, moderator=request.user)  # type: ignore[arg-type]
                done += 1
            except services.ClaimRejected as exc:
                self.message_user(request, str(exc), messages.ERROR)
        verb = "Approved" if approve else "Rejected"
        self.message_user(request, f"{verb} {done} claim(s).", messages.SUCCESS)

    @admin.action(description="Approve selected claims")
    def approve(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject selected claims")
    def reject(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, approve=False)
