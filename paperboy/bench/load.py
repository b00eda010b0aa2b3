"""Benchmark: the production server under load (``make bench-load``).

Usage: ``python -m paperboy.bench.load [--out build/bench-load.json] [--duration 60] [--connections 32]``

1. Creates a fresh PostgreSQL database ``paperboy_bench`` on 127.0.0.1:5432 (``--pg``), migrates it,
   imports the demo corpus (``load_demo``) and builds the keyword index (``rebuild_search_index``).
   ``--reuse-db`` keeps an existing loaded database. Then ``VACUUM (ANALYZE)`` and ``CHECKPOINT``, so
   autovacuum and the checkpoint of a fresh load do not run in the middle of a measurement.
2. Embeds the papers with the product's embed job and rebuilds the vector index
   (paperboy.bench.load_embed), so the search page serves its default hybrid search; the vectors are
   cached in ``~/.cache/paperboy/bench/load-embeddings`` by model version and text hash (the first run
   computes them: 8-10 min on 2 quiet cores, 54 min at load average 12). ``--no-embed`` measures keyword-only search.
3. Starts ``manage.py serve_prod`` (gunicorn, ``--workers``) on a free 127.0.0.1 port, production
   settings except https (plain http on loopback).
4. Runs wrk (``--connections`` connections, ``--duration`` seconds each, after a short warm-up) on the
   daily page, a paper page, the search page and ``/api/daily_papers``. The search page rotates over
   ``--queries`` queries (default 200) cut from random demo titles (2-7 consecutive words, seeded), via
   a wrk Lua ``request`` function; each query is fetched once first to record which mode the site
   served (hybrid, or keyword when it fell back). wrk comes from Debian (``apt-get install wrk``); the
   bench installs it when it can and says so when it cannot.
5. Checks that an upvote shows on the next load of the daily page (the page may be cached).
6. Prints requests/s, p50/p99 latency, errors and the server's CPU time per request (gunicorn and its
   PostgreSQL backends, from /proc: steadier than requests/s when other jobs share the cores) per
   endpoint and writes the same figures as JSON.

Loopback only, bounded in time (about 4 x (duration + 5) s plus the set-up).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Goals of issue 7 on the 2-core machine.
GOALS = {
    "daily": {"rps": 500.0, "p99_ms": 100.0},
    "search": {"rps": 100.0},
}

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    '@@WRK {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bytes":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, summary.bytes))
end
"""


def search_script(paths: list[str]) -> str:
    """wrk Lua script that requests ``paths`` in turn (each wrk thread from its own offset) and reports."""
    table = ",\n".join(json.dumps(p) for p in paths)  # JSON strings of URL-safe ASCII are Lua strings
    return (
        f"local paths = {{\n{table}\n}}\n"
        "local threads = 0\n"
        "setup = function(thread) thread:set('offset', threads * 7919); threads = threads + 1 end\n"
        "local n = 0\n"
        "init = function(args) n = offset or 0 end\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  return wrk.format(nil, paths[(n % #paths) + 1])\n"
        "end\n" + WRK_SCRIPT
    )


def make_queries(titles: list[str], n: int, seed: int = 7) -> list[str]:
    """``n`` distinct queries cut from real titles, as paperboy.bench.search does (its ``title_query``)."""
    from paperboy.bench.search import title_query

    rng = random.Random(seed)
    out: dict[str, None] = {}
    tries = 0
    while len(out) < n and tries < 100 * n:
        tries += 1
        query = title_query(rng, titles)
        if query is not None:
            out[query] = None
    return list(out)


_MODE = re.compile(r"· (hybrid|keyword|semantic) search")


def served_modes(base: str, paths: list[str]) -> dict[str, int]:
    """How many of ``paths`` the site answered in each search mode (from the page's "· hybrid search")."""
    modes: dict[str, int] = {}
    for path in paths:
        status, body = fetch(base + path)
        found = _MODE.search(body)
        key = (
            found.group(1) if status == 200 and found else f"status {status}" if status != 200 else "unknown"
        )
        modes[key] = modes.get(key, 0) + 1
    return modes


