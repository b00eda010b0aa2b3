"""Digest pages: subscribe, confirm, manage, unsubscribe (page + RFC 8058 one-click), staff preview.

Every state change is a POST. Forms carry CSRF tokens, except the one-click endpoint: mail clients
cannot send one, and its signed URL is the credential (RFC 8058 §3).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from paperboy.digests import tokens
from paperboy.digests.forms import ManageForm, PreviewForm, SubscribeForm, UnsubscribeForm, timezone_names
from paperboy.digests.models import DigestSend, Subscriber, Subscription
from paperboy.digests.services import Composer, Digest, build_digest_message, compose_digest
from paperboy.digests.subscriptions import (
    confirm_subscription,
    request_subscription,
    stream_label,
    unsubscribe,
)
from paperboy.papers.models import Paper


def _limited(request: HttpRequest) -> bool:
    by_ip = is_ratelimited(
        request,
        group="digests.subscribe.ip",
        key="ip",
        rate=settings.DIGEST_SUBSCRIBE_RATE_PER_IP,
        increment=True,
    )
    by_email = is_ratelimited(
        request,
        group="digests.subscribe.email",
        key=lambda _g, r: (r.POST.get("email") or "").strip().lower(),
        rate=settings.DIGEST_SUBSCRIBE_RATE_PER_EMAIL,
        increment=True,
    )
    return by_ip or by_email


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The subscribe form. The answer to a valid POST is the same whether the address is known."""
    if request.method == "POST":
        if _limited(request):
            return render(request, "digests/rate_limited.html", status=429)
        form = SubscribeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            request_subscription(
                email=data["email"],
                streams=form.streams(),
                tz=data["timezone"],
                send_hour=data["send_hour"],
                user_id=request.user.pk if request.user.is_authenticated else None,
            )
            return render(request, "digests/check_inbox.html", {"email": data["email"]})
    else:
        initial: dict[str, str] = {}
        user_email = str(getattr(request.user, "email", "") or "")
        if request.user.is_authenticated and user_email:
            initial["email"] = user_email
        if request.GET.get("email"):  # "subscribe again" link of the unsubscribed page
            initial["email"] = request.GET["email"][:254]
        form = SubscribeForm(initial=initial)
    return render(request, "digests/subscribe.html", {"form": form, "timezones": timezone_names()})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is being confirmed (link scanners change nothing); POST confirms."""
    try:
        payload = tokens.read_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "digests/link_invalid.html", {"expired": True}, status=400)
    except signing.BadSignature:
        return render(request, "digests/link_invalid.html", {"expired": False}, status=400)
    labels = [stream_label(kind, params) for kind, params in payload.get("streams", [])]
    if request.method == "POST":
        done = confirm_subscription(payload)
        manage = reverse(
            "digests:manage", kwargs={"token": tokens.make_link_token("manage", done.subscriber)}
        )
        return render(
            request,
            "digests/confirmed.html",
            {"email": payload["email"], "labels": labels, "manage_url": manage},
        )
    return render(request, "digests/confirm.html", {"email": payload["email"], "labels": labels})


def _link_subscriber(purpose: str, token: str) -> tuple[Subscriber, int | None] | None:
    try:
        return tokens.read_link_token(purpose, token)
    except signing.BadSignature:
        return None


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Manage preferences from the signed link in every e-mail; no login needed."""
    found = _link_subscriber("manage", token)
    if found is None:
        return render(request, "digests/link_invalid.html", {"expired": False}, status=400)
    subscriber, _ = found
    subs = list(subscriber.subscriptions.order_by("id"))
    saved = False
    if request.method == "POST":
        form = ManageForm(request.POST, subscriptions=subs)
        if form.is_valid():
            subscriber.timezone = form.cleaned_data["timezone"]
            subscriber.send_hour = form.cleaned_data["send_hour"]
            subscriber.save(update_fields=["timezone", "send_hour"])
            for sub in subs:
                active = form.cleaned_data[f"active_{sub.pk}"]
                if active != sub.active:
                    sub.active = active
                    sub.save(update_fields=["active"])
            saved = True
    else:
        form = ManageForm(
            initial={"timezone": subscriber.timezone, "send_hour": subscriber.send_hour}, subscriptions=subs
        )
    unsub = reverse(
        "digests:unsubscribe", kwargs={"token": tokens.make_link_token("unsubscribe", subscriber)}
    )
    return render(
        request,
        "digests/manage.html",
        {
            "form": form,
            "subscriber": subscriber,
            "saved": saved,
            "unsubscribe_url": unsub,
            "timezones": timezone_names(),
        },
    )


