"""Cluster benchmark: how wall time grows with worker processes, and whether hosts stay polite.

Everything runs on this machine: Debian's redis-server and PostgreSQL (started here, on free ports,
in temporary directories), the local fixture web (tests/fixtureweb.py) answering every page after
``--latency`` seconds, and real ``wxarchive worker`` processes.

Part 1, crawl: ``--articles`` generic articles over ``--hosts`` hosts, queued with ``wxarchive archive
--no-wait``, archived by 1, 2 and 4 worker processes (a fresh archive and catalog each time). Prints
the wall time, the speed-up over one worker, the ideal for that many workers (each worker fetches
one page at a time; each host allows one request per ``delay + latency``), and the smallest and mean
gap between two requests to one host as the fixture web saw them (never below ``delay``).

Part 2, re-extraction: ``--pages`` pages put straight into the raw store (no network), then
``wxarchive reextract`` over 1 and 2 worker processes; prints pages per second and the ratio.

    python3 bench/cluster.py                        # the issue's sizes: 400 articles / 8 hosts, 10,000 pages
    python3 bench/cluster.py --articles 80 --pages 1000 --workers 1 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.clusterkit import (  # noqa: E402
    Log,
    cli,
    cluster_config,
    generic_article,
    queues_empty,
    serve,
    start_worker,
    stop,
)
from tests.fixtureweb import FixtureWeb  # noqa: E402
from tests.servers import PostgresServer, RedisServer  # noqa: E402


def _flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()


def crawl_run(
    web: FixtureWeb, redis: RedisServer, pg: PostgresServer, workers: int, args: argparse.Namespace
) -> dict[str, float]:
    web.reset()
    _flush(redis.url)
    pages = dict(
        generic_article(f"h{h}.bench", n)
        for h in range(args.hosts)
        for n in range(args.articles // args.hosts)
    )
    log = Log()
    serve(web, pages, log, latency=args.latency)
    tmp = Path(tempfile.mkdtemp(prefix="wxa-bench-cluster-"))
    config = cluster_config(tmp, web, redis.url, pg.new_database(), delay=args.delay, heartbeat=10.0)
    config.write_text(
        config.read_text().replace("isolate_extraction = false", f"isolate_extraction = {args.isolate}"),
        encoding="utf-8",
    )
    procs = [start_worker(config) for _ in range(workers)]
    try:
        _wait_workers(redis.url, workers)
        queued = cli(config, "archive", "--no-wait", *pages)
        assert queued.returncode == 0, queued.stderr
        while True:
            done = len(list((tmp / "site" / "content").glob("*/*/index.md")))
            if done >= len(pages) and queues_empty(redis.url):
                break
            time.sleep(0.05)
        # why from the first request: the enqueuing command's own start-up (~1.5 s of imports) is not
        # the workers' time
        wall = time.monotonic() - min(at for _h, _u, at in log.hits)
    finally:
        for p in procs:
            stop(p)
    gaps = [b - a for times in log.by_host().values() for a, b in zip(times, times[1:], strict=False)]
    per_host = len(pages) / args.hosts
    # the ideal: each worker fetches one page at a time (a request costs `fetch`, measured), and a host
    # takes one request per delay + fetch (the delay counts from the end of the previous request)
    host_floor = per_host * (args.delay + args.fetch_cost)
    ideal = max(host_floor, len(pages) * args.fetch_cost / workers)
    return {
        "wall": wall,
        "ideal": ideal,
        "min_gap": min(gaps),
        "mean_gap": mean(gaps),
        "requests": len(log.hits),
        "pages": len(pages),
    }


def fetch_cost(web: FixtureWeb, latency: float, samples: int = 10) -> float:
    """Seconds one page request takes through the fixture web and its proxy, measured (the latency,
    plus TLS through the tunnel and the server's own write pattern)."""
    from scraper.fetch import Fetcher

    web.reset()
    pages = dict(generic_article("probe.bench", n) for n in range(samples))
    serve(web, pages, Log(), latency=latency)
    with Fetcher(web.fetch_config()) as fetcher:
        fetcher.fetch(next(iter(pages)))  # the connection and TLS session, as a worker keeps them
        start = time.monotonic()
        for url in pages:
            fetcher.fetch(url)
    return (time.monotonic() - start) / samples


def _wait_workers(redis_url: str, count: int, timeout: float = 60) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while client.hlen("wxarchive:workers") < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.05)
    finally:
        client.close()


