"""The keyword index: a tantivy index in a folder, with BM25 over title, authors and abstract.

Layout of ``settings.SEARCH_INDEX_DIR / "keyword"`` (any folder works; the eval harness uses temporary ones)::

    <dir>/current          symlink to the generation being served, e.g. "gen-20261129T150102-4f3a"
    <dir>/gen-.../         one tantivy index (meta.json + segment files)
    <dir>/.write.lock      fcntl lock: one writer (incremental update or rebuild) at a time

A rebuild writes a new generation and swaps the ``current`` symlink with ``os.replace`` (atomic on POSIX),
so readers see either the old complete index or the new complete one, never an empty or partial one.
Readers notice both a swap (the symlink target changed) and commits by other processes (meta.json changed)
and reload.

Analysis (``en_paper``): tantivy's simple tokenizer (splits on non-alphanumerics), tokens longer than
40 bytes dropped, lower-cased, folded to ASCII, English stop words removed, Snowball English stemmer.
Author names use ``names``: the same without stop words and stemming.

BM25 is tantivy's (k1 = 1.2, b = 0.75, Robertson-Sparck Jones idf), computed per field; a query sums the
field scores with the field weights of :mod:`paperboy.search.query`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import tantivy

__all__ = [
    "IndexDoc",
    "KeywordIndex",
    "analyze",
    "analyze_positions",
    "build_schema",
]

TEXT_ANALYZER = "en_paper"
NAME_ANALYZER = "names"
MAX_TOKEN_BYTES = 40
WRITER_HEAP_BYTES = 64_000_000

#: English stop words: the NLTK list (179 words, as used by bm25s and most BM25 baselines), folded.
_STOP_TEXT = """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in
    out on off over under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don should now d ll m o
    re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won
    wouldn"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _basic_builder() -> tantivy.TextAnalyzerBuilder:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )


@lru_cache(maxsize=1)
def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    return {
        TEXT_ANALYZER: _basic_builder()
        .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
        .filter(tantivy.Filter.stemmer("english"))
        .build(),
        NAME_ANALYZER: _basic_builder().build(),
        "basic": _basic_builder().build(),
    }


@lru_cache(maxsize=200_000)
def _analyze_word(word: str) -> str | None:
    out = _analyzers()[TEXT_ANALYZER].analyze(word)
    return out[0] if out else None


def analyze(text: str, analyzer: str = TEXT_ANALYZER) -> list[str]:
    """The index terms of ``text`` (e.g. ``"Learning-based Sparsity"`` -> ``["learn", "base", "sparsiti"]``)."""
    return list(_analyzers()[analyzer].analyze(text or ""))


def analyze_positions(text: str) -> list[tuple[int, str]]:
    """Index terms of ``text`` with their token positions, as tantivy indexes them.

    Stop words are not indexed but keep their position, so ``"learning of sparse codes"`` gives
    ``[(0, "learn"), (2, "spars"), (3, "code")]``; a phrase query needs these offsets to match.
    """
    out: list[tuple[int, str]] = []
    for position, word in enumerate(_analyzers()["basic"].analyze(text or "")):
        term = _analyze_word(word)
        if term is not None:
            out.append((position, term))
    return out


