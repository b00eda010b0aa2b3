"""/api/papers/{id} (new and old-style ids), search, similar, comments; JSON errors."""

from __future__ import annotations

import re

from paperboy.papers.models import Paper

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_paper_by_new_style_id_and_its_variants(client, corpus):
    paper = Paper.objects.exclude(code_url="").filter(featured_entries__isnull=False).first()
    response = client.get(f"/api/papers/{paper.arxiv_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == paper.arxiv_id
    assert body["title"] == paper.title
    assert body["githubRepo"] == paper.code_url
    assert body["arxivUrl"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
    assert body["featuredOn"] == sorted(e.featured_on.isoformat() for e in paper.featured_entries.all())
    assert body["upvotes"] == paper.upvote_count
    assert ISO_MS.match(body["publishedAt"])
    for variant in (f"{paper.arxiv_id}v2", f"arXiv:{paper.arxiv_id}"):
        assert client.get(f"/api/papers/{variant}").json()["id"] == paper.arxiv_id


def test_old_style_id_with_a_slash(client, corpus):
    body = client.get("/api/papers/hep-th/9901001").json()
    assert body["id"] == "hep-th/9901001"
    assert body["title"] == "String Junctions and Their Duals in Heterotic String Theory"
    assert body["publishedAt"] == "1999-01-01T01:01:10.000Z"
    assert body["updatedAt"] == "1999-05-10T04:45:54.000Z"
    assert body["version"] == 3
    assert body["doi"] == "10.1143/PTP.101.1155"
    assert body["url"].endswith("/papers/hep-th/9901001")
    assert client.get("/api/papers/hep-th/9901001v2").json()["id"] == "hep-th/9901001"
    assert client.get("/api/papers/hep-th/9901001/similar").status_code == 200
    assert client.get("/api/papers/hep-th/9901001/comments").json() == []


def test_unknown_and_malformed_ids_get_json_404(client, corpus):
    for raw in ("2101.99999", "cs/9901001", "not-an-id", "hep-th/9901001/extra/bits"):
        response = client.get(f"/api/papers/{raw}")
        assert response.status_code == 404, raw
        assert "no paper with id" in response.json()["error"]


def test_search_finds_a_known_title_first(client, corpus):
    paper = Paper.objects.get(arxiv_id="1409.0685")
    response = client.get("/api/papers/search", {"q": "Spectral Unmixing Robust Representation", "limit": 5})
    assert response.status_code == 200
    hits = response.json()
    assert hits[0]["paper"]["id"] == paper.arxiv_id
    assert hits[0]["rank"] == 1
    assert hits[0]["title"] == paper.title


def test_search_filters_by_category_and_date_and_finds_by_arxiv_id(client, corpus):
    hits = client.get("/api/papers/search", {"q": "string junctions", "category": "hep-th"}).json()
    assert [h["paper"]["id"] for h in hits] == ["hep-th/9901001"]
    assert client.get("/api/papers/search", {"q": "string junctions", "category": "cs.CV"}).json() == []
    late = client.get("/api/papers/search", {"q": "string junctions", "date_from": "2000-01-01"}).json()
    assert "hep-th/9901001" not in {h["paper"]["id"] for h in late}
    by_id = client.get("/api/papers/search", {"q": "arXiv:1409.0685"}).json()
    assert by_id[0]["paper"]["id"] == "1409.0685"


def test_search_rejects_bad_parameters(client, db):
    assert client.get("/api/papers/search").status_code == 400
    for params in (
        {"q": "x", "mode": "magic"},
        {"q": "x", "limit": 0},
        {"q": "x", "date_from": "2025-02-31"},
    ):
        response = client.get("/api/papers/search", params)
        assert response.status_code == 400, params
        assert response.json()["error"]


def test_similar_papers_exclude_the_paper_itself(client, corpus):
    paper = Paper.objects.filter(primary_category="cs.CV").first()
    hits = client.get(f"/api/papers/{paper.arxiv_id}/similar", {"limit": 5}).json()
    assert 0 < len(hits) <= 5
    assert paper.arxiv_id not in {h["paper"]["id"] for h in hits}
    assert client.get("/api/papers/2101.99999/similar").status_code == 404


def test_openapi_schema_and_docs_page(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for route in ("/api/daily_papers", "/api/papers/{arxiv_id}", "/api/papers/search"):
        assert route in schema["paths"], route
    item = schema["components"]["schemas"]["AuthorOut"]["properties"]
    assert "_id" in item
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html  # served by us: a self-hosted site needs no CDN
    assert "cdn." not in html
