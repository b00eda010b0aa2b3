"""Every parser against the recorded samples (copies in ./data, see data/SOURCE.md)."""

from __future__ import annotations

import datetime as dt
import gzip
import io

import pytest

from paperboy.ingest.parsers import atom, jsonl, oai
from paperboy.ingest.parsers.base import ParseError, SourceError, parse_datetime
from paperboy.ingest.tests.conftest import DATA, parse_file
from paperboy.papers.services import PaperRecord

UTC = dt.UTC


def records(items: list) -> list[PaperRecord]:
    return [item for _, item in items if isinstance(item, PaperRecord)]


def errors(items: list) -> list[tuple[str, ParseError]]:
    return [(pos, item) for pos, item in items if isinstance(item, ParseError)]


# --- arXiv API Atom -----------------------------------------------------------------------------


def test_atom_2026_entry() -> None:
    items = parse_file("atom", "id_1605.08386_s0_m100_199195aa31ad.json")
    [record] = records(items)
    assert record.arxiv_id == "1605.08386"
    assert record.version == 1
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert record.primary_category == "math.CO"
    assert record.categories == ["math.CO", "math.ST"]
    assert record.comments == "20 pages, 3 figures"
    assert record.published_at == dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert items[0][0] == "id_1605.08386_s0_m100_199195aa31ad.json#1"


def test_atom_2016_legacy_entry_with_version_and_hard_wraps() -> None:
    [record] = records(parse_file("atom", "legacy_2016_id_list_1111.2011v2.xml"))
    assert (record.arxiv_id, record.version) == ("1111.2011", 2)
    assert "\n" in record.title  # raw; upsert_paper makes it one line
    assert record.published_at == dt.datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert record.updated_at == dt.datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"


def test_atom_old_style_id() -> None:
    [record] = records(parse_file("atom", "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"))
    assert record.arxiv_id == "astro-ph/0601001"
    assert record.version == 1


def test_atom_error_feed_is_an_error_not_a_paper() -> None:
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        parse_file("atom", "id_abc_s0_m100_b79c8dcf6bc3.json")


def test_atom_empty_result_and_paging_figures() -> None:
    assert parse_file("atom", "id_0000.0000_s0_m100_8b51d9633a68.json") == []
    page = atom.parse_page((DATA / "q_testing_s10_m10_34e56e15aaac.json").read_bytes(), "p")
    assert (page.total_results, page.start_index, len(page.items)) == (214881, 10, 10)


# --- OAI-PMH ------------------------------------------------------------------------------------


def test_oai_arxiv_format_get_record() -> None:
    [record] = records(parse_file("oai", "arxiv-single.xml"))
    assert record.arxiv_id == "1401.2122"
    assert record.version is None  # the arXiv format has no version number
    assert record.authors == ["A. Sergyeyev"]
    assert record.categories[0] == "math.AP" and "nlin.SI" in record.categories
    assert record.published_at == dt.datetime(2014, 1, 9, tzinfo=UTC)
    assert record.updated_at == dt.datetime(2017, 10, 23, tzinfo=UTC)
    assert record.doi == "10.1007/s11005-017-1013-4"


def test_oai_list_records_and_hand_edited_namespace() -> None:
    assert len(records(parse_file("oai", "arxiv-physics-hep-ex.xml"))) == 3
    [record] = records(parse_file("oai", "sample_arxiv_record0.xml"))
    # Hand-edited upstream: <arXiv> sits in the OAI namespace; a group label is a keyname without forenames.
    assert record.arxiv_id == "1601.03238"
    assert record.authors[0] == "Planck Collaboration"
    assert len(record.authors) == 5


def test_oai_arxivraw_version_history() -> None:
    items = parse_file("oai", "oai_arXivRaw_handmade.xml")
    first, second = records(items)
    assert len(items) == 2  # the deleted record is skipped silently
    assert (first.arxiv_id, first.version) == ("0704.0001", 2)
    assert first.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated_at == dt.datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert first.authors == ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert second.version == 3
    assert second.authors == ["Jane Doe", "Ren\\'e G{\\\"o}del", "Nikola Pi\\v{z}urica"]
    assert second.categories == ["hep-ph", "hep-ex"]


def test_oai_resumption_token_and_datestamp_are_reported() -> None:
    info = oai.OaiInfo()
    items = list(oai.iter_oai((DATA / "oai_page1.xml").open("rb"), "page1", info))
    assert len(items) == 3
    assert (info.resumption_token, info.cursor, info.complete_list_size) == ("token-page-2", 0, 6)
    assert info.last_datestamp == dt.date(2017, 12, 14)
    last = oai.OaiInfo()
    list(oai.iter_oai((DATA / "oai_page2.xml").open("rb"), "page2", last))
    assert last.resumption_token is None


def test_oai_bad_resumption_token_raises() -> None:
    with pytest.raises(oai.BadResumptionToken):
        parse_file("oai", "oai_badResumptionToken.xml")


