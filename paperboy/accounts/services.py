"""Account workflows: sign-up with e-mail confirmation, data export, account deletion.

No function here reveals whether an e-mail address has an account: :func:`sign_up` behaves the same
to the caller in every case and tells only the owner of the address, by e-mail.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from paperboy.accounts.models import AuthorClaim, Profile
from paperboy.accounts.tokens import email_confirmation_token
from paperboy.comments.models import Comment
from paperboy.papers.models import FeaturedEntry, Paper, Upvote
from paperboy.papers.services import set_upvote


def profile_of(user: User) -> Profile:
    """The user's Profile, created on first use (accounts made with createsuperuser have none)."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"email_confirmed_at": timezone.now() if user.is_active else None}
    )
    return profile


def _send(template: str, to: str, context: dict[str, object]) -> None:
    """Render ``accounts/email/<template>-subject.txt`` and ``-body.txt`` and send them to ``to``."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}-subject.txt", context).split())
    body = render_to_string(f"accounts/email/{template}-body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def confirmation_url(user: User) -> str:
    """Absolute URL of the e-mail confirmation page for ``user`` (built on settings.SITE_URL)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    return settings.SITE_URL + reverse("accounts:confirm", kwargs={"uidb64": uidb64, "token": token})


def sign_up(*, username: str, email: str, password: str) -> None:
    """Register an account, or tell the owner of an already registered address; send one e-mail.

    - new address: an inactive user is created and a confirmation link is sent;
    - address of an account that was never confirmed: its password (and username) are replaced by
      the new ones and a fresh link is sent (older links stop working);
    - address of a confirmed or suspended account: nothing changes; the owner gets an e-mail saying
      someone tried to sign up, with links to log in and to reset the password.

    The caller cannot tell these apart (no account enumeration). ``username`` must already be checked
    to be free (or to belong to the unconfirmed account of this address).
    """
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(email__iexact=email).order_by("pk").first()
        if existing is None:
            user = User(username=username, email=email, is_active=False)
            user.set_password(password)
            user.save()
            Profile.objects.create(user=user)
            already_registered = False
        else:
            user = existing
            profile = profile_of(user)
            already_registered = profile.email_confirmed_at is not None or profile.suspended_at is not None
            if not already_registered:
                user.username = username
                user.set_password(password)
                user.save(update_fields=["username", "password"])
    # Mail only after the commit: the link must point at a saved account.
    if already_registered:
        _send_already_registered(user)
    else:
        _send_confirmation(user)


def _send_confirmation(user: User) -> None:
    _send("signup_confirm", user.email, {"user": user, "confirm_url": confirmation_url(user)})


