"""URLs that do not depend on the request, reversed once per process."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

__all__ = ["reverse_fixed"]


@lru_cache(maxsize=512)
def _reverse(name: str, script_prefix: str, kwargs: tuple[tuple[str, str], ...]) -> str:
    return reverse(name, kwargs=dict(kwargs) or None)


def reverse_fixed(name: str, **kwargs: str) -> str:
    """``reverse(name, kwargs=kwargs)``, computed once per process and script prefix (a reverse costs
    about 65 us; every page has a dozen fixed links). Only for a bounded set of names and arguments
    (never user input: each distinct call is kept). Raises NoReverseMatch like ``reverse``."""
    return _reverse(name, get_script_prefix(), tuple(sorted(kwargs.items())))
