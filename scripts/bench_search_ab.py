"""Before/after search latency in ONE process: another checkout's search modules against this one's.

``make bench-search`` times one version of the code; on the shared 2-core machine the load changes from
one run to the next, so two runs do not compare. This script loads the reference checkout's
``paperboy/search/{query,retrieval,vectors,embeddings}.py`` under other module names next to this
checkout's, opens the indexes ``make bench-search`` cached (``~/.cache/paperboy/bench/indexes``) once
per version, and runs every query through both, alternating which goes first, so both see the same load.
NumPy's OpenBLAS is set to its default thread count (one per core) for the reference and to one thread
for this checkout (``paperboy/__init__.py`` sets OPENBLAS_NUM_THREADS=1); the query-vector caches are
emptied before each query (every semantic and hybrid query pays for its embedding, as in the bench), and
each query starts 0.12 s after the previous one ended.

    git archive <commit> paperboy/search | tar -x -C /tmp/ref      # the code to compare against
    python scripts/bench_search_ab.py --ref /tmp/ref [--scales real,1m] [--queries 300] [--embed 256]

Prints a markdown table (wall-clock p50/p99 per scale and mode, their ratio, and the CPU time of the
process per query, all threads, which the load of other processes changes much less than wall-clock
time), how often both give the same top 20, the embedding throughput of both, and the load average.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import importlib.util
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
os.environ.setdefault("PAPERBOY_DEBUG", "true")
os.environ.setdefault("PAPERBOY_LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

django.setup()

import numpy as np  # noqa: E402

from paperboy.bench.search import make_queries  # noqa: E402
from paperboy.bench.search_corpus import cache_dir, data_dir, load_real  # noqa: E402
from paperboy.search import embeddings, engine, query, retrieval, vectors  # noqa: E402

_WS = re.compile(r"\s+")
#: Seconds between two timed queries: OpenBLAS threads busy-wait about 0.1 s after a product before they
#: sleep, so without a gap one version's idle threads would slow the other's next query.
GAP = 0.12


def _blas() -> ctypes.CDLL | None:
    libs = glob.glob(str(Path(np.__file__).parent.parent / "numpy.libs" / "libscipy_openblas64_*.so"))
    return ctypes.CDLL(libs[0]) if libs else None


BLAS = _blas()


def blas_threads(n: int) -> None:
    if BLAS is not None:
        BLAS.scipy_openblas_set_num_threads64_(n)


def load_ref(ref: Path) -> dict:
    """The reference checkout's search modules, as ref_query, ref_retrieval, ref_vectors, ref_embeddings
    (each importing the others under those names; engine and fusion come from this checkout)."""
    mods: dict = {}
    for name in ("embeddings", "vectors", "query", "retrieval"):
        src = (ref / "paperboy" / "search" / f"{name}.py").read_text()
        for other in ("embeddings", "vectors", "query"):
            src = src.replace(f"from paperboy.search.{other} import", f"from ref_{other} import")
        spec = importlib.util.spec_from_loader(f"ref_{name}", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__file__ = str(ref / "paperboy" / "search" / f"{name}.py")
        sys.modules[f"ref_{name}"] = module
        exec(compile(src, module.__file__, "exec"), module.__dict__)
        mods[name] = module
    return mods


def index_dir(scale: str) -> Path:
    found = sorted((cache_dir() / "indexes").glob(f"{'real' if scale == 'real' else '1m'}-*"))
    if not found:
        raise SystemExit(f"no cached {scale} index: run make bench-search (or paperboy.bench.search) first")
    return found[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ref", type=Path, required=True, help="folder holding the reference paperboy/search"
    )
    parser.add_argument("--scales", default="real,1m")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--embed", type=int, default=256, help="abstracts per version for the throughput")
    args = parser.parse_args()
    ref = load_ref(args.ref)
    real = load_real(data_dir())
    queries = make_queries(real.titles, args.queries)
    warm = make_queries(real.titles, 20, seed=99)
    cores = os.cpu_count() or 2
    rows, notes = [], []
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        work = index_dir(scale)
        sides = {
            "before": (
                ref["retrieval"].Retriever(
                    engine.KeywordIndex(work / "keyword"),
                    ref["vectors"].VectorIndex(work / "vectors"),
                    ref["embeddings"].embed_query,
                ),
                ref["query"].parse,
                ref["retrieval"].SearchFilters(),
                ref["embeddings"].clear_query_cache,
                cores,
            ),
            "after": (
                retrieval.Retriever(
                    engine.KeywordIndex(work / "keyword"),
                    vectors.VectorIndex(work / "vectors"),
                    embeddings.embed_query,
                ),
                query.parse,
                retrieval.SearchFilters(),
                embeddings.clear_query_cache,
                1,
            ),
        }

        def run(side: str, mode: str, q: str, sides: dict = sides) -> list[int]:
            r, parse, filters, clear, threads = sides[side]
            blas_threads(threads)
            clear()
            parsed = parse(q)
            if mode == "keyword":
                return [c.pk for c in r.keyword_ranked(parsed, filters, 20).hits]
            if mode == "semantic":
                return [c.pk for c in r.semantic_ranked(parsed, filters, 20).hits]
            return [c.pk for c in r.hybrid_ranked(parsed, filters, 100).hits[:20]]

        for q in warm:
            for side in sides:
                run(side, "hybrid", q)
        n = sides["after"][0].keyword.num_docs()
        for mode in ("keyword", "semantic", "hybrid"):
            times: dict[str, list[float]] = {"before": [], "after": []}
            cpu: dict[str, list[float]] = {"before": [], "after": []}
            same = 0
            load0 = os.getloadavg()[0]
            for i, q in enumerate(queries):
                got = {}
                for side in ("before", "after") if i % 2 == 0 else ("after", "before"):
                    time.sleep(GAP)
                    c, t = time.process_time(), time.perf_counter()
                    got[side] = run(side, mode, q)
                    times[side].append(time.perf_counter() - t)
                    cpu[side].append(time.process_time() - c)
                same += got["before"] == got["after"]
            b, a = (np.asarray(times[s]) * 1000 for s in ("before", "after"))
            bc, ac = (np.asarray(cpu[s]) * 1000 for s in ("before", "after"))
            rows.append(
                f"| {scale} | {n:,} | {mode} | {np.percentile(b, 50):.1f} | {np.percentile(b, 99):.1f} | "
                f"{np.percentile(a, 50):.1f} | {np.percentile(a, 99):.1f} | "
                f"{np.percentile(b, 99) / np.percentile(a, 99):.2f}x | "
                f"{np.percentile(bc, 50):.1f} / {np.percentile(bc, 99):.1f} | "
                f"{np.percentile(ac, 50):.1f} / {np.percentile(ac, 99):.1f} | {same}/{len(queries)} | "
                f"{load0:.1f}-{os.getloadavg()[0]:.1f} |"
            )
            sys.stderr.write(rows[-1] + "\n")
        notes.append(f"{scale}: {work.name}")
    # Embedding throughput: the same real abstracts through both, interleaved in chunks of 64.
    step = max(1, len(real) // 1000)
    sample = [f"{real.titles[i]}. {_WS.sub(' ', real.abstracts[i])}" for i in range(0, len(real), step)]
    sample = sample[: args.embed]
    emb = {"before": ref["embeddings"].embed_texts, "after": embeddings.embed_texts}
    for fn in emb.values():
        fn(sample[:32], batch_size=32)
    spent = {"before": 0.0, "after": 0.0}
    for i, lo in enumerate(range(0, len(sample), 64)):
        for side in ("before", "after") if i % 2 == 0 else ("after", "before"):
            t = time.perf_counter()
            emb[side](sample[lo : lo + 64], batch_size=32)
            spent[side] += time.perf_counter() - t
    print(
        "| scale | papers | mode | before p50 ms | before p99 | after p50 | after p99 | p99 ratio "
        "| before CPU ms p50 / p99 | after CPU ms p50 / p99 | same top 20 | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print(
        f"\nembedding ({len(sample)} real abstracts, batch 32): before {len(sample) / spent['before']:.1f}/s, "
        f"after {len(sample) / spent['after']:.1f}/s"
    )
    print("indexes: " + "; ".join(notes) + f"; load average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
