from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_tables(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: create the table of a database cache (PAPERBOY_CACHE_URL=db://…) if missing.

    ``createcachetable`` skips tables that exist and caches that are not database caches, so every
    ``migrate`` (and ``serve_prod``, which runs it) leaves the shared cache ready.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class OpsConfig(AppConfig):
    name = "paperboy.ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="paperboy.ops.cache_tables")
