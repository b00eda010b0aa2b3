"""Rate limits per user and per IP answer with the 429 page (or JSON for scripts)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from paperboy.accounts.tests.conftest import make_user
from paperboy.papers.models import Paper

pytestmark = pytest.mark.django_db


def test_votes_over_the_limit_get_the_429_page(alice_client: Client, paper: Paper, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": "3/m"}
    url = reverse("community:upvote", args=[paper.arxiv_id])
    codes = [alice_client.post(url, {"value": "1"}).status_code for _ in range(3)]
    assert codes == [302, 302, 302]
    blocked = alice_client.post(url, {"value": "0"})
    assert blocked.status_code == 429
    assert b"Too many requests" in blocked.content and blocked["Retry-After"] == "60"
    assert "429.html" in [t.name for t in blocked.templates]
    paper.refresh_from_db()
    assert paper.upvote_count == 4  # the blocked "remove" did nothing
    as_json = alice_client.post(url, {"value": "0"}, headers={"Accept": "application/json"})
    assert as_json.status_code == 429 and "error" in as_json.json()


def test_the_ip_limit_holds_across_accounts(paper: Paper, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": "2/m"}
    url = reverse("comments:post", args=[paper.arxiv_id])
    codes = []
    for name in ("u1", "u2", "u3"):
        client = Client(REMOTE_ADDR="10.0.0.7")
        client.force_login(make_user(name))
        codes.append(client.post(url, {"body": "hi"}).status_code)
    assert codes == [302, 302, 429]
    other_ip = Client(REMOTE_ADDR="10.0.0.8")
    other_ip.force_login(make_user("u4"))
    assert other_ip.post(url, {"body": "hi"}).status_code == 302


def test_login_attempts_on_one_account_are_limited_from_any_ip(settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/m"}
    make_user("victim")
    url = reverse("accounts:login")
    codes = [
        Client(REMOTE_ADDR=f"10.1.0.{i}").post(url, {"username": "victim", "password": "guess"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_signup_is_limited_per_ip_without_revealing_anything(settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/h"}
    client = Client(REMOTE_ADDR="10.2.0.1")
    for i in range(2):
        data = {
            "username": f"n{i}",
            "email": f"n{i}@example.org",
            "password1": "long pass phrase",
            "password2": "long pass phrase",
        }
        assert client.post(reverse("accounts:signup"), data).status_code == 302
    data = {
        "username": "n9",
        "email": "n9@example.org",
        "password1": "long pass phrase",
        "password2": "long pass phrase",
    }
    assert client.post(reverse("accounts:signup"), data).status_code == 429
    assert len(mail.outbox) == 2
    assert client.get(reverse("accounts:signup")).status_code == 200  # showing the form is never limited


def test_password_reset_is_limited(settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "1/h"}
    client = Client()
    assert client.post(reverse("accounts:password_reset"), {"email": "x@example.org"}).status_code == 302
    assert client.post(reverse("accounts:password_reset"), {"email": "y@example.org"}).status_code == 429


def test_submissions_and_claims_are_limited(alice_client: Client, paper: Paper, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/h", "claim": "1/h"}
    alice_client.post(reverse("community:submit"), {"arxiv": paper.arxiv_id})
    assert alice_client.post(reverse("community:submit"), {"arxiv": "2601.00002"}).status_code == 429
    alice_client.post(reverse("community:claim", args=[paper.arxiv_id]), {"author_index": "0"})
    assert (
        alice_client.post(
            reverse("community:claim", args=[paper.arxiv_id]), {"author_index": "1"}
        ).status_code
        == 429
    )


def test_hourly_limits_name_an_hour_and_typos_do_not_count(
    alice_client: Client, paper: Paper, settings
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/h"}
    url = reverse("community:submit")
    for _ in range(3):
        assert alice_client.post(url, {"arxiv": "not-a-paper"}).status_code == 400
    assert alice_client.post(url, {"arxiv": paper.arxiv_id}).status_code == 302
    blocked = alice_client.post(url, {"arxiv": paper.arxiv_id})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "3600"
    assert "wait an hour" in blocked.content.decode() and "a minute" not in blocked.content.decode()


def test_signup_429_names_the_hourly_window(settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/h"}
    client = Client(REMOTE_ADDR="10.9.0.1")
    url = reverse("accounts:signup")
    client.post(url, {"username": "x", "email": "x@example.org"})
    blocked = client.post(
        url, {"username": "y", "email": "y@example.org"}, headers={"Accept": "application/json"}
    )
    assert blocked.status_code == 429 and blocked["Retry-After"] == "3600"
    assert "an hour" in blocked.json()["error"]


def test_wait_text_and_period() -> None:
    from paperboy.accounts.ratelimits import period_seconds, wait_text

    assert [period_seconds(r) for r in ("10/m", "20/h", "5/15m", "3/d", "7/s")] == [60, 3600, 900, 86400, 1]
    assert [wait_text(s) for s in (60, 3600, 900, 86400, 7200)] == [
        "a minute",
        "an hour",
        "15 minutes",
        "a day",
        "2 hours",
    ]


def test_behind_a_proxy_the_ip_limit_counts_each_visitor_by_x_real_ip(paper: Paper, settings) -> None:
    """nginx connects from 127.0.0.1 and sets X-Real-IP; a request without it (a local probe) counts by
    its own address instead of failing."""
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": "2/m"}
    url = reverse("comments:post", args=[paper.arxiv_id])

    def post(name: str, real_ip: str | None) -> int:
        client = Client(REMOTE_ADDR="127.0.0.1", **({"HTTP_X_REAL_IP": real_ip} if real_ip else {}))
        client.force_login(make_user(name))
        return client.post(url, {"body": "hi"}).status_code

    assert [post(f"v{i}", "203.0.113.5") for i in range(3)] == [302, 302, 429]
    assert post("other", "198.51.100.7") == 302  # another visitor behind the same proxy
    assert [post(f"l{i}", None) for i in range(3)] == [302, 302, 429]  # by REMOTE_ADDR, no 500
