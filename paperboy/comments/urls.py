from __future__ import annotations

from django.urls import path

from paperboy.comments import views

app_name = "comments"

urlpatterns = [
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/delete", views.delete, name="delete"),
    path("<int:pk>/report", views.report, name="report"),
    path("new/<path:arxiv_id>", views.post, name="post"),
]
