"""Corpora for ``make bench-search``: the real arXiv corpus and a 1M-paper synthetic one built from it.

Real: ``<repo>/../shared/data/arxiv-daily-cs-dwdengwei/daily/*.jsonl.gz`` (120,405 lines, 74,728
unique arXiv ids; the first line of each id wins). Override the folder with ``--data`` or
PAPERBOY_BENCH_DATA.

Embeddings of the real corpus are computed once with paperboy's embedder and cached OUTSIDE the repo,
in ``$PAPERBOY_BENCH_CACHE`` (default ``~/.cache/paperboy/bench``), keyed by the model file's sha256 and
the corpus ids, written in resumable chunks of 2,048 abstracts.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "arxiv-daily-cs-dwdengwei" / "daily"
CHUNK = 2048
_WS = re.compile(r"\s+")


@dataclass
class Corpus:
    """Papers as parallel lists; ``ids`` are arXiv ids, ``texts`` what is embedded (see paper_text)."""

    ids: list[str]
    titles: list[str]
    abstracts: list[str]
    categories: list[list[str]]
    authors: list[list[str]]

    def __len__(self) -> int:
        return len(self.ids)


def data_dir(override: str | None = None) -> Path:
    return Path(override or os.environ.get("PAPERBOY_BENCH_DATA") or DEFAULT_DATA)


def cache_dir() -> Path:
    path = Path(os.environ.get("PAPERBOY_BENCH_CACHE") or Path.home() / ".cache" / "paperboy" / "bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def load_real(folder: Path, limit: int | None = None) -> Corpus:
    """Unique papers of the daily files in file-name order (first occurrence of an id wins)."""
    seen: set[str] = set()
    c = Corpus([], [], [], [], [])
    files = sorted(folder.glob("*.jsonl.gz"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl.gz in {folder}")
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if rec["id"] in seen:
                    continue
                seen.add(rec["id"])
                c.ids.append(rec["id"])
                c.titles.append(_WS.sub(" ", rec.get("title") or "").strip())
                c.abstracts.append(rec.get("summary") or "")
                c.categories.append(list(rec.get("categories") or []))
                c.authors.append(list(rec.get("authors") or []))
                if limit and len(c.ids) >= limit:
                    return c
    return c


def texts_of(corpus: Corpus) -> list[str]:
    from paperboy.search.embeddings import paper_text

    return [
        paper_text({"title": t, "abstract": a}) for t, a in zip(corpus.titles, corpus.abstracts, strict=True)
    ]


def _key(corpus: Corpus) -> str:
    from paperboy.search.embeddings import model_version

    ids_hash = hashlib.sha256("\n".join(corpus.ids).encode()).hexdigest()[:12]
    return f"{model_version().replace('/', '_')}-{len(corpus)}-{ids_hash}"


def cached_embeddings(corpus: Corpus, log=_say) -> tuple[np.ndarray, dict]:
    """(n, 384) float32 vectors of the corpus and the run's metadata (``abstracts_per_s`` of the run
    that computed them). Computes the missing chunks, so an interrupted run resumes."""
    from paperboy.search.embeddings import embed_texts

    key = _key(corpus)
    root = cache_dir()
    final, meta_path = root / f"emb-{key}.npy", root / f"emb-{key}.json"
    if final.exists() and meta_path.exists():
        return np.load(final), json.loads(meta_path.read_text())
    parts = root / f"parts-{key}"
    parts.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    texts = texts_of(corpus)
    log(f"texts prepared in {time.perf_counter() - t0:.1f} s")
    done_seconds, done_count = 0.0, 0
    n_chunks = (len(texts) + CHUNK - 1) // CHUNK
    for c in range(n_chunks):
        part = parts / f"{c:05d}.npy"
        if part.exists():
            continue
        chunk = texts[c * CHUNK : (c + 1) * CHUNK]
        t = time.perf_counter()
        vecs = embed_texts(chunk)
        dt = time.perf_counter() - t
        done_seconds += dt
        done_count += len(chunk)
        tmp = parts / f"{c:05d}.tmp.npy"
        np.save(tmp, vecs)
        tmp.replace(part)
        rate = done_count / done_seconds
        left = sum(len(texts[i * CHUNK : (i + 1) * CHUNK]) for i in range(c + 1, n_chunks))
        log(
            f"chunk {c + 1}/{n_chunks}: {len(chunk)} in {dt:.1f} s ({len(chunk) / dt:.1f}/s), ETA {left / rate / 60:.1f} min"
        )
    vecs = np.concatenate([np.load(parts / f"{c:05d}.npy") for c in range(n_chunks)])
    meta = {
        "key": key,
        "n": len(texts),
        "embed_seconds_this_run": round(done_seconds, 1),
        "abstracts_embedded_this_run": done_count,
        "abstracts_per_s": round(done_count / done_seconds, 1) if done_seconds else None,
        "threads": os.environ.get("PAPERBOY_EMBED_THREADS", "2"),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp = root / f"emb-{key}.tmp.npy"
    np.save(tmp, vecs)
    tmp.replace(final)
    meta_path.write_text(json.dumps(meta, indent=1))
    return vecs, meta


def partial_embeddings(corpus: Corpus) -> tuple[np.ndarray, np.ndarray]:
    """What the cache holds so far without computing anything: (n, 384) float32 vectors with zero rows
    where no chunk is cached yet, and a boolean (n,) mask of the rows that are real embeddings."""
    key = _key(corpus)
    root = cache_dir()
    final = root / f"emb-{key}.npy"
    n = len(corpus)
    if final.exists():
        return np.load(final), np.ones(n, dtype=bool)
    vecs = np.zeros((n, 384), dtype=np.float32)
    have = np.zeros(n, dtype=bool)
    parts = root / f"parts-{key}"
    for part in sorted(parts.glob("[0-9]*.npy")) if parts.exists() else []:
        if ".tmp" in part.name:
            continue
        c = int(part.name.split(".")[0])
        block = np.load(part)
        vecs[c * CHUNK : c * CHUNK + len(block)] = block
        have[c * CHUNK : c * CHUNK + len(block)] = True
    return vecs, have


if __name__ == "__main__":  # prime the cache: python -m paperboy.bench.search_corpus
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    os.environ.setdefault("PAPERBOY_DEBUG", "true")
    django.setup()
    corpus = load_real(data_dir(sys.argv[1] if len(sys.argv) > 1 else None))
    _say(f"{len(corpus)} unique papers")
    vecs, meta = cached_embeddings(corpus, log=_say)
    _say(f"{vecs.shape} {meta}")
