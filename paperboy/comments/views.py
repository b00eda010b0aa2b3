"""Comment actions: post, edit and delete one's own, report others'. POST + CSRF, rate-limited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from paperboy.accounts.community import _back, _login_redirect
from paperboy.accounts.ratelimits import limit
from paperboy.comments import services
from paperboy.comments.models import Comment
from paperboy.papers.models import Paper


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=services.MAX_COMMENT_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label="What is wrong with this comment?", max_length=2000, widget=forms.Textarea)


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


@require_POST
@limit("comment")
def post(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    if not request.user.is_authenticated:
        return _login_redirect(request, paper)
    try:
        services.post_comment(request.user, paper, request.POST.get("body", ""))
    except services.CommentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your comment is posted.")
    return _back(request, paper)


@require_http_methods(["GET", "POST"])
@login_required
@limit("comment")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk, author=request.user)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(comment, request.user, form.cleaned_data["body"])  # type: ignore[arg-type]
        except services.CommentError as exc:
            error = str(exc)
        else:
            messages.success(request, "Your comment is updated.")
            return _back(request, comment.paper)
    status = 400 if error or form.errors else 200
    return render(
        request,
        "comments/edit.html",
        {"form": form, "comment": comment, "error": error, "next": _next(request)},
        status=status,
    )


@require_POST
@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk, author=request.user)
    paper = comment.paper
    services.delete_comment(comment, request.user)  # type: ignore[arg-type]
    messages.success(request, "Your comment is deleted.")
    return _back(request, paper)


@require_http_methods(["GET", "POST"])
@login_required
@limit("report")
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper", "author"), pk=pk, hidden=False)
    form = ReportForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.report_comment(comment, request.user, form.cleaned_data["reason"])  # type: ignore[arg-type]
        except services.CommentError as exc:
            error = str(exc)
        else:
            messages.success(request, "Thank you. Moderators will look at this comment.")
            return _back(request, comment.paper)
    status = 400 if error or form.errors else 200
    return render(
        request,
        "comments/report.html",
        {"form": form, "comment": comment, "error": error, "next": _next(request)},
        status=status,
    )