def _send_already_registered(user: User) -> None:
    _send(
        "signup_exists",
        user.email,
        {
            "user": user,
            "login_url": settings.SITE_URL + reverse("accounts:login"),
            "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        },
    )


def confirm_email(user: User) -> None:
    """Activate ``user`` after the confirmation link was followed (the caller checked the token).

    Raises:
        PermissionError: the account is suspended.
    """
    with transaction.atomic():
        profile = profile_of(user)
        if profile.suspended_at is not None:
            raise PermissionError("account suspended")
        profile.email_confirmed_at = timezone.now()
        profile.save(update_fields=["email_confirmed_at"])
        user.is_active = True
        user.save(update_fields=["is_active"])


@dataclass(frozen=True)
class DeletionSummary:
    """What :func:`delete_account` removed."""

    upvotes_removed: int
    comments_removed: int
    claims_removed: int
    submissions_anonymised: int


def delete_account(user: User) -> DeletionSummary:
    """Delete the account and its personal data in one transaction.

    - upvotes are removed one paper at a time through :func:`set_upvote`, so each paper's
      ``upvote_count`` drops by exactly one (imported counts are untouched);
    - comments are deleted (threads are flat: no replies are orphaned);
    - authorship claims are deleted; reports the user filed stay for moderators, without reporter;
    - papers the user submitted stay on the daily list, with no submitter;
    - the auth.User row (and its Profile, sessions become invalid) is deleted.
    """
    with transaction.atomic():
        paper_ids = sorted(Upvote.objects.filter(user=user).values_list("paper_id", flat=True))
        for paper_id in paper_ids:  # sorted: the same lock order as every other writer
            set_upvote(user, Paper(pk=paper_id), voted=False)
        comments_removed, _ = Comment.objects.filter(author=user).delete()
        claims_removed, _ = AuthorClaim.objects.filter(user=user).delete()
        submissions = FeaturedEntry.objects.filter(submitted_by=user).update(
            submitted_by=None, submitter_name=""
        )
        user.delete()
    return DeletionSummary(
        upvotes_removed=len(paper_ids),
        comments_removed=comments_removed,
        claims_removed=claims_removed,
        submissions_anonymised=submissions,
    )


# --- export --------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: User) -> dict[str, object]:
    """Everything paperboy stores about ``user``, as JSON-ready data (``export.json``).

    Shape: ``{"format": "paperboy-export/1", "exported_at", "account": {...}, "upvotes": [...],
    "submissions": [...], "claims": [...], "comments": [...]}``; datetimes are ISO 8601 UTC.
    """
    upvotes = Upvote.objects.filter(user=user).select_related("paper").order_by("-created_at")
    return {
        "format": "paperboy-export/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "upvotes": [
            {
                "arxiv_id": v.paper.arxiv_id,
                "title": v.paper.title,
                "authors": v.paper.authors,
                "url": v.paper.abs_url,
                "upvoted_at": _iso(v.created_at),
            }
            for v in upvotes
        ],
        "submissions": [
            {"arxiv_id": e.paper.arxiv_id, "title": e.paper.title, "featured_on": _iso(e.featured_on)}
            for e in FeaturedEntry.objects.filter(submitted_by=user).select_related("paper")
        ],
        "claims": [
            {
                "arxiv_id": c.paper.arxiv_id,
                "author_index": c.author_index,
                "author_name": c.author_name,
                "status": c.status,
                "created_at": _iso(c.created_at),
            }
            for c in AuthorClaim.objects.filter(user=user).select_related("paper")
        ],
        "comments": [
            {
                "arxiv_id": c.paper.arxiv_id,
                "body": c.body,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "hidden_by_moderator": c.hidden,
            }
            for c in Comment.objects.filter(author=user).select_related("paper")
        ],
    }


_BIBTEX_SPECIAL = re.compile(r"([&%#])")


def _bibtex_text(text: str) -> str:
    """Text for a braced BibTeX field: TeX kept; unbalanced braces dropped; bare & % # escaped ($math$ kept)."""
    depth = 0
    for char in text:
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return _BIBTEX_SPECIAL.sub(
        lambda m: m.group(1) if text[m.start() - 1 : m.start()] == "\\" else "\\" + m.group(1), text
    )


def bibtex_key(paper: Paper) -> str:
    """Citation key: ``arXiv`` + the id with ``/`` and ``.`` replaced, e.g. ``arXiv2401_01234``."""
    return "arXiv" + re.sub(r"[^A-Za-z0-9]", "_", paper.arxiv_id)


