"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: pytest.FixtureRequest) -> None:
    """MD5 hashing keeps user-creating tests fast (healthchecks' CustomRunner does the same)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Search indexes and caches of a test live in a temporary folder, never in ./data."""
    base = tmp_path_factory.mktemp("data")
    settings.DATA_DIR = base  # type: ignore[attr-defined]
    settings.SEARCH_INDEX_DIR = base / "search"  # type: ignore[attr-defined]
