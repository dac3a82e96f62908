"""robots.txt for crawls (RFC 9309), through the fixture web: every robots.txt and page is a real
request through the proxy, with the configured CA and User-Agent. Waits go to an injected sleep.

The regression these tests exist for is StormCrawler #1042: a robots.txt that times out (or answers
5xx) must mean "disallow everything for now", never "no robots.txt, allow everything".
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.pipeline import Archive, Pipeline, Result
from archive.robots import ROBOTS_TTL, parse_robots
from scraper.config import Config, Source, config_from_dict
from scraper.errors import ConfigError
from scraper.fetch import ROBOTS_MAX_BYTES, Fetcher
from scraper.urls import product_token, robots_url
from tests.archivekit import make_config
from tests.fixtureweb import FixtureWeb, Response, hang_forever, redirect, status

BLOG = "https://blog.example.org"
NEWS = "https://news.example.net"
UA = "Mozilla/5.0 (compatible; wxarchive/0.1; personal archive)"
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def article(title: str) -> str:
    """A small article page the generic extractor accepts."""
    paras = "".join(
        f"<p>这是《{title}》的第{i}段正文，内容足够长，讲述一个关于礼貌爬虫如何遵守网站规则的故事。</p>"
        for i in range(6)
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{paras}</article></body></html>"
    )


def serve_blog(web: FixtureWeb, *paths: str, base: str = BLOG) -> list[str]:
    urls = [f"{base}{p}" for p in paths]
    for n, url in enumerate(urls):
        web.add(url, article(f"文章标题第{n + 1}号"))
    return urls


class Clock:
    """The injected time of a test: a monotonic clock advanced by sleep, and a UTC wall clock."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.t = 100.0
        self.wall = START

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += seconds

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall


def crawl_config(root: Path, web: FixtureWeb, urls: list[str], **fetch: Any) -> Config:
    config = make_config(root, web, fetch=fetch) if fetch else make_config(root, web)
    return dataclasses.replace(config, sources=(Source(name="blogs", urls=tuple(urls)),))


def crawl(config: Config, clock: Clock) -> list[Result]:
    fetcher = Fetcher(config.fetch, sleep=clock.sleep, clock=clock.monotonic, now=clock.now)
    try:
        with (
            Archive(config) as archive,
            Pipeline(archive, fetcher=fetcher, command="crawl", clock=clock.now) as pipe,
        ):
            return pipe.crawl(force=True)
    finally:
        fetcher.close()


