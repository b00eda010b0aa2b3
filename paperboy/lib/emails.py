"""E-mail helpers: render a message from three templates, send it with retries.

``make_message("digests/email/digest", to, ctx)`` renders ``digests/email/digest-subject.txt``,
``-body.txt`` and ``-body.html`` into a multipart/alternative message (text first, HTML second).
:class:`Mailer` keeps one SMTP connection open for many messages and retries transient failures
(4xx replies, disconnects, socket errors) with exponential back-off; a 5xx reply is permanent and
is returned, not retried. Shape after healthchecks ``hc/lib/emails.py``.

SMTP reply classes: RFC 5321 §4.2.1 (4yz transient negative, 5yz permanent negative).
"""

from __future__ import annotations

import binascii
import enum
import logging
import secrets
import smtplib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid
from functools import lru_cache
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

__all__ = [
    "Mailer",
    "Outcome",
    "PreparedMessage",
    "SendResult",
    "classify_smtp_error",
    "make_message",
    "new_message_id",
    "render_parts",
]


def new_message_id() -> str:
    """A fresh RFC 5322 Message-ID ``<…@domain>``, the domain taken from DEFAULT_FROM_EMAIL."""
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return make_msgid(domain=domain)


def render_parts(template: str, ctx: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render ``(subject, text body, html body)``; the subject is folded to one line."""
    subject = " ".join(render_to_string(f"{template}-subject.txt", dict(ctx)).split())
    text = render_to_string(f"{template}-body.txt", dict(ctx))
    html = render_to_string(f"{template}-body.html", dict(ctx))
    return subject, text, html


def make_message(
    template: str,
    to: str,
    ctx: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """A text + HTML message to one address rendered from ``<template>-subject/-body.txt/-body.html``.

    A Message-ID is generated unless ``headers`` carries one.
    """
    subject, text, html = render_parts(template, ctx)
    return build_message(subject, text, html, to, headers)


def build_message(
    subject: str, text: str, html: str, to: str, headers: Mapping[str, str] | None = None
) -> EmailMultiAlternatives:
    """A multipart/alternative message from already rendered parts."""
    all_headers = {"Message-ID": new_message_id(), **(headers or {})}
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=all_headers
    )
    message.attach_alternative(html, "text/html")
    return message


@lru_cache(maxsize=64)
def _sender(from_email: str) -> str:
    return sanitize_address(from_email, "utf-8")


def _address(addr: str) -> str:
    """A bare ASCII address as is (the common case, no parsing); anything else through Django."""
    if addr.isascii() and "<" not in addr and '"' not in addr and "," not in addr and "\n" not in addr:
        return addr
    return sanitize_address(addr, "utf-8")


@lru_cache(maxsize=4096)
def _subject_header(subject: str) -> str:
    return subject if subject.isascii() else Header(subject, "utf-8").encode(linesep="\r\n")


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _qp(text: str) -> bytes:
    """Quoted-printable (RFC 2045 §6.7) of UTF-8 text with CRLF line breaks, encoded in C."""
    encoded = binascii.b2a_qp(_crlf(text), quotetabs=False, istext=True, header=False)
    return encoded if encoded.endswith(b"\r\n") else encoded + b"\r\n"


class PreparedMessage:
    """A text + HTML multipart/alternative message, UTF-8 and quoted-printable, assembled as bytes.

    Built for bulk digests: it skips the ``email`` package's generator (header folding in pure
    Python), which made up most of the CPU time per digest. Django's e-mail backends accept it like
    an EmailMessage (``recipients()``, ``message().as_bytes()``), and it keeps the attributes tests
    and previews read: ``subject``, ``body`` (text), ``alternatives``, ``extra_headers``, ``to``.

    Raises:
        ValueError: from ``as_bytes`` when a header value contains a line break (header injection).
    """

    encoding = "utf-8"

    def __init__(self, *, subject: str, text: str, html: str, to: str, headers: Mapping[str, str]) -> None:
        self.subject = subject
        self.body = text
        self.alternatives = [(html, "text/html")]
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.to = [to]
        self.extra_headers = dict(headers)

    def recipients(self) -> list[str]:
        return list(self.to)

    @property
    def envelope(self) -> tuple[str, list[str]]:
        """SMTP ``MAIL FROM`` and ``RCPT TO`` addresses."""
        return _sender(self.from_email), [_address(a) for a in self.to]

    def message(self) -> PreparedMessage:
        return self

    def get_charset(self) -> None:  # what the console backend asks of message()
        return None

    def as_bytes(self, linesep: str = "\r\n", **_: Any) -> bytes:
        subject = _subject_header(self.subject)
        boundary = f"=_paperboy_{secrets.token_hex(12)}"  # "=_" cannot occur in quoted-printable text
        headers = {
            "From": _sender(self.from_email),
            "To": ", ".join(_address(a) for a in self.to),
            "Subject": subject,
            "Date": formatdate(usegmt=True),
            **self.extra_headers,
            "MIME-Version": "1.0",
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        }
        for name, value in headers.items():
            if name != "Subject" and ("\n" in value or "\r" in value):
                raise ValueError(f"line break in header {name}")
            if not str(value).isascii():
                raise ValueError(f"non-ASCII header {name}")
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("ascii")
        part = (
            'Content-Type: text/{sub}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        )
        sep = f"--{boundary}\r\n".encode()
        data = b"".join(
            [
                head,
                b"\r\n",
                sep,
                part.format(sub="plain").encode(),
                _qp(self.body),
                sep,
                part.format(sub="html").encode(),
                _qp(self.alternatives[0][0]),
                f"--{boundary}--\r\n".encode(),
            ]
        )
        return data if linesep == "\r\n" else data.replace(b"\r\n", linesep.encode())


class Outcome(enum.Enum):
    SENT = "sent"
    TRANSIENT = "transient"  # retries exhausted; try again later
    PERMANENT = "permanent"  # 5xx: the address (or message) was rejected


@dataclass(frozen=True)
class SendResult:
    """What happened to one message: outcome, SMTP tries made, last error text and reply code."""

    outcome: Outcome
    attempts: int
    error: str = ""
    code: int | None = None


def classify_smtp_error(exc: BaseException) -> tuple[bool, int | None]:
    """``(permanent, reply code)`` for an exception raised while sending.

    5xx replies (including every recipient refused with 5xx) are permanent; 4xx replies,
    disconnects, timeouts and socket errors are transient.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        code = max(codes) if codes else None
        return (code is not None and 500 <= code < 600), code
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return 500 <= code < 600, code
    return False, None


