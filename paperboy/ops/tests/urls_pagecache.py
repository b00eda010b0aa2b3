"""Test-only routes: a list page showing upvote counts and a CSRF-protected POST target."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from paperboy.papers.models import Paper

PAGE = engines["django"].from_string(
    "{% for p in papers %}{{ p.arxiv_id }}={{ p.upvote_count }} {{ p.title }}\n{% endfor %}"
    '<form method="post" action="/vote">{% csrf_token %}</form>'
)


def listing(request: HttpRequest, day: str = "") -> HttpResponse:
    return HttpResponse(PAGE.render({"papers": Paper.objects.order_by("arxiv_id")}, request))


def vote(request: HttpRequest) -> HttpResponse:
    return HttpResponse("voted")


urlpatterns = [path("", listing), path("day/<str:day>", listing), path("vote", vote)]
