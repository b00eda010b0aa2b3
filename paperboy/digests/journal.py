"""Append-only journal of Message-IDs the SMTP server accepted.

Why: the database row of a send is marked ``sent`` in a transaction *after* the SMTP server's
``250`` reply. A crash between the two would leave a ``claimed`` row that a rerun cannot tell apart
from a message that never left. So the sender appends the Message-ID here with one ``write(2)`` on an
``O_APPEND`` descriptor as the very next step after the ``250`` — before any database work — and a
rerun that finds a claimed row whose Message-ID is in the journal marks it sent without resending.

Files: ``<DIGEST_JOURNAL_DIR>/sent-YYYY-MM-DD.log`` (UTC day of the write), one
``<message-id>\\t<DigestSend id>`` per line; files older than ``KEEP_DAYS`` are deleted by
:func:`prune`. The write survives a crash of the process (the data is in the kernel); it survives
power loss only with ``PAPERBOY_DIGEST_JOURNAL_FSYNC=true``. The journal must be on a disk every
sending worker shares (run one worker per journal directory).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from types import TracebackType

from django.conf import settings

KEEP_DAYS = 14


def _dir() -> Path:
    path = Path(settings.DIGEST_JOURNAL_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class Journal:
    """An open journal file for appends (context manager)."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._day: dt.date | None = None
        self.fsync = bool(settings.DIGEST_JOURNAL_FSYNC)
        self._lock = threading.Lock()  # SMTP worker threads share one journal

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def record(self, message_id: str, send_id: int) -> None:
        """Append one accepted Message-ID (one write(2) call). Thread-safe."""
        today = dt.datetime.now(dt.UTC).date()
        with self._lock:
            if self._fd is None or self._day != today:
                self.close()
                path = _dir() / f"sent-{today.isoformat()}.log"
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                self._day = today
            os.write(self._fd, f"{message_id}\t{send_id}\n".encode())
            if self.fsync:
                os.fsync(self._fd)


def accepted_message_ids() -> set[str]:
    """Every Message-ID in the journal files kept (lines cut short by a crash are ignored)."""
    found: set[str] = set()
    for path in sorted(_dir().glob("sent-*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            message_id, sep, send_id = line.partition("\t")
            if sep and send_id.isdigit():
                found.add(message_id)
    return found


def prune(today: dt.date | None = None) -> int:
    """Delete journal files older than KEEP_DAYS; return how many were deleted."""
    today = today or dt.datetime.now(dt.UTC).date()
    cutoff = (today - dt.timedelta(days=KEEP_DAYS)).isoformat()
    deleted = 0
    for path in _dir().glob("sent-*.log"):
        if path.stem.removeprefix("sent-") < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
