"""Schemathesis drives every operation of the generated OpenAPI schema: no 5xx, every response fits the schema.

Bounded (``MAX_EXAMPLES`` per operation, no deadline) so it stays a few seconds of ``make test``.
Data: the real HF Daily Papers and seed-search records of ``conftest.load_corpus``.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from paperboy.api.tests.conftest import load_corpus
from paperboy.api.tokens import create_token

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]

# The schema is fetched from the running app, as a client would (no database needed for that).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI app directly; like Django's test client, keep each request from
    closing the connection that holds the test's transaction (PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, django_user_model):
    load_corpus()
    user = django_user_model.objects.create_user("schemathesis", "st@example.org", "a long password")
    return {"Authorization": f"Bearer {create_token(user, 'schemathesis').secret}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_without_credentials(case, db):
    case.call_and_validate(checks=CHECKS)
