from __future__ import annotations

from django.urls import path

from paperboy.digests import views

app_name = "digests"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("digests/confirm/<str:token>", views.confirm, name="confirm"),
    path("digests/manage/<str:token>", views.manage, name="manage"),
    path("digests/unsubscribe/<str:token>", views.unsubscribe_page, name="unsubscribe"),
    path("digests/unsubscribe/<str:token>/one-click", views.one_click, name="one_click"),
    path("digests/preview", views.preview, name="preview"),
]