# --- listing feeds ------------------------------------------------------------------------------


def test_feed_new_and_cross_entries_get_the_feed_day() -> None:
    items = parse_file("feed", "arxiv_cs.AI_atom_2025-08-20.repaired.xml")
    recs = records(items)
    assert len(recs) == 86 and not errors(items)
    first = recs[0]
    assert (first.arxiv_id, first.version) == ("2508.13167", 1)
    assert first.announced_on == dt.date(2025, 8, 20)
    assert first.abstract.startswith("Recent advances in large language models")
    assert "Announce Type" not in first.abstract
    assert first.authors[:2] == ["Weizhen Li", "Jianbo Lin"] and len(first.authors) == 30
    assert first.categories == ["cs.AI", "cs.CL"]
    tex = next(r for r in recs if r.arxiv_id == "2508.13177")
    assert tex.authors[0] == "Nikola Pi\\v{z}urica"  # raw; the upsert converts to Unicode


def test_feed_replacements_update_but_are_not_listed() -> None:
    body = (DATA / "arxiv_cs.AI_atom_2025-08-20.repaired.xml").read_text()
    body = body.replace(
        "<id>oai:arXiv.org:2508.13167v1</id>", "<id>oai:arXiv.org:2508.13167v2</id>", 1
    ).replace(
        "<arxiv:announce_type>new</arxiv:announce_type>",
        "<arxiv:announce_type>replace</arxiv:announce_type>",
        1,
    )
    from paperboy.ingest.parsers import feeds

    first = records(list(feeds.parse(io.BytesIO(body.encode()), "edited")))[0]
    assert (first.version, first.announced_on) == (2, None)


def test_truncated_feed_imports_what_reads_and_reports_the_rest() -> None:
    items = parse_file("feed", "arxiv_cs.AI_atom_truncated.xml")
    recs, errs = records(items), errors(items)
    assert len(recs) == 2
    [(position, error)] = errs
    assert position == "arxiv_cs.AI_atom_truncated.xml#3"
    assert "not well-formed" in error.reason


# --- JSON Lines and HF ---------------------------------------------------------------------------


def test_dwdengwei_file_name_is_the_announce_day(tmp_path) -> None:
    gz = tmp_path / "2025-03-18.jsonl.gz"
    gz.write_bytes(gzip.compress((DATA / "2025-03-18.jsonl").read_bytes()))
    with gzip.open(gz, "rb") as stream:
        items = list(jsonl.parse(stream, str(gz)))  # type: ignore[arg-type]
    recs = records(items)
    assert len(recs) == 4
    assert {r.announced_on for r in recs} == {dt.date(2025, 3, 18)}
    first = recs[0]
    assert first.arxiv_id == "2503.11731"
    assert first.abstract.startswith("Sensor simulation is pivotal")  # from the `summary` alias
    assert first.categories == ["cs.CV", "cs.RO"]
    assert items[0][0].endswith("2025-03-18.jsonl.gz:1")


def test_kaggle_snapshot_record() -> None:
    first, old = records(parse_file("jsonl", "kaggle_snapshot_handmade.jsonl"))
    assert (first.arxiv_id, first.version) == ("0704.0001", 2)
    assert first.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated_at == dt.datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert first.authors == ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.categories == ["hep-ph"]
    assert first.announced_on is None
    assert old.arxiv_id == "math/0611800"
    assert old.authors == ["Ramesh Narayan", "Bohdan Paczy\\'nski", "Tsvi Piran"]
    assert old.categories == ["math.CA", "math.AP"]


def test_jsonl_malformed_lines_are_reported_with_position() -> None:
    lines = b'{"id": "2401.01234", "title": "Fine", "authors": "A and B"}\nnot json\n\n{"id": "x", "title": "t"}\n'
    lines += b'{"id": "2401.01235", "authors": ["A"]}\n{"id": "2401.01236", "title": "T", "authors": 5}\n'
    items = list(jsonl.parse(io.BytesIO(lines), "f.jsonl"))
    assert len(records(items)) == 1
    reasons = {pos: err.reason for pos, err in errors(items)}
    assert set(reasons) == {"f.jsonl:2", "f.jsonl:4", "f.jsonl:5", "f.jsonl:6"}
    assert "invalid JSON" in reasons["f.jsonl:2"]
    assert "not an arXiv id" in reasons["f.jsonl:4"]
    assert "missing title" in reasons["f.jsonl:5"]
    assert "authors" in reasons["f.jsonl:6"]


def test_demo_jsonl_optional_fields() -> None:
    line = (
        b'{"id": "2501.00001v3", "title": "T", "abstract": "A", "authors": ["X"], "published": "2025-01-01T10:00:00Z",'
        b' "upvotes": 12, "announced_on": "2025-01-02", "featured_on": "2025-01-03"}\n'
    )
    [(_, record)] = list(jsonl.parse(io.BytesIO(line), "demo.jsonl"))
    assert isinstance(record, PaperRecord)
    assert (record.version, record.upvotes) == (3, 12)
    assert record.announced_on == dt.date(2025, 1, 2) and record.featured_on == dt.date(2025, 1, 3)


