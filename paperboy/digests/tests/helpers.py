"""Reading the MIME that arrived at the SMTP sink."""

from __future__ import annotations

import re
from email.message import Message

URL = re.compile(r"http://testserver(/[^\s\"<>]*)")


def parts(message: Message) -> tuple[str, str]:
    """``(text, html)`` of a multipart/alternative message, decoded."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found["text/plain"], found["text/html"]


def paths(text: str) -> list[str]:
    """Site-relative paths of every http://testserver link in ``text`` (HTML entities undone)."""
    return [m.replace("&amp;", "&") for m in URL.findall(text)]


def header_path(value: str) -> str:
    """The path of the single <http://testserver/…> URL in a List-Unsubscribe header."""
    match = re.fullmatch(r"<http://testserver(/\S+)>", value.strip())
    assert match, value
    return match.group(1)
