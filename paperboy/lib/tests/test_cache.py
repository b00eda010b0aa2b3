"""The shared cache of production (PAPERBOY_CACHE_URL): parsing, sharing, atomic increments, rate limits."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from paperboy.lib.cache import DatabaseCache
from paperboy.lib.env import parse_cache_url
from paperboy.ops.tests.faultdb import scratch_database

ROOT = Path(__file__).resolve().parents[3]
TABLE = "paperboy_cache_test"


def test_cache_urls():
    db = parse_cache_url("db://paperboy_cache")
    assert (db["BACKEND"], db["LOCATION"]) == ("paperboy.lib.cache.DatabaseCache", "paperboy_cache")
    assert parse_cache_url("locmem://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    for bad in ("redis://127.0.0.1", "db://", "db://drop table", "file:///tmp/x", "paperboy_cache"):
        with pytest.raises(ImproperlyConfigured):
            parse_cache_url(bad)


@pytest.fixture
def db_cache(settings, db):
    """The default cache as in production: a table of the test database."""
    settings.CACHES = {"default": parse_cache_url(f"db://{TABLE}")}
    call_command("createcachetable", verbosity=0)
    yield caches["default"]
    caches["default"].clear()


def test_two_processes_share_counters(db_cache):
    """Two backend objects stand for two gunicorn workers: the database cache keeps nothing in memory."""
    other = DatabaseCache(TABLE, {})
    assert isinstance(db_cache, DatabaseCache)
    assert db_cache.add("hits", 1, 3600)
    assert not other.add("hits", 1, 3600)
    assert other.incr("hits") == 2
    assert db_cache.incr("hits", 5) == 7
    assert other.get("hits") == 7
    with pytest.raises(ValueError):
        other.incr("never-set")


def test_incr_keeps_the_expiry_of_the_counter(db_cache):
    """Django's own incr re-sets the key with the default 300 s timeout, ending an hour's window early."""
    db_cache.add("window", 1, 3600)
    table = connection.ops.quote_name(TABLE)

    def expires() -> dt.datetime:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT expires FROM {table}")
            (value,) = cursor.fetchone()
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))

    before = expires()
    assert db_cache.incr("window") == 2
    assert expires() == before
    assert before.replace(tzinfo=before.tzinfo or dt.UTC) > timezone.now() + dt.timedelta(minutes=50)


def test_an_expired_counter_cannot_be_incremented(db_cache):
    db_cache.add("old", 1, 1)
    DatabaseCache(TABLE, {}).set("old", 1, -1)  # expired
    with pytest.raises(ValueError):
        db_cache.incr("old")


def test_rate_limits_count_in_the_shared_cache(db_cache, settings):
    from paperboy.accounts.tests.conftest import make_user

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/m"}
    make_user("victim")
    url = reverse("accounts:login")
    codes = [
        Client(REMOTE_ADDR=f"10.9.0.{i}").post(url, {"username": "victim", "password": "guess"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(TABLE)}")
        assert cursor.fetchone()[0] > 0  # the counters are rows of the table, not process memory


INCREMENTS = """
import django, sys
django.setup()
from django.core.cache import cache
for _ in range(int(sys.argv[1])):
    cache.incr("shared-counter")
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_increments_from_several_processes_are_not_lost(tmp_path):
    """Four processes add 40 each to one counter at the same time: the total is exact."""
    with scratch_database(tmp_path) as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        env.update(
            DJANGO_SETTINGS_MODULE="paperboy.settings",
            PAPERBOY_SECRET_KEY="test-only-secret",
            PAPERBOY_DATABASE_URL=scratch.url,
            PAPERBOY_DATA_DIR=str(tmp_path),
            PAPERBOY_CACHE_URL="db://paperboy_cache",
        )
        run = {"cwd": ROOT, "env": env, "check": True, "timeout": 120}
        subprocess.run([sys.executable, "manage.py", "createcachetable"], **run)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from django.core.cache import cache; assert cache.add('shared-counter', 0, 3600)",
            ],
            **run,
        )
        procs = [
            subprocess.Popen([sys.executable, "-c", INCREMENTS, "40"], cwd=ROOT, env=env) for _ in range(4)
        ]
        assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
        total = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from django.core.cache import cache; print(cache.get('shared-counter'))",
            ],
            capture_output=True,
            text=True,
            **run,
        ).stdout.strip()
        assert total == "160"
