"""The ``paperboy`` command line (console script declared in pyproject.toml).

Sub-commands::

    paperboy serve [--host H] [--port N]            migrate, then the development server
    paperboy serve --prod […]                       = manage.py serve_prod (collectstatic, migrate, gunicorn)
    paperboy ingest …                               = manage.py ingest …
    paperboy embed …                                = manage.py embed …
    paperboy worker …                               = manage.py worker … (scheduled jobs)
    paperboy backup …                               = manage.py backup …
    paperboy restore …                              = manage.py restore …
    paperboy search "query" [--json] [--mode M]     ranked table of papers (or JSON)
    paperboy digests send …                         = manage.py send_digests …
    paperboy status [--json]                        counts, last ingest, search index state

Settings come from the ``PAPERBOY_*`` environment like everywhere else. ``paperboy <command> --help``
explains each; pass-through commands show the management command's own help.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

#: CLI sub-command words -> (management command run with the remaining arguments, help line).
PASS_THROUGH = {
    ("ingest",): ("ingest", "Import papers (arXiv API/OAI/feeds, HF Daily Papers, JSONL)"),
    ("embed",): ("embed", "Compute meaning vectors for papers that lack them"),
    ("digests", "send"): ("send_digests", "Send the daily/weekly digests that are due"),
    ("worker",): ("worker", "Run the scheduled jobs: live ingest, embeddings, digests"),
    ("backup",): ("backup", "Write a consistent backup of the database (and prune old ones with --keep)"),
    ("restore",): ("restore", "Replace every row of the database with a backup"),
}
EXIT_UNAVAILABLE = 2


class CliError(Exception):
    """A failure explained to the user in one message (exit status ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CliError(f"configuration problem: {exc}", EXIT_UNAVAILABLE) from exc


def run_management_command(name: str, args: Sequence[str]) -> int:
    """Run ``manage.py <name> <args>``; a clear message (exit 2) when this installation lacks it."""
    _setup_django()
    from django.core.management import ManagementUtility, get_commands

    if name not in get_commands():
        raise CliError(
            f"`{name}` is not available in this installation of paperboy "
            f"(no management command named {name!r}); nothing was run.",
            EXIT_UNAVAILABLE,
        )
    try:
        ManagementUtility(["paperboy", name, *args]).execute()
    except SystemExit as exc:  # argparse errors and --help inside the command
        return int(exc.code or 0)
    return 0


# --- serve ------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """Development server (migrate + runserver), or with ``--prod`` ``manage.py serve_prod``."""
    if args.prod:
        argv: list[str] = []
        if args.host or args.port:
            argv += ["--bind", f"{args.host or '127.0.0.1'}:{args.port or 8000}"]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        if args.no_migrate:
            argv.append("--skip-setup")
        return run_management_command("serve_prod", argv)  # replaces this process with gunicorn
    os.environ.setdefault("PAPERBOY_DEBUG", "true")
    if not args.no_migrate:
        code = run_management_command("migrate", ["--no-input"])
        if code:
            return code
    return run_management_command("runserver", [f"{args.host or '127.0.0.1'}:{args.port or 8000}"])


# --- search -----------------------------------------------------------------------------


def search_rows(query: str, *, mode: str, limit: int, category: str | None) -> list[dict[str, Any]]:
    """Ranked search results as plain dicts (rank, id, title, upvotes, published, score, url)."""
    from paperboy.api import services
    from paperboy.api.serializers import iso_ms, paper_published, paper_url
    from paperboy.search import SearchFilters

    filters = SearchFilters(categories=[category] if category else [])
    hits = services.search(query, mode=mode, filters=filters, limit=limit)
    return [
        {
            "rank": i,
            "id": hit.paper.arxiv_id,
            "title": " ".join(hit.paper.title.split()),
            "upvotes": hit.paper.upvote_count,
            "publishedAt": iso_ms(paper_published(hit.paper)),
            "score": hit.score,
            "url": paper_url(hit.paper),
        }
        for i, hit in enumerate(hits, start=1)
    ]


def format_table(rows: list[dict[str, Any]], width: int) -> str:
    """A fixed-width table: rank, arXiv id, title (cut to fit ``width``), upvotes, date."""
    id_width = max([len("arXiv id"), *(len(r["id"]) for r in rows)])
    fixed = 4 + 2 + id_width + 2 + 2 + 7 + 2 + 10
    title_width = max(width - fixed, 20)
    lines = [f"{'#':>4}  {'arXiv id':<{id_width}}  {'title':<{title_width}}  {'upvotes':>7}  {'date':<10}"]
    lines.append("-" * min(width, fixed + title_width))
    for r in rows:
        title = r["title"] if len(r["title"]) <= title_width else r["title"][: title_width - 1] + "…"
        day = (r["publishedAt"] or "")[:10]
        lines.append(
            f"{r['rank']:>4}  {r['id']:<{id_width}}  {title:<{title_width}}  {r['upvotes']:>7}  {day:<10}"
        )
    return "\n".join(lines)


def _positive_int(value: str) -> int:
    """argparse type: a whole number of at least 1 (a usage error otherwise)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {number})")
    return number


def _quiet_logs(verbose: bool) -> None:
    """Keep INFO log lines (index loads, …) off the terminal unless asked (--verbose or PAPERBOY_LOG_LEVEL)."""
    if not verbose and "PAPERBOY_LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)


def cmd_search(args: argparse.Namespace) -> int:
    _setup_django()
    _quiet_logs(args.verbose)
    query = " ".join(args.query).strip()
    if not query:
        raise CliError('give a query, e.g. paperboy search "sparse attention"')
    rows = search_rows(query, mode=args.mode, limit=args.limit, category=args.category)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"No papers match {query!r}.")
        return 0
    print(format_table(rows, shutil.get_terminal_size((120, 24)).columns))
    return 0


# --- status -----------------------------------------------------------------------------


def index_state() -> dict[str, Any]:
    """The search index: its folder (files, bytes, newest change) and, when the search app is installed,
    the keyword index's document count next to the paper count (``in_step`` when they agree)."""
    import datetime as dt

    from django.conf import settings

    folder = settings.SEARCH_INDEX_DIR
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    newest = max((p.stat().st_mtime for p in files), default=None)
    state: dict[str, Any] = {
        "path": str(folder),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "modified": dt.datetime.fromtimestamp(newest, tz=dt.UTC).isoformat(timespec="seconds")
        if newest
        else None,
    }
    try:
        from paperboy.search.services import keyword_index
    except ImportError:
        state["keyword_index"] = "search app not installed"
        return state
    from paperboy.papers.models import Paper

    index = keyword_index()
    documents = index.num_docs() if index.exists() else 0
    state["documents"] = documents
    state["in_step"] = documents == Paper.objects.count()
    try:
        from paperboy.search.models import PaperEmbedding
    except ImportError:
        return state
    state["embedded_papers"] = PaperEmbedding.objects.count()
    return state


def collect_status() -> dict[str, Any]:
    """Counts, newest featured day, last ingest runs and search index state, as one dict."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models import Count, Max

    from paperboy.ingest.models import IngestRun
    from paperboy.papers.models import FeaturedEntry, Paper

    db = connection.settings_dict
    status: dict[str, Any] = {
        "database": {"engine": db["ENGINE"].rsplit(".", 1)[-1], "name": str(db["NAME"])}
    }
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        status["database"]["pending_migrations"] = len(pending)
        featured = FeaturedEntry.objects.aggregate(
            days=Count("featured_on", distinct=True), newest=Max("featured_on")
        )
        status["papers"] = Paper.objects.count()
        status["featured_entries"] = FeaturedEntry.objects.count()
        status["featured_days"] = featured["days"]
        status["newest_featured_day"] = featured["newest"].isoformat() if featured["newest"] else None

        def run_dict(run: IngestRun | None) -> dict[str, Any] | None:
            if run is None:
                return None
            return {
                "source": run.source,
                "location": run.location,
                "status": run.status,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "new": run.new_count,
                "updated": run.updated_count,
                "failed": run.failed_count,
                "message": run.message,
            }

        status["last_ingest"] = run_dict(IngestRun.objects.order_by("-started_at").first())
        status["last_successful_ingest"] = run_dict(IngestRun.objects.updates().first())
    except DatabaseError as exc:
        raise CliError(
            f"cannot read the database ({exc}); run `paperboy serve` or `manage.py migrate` first"
        ) from exc
    status["search_index"] = index_state()
    return status


def format_status(status: dict[str, Any]) -> str:
    db = status["database"]
    lines = [
        f"database            {db['engine']} {db['name']}"
        + (f"  ({db['pending_migrations']} migrations pending)" if db.get("pending_migrations") else ""),
        f"papers              {status['papers']}",
        f"featured entries    {status['featured_entries']} on {status['featured_days']} days"
        + (f", newest {status['newest_featured_day']}" if status["newest_featured_day"] else ""),
    ]
    for label, key in (("last ingest", "last_ingest"), ("last successful", "last_successful_ingest")):
        run = status[key]
        if run is None:
            lines.append(f"{label:<20}none")
        else:
            when = run["finished_at"] or run["started_at"]
            lines.append(
                f"{label:<20}{run['status']} at {when} ({run['source']} {run['location']}: "
                f"{run['new']} new, {run['updated']} updated, {run['failed']} failed)"
            )
    index = status["search_index"]
    files = f"{index['files']} files, {index['bytes']:,} bytes in {index['path']}"
    if "documents" in index:
        step = (
            "in step with the papers table"
            if index["in_step"]
            else ("NOT in step with the papers table; `manage.py rebuild_search_index` rebuilds it")
        )
        lines.append(f"search index        {index['documents']} documents ({step}); {files}")
    else:
        lines.append(f"search index        {files}")
    if "embedded_papers" in index:
        lines.append(f"embeddings          {index['embedded_papers']} of {status['papers']} papers")
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    _setup_django()
    status = collect_status()
    print(json.dumps(status, indent=2, default=str) if args.json else format_status(status))
    return 0


# --- parser -----------------------------------------------------------------------------


def _pass_through_parser(sub: Any, words: tuple[str, ...]) -> None:
    """Listed in ``--help``; :func:`main` hands these words' arguments to the command untouched."""
    command, help_text = PASS_THROUGH[words]
    p = sub.add_parser(words[-1], help=help_text, description=help_text, add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER, help=f"arguments for `manage.py {command}`")
    p.set_defaults(handler=lambda a: _pass_through(command, help_text, a.args))


def _pass_through(command: str, help_text: str, args: list[str]) -> int:
    if any(a in ("-h", "--help") for a in args):
        print(f"{help_text}\nArguments are those of `manage.py {command}`:\n")
        try:
            return run_management_command(command, ["--help"])
        except CliError as exc:
            print(str(exc))
            return 0
    return run_management_command(command, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperboy", description="Self-hosted daily research papers: serve, ingest, search, send digests."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    serve = sub.add_parser(
        "serve", help="migrate the database, then serve the site", description=cmd_serve.__doc__
    )
    serve.description = (
        "Migrate the database, then run Django's development server (PAPERBOY_DEBUG defaults to true). "
        "With --prod: `manage.py serve_prod` (collectstatic, migrate, then gunicorn with "
        "PAPERBOY_WEB_WORKERS processes on PAPERBOY_WEB_BIND; needs PAPERBOY_SECRET_KEY)."
    )
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument(
        "--prod", action="store_true", help="production server: manage.py serve_prod (gunicorn)"
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="gunicorn workers with --prod (default PAPERBOY_WEB_WORKERS, else one per core, at least 2, at most 8)",
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not run migrations first (with --prod: no collectstatic either)",
    )
    serve.set_defaults(handler=cmd_serve)

    _pass_through_parser(sub, ("ingest",))
    _pass_through_parser(sub, ("embed",))
    _pass_through_parser(sub, ("worker",))
    _pass_through_parser(sub, ("backup",))
    _pass_through_parser(sub, ("restore",))

    digests = sub.add_parser("digests", help="e-mail digests", description="E-mail digests.")
    digests_sub = digests.add_subparsers(dest="digests_command", required=True, metavar="action")
    _pass_through_parser(digests_sub, ("digests", "send"))

    search = sub.add_parser(
        "search",
        help="search papers; ranked table or JSON",
        description="Search papers by words and meaning.",
    )
    search.add_argument("query", nargs="+", help="words, a title or an arXiv id")
    search.add_argument("--mode", choices=("hybrid", "keyword", "semantic"), default="hybrid")
    search.add_argument("--limit", type=_positive_int, default=20, help="number of results (default 20)")
    search.add_argument("-v", "--verbose", action="store_true", help="show INFO log lines on stderr")
    search.add_argument("--category", help="only this arXiv category, e.g. cs.CL")
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    search.set_defaults(handler=cmd_search)

    status = sub.add_parser(
        "status",
        help="counts, last ingest, search index state",
        description="Paper and featured-day counts, the last (successful) ingest run, the search index state.",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(handler=cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``paperboy`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        for words, (command, help_text) in PASS_THROUGH.items():
            if tuple(argv[: len(words)]) == words:
                return _pass_through(command, help_text, argv[len(words) :])
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"paperboy: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:
        from django.db import DatabaseError

        if not isinstance(exc, DatabaseError):
            raise
        print(
            f"paperboy: cannot read the database ({exc}); run `paperboy serve` or `manage.py migrate` first",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
