"""Search speed benchmark (``make bench-search``): keyword, semantic and hybrid latency at 75k and 1M papers.

Scales:
  * ``real``: the unique papers of ../shared/data/arxiv-daily-cs-dwdengwei (74,728), with their
    all-MiniLM-L6-v2 vectors computed once and cached outside the repo (paperboy.bench.search_corpus).
  * ``1m``: 1,000,000 synthetic papers. Paper i copies the first two sentences and half the title of a
    real source paper, the rest of its title from another real title and 3-6 more sentences drawn from
    all real abstracts (seeded). Its vector is the source's real vector plus Gaussian noise
    (sigma 0.02 per dimension, cosine to the source about 0.93), renormalised.

Each scale runs in its own subprocess (so RSS figures are its own): build the keyword index (tantivy)
and the vector index (exact below PAPERBOY_ANN_THRESHOLD = 20,000 vectors, HNSW above), both timed,
then time 1,000 queries one after another through the search service's retrieval path, query
embedding included: parse -> (embed_query) -> keyword BM25 / vector top-k / hybrid fusion, as
``paperboy.search.services`` runs them (fetching the 20 Paper rows and rendering are not included).
Queries are drawn from real titles: a window of 2-7 words, lower-cased, one word dropped half the time.

Built indexes are cached next to the embeddings (``--rebuild`` forces a build); a cached index reports
the build time recorded when it was built. The machine's 2 cores are shared: the figures are noisy.

    python -m paperboy.bench.search --out build/bench-search.json [--scales real,1m] [--queries 1000]
        [--ef-sweep 64,96,128,192,256]   # HNSW recall@10 / recall@100 and time per search at each efSearch
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from paperboy.bench.search_corpus import REPO_ROOT, Corpus, cache_dir, data_dir, load_real, partial_embeddings

SYN_N = 1_000_000
SYN_SIGMA = 0.03
DEPTH = 100  # candidates per side in hybrid mode (paperboy.search.retrieval.CANDIDATES)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_WS = re.compile(r"\s+")


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _rss_mb() -> float:
    with open("/proc/self/status") as f:  # noqa: PTH123
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# -- queries ----------------------------------------------------------------------------------------------
def title_query(rng: random.Random, titles: list[str]) -> str | None:
    """One query cut from a random real title: 2-7 consecutive words, lower-cased, one word dropped half the
    time when there are more than 3; None when the drawn title has fewer than 3 words."""
    words = re.sub(r"[^\w\s-]", " ", rng.choice(titles)).lower().split()
    if len(words) < 3:
        return None
    size = rng.randint(2, min(7, len(words)))
    start = rng.randint(0, len(words) - size)
    window = words[start : start + size]
    if len(window) > 3 and rng.random() < 0.5:
        del window[rng.randrange(len(window))]
    return " ".join(window)


def make_queries(titles: list[str], n: int, seed: int = 11) -> list[str]:
    """``n`` queries from real titles (:func:`title_query`), repeats allowed."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        query = title_query(rng, titles)
        if query is not None:
            out.append(query)
    return out


# -- synthetic corpus --------------------------------------------------------------------------------------
class Synthetic:
    """1M papers recombined from real titles and abstract sentences (seeded, generated on demand)."""

    def __init__(
        self,
        real: Corpus,
        real_vecs: np.ndarray,
        n: int = SYN_N,
        seed: int = 5,
        sources: np.ndarray | None = None,
    ) -> None:
        self.n = n
        self.titles = [_WS.sub(" ", t) for t in real.titles]
        self.sents = [_SENT.split(_WS.sub(" ", a).strip()) for a in real.abstracts]
        self.pool = [s for ss in self.sents for s in ss]
        rng = np.random.default_rng(seed)
        m = len(real)
        # Source papers: any real paper, or only those with a real (computed) vector when given.
        self.source = rng.integers(0, m, n) if sources is None else rng.choice(sources, n)
        self.other_title = rng.integers(0, m, n)
        self.n_extra = rng.integers(3, 7, n)
        self.extra = rng.integers(0, len(self.pool), (n, 6))
        self.real_vecs = real_vecs
        self.seed = seed

    def doc(self, i: int) -> tuple[str, str]:
        s = int(self.source[i])
        a, b = self.titles[s].split(), self.titles[int(self.other_title[i])].split()
        title = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])
        sentences = self.sents[s][:2] + [self.pool[j] for j in self.extra[i, : self.n_extra[i]]]
        return title, " ".join(sentences)

    def vectors(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed + 1)
        out = np.empty((self.n, self.real_vecs.shape[1]), dtype=np.float32)
        step = 100_000
        for lo in range(0, self.n, step):
            hi = min(self.n, lo + step)
            block = self.real_vecs[self.source[lo:hi]] + rng.normal(
                scale=SYN_SIGMA, size=(hi - lo, out.shape[1])
            ).astype(np.float32)
            out[lo:hi] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out


