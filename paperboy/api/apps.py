from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "paperboy.api"
    label = "api"
    verbose_name = "JSON API, feeds and API tokens"
