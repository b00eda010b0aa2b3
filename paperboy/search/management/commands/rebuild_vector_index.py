"""manage.py rebuild_vector_index: rebuild the vector index from the stored embeddings."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from paperboy.search.vectors import rebuild_from_db


class Command(BaseCommand):
    help = (
        "Build the vector index (exact below PAPERBOY_ANN_THRESHOLD vectors, HNSW above) from every "
        "PaperEmbedding of the current model into a new generation and swap it in atomically."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--threshold", type=int, default=None, help="override PAPERBOY_ANN_THRESHOLD for this build"
        )

    def handle(self, *args: object, **options: object) -> None:
        meta = rebuild_from_db(threshold=options["threshold"])  # type: ignore[arg-type]
        self.stdout.write(
            f"vector index {meta['generation']}: {meta['kind']}, {meta['n']} vectors "
            f"(+{meta['late']} stored during the build), built in {meta['seconds']:.1f} s"
        )
