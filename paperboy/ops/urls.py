from __future__ import annotations

from django.urls import path

from paperboy.ops import views

app_name = "ops"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("status", views.status, name="status"),
]
