from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from paperboy.papers.models import FeaturedEntry, Paper


def daily(request: HttpRequest) -> HttpResponse:
    day = FeaturedEntry.objects.order_by("-featured_on").values_list("featured_on", flat=True).first()
    entries = FeaturedEntry.objects.filter(featured_on=day).select_related("paper")
    return HttpResponse("\n".join(e.paper.title for e in entries), content_type="text/plain")


def detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    return HttpResponse(paper.title, content_type="text/plain")
