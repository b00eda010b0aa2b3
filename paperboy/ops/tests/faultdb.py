"""A scratch database of the suite's engine for fault tests driven through subprocesses.

PostgreSQL: a new database on the suite's server, dropped afterwards. SQLite: a new file.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection


@dataclass
class ScratchDatabase:
    url: str
    vendor: str
    _connect: Any

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        conn = self._connect()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            return list(cur.fetchall())
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    if connection.vendor == "sqlite":
        path = tmp_path / "scratch.sqlite3"
        yield ScratchDatabase(f"sqlite:///{path}", "sqlite", lambda: sqlite3.connect(path, timeout=20))
        return
    import psycopg

    settings = connection.settings_dict
    name = f"paperboy_fault_{uuid.uuid4().hex[:10]}"
    info = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
    }
    if settings.get("PASSWORD"):
        info["password"] = settings["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **info) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    user = settings["USER"] or ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    try:
        yield ScratchDatabase(
            f"postgresql://{user}@{host}:{port}/{name}",
            "postgresql",
            lambda: psycopg.connect(dbname=name, **info),
        )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **info) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
