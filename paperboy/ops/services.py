"""Operations: readiness, database backup and restore.

Backups use each engine's own tool: SQLite's online backup API (``sqlite3.Connection.backup``,
consistent while the site keeps serving) and PostgreSQL's ``pg_dump`` custom format
(``-Fc``, restored with ``pg_restore --clean --if-exists --single-transaction``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Backups hold every user's e-mail address and password hash: readable by the service user only.
BACKUP_FILE_MODE = 0o600
BACKUP_DIR_MODE = 0o700
#: Names of the backups ``manage.py backup`` writes by default; only these are pruned by ``--keep``.
BACKUP_NAME_RE = re.compile(r"^paperboy-\d{8}-\d{6}\.(sqlite3|pgdump)$")
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


# --- readiness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """What ``/readyz`` reports. ``ready`` is False when any check fails."""

    ready: bool
    checks: dict[str, Any] = field(default_factory=dict)


def _search_index_status() -> str:
    """``ok``, ``missing``, ``error: ...`` or ``unknown`` for the keyword search index.

    Asks ``paperboy.search.index_status()`` when the search app provides it; otherwise looks for a
    tantivy index (its ``meta.json``) under ``settings.SEARCH_INDEX_DIR``.
    """
    try:
        import paperboy.search as search
    except Exception as exc:  # an import error in search must not take /readyz down
        return f"error: {exc}"
    probe = getattr(search, "index_status", None)
    if callable(probe):
        try:
            return str(probe())
        except Exception as exc:
            return f"error: {exc}"
    index_dir = Path(settings.SEARCH_INDEX_DIR)
    if not index_dir.exists():
        return "missing"
    current = index_dir / "current"  # the search app serves the generation this symlink points to
    if current.is_symlink() or current.exists():
        return "ok" if (current / "meta.json").exists() else "missing"
    return "ok" if any(index_dir.rglob("meta.json")) else "missing"


def readiness(*, now: dt.datetime | None = None) -> Readiness:
    """Check the database, the search index and the age of the last successful ingest.

    The ingest is stale (and the process not ready) when the newest successful ``IngestRun``
    finished more than ``settings.READY_MAX_INGEST_AGE_HOURS`` ago; 0 turns that check off. Runs of
    ``load_demo`` (``IngestRun.demo``) import sample data, not an update: they do not count.
    """
    now = now or timezone.now()
    checks: dict[str, Any] = {}
    ready = True
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}: {str(exc).strip()[:200]}"
        ready = False

    search = _search_index_status()
    checks["search_index"] = search
    if search == "missing" or search.startswith("error"):
        ready = False

    max_age = settings.READY_MAX_INGEST_AGE_HOURS
    checks["ingest_max_age_hours"] = max_age
    if checks["database"] == "ok":
        from paperboy.ingest.models import IngestRun

        last = IngestRun.objects.updates().values_list("finished_at", flat=True).first()
        if last is None:
            checks["last_ingest_age_hours"] = None
            checks["ingest"] = "never"
            if IngestRun.objects.filter(demo=True).exists():
                checks["ingest_note"] = "only the demo corpus (load_demo) was imported; it does not count"
            ready = ready and max_age <= 0
        else:
            age = round((now - last).total_seconds() / 3600, 2)
            checks["last_ingest_at"] = last.isoformat()
            checks["last_ingest_age_hours"] = age
            stale = max_age > 0 and age > max_age
            checks["ingest"] = "stale" if stale else "ok"
            ready = ready and not stale
    else:
        checks["ingest"] = "unknown"
    return Readiness(ready=ready, checks=checks)


# --- backup and restore -------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    """A finished backup or restore: the file, its engine (``sqlite`` or ``postgresql``), size in bytes."""

    path: Path
    engine: str
    size_bytes: int
    seconds: float


def _engine(db: dict[str, Any]) -> str:
    engine = str(db["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"no backup method for database engine {engine!r}")


def _pg_env_and_args(db: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    args: list[str] = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed: `apt-get install postgresql-client` (Debian)")
    return found


def _run_pg_tool(
    name: str, db: dict[str, Any], options: list[str], trailing: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run PostgreSQL client ``name`` (pg_dump, pg_restore, psql) as ``name options <connection of db>
    trailing``, output captured as text; the caller checks ``returncode``.

    Raises:
        BackupError: the tool is not installed."""
    env, conn = _pg_env_and_args(db)
    argv = [_tool(name), *options, *conn, *trailing]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


def file_engine(path: Path) -> str:
    """``sqlite`` or ``postgresql`` (pg_dump custom format), read from the file's first bytes.

    Raises:
        BackupError: the file is neither.
    """
    with Path(path).open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither an SQLite database nor a pg_dump custom-format archive")


