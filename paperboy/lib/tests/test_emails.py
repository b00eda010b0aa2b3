"""paperboy.lib.emails against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import smtplib

import pytest

from paperboy.bench.smtp_sink import SMTPSink, free_port
from paperboy.lib.emails import Mailer, Outcome, PreparedMessage, classify_smtp_error, make_message


@pytest.fixture
def sink(settings):
    with SMTPSink() as running:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", running.port, 5
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        yield running


def prepared(to: str = "a@example.org") -> PreparedMessage:
    return PreparedMessage(
        subject="Top papers – $\\alpha$",
        text="Hello é\n.starts with a dot\n" + "x" * 120,
        html="<p>Hello &amp; é</p>",
        to=to,
        headers={"Message-ID": "<1@paperboy.test>"},
    )


def test_prepared_message_is_valid_mime_with_both_parts(sink):
    with Mailer() as mailer:
        assert mailer.send(prepared()).outcome is Outcome.SENT
    parsed = sink.messages[0].parse()
    assert parsed["Subject"] == "Top papers – $\\alpha$"
    assert parsed["Message-ID"] == "<1@paperboy.test>"
    text, html = (
        p.get_payload(decode=True).decode() for p in parsed.walk() if p.get_content_maintype() == "text"
    )
    assert text.splitlines()[:2] == ["Hello é", ".starts with a dot"]  # dot-stuffing undone by the server
    assert "x" * 120 in text.replace("\r\n", "")
    assert html == "<p>Hello &amp; é</p>"


def test_transient_errors_are_retried_with_doubling_back_off(sink):
    sink.handler.data_replies = ["451 4.3.0 Try again later", "421 4.7.0 Busy"]
    slept: list[float] = []
    with Mailer(retries=3, backoff_seconds=0.5, sleep=slept.append) as mailer:
        result = mailer.send(prepared())
    assert (result.outcome, result.attempts) == (Outcome.SENT, 3)
    assert slept == [0.5, 1.0]
    assert len(sink.messages) == 1


def test_permanent_rejection_is_returned_without_retry(sink):
    sink.handler.reject_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    slept: list[float] = []
    with Mailer(retries=3, backoff_seconds=1, sleep=slept.append) as mailer:
        result = mailer.send(prepared("gone@example.org"))
    assert (result.outcome, result.attempts, result.code) == (Outcome.PERMANENT, 1, 550)
    assert slept == []


def test_server_down_is_transient_after_all_tries(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with Mailer(retries=2, backoff_seconds=0, sleep=lambda s: None) as mailer:
        result = mailer.send(prepared())
    assert (result.outcome, result.attempts) == (Outcome.TRANSIENT, 3)
    assert "ConnectionRefused" in result.error


def test_classification_of_smtp_errors():
    assert classify_smtp_error(smtplib.SMTPDataError(554, b"rejected")) == (True, 554)
    assert classify_smtp_error(smtplib.SMTPDataError(452, b"full")) == (False, 452)
    assert classify_smtp_error(smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")})) == (True, 550)
    assert classify_smtp_error(smtplib.SMTPServerDisconnected("gone")) == (False, None)


def test_header_injection_is_refused():
    message = prepared()
    message.extra_headers["List-Id"] = "x\r\nBcc: victim@example.org"
    with pytest.raises(ValueError):
        message.as_bytes()


def test_make_message_renders_subject_text_and_html(settings):
    message = make_message(
        "digests/email/confirm",
        "new@example.org",
        {
            "site_name": "paperboy",
            "email": "new@example.org",
            "labels": ["Daily <digest>"],
            "confirm_url": "u",
            "max_age_days": 7,
        },
    )
    assert message.subject == "Confirm your paperboy subscription"
    assert "- Daily <digest>" in message.body
    assert "Daily &lt;digest&gt;" in message.alternatives[0][0]
    assert message.extra_headers["Message-ID"].startswith("<")