def build_store(root: Path, dsn: str, pages: int) -> None:
    """An archive whose raw store holds ``pages`` generic pages (as fetched), nothing extracted yet."""
    from archive.catalog import Catalog
    from archive.rawstore import RawStore
    from scraper.models import RawPage

    (root / "raw").mkdir(parents=True, exist_ok=True)
    when = datetime(2025, 3, 1, tzinfo=UTC)
    with Catalog.connect(dsn) as cat:
        store = RawStore(root / "raw", cat)
        with cat.write():  # why one transaction: building 10,000 rows one commit each takes minutes
            for n in range(pages):
                url, body = generic_article(f"r{n % 16}.bench", n)
                headers = (("Content-Type", "text/html; charset=utf-8"),)
                store.put(RawPage(url, url, 200, headers, body, when))


def reextract_run(redis: RedisServer, pg: PostgresServer, workers: int, args: argparse.Namespace) -> float:
    _flush(redis.url)
    tmp = Path(tempfile.mkdtemp(prefix="wxa-bench-reextract-"))
    dsn = pg.new_database()
    web = FixtureWeb()  # never asked: re-extraction needs no network
    config = cluster_config(tmp, web, redis.url, dsn, delay=0.0, heartbeat=30.0)
    config.write_text(
        config.read_text().replace("isolate_extraction = false", f"isolate_extraction = {args.isolate}"),
        encoding="utf-8",
    )
    build_store(tmp / "site", dsn, args.pages)
    procs = [start_worker(config, "--queues", "reextract") for _ in range(workers)]
    try:
        _wait_workers(redis.url, workers)
        start = time.monotonic()
        done = cli(config, "reextract", timeout=7200)
        wall = time.monotonic() - start
    finally:
        for p in procs:
            stop(p)
    lines = done.stdout.splitlines()
    archived = sum(1 for ln in lines if ln.startswith("archived "))
    if archived != args.pages:  # reported, not fatal: the timing of the other run is still worth printing
        failed = [ln for ln in lines if not ln.startswith("archived ")]
        print(f"  ({workers} workers: {archived} of {args.pages} archived; first other line: {failed[:1]})")
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    args.catalog_bytes = int(row[0]) if row else 0
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before the fixture web answers")
    parser.add_argument(
        "--delay", type=float, default=0.2, help="[fetch] delay: seconds between two requests to a host"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--pages", type=int, default=10_000, help="stored pages to re-extract (0: skip part 2)"
    )
    parser.add_argument("--reextract-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--isolate", choices=("true", "false"), default="true", help="[archive] isolate_extraction"
    )
    parser.add_argument("--skip-crawl", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; isolate_extraction = {args.isolate}")
    with RedisServer() as redis, PostgresServer() as pg, FixtureWeb() as web:
        args.fetch_cost = fetch_cost(web, args.latency)
        if not args.skip_crawl:
            print(
                f"\npart 1: {args.articles} articles over {args.hosts} hosts, latency {args.latency:.2f} s, "
                f"delay {args.delay:.2f} s; one request through the fixture web takes {args.fetch_cost:.3f} s"
            )
            print("workers  wall (s)  ideal (s)  wall/ideal  speed-up  min gap (s)  mean gap (s)  requests")
            first = None
            for n in args.workers:
                r = crawl_run(web, redis, pg, n, args)
                first = first or r["wall"]
                print(
                    f"{n:>7}  {r['wall']:>8.1f}  {r['ideal']:>9.1f}  {r['wall'] / r['ideal']:>10.2f}  "
                    f"{first / r['wall']:>8.2f}  {r['min_gap']:>11.3f}  {r['mean_gap']:>12.3f}  {r['requests']:>8}"
                )
        if args.pages:
            print(f"\npart 2: re-extraction of {args.pages} stored pages")
            print("workers  wall (s)  pages/s  speed-up")
            base = None
            for n in args.reextract_workers:
                wall = reextract_run(redis, pg, n, args)
                base = base or wall
                print(f"{n:>7}  {wall:>8.1f}  {args.pages / wall:>7.1f}  {base / wall:>8.2f}")
            per = args.catalog_bytes / args.pages / 1024
            print(
                f"PostgreSQL catalog: {args.catalog_bytes / 2**20:.0f} MB for {args.pages} articles ({per:.1f} KB each)"
            )


if __name__ == "__main__":
    main()
