"""Live fetching against recorded responses (the `responses` library; never the network)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
import responses
from django.core.management import CommandError, call_command
from responses import matchers

from paperboy.ingest.fetch import FetchError, LiveNetworkDisabled, PoliteClient
from paperboy.ingest.models import HarvestCheckpoint, IngestRun
from paperboy.ingest.parsers.base import SourceError
from paperboy.ingest.services import run_ingest
from paperboy.ingest.tests.conftest import DATA
from paperboy.papers.models import Paper

API = "https://export.arxiv.org/api/query"
OAI = "https://oaipmh.arxiv.org/oai"


class FakeTime:
    """A clock that only moves when the client sleeps; records every sleep and request time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(fake_time: FakeTime, live_network: None) -> PoliteClient:
    return PoliteClient(sleep=fake_time.sleep, clock=fake_time.clock)


def recorded_body(name: str) -> str:
    return json.loads((DATA / name).read_text())["body"]


@responses.activate
@pytest.mark.django_db
def test_live_fetch_refuses_when_the_network_is_off(settings) -> None:
    settings.LIVE_NETWORK = False
    with pytest.raises(LiveNetworkDisabled, match="PAPERBOY_LIVE_NETWORK"):
        PoliteClient().get(API)
    assert len(responses.calls) == 0
    with pytest.raises(CommandError, match="live network access is off"):
        call_command("ingest", "atom", "--live", "--id", "1605.08386", "--quiet", stdout=io.StringIO())


@responses.activate
def test_requests_are_spaced_by_the_interval_on_one_connection(
    client: PoliteClient, fake_time: FakeTime
) -> None:
    responses.get(API, body="ok")
    started = []
    for _ in range(3):
        client.get(API)
        started.append(fake_time.now)
    assert fake_time.sleeps == [3.0, 3.0]
    assert started[1] - started[0] >= 3.0 and started[2] - started[1] >= 3.0
    adapter = client.session.get_adapter(API)
    assert adapter._pool_maxsize == 1 and adapter._pool_block is True  # one connection at a time
    assert client.session.headers["User-Agent"].startswith("paperboy/")


@responses.activate
def test_back_off_on_429_and_503_honours_retry_after(client: PoliteClient, fake_time: FakeTime) -> None:
    responses.get(API, status=503, headers={"Retry-After": "17"})
    responses.get(API, status=429)
    responses.get(API, body="finally")
    assert client.get(API).text == "finally"
    assert len(responses.calls) == 3
    # 17 s from Retry-After, then exponential back-off (interval * 2**1) when no header is given.
    assert fake_time.sleeps == [17.0, 6.0]


@responses.activate
def test_back_off_gives_up_after_max_retries(fake_time: FakeTime, live_network: None) -> None:
    client = PoliteClient(sleep=fake_time.sleep, clock=fake_time.clock, max_retries=2)
    responses.get(API, status=503)
    with pytest.raises(FetchError, match="503 after 2 retries"):
        client.get(API)
    assert len(responses.calls) == 3
    assert fake_time.sleeps == [3.0, 6.0]


def _page(start: int, size: int, body: str) -> None:
    responses.get(
        API,
        body=body,
        match=[
            matchers.query_param_matcher({"start": str(start), "max_results": str(size)}, strict_match=False)
        ],
    )


@responses.activate
@pytest.mark.django_db
def test_api_pager_continues_past_an_empty_page(client: PoliteClient, fake_time: FakeTime) -> None:
    first = recorded_body("q_testing_s0_m10_bc5a6c384fe9.json")
    second = recorded_body("q_testing_s10_m10_34e56e15aaac.json")
    empty = re.sub(r"<entry>.*</entry>", "", second, flags=re.S)
    _page(0, 10, first)
    _page(10, 10, empty)  # arXiv sometimes serves an empty page mid-way: not the end
    _page(10, 10, second)
    result = run_ingest(
        "atom", live=True, progress=None,
        live_options={"query": "all:testing", "max_results": 20, "page_size": 10, "client": client},
    )  # fmt: skip
    assert (result.new, result.failed) == (20, 0)
    assert [c.request.params["start"] for c in responses.calls] == ["0", "10", "10"]
    assert all(s >= 3.0 for s in fake_time.sleeps) and len(fake_time.sleeps) == 2


@responses.activate
@pytest.mark.django_db
def test_api_error_feed_fails_the_run(client: PoliteClient) -> None:
    responses.get(API, status=400, body=recorded_body("id_abc_s0_m100_b79c8dcf6bc3.json"))
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        run_ingest("atom", live=True, progress=None, live_options={"ids": ["abc"], "client": client})
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED
    assert not Paper.objects.exists()


def _oai(params: dict[str, str], body: bytes | str, status: int = 200) -> None:
    responses.get(OAI, body=body, status=status, match=[matchers.query_param_matcher(params)])


