"""Accounts: sign-up and confirmation, log-in/out, password reset, profile, export, deletion, 429 page."""

from __future__ import annotations

import json
import logging
import re
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_GET, require_http_methods

from paperboy.accounts import ratelimits, services
from paperboy.accounts.forms import DeleteAccountForm, LoginForm, SignUpForm
from paperboy.accounts.models import AuthorClaim
from paperboy.accounts.ratelimits import limit
from paperboy.accounts.tokens import email_confirmation_token
from paperboy.comments.models import Comment
from paperboy.papers.models import FeaturedEntry, Upvote

log = logging.getLogger(__name__)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The answer to a request over a rate limit: HTTP 429 (JSON for scripts, the 429 page otherwise)."""
    seconds = ratelimits.retry_after(getattr(request, ratelimits.ACTION_ATTR, None))
    message = f"Too many requests. Please wait {ratelimits.wait_text(seconds)} and try again."
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@require_http_methods(["GET", "POST"])
@limit("signup", user_key="post:email")
def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up form. Every valid submission ends on the same "check your inbox" page."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except (smtplib.SMTPException, OSError):
            log.exception("sign-up e-mail could not be sent")
            form.add_error(None, "We could not send the e-mail just now. Please try again in a few minutes.")
            return render(request, "accounts/signup.html", {"form": form}, status=503)
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


def _user_from_link(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.select_related("profile").get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if email_confirmation_token.check_token(user, token) else None


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the confirmation e-mail. GET shows a button (mail scanners that prefetch links
    confirm nothing); the POST activates the account and logs the user in."""
    user = _user_from_link(uidb64, token)
    if user is None:
        return render(request, "accounts/confirm_invalid.html", status=400)
    if request.method == "POST":
        try:
            services.confirm_email(user)
        except PermissionError:
            return render(request, "accounts/confirm_invalid.html", status=400)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, "Your e-mail address is confirmed. Welcome!")
        return redirect("accounts:me")
    return render(request, "accounts/confirm.html", {"confirm_user": user})


_get_or_post = require_http_methods(["GET", "POST"])  # class-based form views would take PUT like POST
login_view = _get_or_post(
    limit("login", user_key="post:username")(
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        )
    )
)
logout_view = auth_views.LogoutView.as_view()  # POST only (Django 5)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view; links are built on settings.SITE_URL, never on the request's Host header."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset-body.txt"
    subject_template_name = "accounts/email/password_reset-subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.extra_email_context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
        return super().form_valid(form)


password_reset = _get_or_post(limit("password_reset", user_key="post:email")(PasswordResetView.as_view()))
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = _get_or_post(
    limit("password_reset")(
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        )
    )
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


@require_GET
@login_required
def me(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:profile", username=request.user.get_username())


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """Public profile: submitted papers, approved claims, visible comments; upvotes only for the owner."""
    owner = get_object_or_404(User, username=username, is_active=True)
    own = request.user.is_authenticated and request.user.pk == owner.pk
    claims = AuthorClaim.objects.filter(user=owner).select_related("paper")
    if not own:
        claims = claims.filter(status=AuthorClaim.Status.APPROVED)
    context = {
        "owner": owner,
        "own": own,
        "upvotes": (
            Upvote.objects.filter(user=owner).select_related("paper").order_by("-created_at")[:200]
            if own
            else []
        ),
        "submissions": FeaturedEntry.objects.filter(submitted_by=owner).select_related("paper")[:200],
        "claims": claims[:200],
        "comments": Comment.objects.filter(author=owner, hidden=False)
        .select_related("paper")
        .order_by("-created_at")[:200],
    }
    return render(request, "accounts/profile.html", context)


def _export_name(request: HttpRequest, ext: str) -> str:
    """``<site>-<username>.<ext>`` with anything outside ``[A-Za-z0-9._-]`` replaced by ``_``
    (safe inside a quoted Content-Disposition filename)."""
    site = re.sub(r"[^A-Za-z0-9._-]+", "_", settings.SITE_NAME).strip("_") or "paperboy"
    user = re.sub(r"[^A-Za-z0-9._-]+", "_", request.user.get_username()) or str(request.user.pk)
    return f"{site}-{user}.{ext}"


@require_GET
@login_required
def export_json(request: HttpRequest) -> HttpResponse:
    """Download everything stored about the signed-in user as JSON."""
    data = services.export_data(request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "json")}"'
    return response


@require_GET
@login_required
def export_bibtex(request: HttpRequest) -> HttpResponse:
    """Download the signed-in user's upvoted papers as BibTeX."""
    text = services.export_bibtex(request.user)  # type: ignore[arg-type]
    response = HttpResponse(text, content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "bib")}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """GET: what deletion removes, and a password field. POST: delete, log out, go home."""
    user = request.user
    form = DeleteAccountForm(user, request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        services.delete_account(user)  # type: ignore[arg-type]
        logout(request)
        messages.success(request, "Your account and your personal data have been deleted.")
        return redirect("/")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


def login_url_for(request: HttpRequest) -> str:
    """The log-in URL that comes back to the current page afterwards."""
    return f"{reverse('accounts:login')}?next={request.get_full_path()}"