@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button (and changes nothing: link scanners follow links); POST unsubscribes."""
    found = _link_subscriber("unsubscribe", token)
    if found is None:
        return render(request, "digests/link_invalid.html", {"expired": False}, status=400)
    subscriber, stream_id = found
    stream = Subscription.objects.filter(pk=stream_id, subscriber=subscriber).first() if stream_id else None
    if request.method == "GET" and subscriber.unsubscribed_at is not None:
        context = {"email": subscriber.email, "stream": None, "already": True}
        return render(request, "digests/unsubscribed.html", context)
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("scope"):
            data["scope"] = "all"  # a bare POST (no choice sent) stops every e-mail, as the page offers first
        form = UnsubscribeForm(data)
        if form.is_valid():
            only_stream = form.cleaned_data["scope"] == "stream" and stream is not None
            unsubscribe(subscriber, subscription_id=stream.pk if only_stream and stream else None)
            return render(
                request,
                "digests/unsubscribed.html",
                {"email": subscriber.email, "stream": stream if only_stream else None},
            )
    else:
        form = UnsubscribeForm()
    return render(
        request, "digests/unsubscribe.html", {"form": form, "subscriber": subscriber, "stream": stream}
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def one_click(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click unsubscribe: POST with body ``List-Unsubscribe=One-Click`` stops every
    e-mail to the address at once. A GET (a client without one-click support) gets the page."""
    if request.method == "GET":
        return HttpResponseRedirect(reverse("digests:unsubscribe", kwargs={"token": token}))
    found = _link_subscriber("unsubscribe", token)
    if found is None:
        return HttpResponseBadRequest("invalid link", content_type="text/plain")
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest("expected List-Unsubscribe=One-Click", content_type="text/plain")
    unsubscribe(found[0])
    return HttpResponse("Unsubscribed.", content_type="text/plain")


@staff_member_required
def preview(request: HttpRequest) -> HttpResponse:
    """Render any stream's digest for any subscriber and edition day, as the e-mail would be.

    An edition already claimed shows the papers recorded in its DigestSend; otherwise it is composed
    now (papers already sent in the stream are skipped, as in a real run).
    """
    form = PreviewForm(request.GET or None)
    ctx: dict[str, object] = {"form": form}
    if form.is_valid():
        subscriber = Subscriber.objects.filter(email=form.cleaned_data["email"].lower()).first()
        subs = list(subscriber.subscriptions.order_by("id")) if subscriber else []
        ctx["subscriptions"] = subs
        wanted = form.cleaned_data["subscription"]
        sub = next((s for s in subs if wanted in (None, s.pk)), None)
        day: dt.date = form.cleaned_data["day"]
        if subscriber is None:
            ctx["problem"] = "No subscriber with that address."
        elif sub is None:
            ctx["problem"] = "No such stream for this subscriber."
        else:
            ctx["subscription"] = sub
            composer = Composer()
            digest = compose_digest(sub, edition_on=day, composer=composer)
            recorded = DigestSend.objects.filter(subscription=sub, edition_on=day).first()
            if recorded is not None:
                by_id = Paper.objects.in_bulk(recorded.paper_ids)
                papers = [by_id[i] for i in recorded.paper_ids if i in by_id]
                digest = Digest(sub, recorded.edition, day, papers) if papers else None
                ctx["recorded"] = recorded
            if digest is None:
                ctx["problem"] = "Nothing to send for this stream and day (no e-mail would go out)."
            else:
                message = build_digest_message(
                    digest, composer, recorded.message_id if recorded else "<preview>"
                )
                ctx["subject"] = message.subject
                ctx["text"] = message.body
                ctx["html"] = message.alternatives[0][0]
                ctx["headers"] = message.extra_headers
    return render(request, "digests/preview.html", ctx)
