"""SIGKILL a real ``send_digests`` process mid-run, rerun it: every subscriber gets the edition once.

The worker runs in a subprocess against its own database (a SQLite file, or a fresh PostgreSQL
database when the suite runs on PostgreSQL) and a real SMTP server. The kill lands while the server
holds the 11th e-mail at RCPT: e-mails 1-10 were accepted and journaled but never marked sent in
the database (the whole run is one claim batch), e-mails 11-30 are claimed and unsent.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from paperboy.bench.smtp_sink import SMTPSink
from paperboy.digests.tests.conftest import DAY

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COUNT, KILL_AT = 30, 11
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def worker_db(tmp_path: Path) -> Iterator[str]:
    """A database URL for the worker process, of the same engine as this test run."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    import psycopg

    db = django_settings.DATABASES["default"]
    name = f"paperboy_kill_{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_worker_killed_mid_run_is_finished_by_the_rerun_without_duplicates(tmp_path, worker_db):
    with SMTPSink() as sink:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "paperboy.settings",
            "PAPERBOY_DEBUG": "false",
            "PAPERBOY_SECRET_KEY": "kill-test",
            "PAPERBOY_DATA_DIR": str(tmp_path),
            "PAPERBOY_DATABASE_URL": worker_db,
            "PAPERBOY_EMAIL_HOST": "127.0.0.1",
            "PAPERBOY_EMAIL_PORT": str(sink.port),
            "PAPERBOY_DIGEST_JOURNAL_DIR": str(tmp_path / "journal"),
            "PAPERBOY_DIGEST_CLAIM_LEASE_SECONDS": "0",
            "PAPERBOY_DIGEST_SMTP_CONNECTIONS": "1",
            "PAPERBOY_LOG_LEVEL": "ERROR",
        }
        python = [sys.executable]
        subprocess.run(
            [*python, "-m", "paperboy.digests.tests.kill_setup", str(COUNT), DAY.isoformat()],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=120,
        )
        reached = threading.Event()
        sink.handler.rcpt_delay_seconds = 0.02
        sink.handler.on_rcpt = lambda n: n >= KILL_AT and reached.set()
        command = [*python, "manage.py", "send_digests", "--date", DAY.isoformat()]
        worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert reached.wait(60), "the worker never reached the kill point"
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert len(sink.messages) == KILL_AT - 1
        assert worker.returncode == -signal.SIGKILL

        sink.handler.rcpt_delay_seconds = 0
        sink.handler.on_rcpt = None
        rerun = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert f"resolved_from_journal={KILL_AT - 1} " in rerun.stdout
        assert f"resent={COUNT - KILL_AT + 1} " in rerun.stdout

    received = collections.Counter(r for m in sink.messages for r in m.rcpt_tos)
    assert received == {f"reader{n:02d}@example.org": 1 for n in range(COUNT)}
    assert len({m.parse()["Message-ID"] for m in sink.messages}) == COUNT
