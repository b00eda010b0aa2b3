"""Strict readers for ``PAPERBOY_*`` environment variables.

Every setting of paperboy comes from the environment (see ``.env.example``). The readers
reject junk instead of guessing: ``PAPERBOY_DEBUG=yes please`` is an error, not ``False``.
Secrets may come from a file: ``env_secret("PAPERBOY_SECRET_KEY")`` reads
``PAPERBOY_SECRET_KEY_FILE`` first (as healthchecks' ``envsecret`` does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Parse a boolean variable.

    Raises:
        ImproperlyConfigured: the value is not one of 1/0, true/false, yes/no, on/off.
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    """Parse an integer variable.

    Raises:
        ImproperlyConfigured: the value is not a base-10 integer.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_float(name: str, default: float) -> float:
    """Parse a float variable.

    Raises:
        ImproperlyConfigured: the value is not a number.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Comma-separated list; blanks are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    """A filesystem path (``~`` expanded, made absolute)."""
    raw = os.environ.get(name)
    return (Path(raw).expanduser() if raw else default).resolve()


def env_secret(name: str) -> str | None:
    """Read a secret from ``NAME_FILE`` (first line-stripped content) or ``NAME``.

    Raises:
        ImproperlyConfigured: ``NAME_FILE`` is set but cannot be read.
    """
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name) or None


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed ``postgresql://user:password@host:port/name?option=value`` URL."""

    engine: str
    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict[str, str]


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse a PostgreSQL or SQLite database URL.

    Examples:
        ``postgresql://postgres@127.0.0.1:5432/paperboy`` -> engine postgresql, name paperboy
        ``sqlite:////var/lib/paperboy/db.sqlite3`` -> engine sqlite3, name /var/lib/paperboy/db.sqlite3

    Raises:
        ImproperlyConfigured: unknown scheme or no database name.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"database URL {url!r} names no database")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return DatabaseUrl(
            engine="django.db.backends.postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=unquote(parts.hostname or ""),
            port=str(parts.port or ""),
            options=options,
        )
    if scheme == "sqlite":
        name = unquote(parts.path)
        if name.startswith("//"):
            name = name[1:]
        elif name.startswith("/"):
            name = name[1:] or ""
        if not name:
            raise ImproperlyConfigured(f"database URL {url!r} names no file")
        return DatabaseUrl("django.db.backends.sqlite3", name, "", "", "", "", {})
    raise ImproperlyConfigured(f"database URL {url!r}: scheme must be postgresql:// or sqlite://")


#: Table of the database cache when ``PAPERBOY_CACHE_URL`` is unset (created by ``manage.py migrate``).
DEFAULT_CACHE_TABLE = "paperboy_cache"


def parse_cache_url(url: str) -> dict[str, object]:
    """A Django ``CACHES`` entry from a cache URL.

    Examples:
        ``db://paperboy_cache`` -> :class:`paperboy.lib.cache.DatabaseCache` in table ``paperboy_cache`` of
        the default database: shared by every process using the database, atomic increments (rate-limit
        counters); ``manage.py migrate`` creates the table.
        ``locmem://`` -> LocMemCache: one cache per process (rate limits then count per web worker; fine for
        a single process and for tests).

    Raises:
        ImproperlyConfigured: unknown scheme, or a table name that is not letters, digits and ``_``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "db":
        table = unquote(parts.netloc + parts.path).strip("/")
        if not table or not table.replace("_", "").isalnum():
            raise ImproperlyConfigured(
                f"cache URL {url!r}: name a table of letters, digits and _, e.g. db://{DEFAULT_CACHE_TABLE}"
            )
        return {
            "BACKEND": "paperboy.lib.cache.DatabaseCache",
            "LOCATION": table,
            # Expired rows are deleted first; beyond this many live rows a third is culled.
            "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 3},
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": unquote(parts.netloc + parts.path) or "paperboy",
        }
    raise ImproperlyConfigured(f"cache URL {url!r}: scheme must be db:// or locmem://")