# -- the service path --------------------------------------------------------------------------------------
class Service:
    """keyword(q) / semantic(q) / hybrid(q) -> list of pks, through the search app's Retriever when it is
    installed (paperboy.search.retrieval), else through a small stand-in (tantivy BM25 + RRF)."""

    name = ""

    def build_keyword(self, root: Path, docs: Iterator[tuple[int, str, str, list[str], list[str]]]) -> None:
        raise NotImplementedError

    def open(self, root: Path, vector_index: object, embed_query: Callable[[str], np.ndarray]) -> None:
        raise NotImplementedError

    def keyword(self, q: str) -> list[int]:
        raise NotImplementedError

    def semantic(self, q: str) -> list[int]:
        raise NotImplementedError

    def hybrid(self, q: str) -> list[int]:
        raise NotImplementedError


class RetrieverService(Service):
    name = "paperboy.search.retrieval.Retriever (the site's search path)"

    def __init__(self) -> None:
        import importlib

        # Imported by name: the search app's modules may be missing from a checkout (then ImportError).
        self.engine, self.query, self.retrieval = (
            importlib.import_module(f"paperboy.search.{name}") for name in ("engine", "query", "retrieval")
        )
        self.filters = self.retrieval.SearchFilters()

    def build_keyword(self, root, docs) -> None:
        index = self.engine.KeywordIndex(root)
        index.rebuild(
            (
                self.engine.IndexDoc(pk=pk, title=t, abstract=a, authors=au, categories=c)
                for pk, t, a, au, c in docs
            ),
            threads=2,
        )

    def open(self, root, vector_index, embed_query) -> None:
        self.r = self.retrieval.Retriever(self.engine.KeywordIndex(root), vector_index, embed_query)

    def keyword(self, q):
        return [c.pk for c in self.r.keyword_ranked(self.query.parse(q), self.filters, 20).hits]

    def semantic(self, q):
        return [c.pk for c in self.r.semantic_ranked(self.query.parse(q), self.filters, 20).hits]

    def hybrid(self, q):
        return [c.pk for c in self.r.hybrid_ranked(self.query.parse(q), self.filters, DEPTH).hits[:20]]


class StandInService(Service):
    """Used only when the search app's retrieval module is missing: tantivy BM25 (title boost 2) and
    reciprocal rank fusion (k=60) of the keyword and semantic top-100."""

    name = "stand-in (tantivy BM25 + RRF); paperboy.search.retrieval not installed"

    def _schema(self):
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("pk", stored=True, indexed=True, fast=True)
        sb.add_text_field("title", stored=False, tokenizer_name="en_stem")
        sb.add_text_field("abstract", stored=False, tokenizer_name="en_stem")
        return sb.build()

    def build_keyword(self, root, docs) -> None:
        import tantivy

        root.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema(), path=str(root))
        writer = index.writer(256_000_000, 2)
        for pk, t, a, _au, _c in docs:
            writer.add_document(tantivy.Document(pk=pk, title=t, abstract=a))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, root, vector_index, embed_query) -> None:
        import tantivy

        self.index = tantivy.Index(self._schema(), path=str(root))
        self.index.reload()
        self.vi, self.embed = vector_index, embed_query

    def _kw(self, q: str, k: int) -> list[int]:
        searcher = self.index.searcher()
        query = self.index.parse_query(
            re.sub(r"[^\w\s]", " ", q), ["title", "abstract"], field_boosts={"title": 2.0}
        )
        hits = searcher.search(query, k).hits
        return (
            [int(pk) for pk in searcher.fast_field_values("pk", [addr for _, addr in hits])]  # type: ignore[arg-type]
            if hits
            else []
        )

    def keyword(self, q):
        return self._kw(q, 20)

    def semantic(self, q):
        return [pk for pk, _ in self.vi.search(self.embed(q), 20)]

    def hybrid(self, q):
        kw = self._kw(q, DEPTH)
        sem = [pk for pk, _ in self.vi.search(self.embed(q), DEPTH)]
        score: dict[int, float] = {}
        for ranked in (kw, sem):
            for rank, pk in enumerate(ranked):
                score[pk] = score.get(pk, 0.0) + 1.0 / (60 + rank + 1)
        return sorted(score, key=lambda pk: -score[pk])[:20]


