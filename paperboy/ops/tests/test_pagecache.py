from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from paperboy.ops import pagecache
from paperboy.papers.models import FeaturedEntry, Paper, Upvote
from paperboy.papers.services import recount_upvotes

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cached(settings):
    settings.ROOT_URLCONF = "paperboy.ops.tests.urls_pagecache"
    settings.PAGE_CACHE_SECONDS = 300
    pagecache.clear()
    yield
    pagecache.clear()


def vote(paper: Paper, username: str) -> Upvote:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    upvote = Upvote.objects.create(user=user, paper=paper)
    recount_upvotes(paper)
    return upvote


@pytest.mark.django_db
def test_a_second_anonymous_load_is_served_from_memory(cached, django_assert_max_num_queries):
    Paper.objects.create(arxiv_id="2401.00001", title="A")
    first = Client().get("/")
    assert first["X-Paperboy-Cache"] == "miss"
    with django_assert_max_num_queries(1):  # the version query only
        second = Client().get("/")
    assert second["X-Paperboy-Cache"] == "hit"
    assert second.content.split(b"<form")[0] == first.content.split(b"<form")[0]


@pytest.mark.django_db
def test_an_upvote_shows_on_the_next_load(cached):
    paper = Paper.objects.create(arxiv_id="2401.00001", title="A")
    assert b"2401.00001=0" in Client().get("/").content
    assert Client().get("/")["X-Paperboy-Cache"] == "hit"
    upvote = vote(paper, "alice")
    after = Client().get("/")
    assert after["X-Paperboy-Cache"] == "miss"
    assert b"2401.00001=1" in after.content
    # Removing the vote shows too.
    upvote.delete()
    recount_upvotes(paper)
    assert b"2401.00001=0" in Client().get("/").content
    # One vote removed and another added between two loads: same count, still a new page.
    vote(paper, "bob")
    assert b"2401.00001=1" in Client().get("/").content
    Upvote.objects.filter(user__username="bob").delete()
    vote(paper, "carol")
    assert Client().get("/")["X-Paperboy-Cache"] == "miss"


@pytest.mark.django_db
def test_an_ingest_shows_on_the_next_load(cached):
    paper = Paper.objects.create(arxiv_id="2401.00001", title="Old title")
    Client().get("/day/2024-01-03")
    paper.title = "New title"
    paper.save()
    assert b"New title" in Client().get("/day/2024-01-03").content
    Paper.objects.create(arxiv_id="2401.00002", title="B")
    assert b"2401.00002" in Client().get("/day/2024-01-03").content
    FeaturedEntry.objects.create(paper=paper, featured_on="2024-01-03")
    assert Client().get("/day/2024-01-03")["X-Paperboy-Cache"] == "miss"


@pytest.mark.django_db
def test_logged_in_visitors_are_never_served_a_cached_page(cached):
    Paper.objects.create(arxiv_id="2401.00001", title="A")
    Client().get("/")
    user = get_user_model().objects.create_user("alice", "a@example.org", "pw")
    client = Client()
    client.force_login(user)
    assert "X-Paperboy-Cache" not in client.get("/")


@pytest.mark.django_db
def test_a_cached_page_carries_a_csrf_token_valid_for_each_visitor(cached):
    Paper.objects.create(arxiv_id="2401.00001", title="A")
    first = Client(enforce_csrf_checks=True)
    first.get("/")
    other = Client(enforce_csrf_checks=True)
    page = other.get("/")
    assert page["X-Paperboy-Cache"] == "hit"
    token = TOKEN.search(page.content.decode()).group(1)
    assert other.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    assert other.post("/vote", {"csrfmiddlewaretoken": token}).status_code == 200
    # The token of the first visitor's page does not work with the second visitor's cookie.
    first_token = TOKEN.search(first.get("/").content.decode()).group(1)
    assert other.post("/vote", {"csrfmiddlewaretoken": first_token}).status_code == 403


@pytest.mark.django_db
def test_the_cache_can_be_turned_off(cached, settings):
    settings.PAGE_CACHE_SECONDS = 0
    Paper.objects.create(arxiv_id="2401.00001", title="A")
    Client().get("/")
    assert "X-Paperboy-Cache" not in Client().get("/")
