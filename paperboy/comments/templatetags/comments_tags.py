"""``{% comment_thread paper %}``: the comments of a paper page, with the form to add one."""

from __future__ import annotations

from django import template

from paperboy.comments.models import Comment
from paperboy.papers.models import Paper

register = template.Library()


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_thread(context: template.Context, paper: Paper) -> dict[str, object]:
    request = context.get("request")
    comments = Comment.objects.filter(paper=paper, hidden=False).select_related("author")
    return {
        "paper": paper,
        "comments": list(comments),
        "user": getattr(request, "user", None),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