class Mailer:
    """One open connection to the e-mail backend, reused for many messages.

    Use as a context manager. ``send`` never raises for SMTP or socket errors: it returns a
    :class:`SendResult`. Transient failures are retried ``retries`` times, sleeping
    ``backoff_seconds * 2**n`` before retry n, and reconnecting.

    Args:
        retries: extra tries after the first (settings.DIGEST_SMTP_RETRIES by default).
        backoff_seconds: first back-off (settings.DIGEST_SMTP_BACKOFF_SECONDS by default).
        sleep: injected for tests.
    """

    def __init__(
        self,
        *,
        retries: int | None = None,
        backoff_seconds: float | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.retries = settings.DIGEST_SMTP_RETRIES if retries is None else retries
        self.backoff_seconds = (
            settings.DIGEST_SMTP_BACKOFF_SECONDS if backoff_seconds is None else backoff_seconds
        )
        self.sleep = sleep or time.sleep
        self.backend: Any = get_connection(fail_silently=False)
        self._open = False

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._open:
            try:
                self.backend.close()
            except (smtplib.SMTPException, OSError):
                log.debug("error while closing the SMTP connection", exc_info=True)
            self._open = False

    def send(self, message: EmailMultiAlternatives | PreparedMessage) -> SendResult:
        """Send one message; see the class docstring for retries. Returns the outcome."""
        error = ""
        code: int | None = None
        for attempt in range(1, self.retries + 2):
            if attempt > 1:
                self.sleep(self.backoff_seconds * 2 ** (attempt - 2))
            try:
                if not self._open:
                    self.backend.open()
                    self._open = True
                if (
                    isinstance(message, PreparedMessage)
                    and getattr(self.backend, "connection", None) is not None
                ):
                    # Django's SMTP backend, already connected: hand the bytes straight to smtplib.
                    sender, recipients = message.envelope
                    self.backend.connection.sendmail(sender, recipients, message.as_bytes())
                    sent = 1
                else:
                    sent = self.backend.send_messages([message])
                if sent:
                    return SendResult(Outcome.SENT, attempt)
                error = "backend reported 0 messages sent"
            except (smtplib.SMTPException, OSError) as exc:
                permanent, code = classify_smtp_error(exc)
                error = f"{type(exc).__name__}: {exc}"
                if permanent:
                    return SendResult(Outcome.PERMANENT, attempt, error, code)
                log.warning("transient e-mail error (try %d): %s", attempt, error)
                self.close()  # reconnect on the next try
        return SendResult(Outcome.TRANSIENT, self.retries + 1, error, code)