FRESH = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "physics:hep-ex", "from": "2017-12-14"}
NEXT = {"verb": "ListRecords", "resumptionToken": "token-page-2"}
OPTIONS = {"category": "physics:hep-ex", "from_date": "2017-12-14"}


@responses.activate
@pytest.mark.django_db
def test_oai_harvest_follows_resumption_tokens(client: PoliteClient) -> None:
    _oai(FRESH, (DATA / "oai_page1.xml").read_bytes())
    _oai(NEXT, (DATA / "oai_page2.xml").read_bytes())
    result = run_ingest("oai", live=True, progress=None, live_options={**OPTIONS, "client": client})
    assert (result.new, result.failed) == (6, 0)
    checkpoint = HarvestCheckpoint.objects.get()
    assert checkpoint.completed and checkpoint.resumption_token == ""
    assert checkpoint.last_datestamp == dt.date(2017, 12, 14)


@responses.activate
@pytest.mark.django_db
def test_oai_harvest_resumes_from_the_checkpoint_after_an_interruption(client: PoliteClient) -> None:
    _oai(FRESH, (DATA / "oai_page1.xml").read_bytes())
    _oai(NEXT, "server exploded", status=500)
    with pytest.raises(FetchError):
        run_ingest("oai", live=True, progress=None, live_options={**OPTIONS, "client": client})
    assert Paper.objects.count() == 3  # page 1 was committed before its token was saved
    checkpoint = HarvestCheckpoint.objects.get()
    assert (checkpoint.resumption_token, checkpoint.completed) == ("token-page-2", False)

    responses.reset()
    _oai(NEXT, (DATA / "oai_page2.xml").read_bytes())
    result = run_ingest("oai", live=True, progress=None, live_options={**OPTIONS, "client": client})
    assert [c.request.params for c in responses.calls] == [NEXT]  # page 1 is not fetched again
    assert (result.new, Paper.objects.count()) == (3, 6)
    assert HarvestCheckpoint.objects.get().completed


@responses.activate
@pytest.mark.django_db
def test_oai_bad_resumption_token_restarts_from_the_last_datestamp(client: PoliteClient) -> None:
    HarvestCheckpoint.objects.create(
        key="oai:arXiv:physics:hep-ex:2017-12-01:",
        resumption_token="expired",
        last_datestamp=dt.date(2017, 12, 14),
    )
    _oai(
        {"verb": "ListRecords", "resumptionToken": "expired"},
        (DATA / "oai_badResumptionToken.xml").read_bytes(),
    )
    restart = {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "physics:hep-ex",
        "from": "2017-12-14",
    }
    _oai(restart, (DATA / "oai_page2.xml").read_bytes())
    result = run_ingest(
        "oai", live=True, progress=None,
        live_options={"category": "physics:hep-ex", "from_date": "2017-12-01", "client": client},
    )  # fmt: skip
    assert result.new == 3
    assert [c.request.params for c in responses.calls][-1] == restart
    assert HarvestCheckpoint.objects.get().completed


@responses.activate
@pytest.mark.django_db
def test_oai_arxivraw_get_record(client: PoliteClient) -> None:
    _oai(
        {"verb": "GetRecord", "identifier": "oai:arXiv.org:0704.0001", "metadataPrefix": "arXivRaw"},
        (DATA / "oai_arXivRaw_handmade.xml").read_bytes(),
    )
    result = run_ingest(
        "oai",
        live=True,
        progress=None,
        live_options={"ids": ["0704.0001"], "prefix": "arXivRaw", "client": client},
    )
    assert result.new == 2  # the hand-written response holds two records
    assert Paper.objects.get(arxiv_id="0704.0001").version == 2


@responses.activate
@pytest.mark.django_db
def test_live_listing_feed(client: PoliteClient) -> None:
    responses.get(
        "https://rss.arxiv.org/atom/cs.AI",
        body=(DATA / "arxiv_cs.AI_atom_2025-08-20.repaired.xml").read_bytes(),
    )
    result = run_ingest(
        "feed", live=True, progress=None, live_options={"category": "cs.AI", "client": client}
    )
    assert result.new == 86
    assert Paper.objects.filter(announced_on=dt.date(2025, 8, 20)).count() == 86
    paper = Paper.objects.get(arxiv_id="2508.13167")
    assert paper.abs_url == "https://arxiv.org/abs/2508.13167"


@responses.activate
@pytest.mark.django_db
def test_live_hf_daily_papers(client: PoliteClient) -> None:
    responses.get(
        "https://huggingface.co/api/daily_papers",
        body=(DATA / "hf_daily_papers_handmade.json").read_bytes(),
        match=[matchers.query_param_matcher({"date": "2024-10-25", "limit": "100", "p": "0"})],
    )
    result = run_ingest("hf", live=True, progress=None, live_options={"date": "2024-10-25", "client": client})
    assert (result.new, result.featured, result.failed, result.status) == (1, 1, 1, "partial")
