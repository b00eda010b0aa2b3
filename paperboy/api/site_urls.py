"""Non-API routes of the api app: feeds under /feeds/ and the API token page."""

from __future__ import annotations

from django.urls import path, re_path

from paperboy.api import feeds, views

app_name = "api_site"

_FMT = r"(?P<fmt>rss|atom)"

urlpatterns = [
    re_path(rf"^feeds/daily\.{_FMT}$", feeds.feed_view(feeds.daily_list), name="feed_daily"),
    re_path(rf"^feeds/weekly\.{_FMT}$", feeds.feed_view(feeds.weekly_list), name="feed_weekly"),
    re_path(rf"^feeds/monthly\.{_FMT}$", feeds.feed_view(feeds.monthly_list), name="feed_monthly"),
    re_path(rf"^feeds/trending\.{_FMT}$", feeds.feed_view(feeds.trending_list), name="feed_trending"),
    re_path(rf"^feeds/search\.{_FMT}$", feeds.feed_view(feeds.search_list), name="feed_search"),
    re_path(
        rf"^feeds/category/(?P<category>[^/]+)\.{_FMT}$",
        feeds.feed_view(feeds.category_list),
        name="feed_category",
    ),
    re_path(rf"^feeds/author/(?P<name>.+)\.{_FMT}$", feeds.feed_view(feeds.author_list), name="feed_author"),
    path("settings/tokens", views.tokens, name="tokens"),
]
