"""Which process runs a job: ``host:pid`` labels, and whether such a process still exists."""

from __future__ import annotations

import os
import socket


def process_label() -> str:
    """``host:pid`` of this process (stored with ingest runs and job claims)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(label: str) -> bool:
    """True when ``label`` (``host:pid``) names a process of this host that no longer exists.

    False when the process exists, when it is this very process, when it ran on another host (nothing
    can be known from here) or when the label is not ``host:pid``. A recycled pid reads as alive: callers
    fall back to a timeout for that case.
    """
    host, _, pid = label.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) in (0, os.getpid()):
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: checks existence, sends nothing
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by another user
        return False
    return False
