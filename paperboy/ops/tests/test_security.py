from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production start: no test overrides, a real secret, a real host name."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PAPERBOY_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set by the browser tests
    }
    env.update(
        {
            "PAPERBOY_SECRET_KEY": secrets.token_urlsafe(50),
            "PAPERBOY_ALLOWED_HOSTS": "papers.example.org",
            "PAPERBOY_DATA_DIR": str(tmp_path),
            "PAPERBOY_LIVE_NETWORK": "false",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_missing_secret_key_stops_the_start_with_a_clear_error(tmp_path):
    env = production_env(tmp_path)
    del env["PAPERBOY_SECRET_KEY"]
    proc = manage(env, "check")
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "PAPERBOY_SECRET_KEY is not set" in proc.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    proc = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_check_deploy_complains_when_https_is_turned_off(tmp_path):
    env = production_env(tmp_path, PAPERBOY_SECURE_SSL_REDIRECT="false", PAPERBOY_INSECURE_COOKIES="true")
    proc = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode != 0
    for warning in ("security.W008", "security.W012", "security.W016"):
        assert warning in proc.stdout + proc.stderr


def test_production_defaults_are_secure(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS)"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="paperboy.settings")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "True", "True", "True", "31536000", "DENY"], proc.stderr


@pytest.mark.django_db
def test_responses_carry_the_security_headers(settings):
    settings.SECURE_HSTS_SECONDS = 3600
    response = Client().get("/status", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["style-src-attr"] == "'unsafe-inline'"  # KaTeX's style="height:…" attributes
    assert directives["font-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


@pytest.mark.django_db
def test_http_is_redirected_to_https_when_asked(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/status")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/status"
    # Health probes come over plain http from the proxy or monitoring: not redirected.
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code in (200, 503)


@pytest.mark.django_db
def test_no_debug_page_is_shown(settings):
    response = Client().get("/no-such-page-xyz")
    assert response.status_code == 404
    assert b"Traceback" not in response.content
    assert b"URLconf" not in response.content
