"""The in-process vector index of paper embeddings: exact below a size threshold, HNSW above.

Vectors live in the database (``PaperEmbedding``); this index is a derived copy on disk that web
processes load lazily and search in memory. Scores are inner products of unit vectors, i.e. cosines.

* Exact (fewer than ``settings.SEARCH_ANN_THRESHOLD`` vectors, env PAPERBOY_ANN_THRESHOLD, default
  20,000): a float32 matrix X (n, 384), memory-mapped, ``X @ q`` and ``argpartition``. Recall 1.0, but
  it reads all of X per query: 3.3 ms of CPU at 25,000 real paper vectors on a quiet core, where HNSW
  (k 400, ef 400, as hybrid search asks) takes 0.8 ms with recall@100 0.996 and builds in 3 s. One search
  is most of the CPU a web process spends on a hybrid search, hence the low threshold.
* HNSW (at or above the threshold): faiss ``IndexHNSWFlat`` with inner product, M=16,
  efConstruction=128, efSearch ``settings.SEARCH_ANN_EF_SEARCH`` (env PAPERBOY_ANN_EF_SEARCH, default 256).
  Measured on 6,144 real MiniLM paper vectors with title-fragment queries: recall@10 0.964 at ef 96,
  0.975 at 128, 0.990 at 256 (short queries sit far from every abstract, so HNSW needs a wide beam).

Layout of ``settings.SEARCH_INDEX_DIR / "vectors"``::

    CURRENT                 name of the generation being served; replaced atomically (os.replace)
    .lock                   fcntl lock held by writers (delta append, rebuild swap)
    gen-<utc>-<rand>/meta.json    kind ("exact" | "hnsw"), n, dim, model_version, build parameters
    gen-.../ids.npy         int64 (n,): Paper primary keys, ascending; row i of the index is ids[i]
    gen-.../vectors.npy     float32 (n, 384) (exact generations only)
    gen-.../hnsw.faiss      the faiss index, rows in the order of ids.npy (HNSW generations only)
    gen-.../delta.f32       vectors appended since the build (raw little-endian float32 rows of 384)
    gen-.../delta.ids       their Paper primary keys (raw little-endian int64)

``manage.py rebuild_vector_index`` writes a new generation from the database and swaps CURRENT; the
``embed`` job appends each batch it stores to the current generation's delta (kept in step with
ingest without a rebuild). A delta row replaces the base row of the same paper, a later delta row an
earlier one. Readers check CURRENT and the delta size on every search (two ``stat`` calls) and reload
what changed. Papers deleted from the database keep their vectors here until the next rebuild;
callers drop primary keys that no longer exist.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from paperboy.search.embeddings import DIM

__all__ = [
    "VectorIndex",
    "append_vectors",
    "build_generation",
    "rebuild_from_db",
    "site_vector_source",
    "vectors_dir",
]

log = logging.getLogger(__name__)

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
DEFAULT_THRESHOLD = 20_000
DEFAULT_EF_SEARCH = 256
#: With candidate_ids on an HNSW generation, up to this many candidates are scored exactly.
EXACT_CANDIDATES_MAX = 50_000
_ROW_BYTES = DIM * 4


def vectors_dir(root: Path | None = None) -> Path:
    """The folder of the vector index: ``settings.SEARCH_INDEX_DIR / "vectors"`` unless given."""
    return Path(root) if root is not None else Path(settings.SEARCH_INDEX_DIR) / "vectors"


def ann_threshold() -> int:
    return int(getattr(settings, "SEARCH_ANN_THRESHOLD", DEFAULT_THRESHOLD))


def ef_search() -> int:
    return int(getattr(settings, "SEARCH_ANN_EF_SEARCH", DEFAULT_EF_SEARCH))


@contextlib.contextmanager
def _write_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _current_name(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# -- building ------------------------------------------------------------------------------------------
def build_generation(
    root: Path,
    ids: np.ndarray,
    vectors: np.ndarray,
    *,
    model_version: str = "",
    threshold: int | None = None,
    threads: int | None = None,
) -> Path:
    """Write a complete new generation (not yet served) and return its folder.

    Args:
        ids: int64 (n,) Paper primary keys, unique (sorted here).
        vectors: float32 (n, 384), unit rows, row i for ids[i].
        threshold: exact below this many vectors, HNSW at or above (default: settings).
        threads: faiss build threads (default: PAPERBOY_EMBED_THREADS or 2).
    """
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape != (len(ids), DIM):
        raise ValueError(f"vectors have shape {vectors.shape}, expected ({len(ids)}, {DIM})")
    order = np.argsort(ids, kind="stable")
    if len(ids) and not (order == np.arange(len(ids))).all():
        ids, vectors = ids[order], vectors[order]
    if len(ids) > 1 and (np.diff(ids) == 0).any():
        raise ValueError("ids are not unique")
    threshold = ann_threshold() if threshold is None else threshold
    kind = "hnsw" if len(ids) >= threshold and len(ids) > 0 else "exact"
    root.mkdir(parents=True, exist_ok=True)
    gen = root / f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    tmp = root / f".tmp-{gen.name}"
    tmp.mkdir()
    started = time.perf_counter()
    np.save(tmp / "ids.npy", ids)
    if kind == "exact":
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors))
    else:
        import faiss

        faiss.omp_set_num_threads(threads or int(os.environ.get("PAPERBOY_EMBED_THREADS", "2") or 2))
        index = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(np.ascontiguousarray(vectors))
        faiss.write_index(index, str(tmp / "hnsw.faiss"))
        faiss.omp_set_num_threads(1)
    (tmp / "delta.f32").touch()
    (tmp / "delta.ids").touch()
    meta = {
        "kind": kind,
        "n": len(ids),
        "dim": DIM,
        "model_version": model_version,
        "threshold": threshold,
        "hnsw_m": HNSW_M if kind == "hnsw" else None,
        "hnsw_ef_construction": HNSW_EF_CONSTRUCTION if kind == "hnsw" else None,
        "build_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    tmp.rename(gen)
    return gen


#: Seconds a reader trusts its last look at the served generation and its delta (a read of CURRENT and a
#: stat): one search asks the index several times. Swaps and appends made by this process are seen at once
#: (they bump _local_writes); those of other processes (the embed job) within this many seconds.
RECHECK_SECONDS = 0.1
_local_writes = 0


def _wrote() -> None:
    global _local_writes
    _local_writes += 1


def _swap(root: Path, gen: Path, keep: int = 2) -> None:
    """Serve ``gen`` (caller holds the write lock) and delete all but the ``keep`` newest generations.
    Readers holding an old generation keep their memory maps: unlinked files stay readable."""
    _wrote()
    tmp = root / f".CURRENT.{uuid.uuid4().hex[:6]}"
    _fsync_write(tmp, gen.name.encode())
    tmp.replace(root / "CURRENT")
    gens = sorted((p for p in root.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in gens[:-keep]:
        if old.name != gen.name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-gen-*"):
        if time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale, ignore_errors=True)


def _append_locked(root: Path, ids: np.ndarray, vectors: np.ndarray) -> None:
    _wrote()
    name = _current_name(root)
    if name is None or not (root / name).is_dir():
        gen = build_generation(root, np.zeros(0, np.int64), np.zeros((0, DIM), np.float32))
        _swap(root, gen)
        name = gen.name
    gen = root / name
    # Vectors first, then ids: a reader counts rows by the ids file, so it never sees an id without its vector.
    with (gen / "delta.f32").open("ab") as f:
        f.write(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
        f.flush()
        os.fsync(f.fileno())
    with (gen / "delta.ids").open("ab") as f:
        f.write(np.ascontiguousarray(ids, dtype="<i8").tobytes())
        f.flush()
        os.fsync(f.fileno())


def append_vectors(ids: Sequence[int] | np.ndarray, vectors: np.ndarray, root: Path | None = None) -> None:
    """Add or replace these papers' vectors in the served generation (creating an empty one if
    none exists). ``vectors`` is float32 (len(ids), 384) with unit rows. Used by the embed job."""
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), DIM)
    if not len(ids):
        return
    root = vectors_dir(root)
    with _write_lock(root):
        _append_locked(root, ids, vectors)


def delta_size(root: Path | None = None) -> tuple[int, int]:
    """(rows in the served generation's delta, rows in its base)."""
    root = vectors_dir(root)
    name = _current_name(root)
    if name is None:
        return 0, 0
    try:
        n_delta = (root / name / "delta.ids").stat().st_size // 8
        meta = json.loads((root / name / "meta.json").read_text())
    except FileNotFoundError:
        return 0, 0
    return n_delta, int(meta["n"])


def _db_vectors(model_version: str, since: object = None) -> tuple[np.ndarray, np.ndarray]:
    from paperboy.search.models import PaperEmbedding

    qs = PaperEmbedding.objects.filter(model_version=model_version)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    n = qs.count()
    ids = np.empty(n + 1024, dtype=np.int64)
    vecs = np.empty((n + 1024, DIM), dtype=np.float32)
    i = 0
    for pk, blob in qs.order_by("paper_id").values_list("paper_id", "vector").iterator(chunk_size=5000):
        if i == len(ids):  # rows committed between count() and the scan
            ids = np.concatenate([ids, np.empty(len(ids), np.int64)])
            vecs = np.concatenate([vecs, np.empty((len(vecs), DIM), np.float32)])
        ids[i] = pk
        vecs[i] = np.frombuffer(bytes(blob), dtype="<f4")
        i += 1
    return ids[:i], vecs[:i]


def rebuild_from_db(root: Path | None = None, threshold: int | None = None) -> dict:
    """Build a new generation from every current-model ``PaperEmbedding`` and swap it in atomically.

    Vectors stored while the build ran are appended to the new generation's delta before the swap,
    under the write lock, so nothing the embed job wrote in the meantime is lost.
    Returns the generation's meta.json as a dict (plus ``"generation"`` and ``"seconds"``).
    """
    from datetime import timedelta

    from django.utils import timezone

    from paperboy.search.embeddings import model_version

    root = vectors_dir(root)
    version = model_version()
    started_wall = timezone.now() - timedelta(seconds=2)
    started = time.perf_counter()
    ids, vecs = _db_vectors(version)
    gen = build_generation(root, ids, vecs, model_version=version, threshold=threshold)
    with _write_lock(root):
        late_ids, late_vecs = _db_vectors(version, since=started_wall)
        if len(late_ids):
            (gen / "delta.f32").write_bytes(late_vecs.astype("<f4").tobytes())
            (gen / "delta.ids").write_bytes(late_ids.astype("<i8").tobytes())
        _swap(root, gen)
    meta = json.loads((gen / "meta.json").read_text())
    meta.update(generation=gen.name, seconds=round(time.perf_counter() - started, 3), late=len(late_ids))
    return meta


# -- searching -----------------------------------------------------------------------------------------
@dataclass
class _State:
    generation: str
    kind: str
    ids: np.ndarray  # (n,) int64 ascending
    matrix: np.ndarray  # (n, DIM) float32: the exact matrix or a zero-copy view of the HNSW storage
    hnsw: object | None
    delta_ids: np.ndarray  # (m,) int64, latest row per id only
    delta_matrix: np.ndarray  # (m, DIM)
    delta_rows_read: int
    dead_rows: np.ndarray  # base rows superseded by the delta, ascending


def _load_delta(gen: Path, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    raw_ids = np.fromfile(gen / "delta.ids", dtype="<i8")
    raw_vecs = np.fromfile(gen / "delta.f32", dtype="<f4")
    m = min(len(raw_ids), len(raw_vecs) // DIM)
    raw_ids, raw_vecs = raw_ids[:m].astype(np.int64), raw_vecs[: m * DIM].reshape(m, DIM).astype(np.float32)
    if m:
        # Keep the last row of each id.
        rev_unique, rev_first = np.unique(raw_ids[::-1], return_index=True)
        last = m - 1 - rev_first
        d_ids, d_vecs = rev_unique, raw_vecs[last]
    else:
        d_ids, d_vecs = raw_ids, raw_vecs
    if len(ids) and len(d_ids):
        pos = np.searchsorted(ids, d_ids)
        pos_ok = pos < len(ids)
        hit = np.zeros(len(d_ids), dtype=bool)
        hit[pos_ok] = ids[pos[pos_ok]] == d_ids[pos_ok]
        dead = np.sort(pos[hit])
    else:
        dead = np.zeros(0, dtype=np.int64)
    return d_ids, d_vecs, m, dead


def _unique_ids(pks: Sequence[int] | np.ndarray) -> np.ndarray:
    """These pks as a sorted int64 array without repeats. What ``np.unique`` gives, about 6x faster on
    the few hundred pks of one search (numpy 2's hash-based unique costs 60-350 us a call here)."""
    arr = np.sort(np.asarray(pks, dtype=np.int64))
    if len(arr) < 2:
        return arr
    return arr[np.concatenate(([True], arr[1:] != arr[:-1]))]


def _topk(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


class VectorIndex:
    """Searches the served generation of one vectors folder; thread-safe, reloads on change.

    Also implements the ``VectorSource`` protocol of paperboy.search.retrieval (``top_k``, ``scores``,
    ``vector``).
    """

    def __init__(self, root: Path | None = None, ef: int | None = None) -> None:
        self.root = vectors_dir(root)
        self.ef = ef or ef_search()
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._checked: tuple[float, int] = (-1.0, -1)  # (monotonic time, _local_writes) of the last look

    # -- loading
    def _load(self, name: str) -> _State:
        gen = self.root / name
        meta = json.loads((gen / "meta.json").read_text())
        ids = np.load(gen / "ids.npy")
        hnsw: Any = None
        if meta["kind"] == "hnsw":
            import faiss

            hnsw = faiss.read_index(str(gen / "hnsw.faiss"))
            storage: Any = faiss.downcast_index(hnsw.storage)
            matrix = faiss.rev_swig_ptr(storage.get_xb(), hnsw.ntotal * DIM).reshape(hnsw.ntotal, DIM)
        else:
            # A plain ndarray over the memory map: np.memmap's own indexing costs about 0.1 ms a call.
            matrix = (
                np.asarray(np.load(gen / "vectors.npy", mmap_mode="r"))
                if len(ids)
                else np.zeros((0, DIM), np.float32)
            )
        d_ids, d_vecs, m, dead = _load_delta(gen, ids)
        return _State(name, meta["kind"], ids, matrix, hnsw, d_ids, d_vecs, m, dead)

    def _current(self) -> _State | None:
        """The state to search, reloading the generation or its delta when they changed on disk
        (looked at no more often than every RECHECK_SECONDS unless this process wrote since)."""
        state = self._state
        now, writes = time.monotonic(), _local_writes
        if state is not None and self._checked[1] == writes and now - self._checked[0] < RECHECK_SECONDS:
            return state
        self._checked = (now, writes)
        name = _current_name(self.root)
        if name is None:
            return state
        try:
            delta_rows = (self.root / name / "delta.ids").stat().st_size // 8
        except FileNotFoundError:
            return state
        if state is not None and state.generation == name and state.delta_rows_read == delta_rows:
            return state
        with self._lock:
            state = self._state
            if state is None or state.generation != name:
                try:
                    state = self._load(name)
                except FileNotFoundError:  # swapped again while loading: keep what we have
                    return self._state
                log.info("vector index %s loaded: %s, %d rows", name, state.kind, len(state.ids))
            elif state.delta_rows_read != delta_rows:
                d_ids, d_vecs, m, dead = _load_delta(self.root / name, state.ids)
                state = _State(
                    state.generation, state.kind, state.ids, state.matrix, state.hnsw, d_ids, d_vecs, m, dead
                )
            self._state = state
            return state

    def __len__(self) -> int:
        state = self._current()
        if state is None:
            return 0
        return len(state.ids) - len(state.dead_rows) + len(state.delta_ids)

    @property
    def kind(self) -> str | None:
        """ "exact" or "hnsw" for the served generation; None before the first build."""
        state = self._current()
        return state.kind if state else None

    # -- searching
    def search(
        self, query_vec: np.ndarray, k: int = 10, candidate_ids: Iterable[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` papers nearest to ``query_vec`` (float32 (384,), unit norm) as
        ``[(paper_pk, cosine), ...]``, best first. With ``candidate_ids`` only those papers are
        considered (scored exactly when there are at most 50,000 of them). Empty before any build."""
        state = self._current()
        if state is None or k <= 0:
            return []
        q = np.asarray(query_vec, dtype=np.float32).reshape(DIM)
        if candidate_ids is not None:
            return self._search_candidates(
                state, q, k, _unique_ids(np.fromiter(candidate_ids, dtype=np.int64))
            )
        base: list[tuple[int, float]]
        if state.kind == "hnsw":
            base = self._hnsw(state, q, k, sel_rows=None)
        else:
            base = self._exact_rows(state, q, k, rows=None)
        return self._merge(base, self._delta(state, q, k, None), k)

    def _exact_rows(
        self, state: _State, q: np.ndarray, k: int, rows: np.ndarray | None
    ) -> list[tuple[int, float]]:
        if not len(state.ids):
            return []
        if rows is None:
            scores = np.asarray(state.matrix @ q)
            if len(state.dead_rows):
                scores[state.dead_rows] = -np.inf
            top = _topk(scores, k)
            return [(int(state.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]
        if not len(rows):
            return []
        scores = state.matrix[rows] @ q
        top = _topk(scores, k)
        return [(int(state.ids[rows[i]]), float(scores[i])) for i in top]

    def _hnsw(
        self, state: _State, q: np.ndarray, k: int, sel_rows: np.ndarray | None
    ) -> list[tuple[int, float]]:
        import faiss

        params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(self.ef, k)
        keep: list[object] = []  # the selectors must outlive the search call
        sel: Any
        if sel_rows is not None:
            sel = faiss.IDSelectorBatch(sel_rows.astype(np.int64))
            keep.append(sel)
            params.sel = sel
        elif len(state.dead_rows):
            inner = faiss.IDSelectorBatch(state.dead_rows.astype(np.int64))
            sel = faiss.IDSelectorNot(inner)
            keep += [inner, sel]
            params.sel = sel
        hnsw: Any = state.hnsw
        scores, rows = hnsw.search(q.reshape(1, DIM), k, params=params)
        return [(int(state.ids[r]), float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def _delta(
        self, state: _State, q: np.ndarray, k: int, cand: np.ndarray | None
    ) -> list[tuple[int, float]]:
        if not len(state.delta_ids):
            return []
        if cand is None:
            ids, mat = state.delta_ids, state.delta_matrix
        else:
            mask = np.isin(state.delta_ids, cand)
            ids, mat = state.delta_ids[mask], state.delta_matrix[mask]
        if not len(ids):
            return []
        scores = mat @ q
        return [(int(ids[i]), float(scores[i])) for i in _topk(scores, k)]

    @staticmethod
    def _merge(a: list[tuple[int, float]], b: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        if not b:
            return a[:k]
        if not a:
            return b[:k]
        return sorted(a + b, key=lambda item: (-item[1], item[0]))[:k]

    def _base_rows(self, state: _State, pks: np.ndarray) -> np.ndarray:
        """Base rows of these pks (ascending, unique), excluding rows superseded by the delta."""
        if not len(state.ids) or not len(pks):
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(state.ids, pks)
        ok = pos < len(state.ids)
        pos = pos[ok]
        rows = pos[state.ids[pos] == pks[ok]]
        if len(state.dead_rows):
            rows = rows[~np.isin(rows, state.dead_rows)]
        return rows

    def _search_candidates(
        self, state: _State, q: np.ndarray, k: int, cand: np.ndarray
    ) -> list[tuple[int, float]]:
        rows = self._base_rows(state, cand)
        if state.kind == "hnsw" and len(rows) > EXACT_CANDIDATES_MAX:
            base = self._hnsw(state, q, k, sel_rows=rows)
        else:
            base = self._exact_rows(state, q, k, rows=rows)
        return self._merge(base, self._delta(state, q, k, cand), k)

    # -- the VectorSource protocol of paperboy.search.retrieval
    def top_k(self, query: np.ndarray, k: int, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        """(pk, cosine) of the k nearest papers, best first, never one of ``exclude``."""
        excluded = {int(pk) for pk in exclude}
        hits = self.search(query, k + len(excluded))
        return [(pk, s) for pk, s in hits if pk not in excluded][:k]

    def scores(self, query: np.ndarray, pks: Sequence[int]) -> dict[int, float]:
        """Cosine of each of these papers that has a vector."""
        state = self._current()
        if state is None or not len(pks):
            return {}
        q = np.asarray(query, dtype=np.float32).reshape(DIM)
        wanted = _unique_ids(list(pks))
        out: dict[int, float] = {}
        rows = self._base_rows(state, wanted)
        if len(rows):
            sims = state.matrix[rows] @ q
            out.update({int(state.ids[r]): float(s) for r, s in zip(rows, sims, strict=True)})
        if len(state.delta_ids):
            mask = np.isin(state.delta_ids, wanted)
            if mask.any():
                sims = state.delta_matrix[mask] @ q
                out.update({int(pk): float(s) for pk, s in zip(state.delta_ids[mask], sims, strict=True)})
        return out

    def vectors(self, pks: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of these papers (float32 (384,) each; papers without one are left out), in
        one pass: what ``vector`` gives for each pk, without re-checking the served generation per pk."""
        ids, block = self.gather(pks)
        return {pk: block[i] for i, pk in enumerate(ids.tolist())}

    def gather(self, pks: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The stored vectors of these papers as one block: ``(ids, matrix)``, ids (m,) int64 ascending
        (the pks that have a vector, without repeats) and matrix (m, 384) float32, row i the vector of
        ids[i]. What ``vectors`` gives, without making a dict of m rows."""
        state = self._current()
        empty = (np.zeros(0, dtype=np.int64), np.zeros((0, DIM), dtype=np.float32))
        if state is None or not len(pks):
            return empty
        wanted = _unique_ids(list(pks))
        rows = self._base_rows(state, wanted)
        ids, block = state.ids[rows], np.asarray(state.matrix[rows], dtype=np.float32)
        if len(state.delta_ids):
            mask = np.isin(state.delta_ids, wanted)
            if mask.any():
                ids = np.concatenate([ids, state.delta_ids[mask]])
                block = np.concatenate([block, np.asarray(state.delta_matrix[mask], dtype=np.float32)])
                order = np.argsort(ids, kind="stable")
                ids, block = ids[order], block[order]
        return (ids.astype(np.int64, copy=False), block) if len(ids) else empty

    def vector(self, pk: int) -> np.ndarray | None:
        """The stored vector of a paper (float32 (384,)), or None."""
        state = self._current()
        if state is None:
            return None
        if len(state.delta_ids):
            i = np.searchsorted(state.delta_ids, pk)
            if i < len(state.delta_ids) and state.delta_ids[i] == pk:
                return np.array(state.delta_matrix[i])
        rows = self._base_rows(state, np.array([pk], dtype=np.int64))
        return np.array(state.matrix[rows[0]]) if len(rows) else None


_indexes: dict[Path, VectorIndex] = {}
_indexes_lock = threading.Lock()


def get_index(root: Path | None = None) -> VectorIndex:
    """The process-wide VectorIndex of a folder (default: the site's)."""
    root = vectors_dir(root)
    with _indexes_lock:
        if root not in _indexes:
            _indexes[root] = VectorIndex(root)
        return _indexes[root]


def site_vector_source() -> VectorIndex | None:
    """The site's vector index for paperboy.search.services, or None while nothing has been built or
    embedded (semantic search then falls back to keyword search)."""
    index = get_index()
    return index if len(index) else None
