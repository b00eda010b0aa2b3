"""The issue's "done when": subscribe, confirm from the e-mail, receive the daily digest, one-click
unsubscribe through List-Unsubscribe-Post, and get nothing on the next run — all over real SMTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from paperboy.digests.models import DigestSend, Subscriber
from paperboy.digests.tests.conftest import DAY
from paperboy.digests.tests.helpers import header_path, parts, paths
from paperboy.papers.models import Paper

pytestmark = pytest.mark.django_db


def test_subscribe_confirm_receive_one_click_unsubscribe_then_nothing(smtp, demo_day, client):
    from paperboy.digests.demo import load_hf_days

    load_hf_days(
        [DAY - dt.timedelta(days=1)], limit_per_day=5
    )  # a second day with a list, for the "next run"

    # GIVEN the subscribe page and a request for the daily digest
    page = client.get("/subscribe")
    assert page.status_code == 200
    assert "Get trending papers in your email inbox!" in page.content.decode()
    response = client.post(
        "/subscribe",
        {"email": "Reader@Example.org", "daily": "on", "timezone": "Europe/Berlin", "send_hour": "7"},
    )
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()

    # THEN only the confirmation e-mail went out, and a run sends nothing before confirmation
    assert len(smtp.messages) == 1
    call_command("send_digests", "--date", DAY.isoformat())
    assert len(smtp.messages) == 1
    confirmation = smtp.messages[0].parse()
    assert confirmation["To"] == "reader@example.org"
    text, html = parts(confirmation)
    [confirm_path] = {p for p in paths(text) if p.startswith("/digests/confirm/")}
    assert confirm_path in paths(html)

    # WHEN the link is followed: GET shows a button and confirms nothing; POST confirms
    assert client.get(confirm_path).status_code == 200
    assert not Subscriber.objects.filter(email="reader@example.org", confirmed_at__isnull=False).exists()
    assert client.post(confirm_path).status_code == 200
    subscriber = Subscriber.objects.get(email="reader@example.org")
    assert subscriber.confirmed_at is not None
    assert (subscriber.timezone, subscriber.send_hour) == ("Europe/Berlin", 7)

    # WHEN the daily digest of the demo day is sent
    call_command("send_digests", "--date", DAY.isoformat())
    assert len(smtp.messages) == 2
    received = smtp.messages[1]
    assert received.rcpt_tos == ["reader@example.org"]
    digest = received.parse()
    send = DigestSend.objects.get(subscriber=subscriber)
    assert digest["Message-ID"] == send.message_id
    assert send.status == DigestSend.Status.SENT
    assert "27 Feb 2026" in digest["Subject"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(digest)

    # THEN both parts list the day's papers best first, with working links to their pages
    ranked = list(
        Paper.objects.filter(featured_entries__featured_on=DAY).order_by("-upvote_count", "arxiv_id")[:10]
    )
    assert [p.pk for p in ranked] == send.paper_ids
    for part in (text, html):
        assert part.index(ranked[0].arxiv_id) < part.index(ranked[1].arxiv_id)
    paper_links = [p for p in paths(html) if p.startswith("/papers/")]
    assert paper_links == [f"/papers/{p.arxiv_id}" for p in ranked]
    assert client.get(paper_links[0]).status_code == 200
    manage_path = next(p for p in paths(text) if p.startswith("/digests/manage/"))
    assert "reader@example.org" in client.get(manage_path).content.decode()
    unsubscribe_path = next(p for p in paths(html) if p.startswith("/digests/unsubscribe/"))
    assert client.get(unsubscribe_path).status_code == 200  # a visible page ...
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None  # ... that a link scanner cannot trigger

    # WHEN the mail client sends the RFC 8058 one-click POST (no session, no CSRF token)
    mail_client = Client(enforce_csrf_checks=True)
    one_click = mail_client.post(header_path(digest["List-Unsubscribe"]), {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None

    # THEN the next run, for a day that has a list, sends nothing to the address
    call_command("send_digests", "--date", (DAY - dt.timedelta(days=1)).isoformat())
    call_command("send_digests", "--date", DAY.isoformat())
    assert len(smtp.messages) == 2
    assert DigestSend.objects.filter(subscriber=subscriber).count() == 1