def make_service() -> Service:
    try:
        return RetrieverService()
    except ImportError:
        return StandInService()


# -- one scale ---------------------------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q))


def _fill_missing(vecs: np.ndarray, have: np.ndarray, seed: int = 3) -> np.ndarray:
    """Rows without a cached embedding get a computed row's vector plus noise (sigma SYN_SIGMA),
    renormalised, so that latency can be measured before the whole corpus is embedded (reported as
    ``real_vector_fraction``)."""
    missing = np.flatnonzero(~have)
    if not len(missing):
        return vecs
    rng = np.random.default_rng(seed)
    donors = rng.choice(np.flatnonzero(have), len(missing))
    block = vecs[donors] + rng.normal(scale=SYN_SIGMA, size=(len(missing), vecs.shape[1])).astype(np.float32)
    vecs[missing] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vecs


def _recall(index, qv: np.ndarray, exact: np.ndarray, k: int) -> tuple[float, float]:
    """(recall@k of ``index``'s k-nearest search against the exact top k (rows of ``exact``, best
    first), ms per search) over the query vectors ``qv``."""
    t = time.perf_counter()
    got = [{pk for pk, _ in index.search(v, k)} for v in qv]
    ms = (time.perf_counter() - t) * 1000 / len(qv)
    return float(np.mean([len(g & set(e[:k].tolist())) / k for g, e in zip(got, exact, strict=True)])), ms


