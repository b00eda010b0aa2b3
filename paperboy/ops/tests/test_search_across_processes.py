"""A paper ingested by another process is found by search in every gunicorn worker, without a restart,
and an index rebuild running meanwhile never serves an empty or partial result.

gunicorn (2 workers) serves a scratch database of the suite's engine; the ingest and the rebuild run as
separate ``manage.py`` processes, as the worker would run them.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import get_commands

from paperboy.ops.tests import pgcluster
from paperboy.ops.tests.faultdb import scratch_database

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "demo" / "arxiv-cs-daily-2025-10-to-2026-03.jsonl.gz"
NEW_ID = "2603.99991"
NEW_WORD = "quokkaformer"

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_ingested_paper_is_found_by_every_worker_and_a_rebuild_never_serves_partial_results(tmp_path):
    for command in ("ingest", "rebuild_search_index"):
        if command not in get_commands():
            pytest.skip(f"{command} is not installed in this checkout (ingest/search apps not merged)")
    base_file = tmp_path / "base.jsonl"
    with gzip.open(DEMO, "rt", encoding="utf-8") as src, base_file.open("w") as dst:
        lines = [next(src) for _ in range(400)]
        dst.writelines(lines)
    known = json.loads(lines[10])
    new_file = tmp_path / "new.jsonl"
    record = dict(
        json.loads(lines[0]), id=NEW_ID, title=f"The {NEW_WORD}: a test paper about marsupial attention"
    )
    new_file.write_text(json.dumps(record) + "\n")

    with scratch_database(tmp_path) as db:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        env.update(
            PAPERBOY_SECRET_KEY=secrets.token_urlsafe(50),
            PAPERBOY_DATABASE_URL=db.url,
            PAPERBOY_DATA_DIR=str(tmp_path / "data"),
            PAPERBOY_LIVE_NETWORK="false",
            PAPERBOY_SECURE_SSL_REDIRECT="false",
            PAPERBOY_WEB_ACCESS_LOG="",
        )

        def manage(*args: str) -> str:
            proc = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc.stdout

        manage("migrate", "-v", "0")
        manage("ingest", "jsonl", str(base_file), "--quiet")
        manage("rebuild_search_index")
        manage("collectstatic", "--no-input", "-v", "0")
        port = pgcluster.free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "serve_prod",
                "--skip-setup",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if get(f"{base}/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.3)
            new_url = f"{base}/search?q={NEW_WORD}&mode=keyword"
            for _ in range(4):  # both workers load their index reader now
                status, page = get(new_url)
                assert status == 200
                assert f"/papers/{NEW_ID}" not in page

            manage("ingest", "jsonl", str(new_file), "--quiet")
            found = [f"/papers/{NEW_ID}" in get(new_url)[1] for _ in range(8)]
            assert all(found), f"found by {sum(found)} of 8 requests right after the ingest"

            # Rebuild while searching: every answer has the known paper and the new one.
            known_url = f"{base}/search?q=" + urllib.request.quote(known["title"]) + "&mode=keyword"
            assert f"/papers/{known['id']}" in get(known_url)[1]
            bad: list[str] = []
            answers = 0
            stop = threading.Event()

            def hammer() -> None:
                nonlocal answers
                while not stop.is_set():
                    for url, want in ((known_url, known["id"]), (new_url, NEW_ID)):
                        status, page = get(url)
                        answers += 1
                        if status != 200 or f"/papers/{want}" not in page:
                            bad.append(f"{status} {url}")

            thread = threading.Thread(target=hammer)
            thread.start()
            try:
                manage("rebuild_search_index")
                manage("rebuild_search_index")
            finally:
                stop.set()
                thread.join()
            assert answers > 4
            assert bad == [], f"{len(bad)} of {answers} answers during the rebuilds missed a paper: {bad[:3]}"
        finally:
            server.terminate()
            server.wait(timeout=30)
