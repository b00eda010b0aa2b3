"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

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


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests run with DEBUG off but without ``collectstatic``: serve static names unhashed (no manifest),
    from an empty STATIC_ROOT (so WhiteNoise does not warn about a missing folder)."""
    static_root = tmp_path_factory.getbasetemp() / "staticfiles"
    static_root.mkdir(exist_ok=True)
    settings.STATIC_ROOT = static_root  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- Browser tests (Playwright driving Debian's Chromium; ../shared/notes/techeval.md §5) ---------------

CHROMIUM_PATH = os.environ.get("PAPERBOY_TEST_CHROMIUM", "/usr/bin/chromium")  # Debian package by default
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_browser_skips: list[str] = []


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """A headless Chromium for the session; skips (loudly, see the terminal summary) when it is missing.

    Never runs ``playwright install``: it drives the Debian package at /usr/bin/chromium.
    """
    from pathlib import Path

    if not Path(CHROMIUM_PATH).exists():
        reason = (
            f"browser tests SKIPPED: {CHROMIUM_PATH} is missing. Install it with "
            "`apt-get install -y chromium chromium-driver` (../shared/notes/techeval.md §5)."
        )
        _browser_skips.append(reason)
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; the ORM would then refuse to run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh desktop-sized page (1280x900) in its own browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Repeat the browser-test skip reason at the end of the run, so it is not missed."""
    from pathlib import Path

    ran_browser_tests = any(
        "browser" in getattr(report, "keywords", {}) for report in terminalreporter.stats.get("skipped", [])
    )
    if _browser_skips or (ran_browser_tests and not Path(CHROMIUM_PATH).exists()):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{CHROMIUM_PATH} is missing, so the Playwright tests did not run. "
            "Install Debian's chromium (apt-get install -y chromium chromium-driver)."
        )
