"""Subscribe, confirm, manage, unsubscribe and preview pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from paperboy.digests import tokens
from paperboy.digests.models import Subscriber, Subscription
from paperboy.digests.services import one_click_url, unsubscribe_url
from paperboy.digests.tests.conftest import DAY, feature, make_paper, make_subscriber

pytestmark = pytest.mark.django_db

FORM = {"email": "reader@example.org", "daily": "on", "timezone": "UTC", "send_hour": "8"}


def confirm_path(message) -> str:
    return re.search(r"http://testserver(/digests/confirm/\S+)", message.body).group(1)


def local(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_subscribe_answers_the_same_for_new_and_known_addresses(client, mailoutbox):
    make_subscriber("known@example.org")
    new = client.post("/subscribe", {**FORM, "email": "new@example.org"})
    known = client.post("/subscribe", {**FORM, "email": "known@example.org"})
    assert new.status_code == known.status_code == 200
    strip = lambda r: r.content.decode().replace("new@example.org", "X").replace("known@example.org", "X")  # noqa: E731
    assert strip(new) == strip(known)
    assert [m.to for m in mailoutbox] == [["new@example.org"], ["known@example.org"]]
    assert not Subscriber.objects.filter(email="new@example.org").exists()  # nothing stored before the click


def test_subscribe_needs_something_to_receive_and_a_real_time_zone(client, mailoutbox):
    response = client.post(
        "/subscribe", {"email": "a@example.org", "timezone": "Moon/Base", "send_hour": "8"}
    )
    assert response.status_code == 200
    assert "not an IANA time zone" in response.content.decode()
    response = client.post("/subscribe", {"email": "a@example.org", "timezone": "UTC", "send_hour": "8"})
    assert "Choose at least one thing" in response.content.decode()
    assert mailoutbox == []


def test_subscribe_is_rate_limited_per_address(client, mailoutbox, settings):
    settings.DIGEST_SUBSCRIBE_RATE_PER_EMAIL = "2/h"
    statuses = [client.post("/subscribe", FORM).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(mailoutbox) == 2


def test_logged_in_user_gets_the_form_prefilled(client):
    user = get_user_model().objects.create_user("ann", "ann@example.org", "pw")
    client.force_login(user)
    assert 'value="ann@example.org"' in client.get("/subscribe").content.decode()


def test_confirmation_creates_streams_and_links_the_account(client, mailoutbox):
    user = get_user_model().objects.create_user("ann", "ann@example.org", "pw")
    client.force_login(user)
    client.post(
        "/subscribe",
        {
            **FORM,
            "email": "ann@example.org",
            "weekly": "on",
            "authors": "Yann  LeCun\n\n",
            "categories": "cs.CL, cs.LG",
            "search_query": "sparse guidance",
            "search_category": "cs.LG",
            "timezone": "Asia/Kolkata",
        },
    )
    path = confirm_path(mailoutbox[0])
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # a second click changes nothing
    subscriber = Subscriber.objects.get(email="ann@example.org")
    assert subscriber.user == user and subscriber.timezone == "Asia/Kolkata"
    assert sorted(s.label for s in subscriber.subscriptions.all()) == [
        "Author: Yann LeCun",
        "Category: cs.CL",
        "Category: cs.LG",
        "Daily digest",
        "Search: sparse guidance in cs.LG",
        "Weekly digest",
    ]


def test_confirmation_link_expires_and_cannot_be_forged(client, mailoutbox, settings):
    settings.DIGEST_CONFIRM_MAX_AGE_DAYS = 7
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        client.post("/subscribe", FORM)
    path = confirm_path(mailoutbox[0])
    with time_machine.travel(dt.datetime(2026, 2, 9, tzinfo=dt.UTC), tick=False):
        response = client.post(path)
    assert response.status_code == 400 and "expired" in response.content.decode()
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 400
    assert not Subscriber.objects.exists()
    with time_machine.travel(dt.datetime(2026, 2, 7, tzinfo=dt.UTC), tick=False):
        assert client.get(path).status_code == 200
        assert not Subscriber.objects.exists()  # GET (a link scanner) confirms nothing
        assert client.post(path).status_code == 200
    assert Subscriber.objects.get().confirmed_at is not None


def test_unsubscribe_page_get_changes_nothing_post_stops_one_stream_or_all(client):
    subscriber = make_subscriber("reader@example.org", "daily", "weekly")
    daily = subscriber.subscriptions.get(kind="daily")
    page = local(unsubscribe_url(subscriber, daily.pk))
    assert client.get(page).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None and Subscription.objects.filter(active=True).count() == 2

    response = client.post(page, {"scope": "stream"})
    assert "will no longer receive “Daily digest”" in response.content.decode()
    assert list(Subscription.objects.filter(active=True).values_list("kind", flat=True)) == ["weekly"]

    response = client.post(page, {"scope": "all"})
    assert "will receive no more e-mail" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None


def test_unsubscribe_form_needs_csrf_but_one_click_does_not():
    subscriber = make_subscriber("reader@example.org")
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(local(unsubscribe_url(subscriber)), {"scope": "all"}).status_code == 403
    url = local(one_click_url(subscriber))
    assert csrf_client.post(url, {"List-Unsubscribe": "Nope"}).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None
    assert (
        csrf_client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None


def test_one_click_get_shows_the_page_and_bad_or_revoked_tokens_fail(client):
    subscriber = make_subscriber("reader@example.org")
    url = local(one_click_url(subscriber))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == local(unsubscribe_url(subscriber))
    token = tokens.make_link_token("unsubscribe", subscriber)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    bad = client.post(f"/digests/unsubscribe/{tampered}/one-click", {"List-Unsubscribe": "One-Click"})
    assert bad.status_code == 400
    subscriber.secret = "rotated"
    subscriber.save()
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.get(local(unsubscribe_url(Subscriber.objects.get()))).status_code == 200


def test_manage_preferences_without_login(client):
    subscriber = make_subscriber("reader@example.org", "daily", ("author", {"author": "Ada"}))
    _daily, author = subscriber.subscriptions.order_by("id")
    path = f"/digests/manage/{tokens.make_link_token('manage', subscriber)}"
    page = client.get(path).content.decode()
    assert "Author: Ada" in page and "Daily digest" in page
    response = client.post(path, {"timezone": "Europe/Paris", "send_hour": "6", f"active_{author.pk}": "on"})
    assert "Saved." in response.content.decode()
    subscriber.refresh_from_db()
    assert (subscriber.timezone, subscriber.send_hour) == ("Europe/Paris", 6)
    assert list(Subscription.objects.filter(active=True)) == [author]
    assert client.get(path.replace("manage/", "manage/9")).status_code == 400


def test_preview_is_staff_only_and_renders_any_stream_and_day(client, admin_client):
    feature(make_paper("2602.00001", title="Sparse guidance", upvotes=4), DAY)
    subscriber = make_subscriber("reader@example.org", "daily", ("author", {"author": "Nobody"}))
    query = {"email": "reader@example.org", "day": DAY.isoformat()}
    assert client.get("/digests/preview", query).status_code == 302
    page = admin_client.get("/digests/preview", query).content.decode()
    assert "Sparse guidance" in page and "List-Unsubscribe-Post" in page
    author = subscriber.subscriptions.get(kind="author")
    page = admin_client.get("/digests/preview", {**query, "subscription": author.pk}).content.decode()
    assert "Nothing to send" in page


def test_unsubscribe_post_without_scope_stops_everything_then_get_says_already(client):
    subscriber = make_subscriber("bare@example.org", "daily", "weekly")
    page = local(unsubscribe_url(subscriber, subscriber.subscriptions.get(kind="daily").pk))
    response = client.post(page, {})
    assert response.status_code == 200
    assert "will receive no more e-mail" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None

    again = client.get(page).content.decode()
    assert "You are already unsubscribed" in again
    assert 'id="resubscribe"' in again and "/subscribe?email=bare%40example.org" in again
    form = client.get("/subscribe?email=bare%40example.org").content.decode()
    assert 'value="bare@example.org"' in form
