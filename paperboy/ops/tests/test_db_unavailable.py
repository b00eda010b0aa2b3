from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def db_error_client(settings):
    settings.ROOT_URLCONF = "paperboy.ops.tests.urls_db_error"
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/refused", "/closed"])
def test_a_lost_database_answers_a_503_page(db_error_client, url):
    response = db_error_client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "temporarily unavailable" in page
    assert "Traceback" not in page


def test_other_errors_stay_500(db_error_client):
    response = db_error_client.get("/bug")
    assert response.status_code == 500
