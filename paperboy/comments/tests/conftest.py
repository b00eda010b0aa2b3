"""The community fixtures (users, papers, clients) are shared with the accounts tests."""

from __future__ import annotations

from paperboy.accounts.tests.conftest import (  # noqa: F401  (fixtures)
    _fresh_rate_limits,
    alice_client,
    csrf_client,
    paper,
    user,
)
