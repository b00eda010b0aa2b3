"""The embedding job: compute missing or stale paper vectors in batches and keep the vector index in step.

Run by ``manage.py embed`` (a background job, never a web request). A paper needs a vector when it has
none, when its vector was made by another model version, or when the paper changed after the vector was
made (``Paper.modified_at > PaperEmbedding.updated_at``) and its title + abstract text hash differs.
Papers whose text did not change (e.g. only upvotes moved) are just marked as checked.

Writes are idempotent upserts keyed by the paper, so an interrupted run resumes where it stopped and two
runs at once never create duplicates; a file lock (``SEARCH_INDEX_DIR/embed.lock``) keeps a second
run on the same machine from doing the same work twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from paperboy.papers.models import Paper
from paperboy.search import vectors
from paperboy.search.embeddings import BATCH_SIZE, embed_texts, model_version, paper_text, text_hash
from paperboy.search.models import PaperEmbedding

__all__ = ["EmbedLocked", "EmbedReport", "embed_lock", "embed_pending", "stale_papers"]

log = logging.getLogger(__name__)

#: After a run, the index is rebuilt (compacted) when its delta holds more rows than this fraction of
#: its base, and at least COMPACT_MIN_ROWS rows.
COMPACT_FRACTION = 0.2
COMPACT_MIN_ROWS = 20_000


class EmbedLocked(RuntimeError):
    """Another embed job holds the lock on this machine."""


@dataclass
class EmbedReport:
    pending_at_start: int = 0
    embedded: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    compacted: bool = False

    @property
    def rate(self) -> float:
        """Papers embedded per second (abstracts/s)."""
        return self.embedded / self.seconds if self.seconds else 0.0


def stale_papers(version: str | None = None) -> QuerySet[Paper]:
    """Papers with no vector of this model version made after their last change."""
    fresh = PaperEmbedding.objects.filter(
        paper=OuterRef("pk"),
        model_version=version or model_version(),
        updated_at__gte=OuterRef("modified_at"),
    )
    return Paper.objects.filter(~Exists(fresh))


@contextlib.contextmanager
def embed_lock(wait: bool = False) -> Iterator[None]:
    """Exclusive lock of the embed job on this machine; raises EmbedLocked if held and not ``wait``."""
    root = Path(settings.SEARCH_INDEX_DIR)
    root.mkdir(parents=True, exist_ok=True)
    with (root / "embed.lock").open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise EmbedLocked("another embed job is running") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _embed_chunk(papers: list[tuple[int, str, str]], checked_at, batch_size: int) -> tuple[int, int]:
    """Embed one chunk of (pk, title, abstract); returns (embedded, unchanged)."""
    version = model_version()
    texts = {pk: paper_text({"title": title, "abstract": abstract}) for pk, title, abstract in papers}
    hashes = {pk: text_hash(t) for pk, t in texts.items()}
    existing = dict(
        PaperEmbedding.objects.filter(paper_id__in=list(texts), model_version=version).values_list(
            "paper_id", "text_hash"
        )
    )
    same = [pk for pk in texts if existing.get(pk) == hashes[pk]]
    todo = [pk for pk in texts if pk not in same]
    if same:
        PaperEmbedding.objects.filter(paper_id__in=same).update(updated_at=checked_at)
    if todo:
        vecs = embed_texts([texts[pk] for pk in todo], batch_size=batch_size)
        rows = [
            PaperEmbedding(
                paper_id=pk,
                vector=PaperEmbedding.pack(vec),
                model_version=version,
                text_hash=hashes[pk],
                updated_at=checked_at,
            )
            for pk, vec in zip(todo, vecs, strict=True)
        ]
        PaperEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["paper"],
            update_fields=["vector", "model_version", "text_hash", "updated_at"],
        )
        vectors.append_vectors(np.asarray(todo, dtype=np.int64), vecs)
    return len(todo), len(same)


def embed_pending(
    *,
    limit: int | None = None,
    batch_size: int = BATCH_SIZE,
    chunk_size: int = 256,
    progress: Callable[[str], None] | None = None,
    compact: bool = True,
) -> EmbedReport:
    """Embed every stale paper (at most ``limit``), in ascending primary-key order.

    Each chunk of ``chunk_size`` papers is embedded in model batches of ``batch_size``, stored, and
    appended to the vector index before the next chunk is read, so stopping the job loses at most one
    chunk of work. ``progress`` receives one line per chunk (done/total, rate, ETA).
    """
    say = progress or log.info
    report = EmbedReport()
    version = model_version()
    if compact:
        # Vectors stored by a run that died before appending them to the index: rebuild once.
        stored = PaperEmbedding.objects.filter(model_version=version).count()
        indexed = len(vectors.get_index())
        if indexed < stored:
            say(f"embed: the vector index has {indexed} of {stored} stored vectors; rebuilding it")
            vectors.rebuild_from_db()
            report.compacted = True
    total = stale_papers(version).count()
    if limit is not None:
        total = min(total, limit)
    report.pending_at_start = total
    started = time.perf_counter()
    last_pk = 0
    done = 0
    while done < total:
        checked_at = timezone.now()
        take = min(chunk_size, total - done)
        papers = list(
            stale_papers(version)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "title", "abstract")[:take]
        )
        if not papers:
            break
        last_pk = papers[-1][0]
        embedded, unchanged = _embed_chunk(papers, checked_at, batch_size)
        report.embedded += embedded
        report.unchanged += unchanged
        done += len(papers)
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0.0
        eta = (total - done) / rate if rate else 0.0
        say(f"embed: {done}/{total} papers ({report.embedded} embedded), {rate:.1f}/s, ETA {eta:.0f} s")
    report.seconds = time.perf_counter() - started
    if compact:
        n_delta, n_base = vectors.delta_size()
        if n_delta >= COMPACT_MIN_ROWS and n_delta > COMPACT_FRACTION * n_base:
            say(f"embed: compacting the vector index ({n_delta} delta rows on {n_base})")
            vectors.rebuild_from_db()
            report.compacted = True
    return report