def test_hf_api_items_keep_three_dates_apart() -> None:
    items = parse_file("hf", "hf_daily_papers_handmade.json")
    [record] = records(items)
    assert record.arxiv_id == "2410.18978"
    assert record.featured_on == dt.date(2024, 10, 25)  # item.publishedAt
    assert record.featured_at == dt.datetime(2024, 10, 25, 0, 57, 9, 392000, tzinfo=UTC)
    assert record.published_at == dt.datetime(2024, 10, 24, 17, 59, 59, tzinfo=UTC)  # paper.publishedAt
    assert record.announced_on is None
    assert (record.upvotes, record.submitter_name) == (42, "akhaliq")
    assert record.code_url == "https://github.com/example/invented"
    assert record.project_url == "https://example.org/invented"
    assert record.authors == ["Ana Gómez", "Bo Li"]
    [(position, _)] = errors(items)
    assert position == "hf_daily_papers_handmade.json#2"


def test_hfbot_records() -> None:
    recs = records(parse_file("hf", "hfbot.jsonl"))
    assert len(recs) == 3
    first = recs[0]
    assert (first.arxiv_id, first.featured_on, first.upvotes) == ("2601.13097", dt.date(2026, 2, 2), 8)
    assert first.code_url == "https://github.com/trndcenter/RM-RF-unit-tests"
    assert first.published_at is None


def test_paperexplorer_dict_has_no_featured_day() -> None:
    doc = b'{"2312.17653": {"url": "https://arxiv.org/abs/2312.17653", "title": "LARP", "authors": ["Ming Yan"],'
    doc += b' "abstract": "x", "publication_date": "2023-12-24T10:08:59Z", "upvotes": 29}, "bad": {"title": "t"}}'
    from paperboy.ingest.parsers import hf

    items = list(hf.parse(io.BytesIO(doc), "papers.json"))
    [record] = records(items)
    assert record.published_at == dt.datetime(2023, 12, 24, 10, 8, 59, tzinfo=UTC)
    assert (record.featured_on, record.upvotes) == (None, 29)
    assert errors(items)[0][0] == "papers.json#bad"


# --- arxiv-browse listings -----------------------------------------------------------------------


def test_monthly_listing_entries_and_cross_listings() -> None:
    items = parse_file("listing", "9712_astro-ph_excerpt")
    recs = records(items)
    assert not errors(items)
    assert [r.arxiv_id for r in recs] == [
        "astro-ph/9712001",
        "astro-ph/9712002",
        "astro-ph/9712003",
        "gr-qc/9712014",
        "gr-qc/9712019",
    ]
    assert all(r.announced_on is None for r in recs)  # monthly files give no announce day
    cross = recs[3]
    assert cross.categories == ["gr-qc", "astro-ph"] and cross.primary_category == "gr-qc"
    assert cross.published_at == dt.datetime(1997, 12, 2, 16, 41, 50, tzinfo=UTC)
    assert cross.doi == "10.1023/a:1022411021285"
    carroll = recs[4]
    assert carroll.comments.startswith(
        "238 pages, numerous figures. Individual chapters, and potentially updated"
    )
    assert items[0][0] == "9712_astro-ph_excerpt:11"


def test_daily_new_listing_announce_day_abstract_and_replacements() -> None:
    recs = records(parse_file("listing", "new_astro-ph_excerpt"))
    by_id = {r.arxiv_id: r for r in recs}
    assert set(by_id) == {"2303.00763", "2303.00765", "2303.00812", "2104.03145"}
    new = by_id["2303.00763"]
    assert new.announced_on == dt.date(2023, 3, 3)  # mail of Fri 3 Mar 01:29 GMT = Thu 20:29 ET
    assert new.abstract.startswith("We present a search for gas-containing dwarf galaxies")
    assert new.abstract.endswith("is likely at play.")
    assert new.authors == ["Jingyao Zhu", "Mary E Putman"]
    assert by_id["2303.00812"].announced_on == dt.date(2023, 3, 3)
    replaced = by_id["2104.03145"]
    assert replaced.announced_on is None
    assert replaced.updated_at == dt.datetime(2023, 3, 2, 11, 0, 13, tzinfo=UTC)


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2024-10-25T00:57:09.392Z") == dt.datetime(
        2024, 10, 25, 0, 57, 9, 392000, tzinfo=UTC
    )
    assert parse_datetime("2025-08-20T00:00:00-04:00") == dt.datetime(2025, 8, 20, 4, tzinfo=UTC)
    assert parse_datetime("Mon, 2 Apr 2007 19:18:42 GMT") == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert parse_datetime("2014-01-09") == dt.datetime(2014, 1, 9, tzinfo=UTC)
    assert parse_datetime("") is None
    with pytest.raises(ValueError):
        parse_datetime("yesterday")
