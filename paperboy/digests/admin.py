from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from paperboy.digests.models import DigestSend, Subscriber, Subscription


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ("kind", "params", "active", "last_edition_on", "last_sent_at")
    readonly_fields = ("last_edition_on", "last_sent_at")


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "confirmed_at",
        "timezone",
        "send_hour",
        "unsubscribed_at",
        "paused_at",
        "bounce_count",
    )
    list_filter = ("timezone",)
    search_fields = ("email",)
    readonly_fields = ("created_at", "last_bounce")
    inlines = [SubscriptionInline]


@admin.register(DigestSend)
class DigestSendAdmin(admin.ModelAdmin):
    """The send ledger: one row per stream and edition (read-only: runs own it)."""

    list_display = ("edition", "subscriber", "status", "attempts", "claimed_at", "sent_at", "message_id")
    list_filter = ("status", "edition_on")
    search_fields = ("subscriber__email", "message_id", "edition")
    list_select_related = ("subscriber",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DigestSend | None = None) -> bool:
        return False