def backup(path: Path, *, database: dict[str, Any] | None = None) -> BackupResult:
    """Write a consistent copy of the database to ``path`` while the site keeps running.

    ``database`` is a Django ``DATABASES`` entry; the default connection's when omitted.
    SQLite: the online backup API into a new SQLite file. PostgreSQL: ``pg_dump -Fc``.

    Raises:
        BackupError: the engine has no backup method, or pg_dump failed (its stderr is in the message).
    """
    started = timezone.now()
    db = database or connections[DEFAULT_DB_ALIAS].settings_dict
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(mode=BACKUP_DIR_MODE, parents=True, exist_ok=True)
    engine = _engine(db)
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    # Created empty with owner-only permissions before SQLite or pg_dump write into it (both keep the mode
    # of an existing file), so the data is never readable by others, not even while it is written.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_FILE_MODE))
    tmp.chmod(BACKUP_FILE_MODE)
    if engine == "sqlite":
        dst = sqlite3.connect(tmp)
        try:
            if database is None:
                conn = connections[DEFAULT_DB_ALIAS]
                conn.ensure_connection()
                conn.connection.backup(dst)
            else:
                src = sqlite3.connect(str(db["NAME"]))
                try:
                    src.backup(dst)
                finally:
                    src.close()
        finally:
            dst.close()
    else:
        proc = _run_pg_tool(
            "pg_dump", db, ["-Fc", "--no-owner", "--no-privileges"], ["-f", str(tmp), str(db["NAME"])]
        )
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed ({proc.returncode}): {proc.stderr.strip()}")
    tmp.replace(path)  # the backup appears only when complete
    seconds = (timezone.now() - started).total_seconds()
    return BackupResult(path=path, engine=engine, size_bytes=path.stat().st_size, seconds=seconds)


def default_backup_path(now: dt.datetime, vendor: str) -> Path:
    """``BACKUP_DIR/paperboy-YYYYmmdd-HHMMSS.sqlite3`` (or ``.pgdump``) for a backup made at ``now`` (UTC)."""
    suffix = "sqlite3" if vendor == "sqlite" else "pgdump"
    return Path(settings.BACKUP_DIR) / f"paperboy-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.{suffix}"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups named ``paperboy-YYYYmmdd-HHMMSS.(sqlite3|pgdump)``
    in ``folder``; returns the deleted paths, oldest first. Other files (your own names, ``.partial``
    leftovers) are never touched.

    Raises:
        ValueError: ``keep`` is less than 1 (pruning everything is never what you want).
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1 (got {keep})")
    names = sorted(p for p in Path(folder).iterdir() if p.is_file() and BACKUP_NAME_RE.match(p.name))
    old = names[:-keep]
    for p in old:
        p.unlink()
    return old


def other_sessions(db: dict[str, Any]) -> list[str]:
    """The other sessions connected to the PostgreSQL database ``db`` (``pg_stat_activity``), each as
    "pid application (client address)"; empty when there are none.

    Raises:
        BackupError: psql is missing or cannot connect."""
    sql = (
        "SELECT pid || ' ' || coalesce(nullif(application_name, ''), 'unnamed') || ' ('"
        " || coalesce(host(client_addr), 'local socket') || ')' FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid"
    )
    proc = _run_pg_tool(
        "psql", db, ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"], ["-d", str(db["NAME"]), "-c", sql]
    )
    if proc.returncode != 0:
        raise BackupError(f"cannot connect to database {db['NAME']}: {proc.stderr.strip()}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


def restore(path: Path, *, database: dict[str, Any] | None = None, force: bool = False) -> BackupResult:
    """Replace the database's contents with the backup at ``path``.

    The backup must come from the same engine (SQLite file -> SQLite, pg_dump archive ->
    PostgreSQL); the target may be empty. PostgreSQL restores run in one transaction
    (``pg_restore --clean --if-exists --single-transaction``): a failed restore changes nothing.
    A PostgreSQL database that other sessions are connected to (the web server, the worker, a job)
    is not touched unless ``force``: they would go on writing into the restored data.
    Run ``manage.py migrate`` afterwards when the backup comes from an older release.

    Raises:
        BackupError: missing file, engine mismatch, other sessions connected, or pg_restore failed.
    """
    started = timezone.now()
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    db = database or connections[DEFAULT_DB_ALIAS].settings_dict
    engine = _engine(db)
    kind = file_engine(path)
    if kind != engine:
        raise BackupError(
            f"{path} is a {kind} backup but the database is {engine}: restore it into a {kind} database "
            "(PAPERBOY_DATABASE_URL), then move data with `manage.py dumpdata`/`loaddata`"
        )
    if database is None:
        connections.close_all()
    if engine == "sqlite":
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(str(db["NAME"]))
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    else:
        others = [] if force else other_sessions(db)
        if others:
            shown = "; ".join(others[:5]) + (f"; and {len(others) - 5} more" if len(others) > 5 else "")
            raise BackupError(
                f"{len(others)} other session(s) are connected to database {db['NAME']} ({shown}): stop the "
                "web server, the worker and any running job first (docs/deploy.md, Backups), or pass --force"
            )
        proc = _run_pg_tool(
            "pg_restore",
            db,
            ["--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges"],
            ["-d", str(db["NAME"]), str(path)],
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed ({proc.returncode}): {proc.stderr.strip()}")
    seconds = (timezone.now() - started).total_seconds()
    return BackupResult(path=path, engine=engine, size_bytes=path.stat().st_size, seconds=seconds)
