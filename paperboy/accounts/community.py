"""Community actions on papers: upvote, submit to the daily list, claim authorship.

Every action is a POST with a CSRF token, rate-limited per user and per IP. Without JavaScript the
forms post and redirect back; ``upvote.js`` posts the same form with ``Accept: application/json`` and
updates the button in place.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from paperboy.accounts import ratelimits, services
from paperboy.accounts.forms import ClaimForm, SubmitPaperForm
from paperboy.accounts.ratelimits import limit
from paperboy.accounts.views import ratelimited
from paperboy.lib.arxiv_ids import is_arxiv_id
from paperboy.papers import submissions
from paperboy.papers.models import Paper
from paperboy.papers.services import set_upvote, toggle_upvote


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, paper: Paper | None = None) -> HttpResponse:
    """Redirect to the form's ``next`` field when it is a local URL, else to the paper's page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(paper.get_absolute_url() if paper is not None else "/")


def _login_redirect(request: HttpRequest, paper: Paper | None) -> HttpResponse:
    back = request.POST.get("next") or (paper.get_absolute_url() if paper else "/")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    login_url = f"{reverse('accounts:login')}?{urlencode({'next': back})}"
    if _wants_json(request):
        return JsonResponse({"error": "Please log in to do that.", "login_url": login_url}, status=401)
    return redirect(login_url)


@require_POST
@limit("vote")
def upvote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Set (``value=1``), remove (``value=0``) or toggle (no ``value``) the user's upvote.

    The button sends the state it wants, so two browsers clicking "upvote" at once leave one vote.
    JSON answer (``Accept: application/json``): ``{"voted": bool, "count": int}``.
    """
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    if not request.user.is_authenticated:
        return _login_redirect(request, paper)
    value = request.POST.get("value")
    if value in ("0", "1"):
        result = set_upvote(request.user, paper, voted=value == "1")
        voted, count = result.voted, result.count
    else:
        voted, count = toggle_upvote(request.user, paper)
    if _wants_json(request):
        return JsonResponse({"voted": voted, "count": count})
    return _back(request, paper)


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The "submit a paper" page: rules, form, and the clear message of any rule that fails."""
    # ``?arxiv=`` (linked from a search for an id we do not have) fills the box in.
    form = SubmitPaperForm(request.POST or None, initial={"arxiv": request.GET.get("arxiv", "")[:200]})
    error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return _login_redirect(request, None)
        if form.is_valid():
            # Only well-formed ids use up the allowance: a typo gets its error message for free.
            if is_arxiv_id(form.cleaned_data["arxiv"]) and ratelimits.over_limit(request, "submit"):
                return ratelimited(request)
            try:
                result = submissions.submit_paper(request.user, form.cleaned_data["arxiv"])
            except submissions.SubmissionRejected as exc:
                error = str(exc)
            else:
                messages.success(request, f"{result.paper.arxiv_id} is on today's list. Thank you!")
                return _back(request, result.paper)
    status = 400 if error or form.errors else 200
    context = {"form": form, "error": error, "rules": submissions.submission_rules()}
    return render(request, "accounts/submit.html", context, status=status)


@require_POST
@limit("claim")
def claim(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """File a pending claim to be one of the paper's authors; an admin decides."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    if not request.user.is_authenticated:
        return _login_redirect(request, paper)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose one of the paper's authors.")
        return _back(request, paper)
    try:
        services.claim_authorship(request.user, paper, form.cleaned_data["author_index"])
    except services.ClaimRejected as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thanks! Your claim is waiting for an admin's approval.")
    return _back(request, paper)


@require_GET
def paper_panel(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """A minimal paper page with the community pieces (upvote, claims, comments).

    The real paper page (papers/detail.html) includes the same fragments; this page keeps the
    community features usable and testable on their own.
    """
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    return render(request, "accounts/paper_panel.html", {"paper": paper})
