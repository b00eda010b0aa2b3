"""Fill a fresh database for test_killed_run: ``python -m paperboy.digests.tests.kill_setup N DAY``."""

from __future__ import annotations

import datetime as dt
import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from paperboy.digests.models import Subscriber, Subscription
    from paperboy.papers.models import FeaturedEntry, Paper

    count, day = int(sys.argv[1]), dt.date.fromisoformat(sys.argv[2])
    call_command("migrate", verbosity=0)
    paper = Paper.objects.create(arxiv_id="2602.00001", title="Killed mid-run", upvote_count=1)
    FeaturedEntry.objects.create(paper=paper, featured_on=day)
    for n in range(count):
        subscriber = Subscriber.objects.create(
            email=f"reader{n:02d}@example.org", confirmed_at=timezone.now()
        )
        Subscription.objects.create(subscriber=subscriber, kind="daily")


if __name__ == "__main__":
    main()
