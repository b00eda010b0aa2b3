"""Embed the bench database's papers for ``make bench-load``, with vectors cached outside the repo.

Usage (run by paperboy.bench.load with the bench's PAPERBOY_* environment):
``python -m paperboy.bench.load_embed``

The product's own embed job does the work: ``paperboy.search.semantic.embed_pending`` finds the papers
without a current vector, stores them as ``PaperEmbedding`` rows and appends them to the vector index,
then ``paperboy.search.vectors.rebuild_from_db`` (``manage.py rebuild_vector_index``) builds a fresh
generation. The only change is the model call: ``embed_texts`` is wrapped so that a text already
embedded by an earlier bench run is read from the cache instead of being computed again.

Cache: ``$PAPERBOY_BENCH_CACHE`` (default ``~/.cache/paperboy/bench``) ``/load-embeddings/<model version>/``,
one ``part-*.npz`` per embed chunk holding ``hashes`` (text_hash of the embedded text, 32 hex digits)
and ``vectors`` (float32, (n, 384)). The key is the model version (sha256 of the ONNX file) and the hash
of exactly the text that was embedded (``paper_text``), so a changed title or abstract, or another
model, is computed afresh. The first run embeds the whole demo corpus (24,935 papers, about 8-10 min
on 2 quiet cores; 54 min at load average 12); every chunk is written as soon as it is done, so an interrupted run resumes.

Prints progress lines to stderr and a final ``@@EMBED {json}`` line to stdout:
``{"papers", "embedded", "from_cache", "computed", "seconds", "vector_index": {kind, n, ...}}``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _say(message: str) -> None:
    sys.stderr.write(f"bench-load: {message}\n")
    sys.stderr.flush()


def cache_root(model_version: str) -> Path:
    base = Path(os.environ.get("PAPERBOY_BENCH_CACHE") or Path.home() / ".cache" / "paperboy" / "bench")
    path = base / "load-embeddings" / model_version.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


class VectorCache:
    """Vectors by text hash for one model version, read from and appended to ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rows: dict[str, np.ndarray] = {}
        for part in sorted(root.glob("part-*.npz")):
            try:
                with np.load(part) as data:
                    hashes, vectors = data["hashes"], data["vectors"]
            except (OSError, ValueError, KeyError) as exc:  # a torn file from a killed run: ignore it
                _say(f"embedding cache: skipping unreadable {part.name} ({exc})")
                continue
            for h, v in zip(hashes.tolist(), vectors, strict=True):
                self.rows[str(h)] = v
        self.hits = 0
        self.computed = 0

    def __len__(self) -> int:
        return len(self.rows)

    def save(self, hashes: list[str], vectors: np.ndarray) -> None:
        tmp = self.root / f".tmp-{uuid.uuid4().hex}.npz"
        with tmp.open("wb") as f:
            np.savez(f, hashes=np.array(hashes), vectors=vectors.astype(np.float32))
        tmp.replace(self.root / f"part-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}.npz")
        for h, v in zip(hashes, vectors, strict=True):
            self.rows[h] = v


def cached_embedder(cache: VectorCache, embed_texts, text_hash):
    """``embed_texts`` with the same signature and result, reading known texts from ``cache``."""

    def embed(texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        missing = [i for i, h in enumerate(hashes) if h not in cache.rows]
        if missing:
            fresh = embed_texts([texts[i] for i in missing], batch_size=batch_size)
            cache.save([hashes[i] for i in missing], fresh)
            cache.computed += len(missing)
        cache.hits += len(texts) - len(missing)
        out = np.stack([cache.rows[h] for h in hashes]) if hashes else np.zeros((0, 384), np.float32)
        return out.astype(np.float32, copy=False)

    return embed


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    django.setup()

    from paperboy.papers.models import Paper
    from paperboy.search import semantic, vectors
    from paperboy.search.embeddings import embed_texts, model_version, text_hash

    version = model_version()
    root = cache_root(version)
    cache = VectorCache(root)
    papers = Paper.objects.count()
    pending = semantic.stale_papers(version).count()
    _say(
        f"embedding {pending:,} of {papers:,} papers (model {version}); {len(cache):,} vectors cached in {root}"
    )
    if pending > len(cache):
        _say(
            "vectors missing from the cache are computed now: the first run embeds the demo corpus, "
            "about 8-10 min on 2 quiet cores, up to an hour on busy ones (progress below; an interrupted run resumes)"
        )
    semantic.embed_texts = cached_embedder(cache, embed_texts, text_hash)
    started = time.perf_counter()
    last = [0.0]

    def progress(line: str) -> None:  # one line per chunk: at most one every 15 s, and the last one
        now = time.perf_counter()
        done = re.match(r"embed: (\d+)/(\d+) ", line)
        if now - last[0] >= 15 or (done is not None and done.group(1) == done.group(2)):
            last[0] = now
            _say(f"{line} ({cache.hits:,} from the cache, {cache.computed:,} computed)")

    with semantic.embed_lock(wait=True):
        report = semantic.embed_pending(chunk_size=1024, progress=progress, compact=False)
    meta = vectors.rebuild_from_db()
    embedded = semantic.stale_papers(version).count()
    out = {
        "papers": papers,
        "embedded": papers - embedded,
        "from_cache": cache.hits,
        "computed": cache.computed,
        "seconds": round(time.perf_counter() - started, 1),
        "embed_job_seconds": round(report.seconds, 1),
        "model_version": version,
        "vector_index": {k: meta.get(k) for k in ("kind", "n", "generation", "seconds")},
    }
    _say(
        f"embedded {out['embedded']:,} of {papers:,} papers ({cache.hits:,} from the cache, "
        f"{cache.computed:,} computed) in {out['seconds']} s; vector index {meta.get('kind')} of {meta.get('n')}"
    )
    sys.stdout.write("@@EMBED " + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