def robots_rows(root: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(root / "catalog.sqlite")
    try:
        rows = conn.execute("SELECT origin, status, verdict, error, length(body) FROM robots").fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def outcomes(results: list[Result]) -> list[tuple[str, str]]:
    return [(r.url, r.outcome) for r in results]


# ---------------------------------------------------------------------- pure helpers


def test_product_token_and_robots_url() -> None:
    assert product_token(UA) == "wxarchive"
    assert product_token("MyArchiver-2/1.0 (+https://example.org/bot)") == "MyArchiver"
    assert (
        product_token("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36") == "*"
    )
    assert robots_url("https://Blog.Example.org/a/b?c#d") == "https://blog.example.org/robots.txt"
    assert robots_url("http://blog.example.org:8080/x") == "http://blog.example.org:8080/robots.txt"


def test_obey_robots_is_a_checked_config_choice() -> None:
    assert config_from_dict({}).fetch.obey_robots == "crawl"
    assert config_from_dict({"fetch": {"obey_robots": "always"}}).fetch.obey_robots == "always"
    with pytest.raises(ConfigError, match="obey_robots must be one of"):
        config_from_dict({"fetch": {"obey_robots": "sometimes"}})
    with pytest.raises(ConfigError, match="Unknown configuration key"):
        config_from_dict({"fetch": {"obey_robot": "never"}})


# ---------------------------------------------------------------------- RFC 9309 status handling


def test_robots_404_allows_everything_and_is_fetched_like_a_page(tmp_path: Path, web: FixtureWeb) -> None:
    [url] = serve_blog(web, "/posts/1.html")
    root = tmp_path / "site"
    results = crawl(crawl_config(root, web, [url], user_agent=UA), Clock())
    assert outcomes(results) == [(url, "archived")]
    [seen] = web.seen(f"{BLOG}/robots.txt")
    assert seen.headers["User-Agent"] == UA and "blog.example.org:443" in web.tunnels  # same proxy + CA
    assert robots_rows(root) == {BLOG: (404, "allow_all", "unavailable: HTTP 404", None)}


@pytest.mark.parametrize(
    "robots",
    [
        pytest.param(status(500), id="500"),
        pytest.param(status(503, headers=[("Retry-After", "86400")]), id="503-retry-after-a-day"),
        pytest.param(status(429), id="429"),
        pytest.param(hang_forever(), id="timeout"),
        pytest.param(lambda req: Response(raw=lambda wire: None), id="connection-closed"),
    ],
)
def test_an_unreachable_robots_txt_disallows_the_host_for_the_run(
    tmp_path: Path, web: FixtureWeb, robots: Any
) -> None:
    """StormCrawler #1042: a 5xx or a timeout is not a 404. Nothing of the host is fetched."""
    blocked, other = serve_blog(web, "/posts/1.html")[0], serve_blog(web, "/p/2", base=NEWS)[0]
    web.route(f"{BLOG}/robots.txt", robots)
    root = tmp_path / "site"
    config = crawl_config(root, web, [blocked, other], read_timeout=0.3, total_timeout=2.0)
    results = crawl(config, Clock())
    assert outcomes(results) == [(blocked, "robots"), (other, "archived")]
    assert web.seen(blocked) == []  # the page itself was never requested
    assert results[0].stage == "robots" and results[0].error_class == "RobotsDisallowed"
    assert "could not be read" in results[0].message and blocked in results[0].message
    status_, verdict, error, body = robots_rows(root)[BLOG]
    assert verdict == "disallow_all" and error and body is None
    # the verdict holds for that run only: the next run asks again and, now answered 404, crawls
    web.reset()
    serve_blog(web, "/posts/1.html")
    serve_blog(web, "/p/2", base=NEWS)
    again = crawl(config, Clock())
    assert outcomes(again) == [(blocked, "archived")]  # the other one was archived: not fetched again
    assert len(web.seen(f"{BLOG}/robots.txt")) == 1 and robots_rows(root)[BLOG][1] == "allow_all"
    assert web.seen(f"{NEWS}/robots.txt") == []  # NEWS's 404 of the first run is cached for a day


RULES = "User-agent: *\nDisallow: /\n\nUser-agent: wxarchive\nDisallow: /private/\n"


def test_disallow_rules_follow_the_group_of_our_product_token(tmp_path: Path, web: FixtureWeb) -> None:
    public, private, other = serve_blog(web, "/posts/1.html", "/private/2.html", "/drafts/3.html")
    web.add(f"{BLOG}/robots.txt", RULES, content_type="text/plain")
    root = tmp_path / "site"
    results = crawl(crawl_config(root, web, [public, private, other], user_agent=UA), Clock())
    assert outcomes(results) == [(public, "archived"), (private, "robots"), (other, "archived")]
    assert "disallows" in results[1].message and "wxarchive" in results[1].message
    assert web.seen(private) == []
    assert robots_rows(root)[BLOG] == (200, "rules", None, len(RULES))
    # a browser-like User-Agent names no crawler: only the "*" group applies, which disallows all
    browser = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    )
    root2 = tmp_path / "site2"
    results = crawl(crawl_config(root2, web, [public], user_agent=browser), Clock())
    assert outcomes(results) == [(public, "robots")]


def test_a_robots_txt_over_500_kib_is_parsed_up_to_the_cap(tmp_path: Path, web: FixtureWeb) -> None:
    early, late = serve_blog(web, "/early/1.html", "/late/2.html")
    filler = "# " + "x" * 1000 + "\n"
    body = "User-agent: *\nDisallow: /early/\n" + filler * 600 + "Disallow: /late/\n"  # ~600 KiB
    assert len(body) > ROBOTS_MAX_BYTES
    web.add(f"{BLOG}/robots.txt", body, content_type="text/plain")
    root = tmp_path / "site"
    results = crawl(crawl_config(root, web, [early, late]), Clock())
    assert outcomes(results) == [(early, "robots"), (late, "archived")]  # the rule past 500 KiB is unread
    assert robots_rows(root)[BLOG] == (200, "rules", None, ROBOTS_MAX_BYTES)


def test_robots_redirects_are_followed_and_too_many_mean_unavailable(tmp_path: Path, web: FixtureWeb) -> None:
    [blog] = serve_blog(web, "/private/1.html")
    [news] = serve_blog(web, "/private/2.html", base=NEWS)
    # blog: five hops, then a robots.txt on another host (RFC 9309: follow at least five)
    for hop in range(5):
        web.route(f"{BLOG}/robots.txt" if hop == 0 else f"{BLOG}/r{hop}", redirect(f"{BLOG}/r{hop + 1}", 301))
    web.route(f"{BLOG}/r5", redirect("https://cdn.example.org/robots-final.txt"))
    web.add(
        "https://cdn.example.org/robots-final.txt",
        "User-agent: *\nDisallow: /private/\n",
        content_type="text/plain",
    )
    # news: a redirect loop is "unavailable", like a 404
    web.route(f"{NEWS}/robots.txt", redirect(f"{NEWS}/robots.txt?again"))
    web.route(f"{NEWS}/robots.txt?again", redirect(f"{NEWS}/robots.txt"))
    root = tmp_path / "site"
    results = crawl(crawl_config(root, web, [blog, news]), Clock())
    assert outcomes(results) == [(blog, "robots"), (news, "archived")]
    assert robots_rows(root)[NEWS][1] == "allow_all"


# ---------------------------------------------------------------------- Crawl-delay


