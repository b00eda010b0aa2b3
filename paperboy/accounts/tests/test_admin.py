"""Every model of the issue has a working admin (list, change form, search)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from paperboy.accounts.services import claim_authorship
from paperboy.accounts.tests.conftest import make_user
from paperboy.comments.services import post_comment, report_comment
from paperboy.ingest.models import IngestRun
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import set_upvote

pytestmark = pytest.mark.django_db

MODELS = [
    "papers_paper",
    "papers_featuredentry",
    "papers_upvote",
    "comments_comment",
    "comments_commentreport",
    "accounts_authorclaim",
    "auth_user",
    "ingest_ingestrun",
    "ingest_harvestcheckpoint",
]


@pytest.fixture
def admin_client_with_data(paper: Paper) -> Client:
    """A superuser's client, and one row of each model."""
    admin = make_user("root", is_staff=True, is_superuser=True)
    bob = make_user("bob")
    set_upvote(bob, paper, voted=True)
    report_comment(post_comment(bob, paper, "hello"), admin, "test")
    claim_authorship(bob, paper, 0)
    FeaturedEntry.objects.create(paper=paper, featured_on="2026-01-02")
    IngestRun.objects.create(source="hf", location="x", status="success")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelists_load(admin_client_with_data: Client, model: str) -> None:
    assert admin_client_with_data.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client_with_data.get(reverse(f"admin:{model}_changelist") + "?q=x").status_code == 200


def test_feature_today_action(admin_client_with_data: Client, paper: Paper) -> None:
    response = admin_client_with_data.post(
        reverse("admin:papers_paper_changelist"), {"action": "feature_today", "_selected_action": [paper.pk]}
    )
    assert response.status_code == 302
    assert FeaturedEntry.objects.filter(paper=paper, source="admin").count() == 1


def test_user_admin_suspends(admin_client_with_data: Client) -> None:
    from django.contrib.auth.models import User

    bob = User.objects.get(username="bob")
    admin_client_with_data.post(
        reverse("admin:auth_user_changelist"), {"action": "suspend_users", "_selected_action": [bob.pk]}
    )
    bob.refresh_from_db()
    assert not bob.is_active and bob.profile.is_suspended
    admin_client_with_data.post(
        reverse("admin:auth_user_changelist"), {"action": "unsuspend_users", "_selected_action": [bob.pk]}
    )
    bob.refresh_from_db()
    assert bob.is_active and not bob.profile.is_suspended
