from __future__ import annotations

from django.urls import path

from paperboy.papers import views

app_name = "papers"

urlpatterns = [
    path("", views.daily, name="daily"),
    path("papers/<path:arxiv_id>", views.detail, name="detail"),
]
