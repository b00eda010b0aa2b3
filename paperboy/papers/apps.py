from __future__ import annotations

from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "paperboy.papers"
    verbose_name = "Papers"
