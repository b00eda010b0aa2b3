from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from paperboy.papers import views

app_name = "papers"

urlpatterns = [
    path("", views.daily, name="daily"),
    path("day", RedirectView.as_view(pattern_name="papers:daily", permanent=False)),
    path("day/<str:day>", views.day, name="day"),
    path("week", views.latest_week, name="latest_week"),
    path("week/<str:week>", views.week, name="week"),
    path("month", views.latest_month, name="latest_month"),
    path("month/<str:month>", views.month, name="month"),
    path("trending", views.trending, name="trending"),
    # Old-style ids hold a slash (hep-th/9901001): ``path:`` keeps it.
    path("papers/<path:arxiv_id>", views.detail, name="detail"),
]
