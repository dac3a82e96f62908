"""Cluster mode end to end: real `wxarchive worker` processes sharing one Redis and one PostgreSQL,
fetching from the local fixture web; the commands enqueue and wait as a user would run them."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import frontmatter
import pytest
import redis

from archive.catalog import Catalog
from archive.rawstore import RawStore
from archive.writer import existing_hash
from tests.archivekit import temp_files
from tests.clusterkit import (
    CAPTCHA,
    Log,
    cli,
    cluster_config,
    generic_article,
    queues_empty,
    serve,
    start_worker,
    stop,
    wait_for,
    wechat_article,
    workers,
)
from tests.fixtureweb import FixtureWeb

# why slow: each test starts real worker processes (~2 s each: Python, Dramatiq, PostgreSQL)
pytestmark = [pytest.mark.usefixtures("redis_server", "postgres_server"), pytest.mark.slow]


def bundles(root: Path) -> list[Path]:
    return sorted((root / "content").glob("*/*/index.md"))


def test_two_workers_archive_every_article_once_and_keep_each_hosts_delay(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    pages = dict(generic_article(host, n) for host in ("a.test", "b.test", "c.test") for n in range(6))
    pages.update(wechat_article(n) for n in range(6))
    log = Log()
    serve(web, pages, log)
    delay = 0.25
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, delay=delay)
    with workers(config, 2) as procs:
        done = cli(config, "archive", *pages)
        assert all(p.poll() is None for p in procs)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(pages) and all(ln.startswith("archived ") for ln in lines), done.stdout
    # every article exactly once: one request, one bundle, one catalog row
    assert all(log.count(url) == 1 for url in pages)
    found = bundles(tmp_path / "site")
    assert len(found) == len(pages)
    titles = sorted(frontmatter.load(str(p)).metadata["title"] for p in found)
    assert len(set(titles)) == len(pages)
    with Catalog.connect(pg_dsn) as cat:
        assert sorted(r.url for r in cat.articles()) == sorted(pages)
        names = [r["name"] for r in cat.query("SELECT name FROM warc_files")]
        writers = {n[len("wxarchive-") :].rsplit("-", 2)[0] for n in names}
        assert len(writers) == 2 and all(w.endswith(("-1", "-2")) for w in writers), names  # one set each
    assert not (tmp_path / "site" / "catalog.sqlite").exists()
    # politeness across both workers: no two requests to one host closer than its delay
    gaps = log.min_gap()
    assert set(gaps) == {"a.test", "b.test", "c.test", "mp.weixin.qq.com"}
    # (the next request to a host begins its delay after the previous one ended: the host itself sees it)
    assert all(gap >= delay for gap in gaps.values()), gaps


def test_a_verification_page_to_one_worker_stops_the_host_for_both(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    wechat = dict(wechat_article(n) for n in range(12))
    other = dict(generic_article("news.test", n) for n in range(6))
    log = Log()
    blocked_from = 3  # the 3rd request to mp.weixin.qq.com and every later one meet the verification page

    def answer(url: str, nth: int) -> bytes | None:
        return CAPTCHA if "mp.weixin.qq.com" in url and nth >= blocked_from else None

    serve(web, {**wechat, **other}, log, answer=answer)
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, delay=0.15)
    with workers(config, 2):
        queued = cli(config, "archive", "--no-wait", *wechat, *other)
        assert queued.returncode == 0 and queued.stdout.count("queued ") == 18
        site = tmp_path / "site"
        wait_for(lambda: len(bundles(site)) >= 8, 60, "the pages before the block and the other host's")
        time.sleep(1.0)  # what the paused host would get if anything still went to it
        status = cli(config, "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    wechat_hits = [at for host, _u, at in log.hits if host == "mp.weixin.qq.com"]
    # the first verification page was request 3; at most one more request reached the host after it
    assert blocked_from <= len(wechat_hits) <= blocked_from + 1, len(wechat_hits)
    assert all(log.count(url) == 1 for url in other)  # the other host went on
    assert [p["host"] for p in info["paused"]] == ["mp.weixin.qq.com"]
    assert "verification page" in info["paused"][0]["reason"]
    # the blocked URLs are queued again for after the pause (delayed), not failed
    assert info["queues"]["pages"]["delayed"] == len(wechat) - (blocked_from - 1)
    assert len(bundles(tmp_path / "site")) == len(other) + blocked_from - 1
    assert len([w for w in info["workers"] if w["alive"]]) == 2


def test_a_worker_killed_ten_times_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    pages = dict(generic_article(host, n) for host in ("k1.test", "k2.test", "k3.test") for n in range(10))
    log = Log()
    serve(web, pages, log, latency=0.03)
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, delay=0.05, heartbeat=1.0, total_timeout=1.0)
    rng = random.Random(12)
    steady = start_worker(config)
    try:
        queued = cli(config, "archive", "--no-wait", *pages)
        assert queued.returncode == 0
        for _ in range(10):
            victim = start_worker(config)
            time.sleep(
                rng.uniform(0.4, 1.2)
            )  # start-up takes ~0.5 s: some kills land before work, most during
            victim.kill()
            victim.communicate()
        site = tmp_path / "site"
        wait_for(lambda: len(bundles(site)) == len(pages) and queues_empty(redis_url), 90, "every article")
    finally:
        code, err = stop(steady)
    assert code == 0, err
    found = bundles(tmp_path / "site")
    assert len(found) == len(pages)  # every article exactly once
    for index in found:
        meta = frontmatter.load(str(index)).metadata
        assert meta["source_url"] in pages and meta["title"]
    assert temp_files(tmp_path / "site") == []  # no partial file anywhere
    assert all(p.parent.joinpath("index.md").exists() for p in (tmp_path / "site" / "content").glob("*/*/*"))
    with Catalog.connect(pg_dsn) as cat:
        rows = cat.articles()
        assert sorted(r.url for r in rows) == sorted(pages)
        for row in rows:  # the catalog agrees with the files, and every raw record reads back whole
            assert existing_hash(tmp_path / "site" / row.bundle_path) == row.content_hash
            raw = cat.raw(row.raw_id) if row.raw_id is not None else None
            assert raw is not None
            assert RawStore(tmp_path / "site" / "raw", cat).get(raw).body == pages[row.url]


def test_reextract_over_workers_prints_the_same_report_as_locally(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    pages = dict(generic_article("r.test", n) for n in range(5))
    serve(web, pages, Log())
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, delay=0.0)
    with workers(config, 2):
        assert cli(config, "archive", *pages).returncode == 0
        current = cli(config, "reextract")  # every page is current: nothing is sent to the workers
        again = cli(config, "reextract", "--force")
    assert current.returncode == 0 and current.stdout == "", current.stdout + current.stderr
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert sorted(ln.split()[1] for ln in lines) == sorted(pages)
    assert all(ln.startswith("unchanged ") and "/content/web/" in ln for ln in lines), lines


def test_cluster_commands_need_a_broker(tmp_path: Path) -> None:
    config = tmp_path / "plain.toml"
    config.write_text(f'[archive]\nroot = "{tmp_path / "site"}"\n', encoding="utf-8")
    for command in ("worker", "status"):
        done = cli(config, command)
        assert done.returncode == 2 and "[cluster] broker" in done.stderr


def test_a_cluster_crawl_lists_sources_in_a_worker_and_a_second_crawl_fetches_no_article(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    pages = dict(generic_article(host, n) for host in ("f1.test", "f2.test") for n in range(3))
    log = Log()
    serve(web, pages, log)
    items = "".join(f"<item><title>t{i}</title><link>{url}</link></item>" for i, url in enumerate(pages))
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
    web.add("https://feeds.test/rss.xml", feed.encode(), content_type="application/rss+xml")
    web.add("https://feeds.test/robots.txt", b"", content_type="text/plain")
    for host in ("f1.test", "f2.test"):
        web.add(f"https://{host}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    sources = [{"name": "news", "feed": "https://feeds.test/rss.xml", "interval_minutes": 60}]
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, delay=0.0, sources=sources)
    site = tmp_path / "site"
    with workers(config, 2):
        first = cli(config, "crawl")
        assert first.returncode == 0 and first.stdout.strip() == "queued source news", (
            first.stdout + first.stderr
        )
        wait_for(lambda: len(bundles(site)) == len(pages) and queues_empty(redis_url), 60, "the crawl")
        again = cli(config, "crawl", "--force")
        assert again.returncode == 0
        wait_for(lambda: queues_empty(redis_url), 30, "the second crawl")
        time.sleep(0.5)
    assert all(log.count(url) == 1 for url in pages)  # the second crawl requested no article
    with Catalog.connect(pg_dsn) as cat:
        states = cat.query("SELECT state, COUNT(*) AS n FROM frontier GROUP BY state")
        assert {r["state"]: r["n"] for r in states} == {"archived": len(pages)}


def test_a_cluster_crawl_every_interval_queues_the_sources_again_until_sigterm(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    import signal
    import subprocess
    import sys

    from tests.clusterkit import ROOT, _env

    sources = [{"name": "news", "feed": "https://feeds.test/rss.xml"}]
    config = cluster_config(tmp_path, web, redis_url, pg_dsn, sources=sources)
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "crawl", "--every", "1s", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(),
    )  # fmt: skip
    assert proc.stdout is not None
    # no worker runs: the first round queues the source, the next ones find it queued still
    assert proc.stdout.readline().strip() == "queued source news"
    assert proc.stdout.readline().strip() == "source news is queued already"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.llen("wxarchive:crawl") == 1  # queued once, not once per round
    finally:
        client.close()


def test_worker_processes_run_under_one_command_and_stop_on_sigterm(
    tmp_path: Path, web: FixtureWeb, redis_url: str, pg_dsn: str
) -> None:
    config = cluster_config(tmp_path, web, redis_url, pg_dsn)
    proc = start_worker(config, "--processes", "2", "--queues", "pages,reextract")

    def alive() -> list[dict]:  # type: ignore[type-arg]
        done = cli(config, "status", "--json")
        return [w for w in json.loads(done.stdout)["workers"] if w["alive"]] if done.returncode == 0 else []

    try:
        wait_for(lambda: len(alive()) == 2, 60, "two worker processes")
        workers_seen = alive()
        assert {w["pid"] for w in workers_seen} != {proc.pid} and len({w["pid"] for w in workers_seen}) == 2
        assert sorted(w["name"].rsplit("-", 1)[1] for w in workers_seen) == ["1", "2"]  # two claimed names
        assert all(w["queues"] == ["pages", "reextract"] for w in workers_seen)
    finally:
        code, err = stop(proc)
    assert code == 0, err
    text = cli(config, "status")
    assert text.returncode == 0 and "workers: 0 alive" in text.stdout and text.stdout.count(", stopped)") == 2
    assert "queue      ready  delayed  in-progress  dead" in text.stdout
