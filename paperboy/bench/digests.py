"""Benchmark: compose and send digests for 10,000 subscribers to a local SMTP server.

    python -m paperboy.bench.digests --out build/bench-digests.json   (make bench-digests)

A fresh SQLite database in a temporary folder gets real papers from the demo corpus (HF Daily
Papers of February 2026 with their featured days and upvotes, and the arXiv CS papers announced
2026-02-25 … 27), then N subscribers with a mix of streams: daily, weekly, saved search, author and
category follows (a fifth of them with a second stream). An aiosmtpd server runs in a child process
and counts what it accepts. The timed part is one ``send_digests --date 2026-02-27`` run (Friday:
daily and weekly editions both go out): compose, claim, render, SMTP, journal, mark sent.
Prints a table and writes the same figures as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

EDITION_DAY = dt.date(2026, 2, 27)
SEARCHES = [
    "language model",
    "diffusion",
    "reinforcement learning",
    "agent",
    "benchmark",
    "reasoning",
    "graph",
    "robot",
    "vision transformer",
    "retrieval",
]
CATEGORIES = ["cs.CL", "cs.LG", "cs.CV", "cs.AI", "cs.RO", "cs.CR", "cs.IR", "cs.SE", "cs"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]
MIX = [("daily", 0.40), ("weekly", 0.15), ("search", 0.15), ("author", 0.15), ("category", 0.15)]


def _demo_dir(repo_root: Path) -> Path:
    for candidate in (repo_root / "demo", Path("/work/main/demo"), repo_root.parent / "shared" / "data"):
        if (candidate / "hf-daily-papers-hfbot-2026-02.jsonl.gz").exists():
            return candidate
    raise SystemExit("demo corpus not found (demo/hf-daily-papers-hfbot-2026-02.jsonl.gz)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("build/bench-digests.json"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile", action="store_true", help="Print the top functions of the timed run (cProfile)."
    )
    args = parser.parse_args(argv)

    repo_root = Path(__file__).resolve().parents[2]
    demo_dir = _demo_dir(repo_root)
    tmp = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    from paperboy.bench.smtp_sink import free_port, serve_forever

    port = free_port()
    os.environ.pop("PAPERBOY_DATABASE_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "paperboy.settings",
            # DEBUG off: with it on, Django records every SQL query in memory.
            "PAPERBOY_DEBUG": "false",
            "PAPERBOY_SECRET_KEY": os.environ.get("PAPERBOY_SECRET_KEY") or "bench-only-secret-key",
            "PAPERBOY_DATA_DIR": str(tmp),
            "PAPERBOY_DEMO_DIR": str(demo_dir),
            "PAPERBOY_EMAIL_HOST": "127.0.0.1",
            "PAPERBOY_EMAIL_PORT": str(port),
            "PAPERBOY_LOG_LEVEL": "WARNING",
            "PAPERBOY_SITE_URL": "https://papers.example.org",
        }
    )
    ctx = multiprocessing.get_context("spawn")
    counter, ready, stop, sink_cpu = ctx.Value("i", 0), ctx.Event(), ctx.Event(), ctx.Value("d", 0.0)
    sink = ctx.Process(target=serve_forever, args=(port, counter, ready, stop, sink_cpu), daemon=True)
    sink.start()
    try:
        if not ready.wait(30):
            raise SystemExit("SMTP sink did not start")
        figures = _run(args, tmp, counter)
    finally:
        stop.set()
        sink.join(10)
    figures["smtp_server_cpu_seconds"] = round(sink_cpu.value, 2)
    sys.stdout.write(f"SMTP server (aiosmtpd, separate process) CPU {sink_cpu.value:.1f} s\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {args.out}\n")
    return 0 if figures["emails_sent"] == figures["emails_received_by_smtp_server"] else 1


def _run(args: argparse.Namespace, tmp: Path, counter: object) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from paperboy.digests.compose import stream_key
    from paperboy.digests.demo import load_arxiv_days, load_hf_days
    from paperboy.digests.models import DigestSend, Subscriber, Subscription
    from paperboy.papers.models import Paper

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    feb = [dt.date(2026, 2, d) for d in range(1, 29)]
    hf = load_hf_days(feb)
    arxiv = load_arxiv_days([EDITION_DAY - dt.timedelta(days=n) for n in range(3)])
    from paperboy.search import rebuild_index

    rebuild_index()  # saved-search alerts run through the site's keyword index
    rng = random.Random(args.seed)
    day_papers = list(Paper.objects.filter(announced_on=EDITION_DAY).values_list("authors", flat=True))
    authors = sorted({a for names in day_papers for a in names[:3]})
    now = timezone.now()
    subscribers = [
        Subscriber(
            email=f"reader{n:05d}@example.org",
            timezone=rng.choice(ZONES),
            send_hour=rng.randrange(24),
            confirmed_at=now,
        )
        for n in range(args.subscribers)
    ]
    Subscriber.objects.bulk_create(subscribers, batch_size=1000)
    kinds, weights = zip(*MIX, strict=True)

    def params(kind: str) -> dict[str, str]:
        if kind == "search":
            return {"query": rng.choice(SEARCHES)}
        if kind == "author":
            return {"author": rng.choice(authors)}
        if kind == "category":
            return {"category": rng.choice(CATEGORIES)}
        return {}

    streams = []
    for sub in Subscriber.objects.order_by("id"):
        chosen = [rng.choices(kinds, weights)[0]]
        if rng.random() < 0.2:
            chosen.append(rng.choice([k for k in kinds if k != chosen[0]]))
        for kind in chosen:
            p = params(kind)
            streams.append(Subscription(subscriber=sub, kind=kind, params=p, key=stream_key(kind, p)))
    Subscription.objects.bulk_create(streams, batch_size=1000, ignore_conflicts=True)
    setup_seconds = time.perf_counter() - t0

    t1, cpu1 = time.perf_counter(), time.process_time()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(call_command, "send_digests", "--date", EDITION_DAY.isoformat())
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    else:
        call_command("send_digests", "--date", EDITION_DAY.isoformat())
    seconds = time.perf_counter() - t1
    cpu_seconds = time.process_time() - cpu1
    time.sleep(0.2)
    sent = DigestSend.objects.filter(status=DigestSend.Status.SENT).count()
    received = counter.value  # type: ignore[attr-defined]
    by_kind = {
        kind: DigestSend.objects.filter(status=DigestSend.Status.SENT, subscription__kind=kind).count()
        for kind in kinds
    }
    figures = {
        "subscribers": args.subscribers,
        "streams": len(streams),
        "papers": Paper.objects.count(),
        "papers_loaded": {"hf_featured_records": hf, "arxiv_records": arxiv},
        "edition_day": EDITION_DAY.isoformat(),
        "emails_sent": sent,
        "emails_received_by_smtp_server": received,
        "emails_by_kind": by_kind,
        "seconds": round(seconds, 2),
        "emails_per_second": round(sent / seconds, 1) if seconds else None,
        "sender_cpu_seconds": round(cpu_seconds, 2),
        "setup_seconds": round(setup_seconds, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "database": "sqlite (fresh, temporary)",
        "goal": "10,000 subscribers in under 60 s",
    }
    write = sys.stdout.write
    write(
        f"{'subscribers':>12} {'streams':>8} {'e-mails sent':>13} {'received':>9} {'seconds':>8} {'e-mails/s':>10}\n"
    )
    write(
        f"{args.subscribers:>12,} {len(streams):>8,} {sent:>13,} {received:>9,} {seconds:>8.1f} "
        f"{figures['emails_per_second']:>10}\n"
    )
    write(f"sender CPU {cpu_seconds:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    write("by kind: " + ", ".join(f"{k} {v}" for k, v in by_kind.items()) + "\n")
    return figures


if __name__ == "__main__":
    sys.exit(main())
