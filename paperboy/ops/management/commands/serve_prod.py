"""Serve the site in production: collectstatic, migrate, then exec gunicorn with several workers."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

#: Environment of the workers unless already set: one thread for the math libraries and the query embedder.
#: gunicorn already runs more workers than cores, and idle pool threads spin (OpenBLAS) or hand work to each
#: other: with the defaults (a pool per core in each worker) a hybrid search cost twice the CPU time.
WORKER_ENV_DEFAULTS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PAPERBOY_EMBED_THREADS": "1",
}


def worker_env(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` plus WORKER_ENV_DEFAULTS for the variables it does not set."""
    return {**WORKER_ENV_DEFAULTS, **environ}


def default_workers() -> int:
    """One worker per core (at least 2, at most 8). Requests are CPU-bound (search ranks in process, and a
    hybrid search runs its vector side on a second thread), and the page cache, the query-vector, card and
    snippet caches and the index readers are per process. ``make bench-load`` on the 2 quiet cores
    (PostgreSQL, 32 connections): 2 workers served 1,271 daily pages/s and 99.9 hybrid searches/s at
    18.7 ms of CPU each; 3 workers 1,077 and 69-93 (20-26 ms); 4 workers 87 searches/s (21.7 ms). Session
    2 found 3 better than gunicorn's usual 2 x cores + 1 (5) on busy cores."""
    return min(max(os.cpu_count() or 1, 2), 8)


def gunicorn_argv(
    *, bind: str, workers: int, threads: int, timeout_seconds: int, access_log: str, forwarded_allow_ips: str
) -> list[str]:
    """The gunicorn command line (``python -m gunicorn paperboy.wsgi ...``)."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "paperboy.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout_seconds),
        "--graceful-timeout",
        "30",
        "--max-requests",
        "20000",
        "--max-requests-jitter",
        "2000",
        "--forwarded-allow-ips",
        forwarded_allow_ips,
        # gunicorn 27's control socket defaults to ~/.gunicorn/gunicorn.ctl, one path for every server of
        # the user: a second server takes it over and deletes it when it stops. Signals do the same work.
        "--no-control-socket",
    ]
    if access_log:
        argv += ["--access-logfile", access_log]
    if threads > 1:
        argv += ["--worker-class", "gthread", "--threads", str(threads)]
    return argv


class Command(BaseCommand):
    help = (
        "Production server: collectstatic, migrate, then replace this process with gunicorn "
        "(PAPERBOY_WEB_BIND, PAPERBOY_WEB_WORKERS). Needs PAPERBOY_SECRET_KEY; use PostgreSQL "
        "(PAPERBOY_DATABASE_URL) for several workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default=None, help="host:port (PAPERBOY_WEB_BIND, default 127.0.0.1:8000)"
        )
        parser.add_argument("--workers", type=int, default=None, help="gunicorn worker processes")
        parser.add_argument("--skip-setup", action="store_true", help="Skip collectstatic and migrate")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the gunicorn command, do not start it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            self.stderr.write("warning: PAPERBOY_DEBUG is true; production runs with it unset (false)")
        if shutil.which("gunicorn") is None and not _module_available("gunicorn"):
            raise CommandError("gunicorn is not installed: `pip install -c constraints.txt gunicorn`")
        if not options["skip_setup"] and not options["dry_run"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            call_command("migrate", interactive=False, verbosity=1)
        workers = options["workers"] or settings.WEB_WORKERS or default_workers()
        argv = gunicorn_argv(
            bind=options["bind"] or settings.WEB_BIND,
            workers=workers,
            threads=settings.WEB_THREADS,
            timeout_seconds=settings.WEB_TIMEOUT_SECONDS,
            access_log=settings.WEB_ACCESS_LOG,
            forwarded_allow_ips=settings.WEB_FORWARDED_ALLOW_IPS,
        )
        vendor = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
        self.stdout.write(
            f"gunicorn: {workers} workers on {argv[argv.index('--bind') + 1]}, database {vendor}"
        )
        if vendor == "sqlite3" and workers > 1:
            self.stdout.write(
                "note: SQLite serves several workers in WAL mode; PostgreSQL is the tested path"
            )
        if options["dry_run"]:
            env = worker_env(dict(os.environ))
            self.stdout.write(" ".join(f"{k}={env[k]}" for k in WORKER_ENV_DEFAULTS) + " " + " ".join(argv))
            return
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(argv[0], argv, worker_env(dict(os.environ)))


def _module_available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
