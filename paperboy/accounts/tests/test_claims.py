"""Authorship claims: the form, the admin's approve/reject actions, and where approved claims show."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperboy.accounts.models import AuthorClaim
from paperboy.accounts.tests.conftest import make_user
from paperboy.papers.models import Paper

pytestmark = pytest.mark.django_db


def _admin_action(client: Client, action: str, claims: list[AuthorClaim]) -> None:
    response = client.post(
        reverse("admin:accounts_authorclaim_changelist"),
        {"action": action, "_selected_action": [c.pk for c in claims]},
    )
    assert response.status_code == 302


def test_claim_then_admin_approves_and_it_shows(alice_client: Client, user: User, paper: Paper) -> None:
    panel = reverse("community:paper", args=[paper.arxiv_id])
    response = alice_client.post(
        reverse("community:claim", args=[paper.arxiv_id]), {"author_index": 2, "next": panel}
    )
    assert response.status_code == 302 and response["Location"] == panel
    claim = AuthorClaim.objects.get()
    assert (claim.user, claim.author_name, claim.status) == (user, "Grace Hopper", "pending")
    assert b"waiting for an admin" in alice_client.get(panel).content
    public_profile = Client().get(reverse("accounts:profile", args=["alice"]))
    assert b"Grace Hopper" not in public_profile.content  # pending claims are not public

    admin = make_user("root", is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)
    _admin_action(admin_client, "approve", [claim])
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.decided_by == admin
    assert b"Grace Hopper (alice)" in Client().get(panel).content
    assert b"as Grace Hopper" in Client().get(reverse("accounts:profile", args=["alice"])).content


def test_reject_and_conflicts(paper: Paper) -> None:
    from paperboy.accounts.services import ClaimRejected, claim_authorship, decide_claim

    admin = make_user("root", is_staff=True, is_superuser=True)
    a, b = make_user("a1"), make_user("b1")
    first = claim_authorship(a, paper, 0)
    with pytest.raises(ClaimRejected, match="already have a claim"):
        claim_authorship(a, paper, 1)
    second = claim_authorship(b, paper, 0)
    decide_claim(first, approve=True, moderator=admin)
    with pytest.raises(ClaimRejected, match="already claimed"):
        decide_claim(second, approve=True, moderator=admin)
    with pytest.raises(ClaimRejected, match="already been claimed"):
        claim_authorship(make_user("c1"), paper, 0)
    decide_claim(second, approve=False, moderator=admin)
    assert AuthorClaim.objects.get(pk=second.pk).status == "rejected"
    assert claim_authorship(b, paper, 2).status == "pending"  # a rejected claim does not block a new one
    with pytest.raises(ClaimRejected, match="choose one of the paper's authors"):
        claim_authorship(make_user("d1"), paper, 3)


def test_admin_reject_action(paper: Paper) -> None:
    from paperboy.accounts.services import claim_authorship

    admin = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    claim = claim_authorship(make_user("x"), paper, 0)
    _admin_action(client, "reject", [claim])
    claim.refresh_from_db()
    assert claim.status == "rejected"
