from __future__ import annotations

from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "paperboy.comments"
    label = "comments"
    verbose_name = "Comments"
