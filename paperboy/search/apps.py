from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SearchConfig(AppConfig):
    name = "paperboy.search"
    verbose_name = "Search"

    def ready(self) -> None:
        from paperboy.papers.models import Upvote
        from paperboy.search.signals import upvote_changed

        post_save.connect(upvote_changed, sender=Upvote, dispatch_uid="search-upvote-saved")
        post_delete.connect(upvote_changed, sender=Upvote, dispatch_uid="search-upvote-deleted")
