"""Fault test: PostgreSQL stops while gunicorn serves; pages answer 503 and recover when it is back."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from paperboy.ops.tests import pgcluster

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def test_pages_answer_503_while_postgres_is_down_and_recover(tmp_path):
    reason = pgcluster.unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL fault test NOT RUN: {reason}")
    with pgcluster.throwaway_cluster() as cluster:
        cluster.createdb("paperboy")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        env.update(
            PAPERBOY_SECRET_KEY=secrets.token_urlsafe(50),
            PAPERBOY_DATABASE_URL=cluster.url(),
            PAPERBOY_DATA_DIR=str(tmp_path),
            PAPERBOY_SECURE_SSL_REDIRECT="false",
            PAPERBOY_INSECURE_COOKIES="true",
            PAPERBOY_LIVE_NETWORK="false",
        )
        for command in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v", "0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=180,
            )
        port = pgcluster.free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "paperboy.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until_up(f"{base}/healthz", server)
            pages = ["/", "/status"]
            for page in pages:
                assert get(base + page)[0] == 200, page

            cluster.stop()
            for _ in range(2):  # both gunicorn workers, whichever answers
                for page in pages:
                    status, body = get(base + page)
                    assert status == 503, (page, status, body[:500])
                    assert "temporarily unavailable" in body
            assert get(base + "/healthz")[0] == 200  # the process is up
            status, body = get(base + "/readyz")  # but not ready, and says why
            assert status == 503
            assert json.loads(body)["checks"]["database"].startswith("error: OperationalError")

            cluster.start()
            deadline = time.monotonic() + 20
            statuses: list[int] = []
            while time.monotonic() < deadline:
                statuses = [get(base + page)[0] for page in pages * 2]
                if statuses == [200] * len(statuses):
                    break
                time.sleep(0.5)
            assert statuses == [200] * len(pages) * 2, "the site did not recover without a restart"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
