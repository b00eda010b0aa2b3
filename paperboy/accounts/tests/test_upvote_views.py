"""Upvote button: POST without JavaScript (redirect) and with it (JSON), counts, log-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperboy.papers.models import Paper, Upvote

pytestmark = pytest.mark.django_db


def _url(paper: Paper) -> str:
    return reverse("community:upvote", args=[paper.arxiv_id])


def test_without_javascript_the_vote_redirects_back(alice_client: Client, user: User, paper: Paper) -> None:
    back = reverse("community:paper", args=[paper.arxiv_id])
    response = alice_client.post(_url(paper), {"value": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    paper.refresh_from_db()
    assert paper.upvote_count == 4 and Upvote.objects.filter(user=user, paper=paper).count() == 1
    page = alice_client.get(back)
    assert b"Upvoted" in page.content and b"data-count>4<" in page.content


def test_json_answer_for_in_place_updates(alice_client: Client, paper: Paper) -> None:
    headers = {"Accept": "application/json"}
    assert alice_client.post(_url(paper), {"value": "1"}, headers=headers).json() == {
        "voted": True,
        "count": 4,
    }
    assert alice_client.post(_url(paper), {"value": "1"}, headers=headers).json() == {
        "voted": True,
        "count": 4,
    }
    assert alice_client.post(_url(paper), {"value": "0"}, headers=headers).json() == {
        "voted": False,
        "count": 3,
    }
    assert alice_client.post(_url(paper), {}, headers=headers).json() == {"voted": True, "count": 4}  # toggle
    assert alice_client.post(_url(paper), {}, headers=headers).json() == {"voted": False, "count": 3}


def test_an_external_next_is_ignored(alice_client: Client, paper: Paper) -> None:
    response = alice_client.post(_url(paper), {"value": "1", "next": "https://evil.example/"})
    assert response["Location"] == paper.get_absolute_url()


def test_anonymous_votes_go_to_log_in(client: Client, paper: Paper) -> None:
    response = client.post(_url(paper), {"value": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    json_response = client.post(_url(paper), {"value": "1"}, headers={"Accept": "application/json"})
    assert json_response.status_code == 401 and "login_url" in json_response.json()
    assert not Upvote.objects.exists()


def test_unknown_paper_is_404(alice_client: Client) -> None:
    assert alice_client.post(reverse("community:upvote", args=["2601.99999"])).status_code == 404


def test_old_style_ids_with_a_slash_work(alice_client: Client) -> None:
    paper = Paper.objects.create(arxiv_id="hep-th/9901001", title="Old")
    response = alice_client.post(_url(paper), {"value": "1"}, headers={"Accept": "application/json"})
    assert response.json() == {"voted": True, "count": 1}
