"""Keep the keyword index's ``upvotes`` fast field in step with local upvotes.

The index stores each paper's upvote count for the ``min_upvotes`` filter and the "most upvoted" sort.
Ingest refreshes it per batch (``index_papers``); a reader's upvote (or its removal, including when an
account is deleted) refreshes that one paper after the transaction commits. Nothing is written when no
keyword index exists yet (``rebuild_search_index`` will read the counts from the database).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def _refresh(paper_id: int) -> None:
    from paperboy.search.services import index_papers, keyword_index

    try:
        if keyword_index().exists():
            index_papers([paper_id])
    except Exception:  # an index problem must never fail the vote that was already committed
        log.exception("could not refresh paper %s in the keyword index after an upvote", paper_id)


def upvote_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete receiver for :class:`paperboy.papers.models.Upvote`."""
    if kwargs.get("created") is False:  # a re-save of an existing vote changes no count
        return
    paper_id = instance.paper_id
    transaction.on_commit(lambda: _refresh(paper_id))
