"""Benchmark: records per second importing the dwdengwei daily arXiv files into a fresh SQLite database.

Usage: ``python -m paperboy.bench.ingest [--data DIR] [--out build/bench-ingest.json] [--limit N] [--index]``
(``make bench-ingest``). The data folder defaults to ``$PAPERBOY_BENCH_INGEST_DATA`` or
``<repo>/../shared/data/arxiv-daily-cs-dwdengwei/daily`` (120,405 lines, 74,728 unique arXiv ids).
A temporary folder holds the database (migrated first) and is deleted afterwards. Search indexing
is excluded unless ``--index`` is given (it is the search app's cost, measured by its own bench).
Prints a table and writes the same figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "arxiv-daily-cs-dwdengwei" / "daily"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PAPERBOY_BENCH_INGEST_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--out", type=Path, default=Path("build/bench-ingest.json"))
    parser.add_argument("--limit", type=int, default=None, help="Stop after this many records")
    parser.add_argument("--index", action="store_true", help="Also call the search indexer (batched)")
    args = parser.parse_args(argv)
    if not args.data.exists():
        sys.stderr.write(
            f"bench-ingest: data folder not found: {args.data} (set --data or PAPERBOY_BENCH_INGEST_DATA)\n"
        )
        return 2

    with tempfile.TemporaryDirectory(prefix="paperboy-bench-ingest-") as tmp:
        os.environ["PAPERBOY_DATA_DIR"] = tmp
        os.environ.pop("PAPERBOY_DATABASE_URL", None)
        os.environ.setdefault("PAPERBOY_DEBUG", "true")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
        import django

        django.setup()
        from django.conf import settings

        # Measure production behaviour: DEBUG would log every SQL query (make sets PAPERBOY_DEBUG=true).
        settings.DEBUG = False
        from django.core.management import call_command

        from paperboy.ingest.services import list_files, run_ingest
        from paperboy.papers.models import Paper

        call_command("migrate", verbosity=0, interactive=False)
        files = list_files(args.data, "jsonl")
        started, cpu_started = time.perf_counter(), time.process_time()
        result = run_ingest("jsonl", args.data, limit=args.limit, progress=sys.stderr, index=args.index)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        papers = Paper.objects.count()

    figures = {
        "benchmark": "ingest",
        "data": str(args.data),
        "files": len(files),
        "records": result.seen,
        "unique_papers": papers,
        "seconds": round(seconds, 2),
        "records_per_second": round(result.seen / seconds, 1) if seconds else 0.0,
        # CPU time of this process: the figure without other jobs on the shared cores.
        "cpu_seconds": round(cpu_seconds, 2),
        "records_per_cpu_second": round(result.seen / cpu_seconds, 1) if cpu_seconds else 0.0,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "new": result.new,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "failed": result.failed,
        "search_indexing": args.index,
        "database": "sqlite (fresh, temporary)",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "goal_records_per_second": 2000,
    }
    width = max(len(k) for k in figures)
    lines = ["bench-ingest"]
    for key, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
        lines.append(f"  {key:<{width}}  {shown}")
    sys.stderr.flush()
    sys.stdout.write("\n".join(lines) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
