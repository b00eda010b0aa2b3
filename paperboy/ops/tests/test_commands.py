from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def test_serve_prod_runs_gunicorn_with_several_workers(capsys, settings):
    settings.WEB_WORKERS = 3
    settings.WEB_BIND = "127.0.0.1:8123"
    call_command("serve_prod", "--dry-run")
    out = capsys.readouterr().out
    assert "gunicorn: 3 workers on 127.0.0.1:8123" in out
    assert "-m gunicorn paperboy.wsgi:application --bind 127.0.0.1:8123 --workers 3" in out


def test_default_workers_is_one_per_core_between_2_and_8(monkeypatch):
    from paperboy.ops.management.commands import serve_prod

    for cores, workers in ((None, 2), (1, 2), (2, 2), (4, 4), (32, 8)):
        monkeypatch.setattr(serve_prod.os, "cpu_count", lambda cores=cores: cores)
        assert serve_prod.default_workers() == workers


def test_serve_prod_gives_workers_one_math_thread_unless_set(capsys, monkeypatch):
    from paperboy.ops.management.commands.serve_prod import worker_env

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("PAPERBOY_EMBED_THREADS", "3")
    call_command("serve_prod", "--dry-run")
    out = capsys.readouterr().out
    assert "OPENBLAS_NUM_THREADS=1 " in out and "PAPERBOY_EMBED_THREADS=3 " in out
    env = worker_env({"OMP_NUM_THREADS": "4", "PATH": "/bin"})
    assert env["OMP_NUM_THREADS"] == "4" and env["OPENBLAS_NUM_THREADS"] == "1" and env["PATH"] == "/bin"


def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        PAPERBOY_SECRET_KEY=secrets.token_urlsafe(50),
        PAPERBOY_DATA_DIR=str(tmp_path),
        PAPERBOY_LIVE_NETWORK="false",
        PAPERBOY_WORKER_INGEST_SOURCES="",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--tick-seconds", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "next ingest at" in first, first
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "finishing the current job, then stopping" in out
    assert out.rstrip().endswith("worker stopped")
