from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperboy.ingest.parsers import get_parser
from paperboy.ingest.parsers.base import ParseError, open_binary
from paperboy.papers.services import PaperRecord

DATA = Path(__file__).parent / "data"


def parse_file(source_format: str, name: str) -> list[tuple[str, PaperRecord | ParseError]]:
    """All items of one fixture file, through the same opener as ``run_ingest``."""
    raw, stream = open_binary(DATA / name)
    try:
        return list(get_parser(source_format)(stream, name))  # type: ignore[arg-type]
    finally:
        raw.close()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def live_network(settings: pytest.FixtureRequest) -> Iterator[None]:
    """Allow the (mocked) live client; `responses` makes sure nothing reaches the network."""
    settings.LIVE_NETWORK = True  # type: ignore[attr-defined]
    settings.ARXIV_REQUEST_INTERVAL_SECONDS = 3.0  # type: ignore[attr-defined]
    yield