def log(message: str) -> None:
    sys.stderr.write(f"bench-load: {message}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str | None:
    """Path of wrk; installs Debian's package when running as root with apt, None when impossible."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        proc = subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            log(f"apt-get install wrk failed: {proc.stderr.strip()[-300:]}")
    return shutil.which("wrk")


def manage(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"bench-load: manage.py {' '.join(args)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
        )
    return proc.stdout


def has_command(env: dict[str, str], name: str) -> bool:
    out = manage(env, "help", "--commands")
    return name in out.split()


def prepare_database(pg: str, name: str, *, reuse: bool) -> tuple[str, bool]:
    """Create (or reuse) the bench database; returns its URL and whether it already held papers."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg}/{name}"
    loaded = False
    if exists:
        with psycopg.connect(url) as conn:
            try:
                row = conn.execute("SELECT COUNT(*) FROM papers_paper").fetchone()
                loaded = bool(row and row[0])
            except psycopg.errors.UndefinedTable:
                loaded = False
    return url, loaded


def pick_targets(url: str) -> dict[str, Any]:
    """A paper of the newest featured day, the paper count and every title (in arXiv id order)."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT p.id, p.arxiv_id FROM papers_featuredentry f JOIN papers_paper p ON p.id = f.paper_id "
            "ORDER BY f.featured_on DESC, p.upvote_count DESC LIMIT 1"
        ).fetchone()
        if row is None:
            row = conn.execute("SELECT id, arxiv_id FROM papers_paper ORDER BY id LIMIT 1").fetchone()
        papers = conn.execute("SELECT COUNT(*) FROM papers_paper").fetchone()
        titles = [t for (t,) in conn.execute("SELECT title FROM papers_paper ORDER BY arxiv_id, id")]
    if row is None:
        raise SystemExit("bench-load: the bench database holds no paper (load_demo imported nothing)")
    return {
        "paper_pk": row[0],
        "arxiv_id": row[1],
        "paper_count": papers[0] if papers else 0,
        "titles": titles,
    }


def vacuum_analyze(url: str) -> None:
    """``VACUUM (ANALYZE)`` the bench database, then ``CHECKPOINT``: a server that has run for a while has
    its tables vacuumed, its statistics current and its bulk load written out, while one just loaded has
    autovacuum starting on its big tables in the middle of the first measurement (a stall of about a
    second was seen) and a checkpoint of the load's WAL due within minutes. CHECKPOINT needs superuser
    rights (or pg_checkpoint); without them it is skipped."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def embed_papers(env: dict[str, str]) -> dict[str, Any]:
    """Run paperboy.bench.load_embed (progress on stderr); returns its report."""
    proc = subprocess.run(
        [sys.executable, "-m", "paperboy.bench.load_embed"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=7200,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@EMBED ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"bench-load: embedding the papers failed:\n{proc.stdout[-2000:]}")
    return dict(json.loads(line[len("@@EMBED ") :]))


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench-load: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"bench-load: {url} did not answer within {seconds} s")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def server_cpu_seconds(session: int, database: str) -> float:
    """CPU seconds (user + system) used so far by the server's processes (session ``session``: gunicorn
    and its workers, including workers that gunicorn replaced and reaped: their time is in the master's
    children times) and by the PostgreSQL backends connected to ``database`` (a backend that exited is
    not counted). Linux /proc only; 0.0 elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            # proc(5), counted from "state": [3] session id, [11] utime, [12] stime, [13] cutime, [14] cstime
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == session:
                total += sum(int(f) for f in fields[11:15])
            elif f" {database} " in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace"
            ):
                total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return total / tick


def run_wrk(
    wrk: str, script: Path, url: str, *, connections: int, threads: int, duration: int
) -> dict[str, Any]:
    cmd = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@WRK ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"bench-load: wrk failed on {url}:\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line[len("@@WRK ") :])
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "url": url,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": errors,
        "errors_detail": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
        "mb_per_s": round(raw["bytes"] / seconds / 1e6, 2) if seconds else 0.0,
    }


def upvote_shows_on_next_load(env: dict[str, str], base: str, arxiv_id: str) -> dict[str, Any]:
    """Upvote a paper of the daily page through the papers service and look at the very next load."""
    before_status, before = fetch(f"{base}/")
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from paperboy.papers.models import Paper\n"
        "import paperboy.papers.services as s\n"
        f"p = Paper.objects.get(arxiv_id={arxiv_id!r})\n"
        "u, _ = get_user_model().objects.get_or_create(username='bench-voter-' + __import__('secrets').token_hex(4))\n"
        "toggle = getattr(s, 'toggle_upvote', None)\n"
        "if toggle is None:\n"
        "    from paperboy.papers.models import Upvote\n"
        "    Upvote.objects.create(user=u, paper=p); s.recount_upvotes(p)\n"
        "else:\n"
        "    toggle(u, p)\n"
        "p.refresh_from_db(); print(p.upvote_count)\n"
    )
    count = int(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    after_status, after = fetch(f"{base}/")
    # The count appears in the page next to the paper: compare the page before and after.
    shown = str(count) in after and after != before
    return {
        "paper": arxiv_id,
        "upvote_count_after": count,
        "page_changed": after != before,
        "ok": shown,
        "status": [before_status, after_status],
    }


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/bench-load.json"))
    parser.add_argument(
        "--pg", default=os.environ.get("PAPERBOY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default="paperboy_bench")
    parser.add_argument("--reuse-db", action="store_true", help="Keep an already loaded paperboy_bench")
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0 = serve_prod's default)")
    parser.add_argument(
        "--queries",
        type=int,
        default=200,
        help="Distinct search queries (cut from demo titles) wrk rotates over",
    )
    parser.add_argument(
        "--no-embed", action="store_true", help="Skip the embeddings: the search page serves keyword search"
    )
    parser.add_argument("--only", default="", help="Comma-separated subset: daily,paper,search,api")
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    if wrk is None:
        log("wrk is not installed and could not be installed (`apt-get install wrk` as root); no figures.")
        return 2
    try:
        import psycopg  # noqa: F401
    except ImportError:
        log("psycopg is missing: make install")
        return 2

    data_dir = REPO_ROOT / "build" / "bench-load-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        db_url, loaded = prepare_database(args.pg, args.database, reuse=args.reuse_db)
    except Exception as exc:
        log(f"PostgreSQL at {args.pg} is not reachable: {exc}")
        return 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="paperboy.settings",
        PAPERBOY_SECRET_KEY=secrets.token_urlsafe(50),
        PAPERBOY_DATABASE_URL=db_url,
        PAPERBOY_DATA_DIR=str(data_dir),
        PAPERBOY_ALLOWED_HOSTS="127.0.0.1,localhost",
        PAPERBOY_SECURE_SSL_REDIRECT="false",
        PAPERBOY_INSECURE_COOKIES="true",
        PAPERBOY_LIVE_NETWORK="false",
        PAPERBOY_WEB_ACCESS_LOG="",
        PAPERBOY_LOG_LEVEL="WARNING",
    )
    setup: dict[str, float] = {}
    started = time.perf_counter()
    manage(env, "migrate", "--no-input", "-v", "0")
    setup["migrate_s"] = round(time.perf_counter() - started, 1)
    if not loaded:
        shutil.rmtree(data_dir / "search", ignore_errors=True)  # indexes of an earlier bench database
        if not has_command(env, "load_demo"):
            log("load_demo is not available in this checkout (ingest app not merged): no demo corpus")
            return 2
        t = time.perf_counter()
        log("importing the demo corpus (load_demo)")
        manage(env, "load_demo")
        setup["load_demo_s"] = round(time.perf_counter() - t, 1)
    if has_command(env, "rebuild_search_index"):
        t = time.perf_counter()
        log("building the keyword index (rebuild_search_index)")
        manage(env, "rebuild_search_index")
        setup["rebuild_search_index_s"] = round(time.perf_counter() - t, 1)
    else:
        log("rebuild_search_index is not available: the search page is measured without an index")
    embedding: dict[str, Any] | None = None
    if not args.no_embed:
        t = time.perf_counter()
        embedding = embed_papers(env)
        setup["embed_s"] = round(time.perf_counter() - t, 1)
    manage(env, "collectstatic", "--no-input", "-v", "0")
    t = time.perf_counter()
    log("VACUUM (ANALYZE) and CHECKPOINT of the bench database, as a running server's would be")
    vacuum_analyze(db_url)
    setup["vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
    targets = pick_targets(db_url)
    queries = make_queries(targets["titles"], args.queries)
    search_paths = ["/search?q=" + urllib.parse.quote_plus(q) for q in queries]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "manage.py", "serve_prod", "--skip-setup", "--bind", f"127.0.0.1:{port}"]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server_log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        serve, cwd=REPO_ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
    )
    endpoints = {
        "daily": "/",
        "paper": f"/papers/{targets['arxiv_id']}",
        "search": f"/search?q=… ({len(queries)} queries from demo titles)",
        "api": "/api/daily_papers",
    }
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if k in args.only.split(",")}
    results: dict[str, Any] = {}
    script = data_dir / "report.lua"
    script.write_text(WRK_SCRIPT)
    search_lua = data_dir / "search.lua"
    search_lua.write_text(search_script(search_paths))
    modes: dict[str, int] = {}
    try:
        wait_until_up(f"{base}/healthz", server)
        banner = (data_dir / "server.log").read_text(errors="replace").splitlines()[0]
        for name, path in endpoints.items():
            lua, url = script, base + path
            if name == "search":
                lua, url = search_lua, base + "/search"
                log(f"search: fetching the {len(search_paths)} queries once to see which mode is served")
                modes = served_modes(base, search_paths)
                status = 200 if set(modes) <= {"hybrid", "keyword", "semantic"} else 0
                log(f"search modes served: {modes}")
            else:
                status, _body = fetch(url)
            if status != 200:
                log(f"{name} {path} answers {status}; measuring anyway (non-2xx count as errors)")
            run_wrk(wrk, lua, url, connections=args.connections, threads=args.threads, duration=5)
            log(f"{name}: {args.connections} connections for {args.duration} s on {path}")
            cpu_before = server_cpu_seconds(server.pid, args.database)
            results[name] = run_wrk(
                wrk, lua, url, connections=args.connections, threads=args.threads, duration=args.duration
            )
            cpu = server_cpu_seconds(server.pid, args.database) - cpu_before
            done = results[name]["requests"]
            results[name]["server_cpu_ms_per_req"] = round(cpu * 1000 / done, 2) if done else None
            results[name]["status_before"] = status
            if name == "search":
                results[name].update(queries=len(search_paths), modes=modes, example_queries=queries[:5])
        upvote = upvote_shows_on_next_load(env, base, targets["arxiv_id"]) if "daily" in endpoints else None
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        server_log.close()

    goals = {}
    for name, goal in GOALS.items():
        if name in results:
            r = results[name]
            goals[name] = {
                **goal,
                "met": r["rps"] >= goal["rps"]
                and r["p99_ms"] <= goal.get("p99_ms", float("inf"))
                and r["errors"] == 0,
            }
    report = {
        "benchmark": "bench-load",
        "command": "make bench-load  (python -m paperboy.bench.load --out build/bench-load.json)",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_1m": os.getloadavg()[0],
        },
        "server": banner,
        "database": db_url.rsplit("@", 1)[-1],
        "papers": targets["paper_count"],
        "connections": args.connections,
        "duration_s": args.duration,
        "setup_s": setup,
        "embedding": embedding,
        "results": results,
        "upvote_on_next_load": upvote,
        "goals": goals,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    say(
        f"bench-load: {targets['paper_count']} papers, {report['server']}, {args.connections} connections, "
        f"{args.duration} s per endpoint, load average {report['machine']['load_avg_1m']:.1f}"
    )
    say(f"{'endpoint':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'cpu ms':>7}  path")
    for name, r in results.items():
        cpu_ms = r.get("server_cpu_ms_per_req")
        say(
            f"{name:<8} {r['rps']:>9.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>7} "
            f"{cpu_ms if cpu_ms is not None else '-':>7}  {endpoints[name]}"
        )
    say("cpu ms: CPU time of the gunicorn processes and their PostgreSQL backends per request (less noisy")
    say(
        f"than req/s on a shared machine; {os.cpu_count()} cores give at most {os.cpu_count()}000 / cpu ms req/s)"
    )
    if "search" in results:
        served = ", ".join(f"{mode} {count}" for mode, count in sorted(results["search"]["modes"].items()))
        vectors = (
            f"{embedding['embedded']:,} of {embedding['papers']:,} papers embedded, "
            f"{embedding['vector_index']['kind']} vector index"
            if embedding
            else "no embeddings (--no-embed)"
        )
        say(f"search mode served: {served} (of {len(search_paths)} queries); {vectors}")
    for name, g in goals.items():
        target = (
            f">= {g['rps']:.0f} req/s"
            + (f", p99 <= {g['p99_ms']:.0f} ms" if "p99_ms" in g else "")
            + ", 0 errors"
        )
        say(f"goal {name}: {target}: {'met' if g['met'] else 'NOT met'}")
    if upvote is not None:
        say(f"upvote shows on the next load of the daily page: {'yes' if upvote['ok'] else 'NO'}")
    say(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
