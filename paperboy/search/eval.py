"""Search quality harness: ``make eval-search`` (``python -m paperboy.search.eval``).

Loads the relevance-judged sets in ``../shared/eval`` (override: ``--eval-dir`` or ``PAPERBOY_EVAL_DIR``):

- NPL (Vaswani): 11,429 physics/electronics abstracts (no separate titles), 93 queries, binary judgments.
- CISI: 1,460 information-science abstracts (title, authors, abstract), 76 judged queries, binary.

Each set is indexed through the site's own code (paperboy.search.engine schema and analyzer, the query
parser, paperboy.search.retrieval, vec's MiniLM embedder) in a temporary folder. Document embeddings are
cached in ``build/eval-cache/`` (keyed by the model version and the texts' hash). Prints, per set, nDCG@10,
MRR@10 and Recall@100 for keyword (BM25), semantic (cosine), hybrid (the site's fusion) and the RRF(k=60)
baseline of the same two retrievers, and writes the figures to ``build/eval-search.json``.

Metric definitions (implemented here, tested in tests/test_metrics.py):

- nDCG@10 = DCG@10 / IDCG@10, DCG@10 = sum_{i=1..10} (2^rel_i - 1) / log2(i + 1) (Jarvelin and Kekalainen
  2002, exponential gain as in trec_eval's ndcg_cut with graded judgments; equal to linear gain for binary).
  IDCG uses the best ordering of all judged documents of the query.
- MRR@10 = 1 / rank of the first relevant document in the top 10 (0 if none), averaged over queries.
- Recall@100 = |relevant in top 100| / |relevant|.
Only queries with at least one relevant judgment count (CISI: 76 of 112).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EvalSet", "load_cisi", "load_npl", "mrr_at_k", "ndcg_at_k", "recall_at_k"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def emit(*parts: object) -> None:
    """The harness prints its table to stdout."""
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


# -- metrics -----------------------------------------------------------------------------------------------
def ndcg_at_k(ranked: Sequence[Any], judgments: Mapping[Any, int], k: int = 10) -> float:
    """nDCG@k with gain 2^rel - 1 and log2(rank + 1) discount; 0 when the query has no relevant docs."""
    dcg = sum((2 ** judgments.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((r for r in judgments.values() if r > 0), reverse=True)[:k]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at_k(ranked: Sequence[Any], judgments: Mapping[Any, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if judgments.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(ranked: Sequence[Any], judgments: Mapping[Any, int], k: int = 100) -> float:
    relevant = {d for d, r in judgments.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


# -- data sets -----------------------------------------------------------------------------------------------
@dataclass
class EvalDoc:
    id: int
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)


@dataclass
class EvalSet:
    name: str
    docs: list[EvalDoc]
    queries: dict[int, str]
    qrels: dict[int, dict[int, int]]

    @property
    def judged_queries(self) -> list[int]:
        return sorted(q for q in self.queries if any(r > 0 for r in self.qrels.get(q, {}).values()))


def load_npl(folder: Path) -> EvalSet:
    """NPL in TREC form: doc-text.trec(.gz), query-text.trec, qrels (``qid 0 docno rel``)."""
    path = folder / "doc-text.trec.gz"
    raw = gzip.open(path, "rt").read() if path.exists() else (folder / "doc-text.trec").read_text()  # noqa: SIM115
    docs = [
        EvalDoc(int(m.group(1)), "", " ".join(m.group(2).split()))
        for m in re.finditer(r"<DOC>\s*<DOCNO>\s*(\d+)\s*</DOCNO>(.*?)</DOC>", raw, re.S)
    ]
    qtext = (folder / "query-text.trec").read_text()
    queries = {
        int(m.group(1)): " ".join(m.group(2).split())
        for m in re.finditer(r"<num>\s*(\d+)\s*</num>\s*<title>(.*?)</title>", qtext, re.S)
    }
    qrels: dict[int, dict[int, int]] = {}
    for line in (folder / "qrels").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4:
            qrels.setdefault(int(parts[0]), {})[int(parts[2])] = int(parts[3])
    return EvalSet("NPL", docs, queries, qrels)


def _smart_records(text: str) -> list[tuple[int, dict[str, str]]]:
    """Records of the SMART format (``.I n`` then ``.T``/``.A``/``.W``/``.X``/``.B`` sections)."""
    out: list[tuple[int, dict[str, str]]] = []
    for chunk in re.split(r"^\.I\s+", text, flags=re.M)[1:]:
        head, _, body = chunk.partition("\n")
        fields: dict[str, str] = {}
        for m in re.finditer(r"^\.([A-Z])\s*\n(.*?)(?=^\.[A-Z]\s*$|\Z)", body, re.S | re.M):
            fields[m.group(1)] = (fields.get(m.group(1), "") + "\n" + m.group(2)).strip()
        out.append((int(head.strip()), fields))
    return out


def load_cisi(folder: Path) -> EvalSet:
    """CISI in SMART form: CISI.ALL (.T title, .A authors, .W abstract), CISI.QRY (.W), CISI.REL."""
    docs = []
    for doc_id, f in _smart_records((folder / "CISI.ALL").read_text(errors="replace")):
        authors = [a.strip() for a in f.get("A", "").splitlines() if a.strip()]
        docs.append(
            EvalDoc(doc_id, " ".join(f.get("T", "").split()), " ".join(f.get("W", "").split()), authors)
        )
    queries = {
        qid: " ".join((f.get("W") or f.get("T") or "").split())
        for qid, f in _smart_records((folder / "CISI.QRY").read_text(errors="replace"))
    }
    qrels: dict[int, dict[int, int]] = {}
    for line in (folder / "CISI.REL").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(int(parts[0]), {})[int(parts[1])] = 1
    return EvalSet("CISI", docs, queries, qrels)


def default_eval_dir() -> Path:
    env = os.environ.get("PAPERBOY_EVAL_DIR")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "eval")


def load_sets(eval_dir: Path) -> list[EvalSet]:
    return [load_npl(eval_dir / "npl-vaswani"), load_cisi(eval_dir / "cisi")]


# -- running ---------------------------------------------------------------------------------------------------
def doc_text(doc: EvalDoc) -> str:
    """The text embedded for a document: the embedder's own paper_text (title and abstract)."""
    from paperboy.search.embeddings import paper_text

    return paper_text(doc)


