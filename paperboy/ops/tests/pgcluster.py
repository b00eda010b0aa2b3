"""A throw-away PostgreSQL cluster for fault tests: its own data folder, port and socket.

The machine's main PostgreSQL (127.0.0.1:5432) is never touched: the fault tests stop and start
only this cluster. Needs Debian's postgresql-15 server binaries and root (initdb runs as the
``postgres`` OS user).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("PAPERBOY_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def unavailable_reason() -> str | None:
    """Why a throw-away cluster cannot be made here, or None when it can."""
    if not (PG_BIN / "initdb").exists():
        return f"no {PG_BIN}/initdb: install postgresql-15 to run the PostgreSQL fault tests"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no 'postgres' OS user to run initdb as"
    if os.geteuid() != 0:
        return "initdb must run as the postgres OS user: these fault tests need root to switch to it"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    def _as_postgres(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def url(self, name: str = "paperboy") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def createdb(self, name: str) -> None:
        self._as_postgres(
            str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name
        )


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb + start a cluster on a free port; stopped and deleted afterwards."""
    base = Path(tempfile.mkdtemp(prefix="paperboy-pg-"))
    shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(base=base, port=free_port())
    try:
        cluster._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(cluster.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            timeout=120,
        )
        cluster.start()
        yield cluster
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
