"""Writing, editing, deleting, reporting and moderating comments.

Comment bodies are plain text or a small Markdown subset (emphasis, code, links, lists, quotes),
rendered with Python-Markdown and sanitized with nh3 (an allow-list HTML sanitizer, the Rust
``ammonia`` crate): whatever the user types, ``body_html`` holds only the tags below, links only
http(s)/mailto with ``rel="nofollow ugc noopener noreferrer"``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from paperboy.comments.models import Comment, CommentReport
from paperboy.papers.models import Paper

#: Longest comment accepted, in characters.
MAX_COMMENT_CHARS = 5000
ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


class CommentError(Exception):
    """The action is not allowed; ``str(exc)`` is the message for the user."""


def render_markdown(text: str) -> str:
    """Render the Markdown subset to sanitized HTML.

    Example: ``"**bold** <script>x</script> [a](javascript:alert(1))"``
        -> ``'<p><strong>bold</strong>  <a rel="nofollow ugc noopener noreferrer">a</a></p>'``
    Headings, images, tables and raw HTML are not in the subset: their tags are removed (text kept,
    except script/style content).
    """
    import markdown
    import nh3

    html = markdown.markdown(text, extensions=["fenced_code", "sane_lists", "nl2br"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )


def _clean_body(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise CommentError("A comment cannot be empty.")
    if len(body) > MAX_COMMENT_CHARS:
        raise CommentError(f"A comment can be at most {MAX_COMMENT_CHARS} characters long.")
    return body


def post_comment(user: User, paper: Paper, body: str) -> Comment:
    """Add ``user``'s comment to ``paper``. Raises CommentError for an empty or too long body."""
    body = _clean_body(body)
    return Comment.objects.create(paper=paper, author=user, body=body, body_html=render_markdown(body))


def edit_comment(comment: Comment, user: User, body: str) -> Comment:
    """Replace the text of ``user``'s own comment. Raises CommentError for others' or hidden comments."""
    if comment.author_id != user.pk:
        raise CommentError("You can only edit your own comments.")
    if comment.hidden:
        raise CommentError("A moderator hid this comment; it cannot be edited.")
    body = _clean_body(body)
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(comment: Comment, user: User) -> None:
    """Delete ``user``'s own comment (and the reports on it). Raises CommentError for others' comments."""
    if comment.author_id != user.pk:
        raise CommentError("You can only delete your own comments.")
    comment.delete()


def report_comment(comment: Comment, user: User, reason: str) -> CommentReport:
    """File ``user``'s report on ``comment`` for moderators; one report per user and comment.

    Raises:
        CommentError: reporting one's own comment, an empty reason, or a second report.
    """
    reason = reason.strip()
    if comment.author_id == user.pk:
        raise CommentError("You cannot report your own comment.")
    if not reason:
        raise CommentError("Please say what is wrong with the comment.")
    try:
        with transaction.atomic():
            return CommentReport.objects.create(comment=comment, reporter=user, reason=reason[:2000])
    except IntegrityError:
        raise CommentError("You have already reported this comment; moderators will look at it.") from None


def hide_comments(comments: object, *, reason: str = "Hidden by a moderator") -> int:
    """Hide comments (a queryset) and resolve their open reports; return how many were hidden."""
    with transaction.atomic():
        ids = list(comments.values_list("pk", flat=True))  # type: ignore[attr-defined]
        count = Comment.objects.filter(pk__in=ids).update(hidden=True, hidden_reason=reason[:300])
        CommentReport.objects.filter(comment_id__in=ids, status=CommentReport.Status.OPEN).update(
            status=CommentReport.Status.RESOLVED, resolved_at=timezone.now()
        )
    return count