def bibtex_entry(paper: Paper) -> str:
    """One ``@misc`` entry in the form arXiv's own "Export BibTeX citation" uses (eprint fields)."""
    fields = [
        ("title", "{" + _bibtex_text(paper.title) + "}"),
        ("author", " and ".join(_bibtex_text(a) for a in paper.authors) or "Unknown"),
        ("year", str(paper.published_at.year) if paper.published_at else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("doi", paper.doi),
        ("url", paper.abs_url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}\n"


def export_bibtex(user: User) -> str:
    """BibTeX of the papers ``user`` upvoted, newest vote first (``export.bib``)."""
    upvotes = Upvote.objects.filter(user=user).select_related("paper").order_by("-created_at")
    header = (
        f"% {settings.SITE_NAME}: papers upvoted by {user.username}, exported {timezone.now():%Y-%m-%d}\n\n"
    )
    return header + "\n".join(bibtex_entry(v.paper) for v in upvotes)


# --- authorship claims -----------------------------------------------------------------------


class ClaimRejected(Exception):
    """A claim cannot be made or approved; ``str(exc)`` is the message for the user or moderator."""


def claim_authorship(user: User, paper: Paper, author_index: int) -> AuthorClaim:
    """Record ``user``'s pending claim to be author number ``author_index`` (0-based) of ``paper``.

    Raises:
        ClaimRejected: no such author entry, the user already has a pending or approved claim on this
            paper, or the entry already belongs to an approved user.
    """
    if not 0 <= author_index < len(paper.authors):
        raise ClaimRejected("Please choose one of the paper's authors.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        live = AuthorClaim.objects.filter(user=user, paper=paper).exclude(status=AuthorClaim.Status.REJECTED)
        if live.exists():
            raise ClaimRejected("You already have a claim on this paper; an admin will review it.")
        if AuthorClaim.objects.filter(
            paper=paper, author_index=author_index, status=AuthorClaim.Status.APPROVED
        ).exists():
            raise ClaimRejected(
                f"{paper.authors[author_index]} has already been claimed by an approved user."
            )
        return AuthorClaim.objects.create(
            user=user, paper=paper, author_index=author_index, author_name=paper.authors[author_index][:300]
        )


def decide_claim(claim: AuthorClaim, *, approve: bool, moderator: User) -> AuthorClaim:
    """Approve or reject a pending claim.

    Raises:
        ClaimRejected: approving an author entry that another user's approved claim already holds.
    """
    with transaction.atomic():
        claim = AuthorClaim.objects.select_for_update().get(pk=claim.pk)
        if approve:
            taken = AuthorClaim.objects.filter(
                paper_id=claim.paper_id, author_index=claim.author_index, status=AuthorClaim.Status.APPROVED
            ).exclude(pk=claim.pk)
            if taken.exists():
                raise ClaimRejected(f"{claim.author_name} of {claim.paper.arxiv_id} is already claimed.")
        claim.status = AuthorClaim.Status.APPROVED if approve else AuthorClaim.Status.REJECTED
        claim.decided_at = timezone.now()
        claim.decided_by = moderator
        claim.save(update_fields=["status", "decided_at", "decided_by"])
    return claim


def suspend_user(user: User, *, reason: str = "") -> None:
    """Suspend an account: it can no longer log in, and its open sessions stop working."""
    with transaction.atomic():
        profile = profile_of(user)
        profile.suspended_at = timezone.now()
        profile.suspension_reason = reason
        profile.save(update_fields=["suspended_at", "suspension_reason"])
        user.is_active = False
        user.save(update_fields=["is_active"])


def unsuspend_user(user: User) -> None:
    """Lift a suspension (the account becomes active again if its e-mail address was confirmed)."""
    with transaction.atomic():
        profile = profile_of(user)
        profile.suspended_at = None
        profile.suspension_reason = ""
        profile.save(update_fields=["suspended_at", "suspension_reason"])
        user.is_active = profile.email_confirmed_at is not None
        user.save(update_fields=["is_active"])


def purge_unconfirmed_accounts(*, dry_run: bool = False, now: dt.datetime | None = None) -> int:
    """Delete never-confirmed, never-suspended accounts older than settings.PASSWORD_RESET_TIMEOUT.

    Their confirmation links have expired, so nobody can activate them any more. Returns the count.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    stale = User.objects.filter(
        is_active=False,
        date_joined__lt=cutoff,
        profile__email_confirmed_at__isnull=True,
        profile__suspended_at__isnull=True,
    )
    if dry_run:
        return stale.count()
    count = 0
    for user in stale:
        delete_account(user)
        count += 1
    return count
