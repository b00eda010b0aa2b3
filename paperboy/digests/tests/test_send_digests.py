"""send_digests over a real SMTP server: what is sent, to whom, when, and what never is."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command

from paperboy.digests import services
from paperboy.digests.models import DigestSend, Subscriber, Subscription
from paperboy.digests.tests.conftest import DAY, feature, make_paper, make_subscriber
from paperboy.digests.tests.helpers import parts
from paperboy.search import rebuild_index

pytestmark = pytest.mark.django_db

DAY2 = DAY + dt.timedelta(days=3)  # Monday 2026-03-02
DAY3 = DAY + dt.timedelta(days=4)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


def papers_of(message) -> str:
    return parts(message.parse())[0]


def test_nothing_is_sent_to_unconfirmed_unsubscribed_or_paused_addresses(smtp):
    feature(make_paper("2602.00001", upvotes=5), DAY)
    make_subscriber("pending@example.org", confirmed=False)
    Subscriber.objects.filter(pk=make_subscriber("gone@example.org").pk).update(unsubscribed_at=DAY_AT())
    Subscriber.objects.filter(pk=make_subscriber("paused@example.org").pk).update(paused_at=DAY_AT())
    make_subscriber("ok@example.org")
    run("--date", DAY.isoformat())
    assert [m.rcpt_tos for m in smtp.messages] == [["ok@example.org"]]


def DAY_AT() -> dt.datetime:
    return dt.datetime(2026, 2, 27, 12, tzinfo=dt.UTC)


def test_no_empty_email_on_a_day_without_a_list(smtp):
    feature(make_paper("2602.00001"), DAY)
    make_subscriber("reader@example.org", "daily", "weekly")
    assert "sent=0 " in run("--date", (DAY + dt.timedelta(days=1)).isoformat())  # Saturday: no list
    assert smtp.messages == []
    assert not DigestSend.objects.exists()


def test_a_paper_is_never_sent_twice_in_a_stream(smtp):
    again, fresh = make_paper("2602.00001", upvotes=9), make_paper("2602.00002", upvotes=1)
    feature(again, DAY)
    feature(again, DAY2)
    make_subscriber("reader@example.org", "daily")
    run("--date", DAY.isoformat())
    run("--date", DAY2.isoformat())  # its only paper was sent already: no e-mail at all
    assert len(smtp.messages) == 1
    feature(fresh, DAY3)
    feature(again, DAY3)
    run("--date", DAY3.isoformat())
    assert len(smtp.messages) == 2
    text = papers_of(smtp.messages[1])
    assert fresh.arxiv_id in text and again.arxiv_id not in text


def test_daily_and_weekly_are_separate_streams_and_weekly_goes_out_on_fridays(smtp):
    top = make_paper("2602.00001", upvotes=50, title="Top of the week")
    feature(top, DAY - dt.timedelta(days=2))
    feature(make_paper("2602.00002", upvotes=3), DAY)
    make_subscriber("reader@example.org", "daily", "weekly")
    run("--date", DAY.isoformat())
    subjects = sorted(m.parse()["Subject"] for m in smtp.messages)
    assert len(subjects) == 2 and "weekly" in subjects[1]
    weekly = next(m for m in smtp.messages if "weekly" in m.parse()["Subject"])
    text = papers_of(weekly)
    assert text.index("2602.00001") < text.index("2602.00002")  # ranked by upvotes over the week


def test_a_rerun_sends_nothing_new(smtp):
    feature(make_paper("2602.00001"), DAY)
    for n in range(3):
        make_subscriber(f"r{n}@example.org")
    assert "sent=3 " in run("--date", DAY.isoformat())
    assert "sent=0 " in run("--date", DAY.isoformat())
    assert len(smtp.messages) == 3


def test_it_sends_at_each_subscribers_hour_in_their_zone(smtp):
    feature(make_paper("2602.00001"), DAY)
    make_subscriber("tokyo@example.org", tz="Asia/Tokyo", hour=7)  # 2026-02-28 07:00 JST = 02-27 22:00 UTC
    make_subscriber("berlin@example.org", tz="Europe/Berlin", hour=7)  # 2026-02-28 06:00 UTC
    with time_machine.travel(dt.datetime(2026, 2, 27, 21, 59, tzinfo=dt.UTC), tick=False):
        run()
    assert smtp.messages == []
    with time_machine.travel(dt.datetime(2026, 2, 27, 22, 0, tzinfo=dt.UTC), tick=False):
        run()
    assert [m.rcpt_tos for m in smtp.messages] == [["tokyo@example.org"]]
    with time_machine.travel(dt.datetime(2026, 2, 28, 6, 0, tzinfo=dt.UTC), tick=False):
        run()
        run()
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["tokyo@example.org", "berlin@example.org"]
    assert set(DigestSend.objects.values_list("edition", flat=True)) == {"daily:2026-02-27"}


def test_permanent_rejections_are_recorded_and_pause_the_address(smtp, settings):
    settings.DIGEST_MAX_BOUNCES = 2
    for n, day in enumerate([DAY, DAY2, DAY3]):
        feature(make_paper(f"2603.0000{n}"), day)
    subscriber = make_subscriber("gone@example.org")
    make_subscriber("ok@example.org")
    smtp.handler.reject_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    assert "bounced=1 " in run("--date", DAY.isoformat())
    send = DigestSend.objects.get(subscriber=subscriber)
    assert send.status == DigestSend.Status.BOUNCED and "550" in send.error
    subscriber.refresh_from_db()
    assert (subscriber.bounce_count, subscriber.paused_at) == (1, None)
    run("--date", DAY2.isoformat())
    subscriber.refresh_from_db()
    assert subscriber.bounce_count == 2 and subscriber.paused_at is not None
    run("--date", DAY3.isoformat())  # paused: not even tried
    assert DigestSend.objects.filter(subscriber=subscriber).count() == 2
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["ok@example.org"] * 3


def test_transient_errors_are_retried_then_left_for_the_next_run(smtp, settings):
    settings.DIGEST_SMTP_RETRIES = 1
    feature(make_paper("2602.00001"), DAY)
    make_subscriber("reader@example.org")
    smtp.handler.data_replies = ["451 4.3.0 Try later", "451 4.3.0 Try later"]
    assert "failed=1 " in run("--date", DAY.isoformat())
    send = DigestSend.objects.get()
    assert (send.status, send.attempts) == (DigestSend.Status.FAILED, 2)
    settings.DIGEST_RETRY_AFTER_SECONDS = 600
    assert "resent=0 " in run("--date", DAY.isoformat())  # too soon to try again
    settings.DIGEST_RETRY_AFTER_SECONDS = 0
    assert "resent=1 " in run("--date", DAY.isoformat())
    send.refresh_from_db()
    assert (send.status, send.attempts) == (DigestSend.Status.SENT, 3)
    assert len(smtp.messages) == 1 and smtp.messages[0].parse()["Message-ID"] == send.message_id


def test_dry_run_prints_and_sends_and_writes_nothing(smtp):
    feature(make_paper("2602.00001"), DAY)
    make_subscriber("reader@example.org")
    out = run("--dry-run", "--date", DAY.isoformat())
    assert "would send daily:2026-02-27 to reader@example.org: Daily digest: 2602.00001" in out
    assert smtp.messages == [] and not DigestSend.objects.exists()


def test_to_and_limit_restrict_a_run(smtp):
    feature(make_paper("2602.00001"), DAY)
    for n in range(5):
        make_subscriber(f"r{n}@example.org")
    run("--date", DAY.isoformat(), "--to", "R3@example.org")
    assert [m.rcpt_tos for m in smtp.messages] == [["r3@example.org"]]
    run("--date", DAY.isoformat(), "--limit", "2")
    assert len(smtp.messages) == 3
    assert DigestSend.objects.count() == 3  # claims beyond the limit were given back
    run("--date", DAY.isoformat())
    assert len(smtp.messages) == 5


def test_alerts_match_author_category_and_search_and_only_new_papers(smtp):
    make_paper(
        "2602.10001",
        title="Sparse guidance for diffusion",
        authors=["Jürgen  Müller", "A. B"],
        categories=["cs.LG", "cs.CL"],
        announced_on=DAY,
    )
    make_paper("2602.10002", title="Robots", authors=["C. D"], categories=["cs.RO"], announced_on=DAY)
    make_subscriber("a@example.org", ("author", {"author": "jürgen müller"}))
    make_subscriber("c@example.org", ("category", {"category": "cs.CL"}))
    make_subscriber("arch@example.org", ("category", {"category": "cs"}))
    make_subscriber("s@example.org", ("search", {"query": "DIFFUSION guidance", "category": "cs.LG"}))
    make_subscriber("none@example.org", ("search", {"query": "quantum"}))
    rebuild_index()  # saved searches go through the real keyword index
    run("--date", DAY.isoformat())
    got = {m.rcpt_tos[0]: papers_of(m) for m in smtp.messages}
    assert set(got) == {"a@example.org", "c@example.org", "arch@example.org", "s@example.org"}
    assert all("2602.10001" in text for text in got.values())
    assert "2602.10002" in got["arch@example.org"] and "2602.10002" not in got["c@example.org"]
    assert Subscription.objects.get(subscriber__email="a@example.org").last_edition_on == DAY
    # the next day's alert carries only papers announced after the last edition
    make_paper(
        "2603.10003",
        title="More diffusion",
        authors=["Jürgen Müller"],
        categories=["cs.LG"],
        announced_on=DAY2,
    )
    rebuild_index()
    run("--date", DAY2.isoformat())
    later = [m for m in smtp.messages[4:] if m.rcpt_tos == ["a@example.org"]]
    assert len(later) == 1
    text = papers_of(later[0])
    assert "2603.10003" in text and "2602.10001" not in text


def test_titles_and_abstracts_are_escaped_in_html_and_readable_in_text(smtp):
    feature(
        make_paper(
            "2602.00001",
            title="Attention in $O(n^2)$ <script>alert(1)</script> & more",
            abstract="We show $\\alpha$-\\emph{sparse} <b>bold</b> results.",
        ),
        DAY,
    )
    make_subscriber("reader@example.org")
    run("--date", DAY.isoformat())
    text, html = parts(smtp.messages[0].parse())
    assert "Attention in $O(n^2)$ <script>alert(1)</script> & more" in text
    assert "<script>" not in html
    assert "Attention in $O(n^2)$ &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "$\\alpha$-sparse" in text


def test_several_smtp_connections_send_everyone_once(smtp, settings, monkeypatch):
    settings.DIGEST_SMTP_CONNECTIONS = 3
    monkeypatch.setattr(services, "CLAIM_BATCH", 5)
    feature(make_paper("2602.00001"), DAY)
    emails = [make_subscriber(f"r{n:02d}@example.org").email for n in range(13)]
    assert "sent=13 " in run("--date", DAY.isoformat())
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == emails
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == 13


def test_a_second_claim_of_the_same_edition_gets_nothing(smtp):
    feature(make_paper("2602.00001"), DAY)
    sub = Subscription.objects.get(subscriber=make_subscriber("reader@example.org"))
    digest = services.compose_digest(sub, edition_on=DAY)
    assert len(services._claim_many([digest])) == 1
    assert services._claim_many([digest]) == []


def test_loop_mode_stops_on_sigterm_after_the_pass(smtp, monkeypatch):
    feature(make_paper("2602.00001"), DAY)
    make_subscriber("reader@example.org")
    real = services.run_digests

    def pass_then_sigterm(**kwargs):
        result = real(**kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return result

    monkeypatch.setattr("paperboy.digests.management.commands.send_digests.run_digests", pass_then_sigterm)
    previous = signal.getsignal(signal.SIGTERM)
    out = run("--loop", "--date", DAY.isoformat())
    assert "sent=1 " in out and "stopping on signal" in out
    assert signal.getsignal(signal.SIGTERM) == previous


def test_search_alerts_use_search_papers_when_the_search_app_provides_it(smtp, monkeypatch):
    import paperboy.search

    hit = make_paper("2602.20001", title="Nothing in common with the query", announced_on=DAY)
    make_paper("2602.20002", title="Diffusion words everywhere", announced_on=DAY)
    calls: list[str] = []

    def search_papers(query, **kwargs):
        calls.append(query)
        return SimpleNamespace(hits=[SimpleNamespace(paper=hit, score=1.0, snippet="")])

    monkeypatch.setattr(paperboy.search, "search_papers", search_papers, raising=False)
    make_subscriber("s1@example.org", ("search", {"query": "diffusion"}))
    make_subscriber("s2@example.org", ("search", {"query": "diffusion"}))
    run("--date", DAY.isoformat())
    assert calls == ["diffusion"]  # one search per query and run
    texts = [papers_of(m) for m in smtp.messages]
    assert len(texts) == 2 and all("2602.20001" in t and "2602.20002" not in t for t in texts)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-40"], "argument --date: '2026-13-40' is not a day written YYYY-MM-DD"),
        (["--limit", "-1"], "argument --limit: must be at least 1 (got -1)"),
        (["--limit", "0"], "argument --limit: must be at least 1 (got 0)"),
        (["--to", "nobody@example.com"], "no subscriber with the e-mail address 'nobody@example.com'"),
    ],
)
def test_bad_arguments_are_clear_errors(db, args, message):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as info:
        call_command("send_digests", *args)
    assert message in str(info.value)
