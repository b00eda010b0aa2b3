"""Community routes. Paper ids may contain a slash, so the id is always the last part (``path:``)."""

from __future__ import annotations

from django.urls import path

from paperboy.accounts import community

app_name = "community"

urlpatterns = [
    path("upvote/<path:arxiv_id>", community.upvote, name="upvote"),
    path("submit", community.submit, name="submit"),
    path("claim/<path:arxiv_id>", community.claim, name="claim"),
    path("community/<path:arxiv_id>", community.paper_panel, name="paper"),
]