def embed_docs(docs: Sequence[EvalDoc], cache_dir: Path, name: str, chunk: int = 1000) -> np.ndarray:
    """Document vectors, cached by model version and text hash, in chunks (an interrupted run resumes)."""
    from paperboy.search.embeddings import embed_texts, model_version

    texts = [doc_text(d) for d in docs]
    key = hashlib.sha256(("\x1e".join(texts) + model_version()).encode()).hexdigest()[:16]
    path = cache_dir / f"{name.lower()}-{key}.npy"
    if path.exists():
        return np.load(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parts = []
    for i in range(0, len(texts), chunk):
        part_path = cache_dir / f"{name.lower()}-{key}.part{i // chunk:04d}.npy"
        if part_path.exists():
            parts.append(np.load(part_path))
            continue
        parts.append(embed_texts(texts[i : i + chunk]))
        np.save(part_path, parts[-1])
        sys.stderr.write(f"  {name}: embedded {min(i + chunk, len(texts))}/{len(texts)} docs\n")
    vectors = np.vstack(parts) if parts else np.zeros((0, 384), np.float32)
    np.save(path, vectors)
    for part_path in cache_dir.glob(f"{name.lower()}-{key}.part*.npy"):
        part_path.unlink()
    sys.stderr.write(f"  {name}: {len(texts)} docs embedded in {time.perf_counter() - started:.0f} s\n")
    return vectors


@dataclass
class SetRun:
    name: str
    rankings: dict[str, dict[int, list[int]]]  # method -> qid -> ranked doc ids
    qrels: dict[int, dict[int, int]]

    def scores(self, method: str) -> dict[str, float]:
        qids = sorted(self.rankings[method])
        n = len(qids) or 1
        return {
            "nDCG@10": sum(ndcg_at_k(self.rankings[method][q], self.qrels[q]) for q in qids) / n,
            "MRR@10": sum(mrr_at_k(self.rankings[method][q], self.qrels[q]) for q in qids) / n,
            "Recall@100": sum(recall_at_k(self.rankings[method][q], self.qrels[q]) for q in qids) / n,
        }


def run_set(
    evalset: EvalSet,
    cache_dir: Path,
    alphas: Sequence[str] = (),
    progress: Callable[[str], None] = lambda s: None,
) -> tuple[SetRun, dict[str, dict[int, list[int]]]]:
    """Index ``evalset`` with the site's code in a temporary folder and rank every judged query."""
    from paperboy.search.embeddings import embed_query
    from paperboy.search.engine import IndexDoc, KeywordIndex
    from paperboy.search.query import parse
    from paperboy.search.retrieval import ArrayVectors, Retriever, SearchFilters

    vectors = embed_docs(evalset.docs, cache_dir, evalset.name)
    qcache: dict[str, np.ndarray] = {}

    def cached_embed(text: str) -> np.ndarray:
        if text not in qcache:
            qcache[text] = embed_query(text)
        return qcache[text]

    rankings: dict[str, dict[int, list[int]]] = {m: {} for m in ("keyword", "semantic", "hybrid", "rrf")}
    sweep: dict[str, dict[int, list[int]]] = {a: {} for a in alphas}
    with tempfile.TemporaryDirectory(prefix=f"eval-{evalset.name.lower()}-") as tmp:
        index = KeywordIndex(Path(tmp))
        index.rebuild(
            IndexDoc(pk=d.id, title=d.title, abstract=d.abstract, authors=d.authors) for d in evalset.docs
        )
        retriever = Retriever(index, ArrayVectors([d.id for d in evalset.docs], vectors), cached_embed)
        nofilter = SearchFilters()
        for qid in evalset.judged_queries:
            parsed = parse(evalset.queries[qid])
            rankings["keyword"][qid] = [c.pk for c in retriever.keyword_ranked(parsed, nofilter, 100).hits]
            rankings["semantic"][qid] = [c.pk for c in retriever.semantic_ranked(parsed, nofilter, 100).hits]
            rankings["hybrid"][qid] = [c.pk for c in retriever.hybrid_ranked(parsed, nofilter).hits][:100]
            rankings["rrf"][qid] = retriever.rrf_ranked(parsed, nofilter)[:100]
            defaults = {
                k: getattr(retriever, k)
                for k in (
                    "method",
                    "alpha",
                    "prf_docs",
                    "prf_dense",
                    "prf_pool",
                    "reg_lambda",
                    "reg_neighbours",
                    "max_sentences",
                )
            }
            for spec in alphas:
                for item in spec.split(";"):  # e.g. "method=z;alpha=0.5;prf_docs=10;prf_dense=0.5"
                    key, _, value = item.partition("=")
                    setattr(retriever, key, type(defaults[key])(value))
                sweep[spec][qid] = [c.pk for c in retriever.hybrid_ranked(parsed, nofilter).hits][:100]
                for key, value in defaults.items():
                    setattr(retriever, key, value)
    return SetRun(evalset.name, rankings, evalset.qrels), sweep


BASELINES = {  # stock tools on this machine (issue 3): bm25s + Porter + stop words; MiniLM mean pooling; RRF k=60
    "NPL": {"bm25": 0.428, "dense": 0.437, "rrf": 0.486},
    "CISI": {"bm25": 0.388, "dense": 0.418, "rrf": 0.448},
}
LABELS = {
    "keyword": "keyword (BM25)",
    "semantic": "semantic (MiniLM)",
    "hybrid": "hybrid (site)",
    "rrf": "RRF k=60 baseline",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "eval-search.json")
    parser.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "build" / "eval-cache")
    parser.add_argument("--sets", default="NPL,CISI", help="comma-separated subset of NPL,CISI")
    parser.add_argument(
        "--sweep",
        default="",
        help="comma-separated hybrid settings to report too (tuning), each 'key=value;...' with keys "
        "method (z, mm, rrfw), alpha, prf_docs, prf_dense, prf_pool, reg_lambda, reg_neighbours, max_sentences "
        "(1: embed a query whole, without the sentence split; it changes the semantic side of hybrid only)",
    )
    args = parser.parse_args(argv)
    alphas = [a.strip() for a in args.sweep.split(",") if a.strip()]  # specs: key=value;key=value

    from paperboy.search import fusion, retrieval
    from paperboy.search.embeddings import model_version

    constants = {
        "fusion": fusion.HYBRID_METHOD,
        "alpha_bm25": fusion.HYBRID_ALPHA,
        "prf_docs": retrieval.PRF_DOCS,
        "prf_dense_beta": retrieval.PRF_DENSE,
        "reg_lambda": retrieval.REG_LAMBDA,
        "reg_neighbours": retrieval.REG_NEIGHBOURS,
        "max_query_sentences": retrieval.MAX_QUERY_SENTENCES,
        "candidates_per_side": retrieval.CANDIDATES,
        "rrf_k": fusion.RRF_K,
    }
    emit(
        "semantic = cosine to the query vector (a multi-sentence query: whole + each sentence); "
        "hybrid = convex combination of z-scored BM25 and cosine (alpha on BM25), dense Rocchio PRF, "
        "score regularisation; one set of constants for every set:"
    )
    emit("  " + ", ".join(f"{k}={v}" for k, v in constants.items()) + f"; embedder {model_version()}")
    report: dict[str, object] = {
        "sets": {},
        "eval_dir": str(args.eval_dir),
        "hybrid_constants": constants,
        "embedder": model_version(),
    }
    sweep_report: dict[str, list[float]] = {a: [] for a in alphas}
    wanted = {s.strip().upper() for s in args.sets.split(",")}
    for evalset in [s for s in load_sets(args.eval_dir) if s.name.upper() in wanted]:
        started = time.perf_counter()
        run, sweep = run_set(evalset, args.cache_dir, alphas)
        n_q = len(evalset.judged_queries)
        emit(
            f"\n{evalset.name}: {len(evalset.docs):,} documents, {n_q} judged queries ({time.perf_counter() - started:.0f} s)"
        )
        emit(f"{'method':<22}{'nDCG@10':>10}{'MRR@10':>10}{'Recall@100':>12}")
        figures = {}
        for method in ("keyword", "semantic", "rrf", "hybrid"):
            s = run.scores(method)
            figures[method] = s
            emit(f"{LABELS[method]:<22}{s['nDCG@10']:>10.3f}{s['MRR@10']:>10.3f}{s['Recall@100']:>12.3f}")
        base = BASELINES.get(evalset.name, {})
        gain = figures["hybrid"]["nDCG@10"] - figures["rrf"]["nDCG@10"]
        emit(f"hybrid - RRF(same retrievers) nDCG@10: {gain:+.3f} (goal >= +0.020)")
        if base:
            emit(
                f"issue baselines nDCG@10: BM25 {base['bm25']:.3f}, dense {base['dense']:.3f}, RRF {base['rrf']:.3f}; "
                f"hybrid - baseline RRF: {figures['hybrid']['nDCG@10'] - base['rrf']:+.3f}"
            )
        for a in alphas:
            r = SetRun(evalset.name, {"x": sweep[a]}, evalset.qrels).scores("x")["nDCG@10"]
            sweep_report[a].append(r)
            emit(f"  sweep {a}: nDCG@10 {r:.3f}")
        report["sets"][evalset.name] = {  # type: ignore[index]
            "documents": len(evalset.docs),
            "queries": n_q,
            "figures": figures,
            "hybrid_minus_rrf_ndcg10": gain,
            "issue_baselines_ndcg10": base,
        }
    if alphas:
        emit("\nalpha sweep, mean nDCG@10 over sets:")
        for a in alphas:
            emit(
                f"  {a}: {sum(sweep_report[a]) / len(sweep_report[a]):.4f}  {[round(x, 4) for x in sweep_report[a]]}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    emit(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