def run_scale(
    scale: str,
    data: Path,
    n_queries: int,
    rebuild: bool,
    syn_n: int,
    partial: bool = False,
    embed_sample: int = 1000,
    syn_sources: int = 0,
    ef_sweep: list[int] | None = None,
) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    os.environ.setdefault("PAPERBOY_DEBUG", "true")
    django.setup()
    from paperboy.bench.search_corpus import cached_embeddings
    from paperboy.search import vectors as V
    from paperboy.search.embeddings import (
        BATCH_SIZE,
        clear_query_cache,
        embed_query,
        embed_texts,
        model_version,
    )

    rss0 = _rss_mb()
    real = load_real(data)
    if partial:
        real_vecs, have = partial_embeddings(real)
        embed_meta = {"partial": True, "real_rows": int(have.sum())}
        if not have.any():
            raise SystemExit("no cached embeddings yet: run `python -m paperboy.bench.search_corpus` first")
        real_vecs = _fill_missing(real_vecs, have)
    else:
        real_vecs, embed_meta = cached_embeddings(real, log=_say)
        have = np.ones(len(real), dtype=bool)
    service = make_service()
    queries = make_queries(real.titles, n_queries)
    out: dict = {"scale": scale, "service": service.name, "queries": len(queries)}
    out["real_vector_rows"] = int(have.sum())
    out["real_vector_fraction"] = round(float(have.mean()), 4)

    if scale == "real":
        n = len(real)
        ids = np.arange(1, n + 1, dtype=np.int64)
        vecs = real_vecs

        def docs() -> Iterator:
            for i in range(n):
                yield (
                    i + 1,
                    real.titles[i],
                    _WS.sub(" ", real.abstracts[i]),
                    real.authors[i],
                    real.categories[i],
                )

        # Embedding throughput: a timed sample of real abstracts (the cache run's rate is reported too).
        step = max(1, n // embed_sample)
        sample = [f"{real.titles[i]}. {_WS.sub(' ', real.abstracts[i])}" for i in range(0, n, step)][
            :embed_sample
        ]
        embed_texts(sample[:32])
        t = time.perf_counter()
        embed_texts(sample)
        out["embed_abstracts_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)
        out["embed_sample"] = len(sample)
        out["embed_batch"] = BATCH_SIZE
        out["embed_cache_run"] = embed_meta
    else:
        sources = np.flatnonzero(have)
        if syn_sources:
            sources = sources[:syn_sources]
        syn = Synthetic(real, real_vecs, n=syn_n, sources=sources)
        out["synthetic_source_papers"] = len(sources)
        n = syn.n
        ids = np.arange(1, n + 1, dtype=np.int64)
        t = time.perf_counter()
        vecs = syn.vectors()
        _say(f"{n} synthetic vectors in {time.perf_counter() - t:.1f} s")

        def docs() -> Iterator:
            for i in range(n):
                title, abstract = syn.doc(i)
                yield i + 1, title, abstract, [], []

    # The synthetic texts depend on which real rows have vectors (they are the sources); the real texts do not.
    # Real embeddings the vector index is made from: all cached ones (real scale) or the synthetic sources.
    real_rows = int(out.get("synthetic_source_papers", have.sum()))
    key = f"{scale}-{n}-{model_version().replace('/', '_')}-{service.__class__.__name__}"
    if scale != "real":
        key += f"-real{out['synthetic_source_papers']}-sigma{SYN_SIGMA}"
    work = cache_dir() / "indexes" / key
    kw_root, vec_root = work / "keyword", work / "vectors"
    meta_path = work / "build.json"
    expected_kind = "hnsw" if n >= V.ann_threshold() else "exact"

    def build_vectors(matrix: np.ndarray) -> float:
        shutil.rmtree(vec_root, ignore_errors=True)
        t = time.perf_counter()
        gen = V.build_generation(vec_root, ids, matrix, model_version=model_version())
        with V._write_lock(vec_root):
            V._swap(vec_root, gen)
        seconds = time.perf_counter() - t
        _say(f"{scale}: {expected_kind} vector index in {seconds:.1f} s")
        return round(seconds, 1)

    if rebuild or not meta_path.exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        t = time.perf_counter()
        service.build_keyword(kw_root, docs())
        kw_seconds = time.perf_counter() - t
        _say(f"{scale}: keyword index of {n} docs in {kw_seconds:.1f} s")
        build = {
            "keyword_build_s": round(kw_seconds, 1),
            "vector_build_s": build_vectors(vecs),
            "vector_kind_built": expected_kind,
            "vector_real_rows": real_rows,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        meta_path.write_text(json.dumps(build))
        out["build_cached"] = False
    else:
        build = json.loads(meta_path.read_text())
        out["build_cached"] = True
        # Rebuild the vector index alone when PAPERBOY_ANN_THRESHOLD or the cached embeddings changed since.
        if V.VectorIndex(vec_root).kind != expected_kind or build.get("vector_real_rows") != real_rows:
            build.update(
                vector_build_s=build_vectors(vecs),
                vector_kind_built=expected_kind,
                vector_real_rows=real_rows,
            )
            build["vector_built_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            meta_path.write_text(json.dumps(build))
    out.update(build)

    # Recall@10 of the served vector index against exact inner product, on 200 of the queries.
    probe = V.VectorIndex(vec_root)
    out["ef_search"] = probe.ef
    qv = np.stack([embed_query(q) for q in queries[:200]])
    exact = np.empty((len(qv), 100), dtype=np.int64)  # exact top 100, best first
    for lo in range(0, len(qv), 20):
        sims = qv[lo : lo + 20] @ vecs.T
        top = np.argpartition(-sims, 99, axis=1)[:, :100]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        exact[lo : lo + 20] = ids[np.take_along_axis(top, order, axis=1)]
    out["semantic_recall_at_10"] = round(_recall(probe, qv, exact, 10)[0], 4)
    _say(f"{scale}: recall@10 of the vector index vs exact = {out['semantic_recall_at_10']}")
    if ef_sweep and out["ef_search"] and V.VectorIndex(vec_root).kind == "hnsw":
        # Semantic search asks for 20 (ef = max(ef, 20)), hybrid for 100 (ef = max(ef, 100)).
        sweep = []
        for ef in ef_sweep:
            probe.ef = ef
            r10, ms10 = _recall(probe, qv, exact, 10)
            r100, ms100 = _recall(probe, qv, exact, 100)
            sweep.append(
                {"ef": ef, "recall_at_10": round(r10, 4), "ms_k10": round(ms10, 2),
                 "recall_at_100": round(r100, 4), "ms_k100": round(ms100, 2)}
            )  # fmt: skip
            _say(
                f"{scale}: ef {ef}: recall@10 {r10:.4f} ({ms10:.2f} ms), k=100 recall@100 {r100:.4f} ({ms100:.2f} ms)"
            )
        out["ef_sweep"] = sweep
    del probe, qv
    del vecs, real_vecs  # free the corpus arrays before measuring the serving process
    rss_before = _rss_mb()
    index = V.VectorIndex(vec_root)
    t = time.perf_counter()
    out["vector_kind"] = index.kind
    out["n"] = len(index)
    service.open(kw_root, index, embed_query)
    service.keyword("warm up")
    out["load_s"] = round(time.perf_counter() - t, 2)
    out["rss_indexes_mb"] = round(_rss_mb() - rss_before, 0)
    out["disk_keyword_mb"] = round(_du_mb(kw_root), 1)
    out["disk_vectors_mb"] = round(_du_mb(vec_root), 1)

    for q in make_queries(real.titles, 20, seed=99):  # warm-up, with queries that are not timed
        service.hybrid(q)
    for mode in ("keyword", "semantic", "hybrid"):
        fn = getattr(service, mode)
        clear_query_cache()  # every timed semantic/hybrid query pays for its embedding
        times = []
        empty = 0
        for q in queries:
            t = time.perf_counter()
            hits = fn(q)
            times.append(time.perf_counter() - t)
            empty += not hits
        out[mode] = {"p50_ms": round(_pct(times, 50), 2), "p99_ms": round(_pct(times, 99), 2), "empty": empty}
        _say(f"{scale}: {mode} p50 {out[mode]['p50_ms']} ms, p99 {out[mode]['p99_ms']} ms")
    t_embed = []
    clear_query_cache()
    for q in queries[:200]:
        t = time.perf_counter()
        embed_query(q)
        t_embed.append(time.perf_counter() - t)
    out["query_embed_p50_ms"] = round(_pct(t_embed, 50), 2)
    out["rss_mb"] = round(_rss_mb(), 0)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    out["rss_at_start_mb"] = round(rss0, 0)
    return out


# -- driver ------------------------------------------------------------------------------------------------
GOALS = {
    ("1m", "hybrid"): 50.0,
    ("1m", "keyword"): 20.0,
    ("real", "hybrid"): 20.0,
}


def _table(results: list[dict]) -> str:
    lines = [
        "| scale | papers | vectors | recall@10 | mode | p50 ms | p99 ms | goal p99 | build kw s | build vec s "
        "| RSS idx MB | disk kw MB | disk vec MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        for mode in ("keyword", "semantic", "hybrid"):
            goal = GOALS.get((r["scale"], mode))
            verdict = "" if goal is None else f"≤ {goal:g} {'ok' if r[mode]['p99_ms'] <= goal else 'MISSED'}"
            lines.append(
                f"| {r['scale']} | {r['n']:,} | {r['vector_kind']} | {r['semantic_recall_at_10']} | {mode} | {r[mode]['p50_ms']} | "
                f"{r[mode]['p99_ms']} | {verdict} | {r['keyword_build_s']} | {r['vector_build_s']} | "
                f"{r['rss_indexes_mb']:.0f} | {r['disk_keyword_mb']} | {r['disk_vectors_mb']} |"
            )
    for r in results:
        if "embed_abstracts_per_s" in r:
            lines.append(
                f"\nembedding: {r['embed_abstracts_per_s']} abstracts/s ({r['embed_sample']} real abstracts, batch {r.get('embed_batch', 32)}, "
                f"{os.environ.get('PAPERBOY_EMBED_THREADS', '2')} threads; goal ≥ 50); cache run: "
                f"{r['embed_cache_run'].get('abstracts_per_s')} abstracts/s; query embedding p50 "
                f"{r['query_embed_p50_ms']} ms"
            )
    for r in results:
        lines.append(
            f"{r['scale']}: "
            + (
                f"{r['synthetic_source_papers']:,} real source papers with real embeddings"
                if "synthetic_source_papers" in r
                else f"{r['real_vector_rows']:,} real embeddings (fraction {r['real_vector_fraction']}; the rest "
                "perturbed copies until the cache is complete)"
            )
            + f"; build {'cached from ' + r['built_at'] if r['build_cached'] else 'this run'}; "
            f"RSS {r['rss_mb']:.0f} MB, peak {r['peak_rss_mb']:.0f} MB"
        )
    for r in results:
        if r.get("ef_sweep"):
            lines.append(
                f"{r['scale']} HNSW efSearch (served: {r['ef_search']}): "
                + "; ".join(
                    f"ef {e['ef']}: recall@10 {e['recall_at_10']} ({e['ms_k10']} ms), "
                    f"recall@100 of k=100 {e['recall_at_100']} ({e['ms_k100']} ms)"
                    for e in r["ef_sweep"]
                )
            )
    lines.append(f"service path: {results[0]['service']}" if results else "")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "bench-search.json")
    parser.add_argument("--data", default=None, help="folder of *.jsonl.gz (default ../shared/data/...)")
    parser.add_argument("--scales", default="real,1m")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--synthetic-n", type=int, default=SYN_N)
    parser.add_argument(
        "--synthetic-sources",
        type=int,
        default=0,
        help="build the synthetic papers from only the first N real papers with vectors (0: all)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the indexes even if cached")
    parser.add_argument(
        "--embed-sample", type=int, default=1000, help="abstracts in the timed embedding sample"
    )
    parser.add_argument(
        "--partial-embeddings",
        action="store_true",
        help="do not wait for the real corpus to be fully embedded: rows not cached yet get perturbed copies "
        "of cached ones (the JSON reports real_vector_fraction)",
    )
    parser.add_argument(
        "--ef-sweep",
        default="",
        help="comma-separated HNSW efSearch values: recall@10 (k=10) and recall@100 (k=100, as hybrid asks) "
        "against exact search, and time per search, for each (e.g. 64,96,128,192,256)",
    )
    parser.add_argument("--one-scale", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--part-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = data_dir(args.data)

    if args.one_scale:
        result = run_scale(
            args.one_scale,
            data,
            args.queries,
            args.rebuild,
            args.synthetic_n,
            args.partial_embeddings,
            args.embed_sample,
            args.synthetic_sources,
            [int(x) for x in args.ef_sweep.split(",") if x.strip()],
        )
        assert args.part_out is not None
        args.part_out.write_text(json.dumps(result))
        return 0

    results = []
    started = time.perf_counter()
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        part = cache_dir() / f"part-{scale}.json"
        cmd = [
            sys.executable, "-m", "paperboy.bench.search", "--one-scale", scale, "--part-out", str(part),
            "--queries", str(args.queries), "--synthetic-n", str(args.synthetic_n), "--data", str(data),
            "--embed-sample", str(args.embed_sample), "--synthetic-sources", str(args.synthetic_sources),
            "--ef-sweep", args.ef_sweep,
        ]  # fmt: skip
        if args.rebuild:
            cmd.append("--rebuild")
        if args.partial_embeddings:
            cmd.append("--partial-embeddings")
        _say(f"== scale {scale}")
        env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
        subprocess.run(cmd, check=True, cwd=REPO_ROOT, env=env)
        results.append(json.loads(part.read_text()))
    figures = {
        "results": results,
        "goals_p99_ms": {f"{s}/{m}": g for (s, m), g in GOALS.items()},
        "embedding_goal_abstracts_per_s": 50,
        "total_seconds": round(time.perf_counter() - started, 1),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": os.getloadavg()},
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    sys.stdout.write(_table(results) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