def build_schema() -> tantivy.Schema:
    """Fields: pk (Paper primary key), title/abstract (en_paper, stored for snippets), authors (names),
    categories (raw, lower-cased, multi-valued), published/featured (dates; featured multi-valued),
    upvotes (int), has_code (0/1). Dates, upvotes and has_code are fast fields for filters and sorts."""
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("pk", stored=True, indexed=True, fast=True)
    sb.add_text_field("text", stored=False, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("title", stored=True, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("authors", stored=False, tokenizer_name=NAME_ANALYZER)
    sb.add_text_field("abstract", stored=True, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("categories", stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_date_field("published", indexed=True, fast=True)
    sb.add_date_field("featured", indexed=True, fast=True)
    sb.add_integer_field("upvotes", indexed=True, fast=True)
    sb.add_integer_field("has_code", indexed=True, fast=True)
    return sb.build()


@dataclass
class IndexDoc:
    """What the keyword index holds for one paper (plain text; see paperboy.search.documents)."""

    pk: int
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    published: dt.datetime | None = None
    featured: list[dt.date] = field(default_factory=list)
    upvotes: int = 0
    has_code: bool = False

    def to_tantivy(self) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_integer("pk", int(self.pk))
        doc.add_text("title", self.title or "")
        # Title and abstract as one text (BM25 over the whole paper); the title also gets its own field.
        doc.add_text("text", self.title or "")
        doc.add_text("text", self.abstract or "")
        # One value per author; a gap between values keeps phrases from spanning two names.
        for name in self.authors:
            doc.add_text("authors", name)
        doc.add_text("abstract", self.abstract or "")
        for cat in self.categories:
            doc.add_text("categories", cat.lower())
        if self.published is not None:
            doc.add_date("published", _as_naive_utc(self.published))
        for day in self.featured:
            doc.add_date("featured", dt.datetime(day.year, day.month, day.day))
        doc.add_integer("upvotes", int(self.upvotes))
        doc.add_integer("has_code", 1 if self.has_code else 0)
        return doc


def _as_naive_utc(value: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


#: A reader looks at the served generation on disk (a readlink and a stat) at most this often, in seconds:
#: a web process serving 100 searches a second would otherwise make 200 system calls a second for nothing.
#: Writes by this process (upsert, rebuild) are seen at once (they bump _local_writes); those of other
#: processes (ingest, the worker) within this many seconds.
RECHECK_SECONDS = 0.1
_local_writes = 0


def _wrote() -> None:
    global _local_writes
    _local_writes += 1


class KeywordIndex:
    """One index folder (see the module docstring). Safe to share between threads of a process."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.schema = build_schema()
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._generation: str | None = None
        self._meta_mtime: int | None = None
        self._checked: tuple[float, int] = (-1.0, -1)  # (monotonic time, _local_writes) of the last look

    # -- locations -------------------------------------------------------------------------------------
    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def _current_generation(self) -> str | None:
        try:
            return str(self.current_link.readlink())
        except OSError:
            return None

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Exclusive lock on the index folder across processes (one writer at a time)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.root / ".write.lock", "a+") as fh:  # noqa: PTH123
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _open(self, path: Path) -> tantivy.Index:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self.schema, path=str(path), reuse=True)
        for name, analyzer in _analyzers().items():
            index.register_tokenizer(name, analyzer)
        return index

    def _new_generation(self) -> tuple[str, tantivy.Index]:
        name = f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        return name, self._open(self.root / name)

    def _swap(self, name: str) -> None:
        tmp = self.root / f".current-{uuid.uuid4().hex[:6]}"
        tmp.symlink_to(name)
        old = self._current_generation()
        tmp.replace(self.current_link)
        if old and old != name:
            shutil.rmtree(self.root / old, ignore_errors=True)

    # -- reading ---------------------------------------------------------------------------------------
    def exists(self) -> bool:
        gen = self._current_generation()
        return gen is not None and (self.root / gen / "meta.json").exists()

    def index(self) -> tantivy.Index | None:
        """The served tantivy index, reloaded if another process swapped or committed it; None when none.
        Looks at the disk at most every RECHECK_SECONDS, unless this process wrote to an index since."""
        now, writes = time.monotonic(), _local_writes
        if (
            self._index is not None
            and self._checked[1] == writes
            and now - self._checked[0] < RECHECK_SECONDS
        ):
            return self._index
        with self._lock:
            self._checked = (now, writes)
            gen = self._current_generation()
            if gen is None:
                self._index = None
                return None
            meta = self.root / gen / "meta.json"
            try:
                mtime = meta.stat().st_mtime_ns
            except OSError:
                return self._index
            if self._index is None or gen != self._generation:
                self._index = self._open(self.root / gen)
                self._generation, self._meta_mtime = gen, mtime
            elif mtime != self._meta_mtime:
                self._index.reload()
                self._meta_mtime = mtime
            return self._index

    def searcher(self) -> tantivy.Searcher | None:
        index = self.index()
        return index.searcher() if index is not None else None

    def num_docs(self) -> int:
        searcher = self.searcher()
        return searcher.num_docs if searcher is not None else 0

    # -- writing ---------------------------------------------------------------------------------------
    def _writer(self, index: tantivy.Index, threads: int = 1) -> tantivy.IndexWriter:
        return index.writer(WRITER_HEAP_BYTES, threads)

    def upsert(self, docs: Iterable[IndexDoc], delete_pks: Iterable[int] = ()) -> int:
        """Replace these documents (by pk) and delete ``delete_pks``; one commit. Returns docs written.

        Creates the first generation when there is none yet.
        """
        with self.write_lock():
            gen = self._current_generation()
            if gen is not None and (self.root / gen / "meta.json").exists():
                created, index = False, self._open(self.root / gen)
            else:
                created = True
                gen, index = self._new_generation()
            writer = self._writer(index)
            count = 0
            for pk in delete_pks:
                writer.delete_documents_by_term("pk", int(pk))
            for doc in docs:
                writer.delete_documents_by_term("pk", int(doc.pk))
                writer.add_document(doc.to_tantivy())
                count += 1
            writer.commit()
            writer.wait_merging_threads()
            if created:
                self._swap(gen)
        _wrote()
        return count

    def rebuild(self, docs: Iterable[IndexDoc], threads: int = 2) -> int:
        """Build a fresh generation from ``docs`` and swap it in atomically. Returns docs written."""
        with self.write_lock():
            name, index = self._new_generation()
            try:
                writer = self._writer(index, threads)
                count = 0
                for doc in docs:
                    writer.add_document(doc.to_tantivy())
                    count += 1
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                shutil.rmtree(self.root / name, ignore_errors=True)
                raise
            self._swap(name)
        _wrote()
        return count