def test_crawl_delay_is_honoured_between_requests_to_the_host(tmp_path: Path, web: FixtureWeb) -> None:
    urls = serve_blog(web, "/1.html", "/2.html", "/3.html")
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nCrawl-delay: 5\n", content_type="text/plain")
    clock = Clock()
    results = crawl(crawl_config(tmp_path / "site", web, urls), clock)
    assert [r.outcome for r in results] == ["archived"] * 3
    assert clock.waits == [5.0, 5.0, 5.0]  # robots.txt, then each page 5 s after the previous request


def test_a_crawl_delay_over_the_cap_skips_the_host_not_the_run(tmp_path: Path, web: FixtureWeb) -> None:
    slow = serve_blog(web, "/1.html", "/2.html")
    [fine] = serve_blog(web, "/ok.html", base=NEWS)
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nCrawl-delay: 3600\n", content_type="text/plain")
    clock = Clock()
    results = crawl(crawl_config(tmp_path / "site", web, [*slow, fine]), clock)
    assert outcomes(results) == [(slow[0], "robots"), (slow[1], "robots"), (fine, "archived")]
    assert "Crawl-delay of 3600 s" in results[0].message and "skipped for this run" in results[0].message
    assert clock.waits == [] and all(web.seen(u) == [] for u in slow)
    # a lower cap is a config choice
    clock = Clock()
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nCrawl-delay: 5\n", content_type="text/plain")
    results = crawl(crawl_config(tmp_path / "site2", web, slow, max_crawl_delay=2.0), clock)
    assert [r.outcome for r in results] == ["robots", "robots"]


# ---------------------------------------------------------------------- cache and scope


def test_robots_txt_is_cached_in_the_catalog_for_a_day(tmp_path: Path, web: FixtureWeb) -> None:
    allowed, private = serve_blog(web, "/1.html", "/private/2.html")
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    config = crawl_config(tmp_path / "site", web, [allowed, private])
    clock = Clock()
    crawl(config, clock)
    assert len(web.seen(f"{BLOG}/robots.txt")) == 1
    clock.wall = START + timedelta(hours=23)
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")  # changed
    results = crawl(config, clock)
    assert len(web.seen(f"{BLOG}/robots.txt")) == 1  # the cached copy, still fresh
    assert [r.outcome for r in results] == ["robots"]  # the allowed page was archived: not fetched again
    clock.wall = START + ROBOTS_TTL + timedelta(minutes=1)
    fresh = serve_blog(web, "/3.html")[0]
    config = dataclasses.replace(
        config, sources=(dataclasses.replace(config.sources[0], urls=(allowed, private, fresh)),)
    )
    results = crawl(config, clock)
    assert len(web.seen(f"{BLOG}/robots.txt")) == 2  # stale: asked again, and the new rules apply
    assert [(r.url, r.outcome) for r in results] == [(private, "robots"), (fresh, "robots")]


def test_on_demand_archive_ignores_robots_by_default_and_obeys_it_when_configured(
    tmp_path: Path, web: FixtureWeb
) -> None:
    [url] = serve_blog(web, "/private/1.html")
    web.add(f"{BLOG}/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")

    def archive(mode: str, root: Path) -> Result:
        config = make_config(root, web, fetch={"obey_robots": mode})
        fetcher = Fetcher(config.fetch)
        try:
            with Archive(config) as arc, Pipeline(arc, fetcher=fetcher) as pipe:
                return pipe.archive_url(url)
        finally:
            fetcher.close()

    assert archive("crawl", tmp_path / "a").outcome == "archived"
    assert web.seen(f"{BLOG}/robots.txt") == []  # not even asked
    refused = archive("always", tmp_path / "b")
    assert refused.outcome == "robots" and not refused.ok and url in refused.message
    # "never": a crawl does not even ask
    web.requests.clear()
    results = crawl(crawl_config(tmp_path / "c", web, [url], obey_robots="never"), Clock())
    assert outcomes(results) == [(url, "archived")] and web.seen(f"{BLOG}/robots.txt") == []


def test_a_crawl_feed_obeys_robots_too(tmp_path: Path, web: FixtureWeb) -> None:
    feed = f"{NEWS}/rss.xml"
    web.add(feed, "<rss version='2.0'><channel></channel></rss>", content_type="application/rss+xml")
    web.add(f"{NEWS}/robots.txt", "User-agent: *\nDisallow: /rss.xml\n", content_type="text/plain")
    config = dataclasses.replace(make_config(tmp_path / "site", web), sources=(Source(name="n", feed=feed),))
    results = crawl(config, Clock())
    assert outcomes(results) == [(feed, "robots")] and web.seen(feed) == []


def test_parse_robots_survives_garbage() -> None:
    parser = parse_robots(b"\xff\xfe\x00garbage\nUser-agent: *\nDisallow: /x\n" + bytes(range(256)))
    assert parser.can_fetch("https://a.example/y", "wxarchive")
    assert not parse_robots(b"\xef\xbb\xbfUser-agent: *\nDisallow: /x\n").can_fetch(
        "https://a.example/x", "b"
    )
