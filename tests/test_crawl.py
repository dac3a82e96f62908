"""The crawl against the local fixture web: every source kind, incremental second runs, block-aware
hosts, politeness under concurrency, one crawl at a time, and SIGKILL at random moments."""

from __future__ import annotations

import dataclasses
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import frontmatter
import pytest

from archive.crawl import Crawl, parse_interval
from archive.pipeline import Archive, Pipeline, Result
from archive.progress import Progress
from archive.runlock import AlreadyRunning, RunLock
from scraper.config import Config, CrawlConfig, Source
from scraper.fetch import Fetcher
from tests.archivekit import QQ_URL, WECHAT_URL, make_config, page, serve_qq, serve_wechat, temp_files
from tests.fixtureweb import FixtureWeb, Response, qq_author_list, status, wechat_album

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
BIZ = "MzAxMTAwMDAwMA=="
VERIFY = (
    '<html><head><title>环境异常</title></head><body><div class="weui-msg"><h2 class="weui-msg__title">环境异常</h2>'
    '<p class="weui-msg__desc">当前环境异常，完成验证后即可继续访问。</p><a href="#">去验证</a></div></body></html>'
)


HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些"
    "然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公"
    "无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将"
)


def prose(seed: str, chars: int = 600) -> str:
    """Text of its own for each seed: the archive links near-identical bodies as one syndicated
    article, so each test article must really be another article."""
    rng = random.Random(seed)
    return "".join(rng.choice(HANZI) + ("。" if i % 23 == 22 else "") for i in range(chars))


def article(title: str) -> str:
    """A small article page the generic extractor accepts, with a body of its own."""
    text = prose(title)
    paras = "".join(f"<p>《{title}》{text[i : i + 120]}</p>" for i in range(0, len(text), 120))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{paras}</article></body></html>"
    )


def serve_articles(web: FixtureWeb, base: str, n: int, prefix: str = "/a/") -> list[str]:
    urls = [f"{base}{prefix}{i}.html" for i in range(1, n + 1)]
    for i, url in enumerate(urls):
        web.add(url, article(f"{base.split('//')[1]} 第{i + 1}篇"))
    return urls


def wechat_page(mid: int) -> bytes:
    """The WeChat fixture article as another article of the same account (its own mid)."""
    html = page("wechat-article.html").decode("utf-8")
    marker = 'id="js_content" style="visibility: hidden; opacity: 0;">'
    html = html.replace(marker, marker + f"<p>{prose(str(mid), 900)}</p>")
    return (
        html.replace('var mid = "2650000001"', f'var mid = "{mid}"')
        .replace("一次测试归档", f"测试归档{mid}")
        .encode()
    )


def long_url(mid: int, idx: int = 1) -> str:
    return f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid={mid}&idx={idx}&sn=abc{mid}&chksm=xx&scene=21#wechat_redirect"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def crawl_config(root: Path, web: FixtureWeb, sources: tuple[Source, ...], **crawl: Any) -> Config:
    config = make_config(root, web)
    return dataclasses.replace(
        config, sources=sources, crawl=dataclasses.replace(config.crawl, pause_jitter=0.0, **crawl)
    )


def run_crawl(
    config: Config, clock: Clock | None = None, *, force: bool = True, **fetch: Any
) -> tuple[list[Result], Progress]:
    clock = clock or Clock()
    fetcher = Fetcher(config.fetch, **fetch)
    progress = Progress(io.StringIO())
    with Archive(config) as archive, Pipeline(archive, fetcher=fetcher, command="crawl", clock=clock) as pipe:
        results = Crawl(pipe, progress=progress, rng=random.Random(7)).run(force=force)
    fetcher.close()
    progress.close()
    return results, progress


def rows(root: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(root / "catalog.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def bundles(root: Path) -> list[Path]:
    return sorted((root / "content").glob("*/*/index.md"))


def page_requests(web: FixtureWeb, host: str) -> list[str]:
    return [s.url for s in web.requests if f"//{host}/" in s.url and not s.url.endswith("/robots.txt")]


# ---------------------------------------------------------------------- every source kind


def serve_all_sources(web: FixtureWeb, tmp_path: Path) -> tuple[tuple[Source, ...], int]:
    """One source of each kind, each listing its own articles; returns the sources and the article count."""
    blog = serve_articles(web, "https://blog.example.org", 2)
    web.add(
        "https://blog.example.org/feed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>博客</title>'
        + "".join(f"<item><title>第{i}篇</title><link>{u}</link></item>" for i, u in enumerate(blog))
        + "</channel></rss>",
        content_type="application/rss+xml",
        headers={"ETag": '"feed-v1"'},
    )
    news = serve_articles(web, "https://news.example.net", 3)
    web.add(
        "https://news.example.net/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>https://news.example.net/news-sitemap.xml</loc><lastmod>2025-02-28</lastmod></sitemap>"
        "</sitemapindex>",
        content_type="application/xml",
        headers={"Last-Modified": "Fri, 28 Feb 2025 10:00:00 GMT"},
    )
    web.add(
        "https://news.example.net/news-sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(
            f"<url><loc>{u}</loc><news:news><news:title>新闻{i}</news:title>"
            f"<news:publication_date>2025-02-2{i}</news:publication_date></news:news></url>"
            for i, u in enumerate(news)
        )
        + "</urlset>",
        content_type="application/xml",
    )
    serve_wechat(web)  # the images of the WeChat pages
    mids = [2650000011, 2650000012, 2650000013]
    for mid in mids:
        web.add(long_url(mid), wechat_page(mid))
    items = [
        {"title": f"合集文章{m}", "url": long_url(m).replace("&", "&amp;"), "msgid": str(m), "itemidx": "1"}
        for m in mids
    ]
    web.route("https://mp.weixin.qq.com/mp/appmsgalbum", wechat_album(items, page_size=2))
    serve_qq(web)
    web.route(
        "https://i.news.qq.com/getSubNewsMixedList",
        qq_author_list(
            [
                {"title": "文章", "url": QQ_URL, "timestamp": "2025-02-13 10:00:00", "articletype": "0"},
                {"title": "视频", "url": "https://new.qq.com/rain/a/20250213V09VIDEO0", "articletype": "4"},
            ]
        ),
    )
    lists = serve_articles(web, "https://column.example.com", 3, prefix="/post/")
    web.add(
        "https://column.example.com/list",
        '<html><body><a href="/post/1.html">一</a><a href="/post/2.html">二</a><a href="/about">关于</a>'
        '<a href="/list?page=2">下一页</a></body></html>',
    )
    web.add(
        "https://column.example.com/list?page=2",
        f'<html><body><a href="{lists[2]}">三</a><a href="/list">上一页</a></body></html>',
    )
    url_file = tmp_path / "urls.txt"
    files = serve_articles(web, "https://files.example.com", 2)
    url_file.write_text(f"# reading list\n{files[0]}\n\n{files[1]}  # second\n", encoding="utf-8")
    album = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&action=getalbum&album_id=3000000001#wechat_redirect"
    sources = (
        Source(name="feed", feed="https://blog.example.org/feed.xml"),
        Source(name="sitemap", url="https://news.example.net/sitemap_index.xml"),
        Source(name="album", url=album),
        Source(name="author", url="https://news.qq.com/omn/author/8QMd3Hld7YEbuzjf"),
        Source(name="column", url="https://column.example.com/list", link_pattern=r"/post/\d+\.html$"),
        Source(name="file", file=str(url_file)),
    )
    return sources, len(blog) + len(news) + len(mids) + 1 + len(lists) + len(files)


def test_every_source_kind_archives_each_article_once_and_a_second_run_asks_once_per_source(
    tmp_path: Path, web: FixtureWeb
) -> None:
    sources, count = serve_all_sources(web, tmp_path)
    root = tmp_path / "site"
    config = crawl_config(root, web, sources)
    first, progress = run_crawl(config)
    assert [r.outcome for r in first].count("archived") == count, [
        (r.url, r.outcome, r.message) for r in first
    ]
    assert progress.tally.exit_status() == 0
    assert len(bundles(root)) == count
    assert not any("V09VIDEO" in s.url for s in web.requests)  # articletype 4 is not an article
    assert rows(root, "SELECT COUNT(*) FROM frontier WHERE state='archived'") == [(count,)]

    web.requests.clear()
    second, progress = run_crawl(config)  # nothing new anywhere
    assert second == [] and progress.tally.exit_status() == 0
    asked = [s.url for s in web.requests]
    assert sorted(asked) == sorted(
        [
            "https://blog.example.org/feed.xml",  # 304
            "https://news.example.net/sitemap_index.xml",  # 304
            "https://mp.weixin.qq.com/mp/appmsgalbum?action=getalbum&__biz=MzAxMTAwMDAwMA%3D%3D&album_id=3000000001&count=20&f=json",
            "https://i.news.qq.com/getSubNewsMixedList?guestSuid=8QMd3Hld7YEbuzjf&tabId=om_index",
            "https://column.example.com/list",
        ]
    )
    conditional = {s.url: s.headers for s in web.requests}
    assert conditional["https://blog.example.org/feed.xml"]["if-none-match"] == '"feed-v1"'
    assert "if-modified-since" in conditional["https://news.example.net/sitemap_index.xml"]
    assert progress.tally.counts["not_modified"] == 2


def test_the_album_is_paged_and_resumed_where_the_page_cap_stopped_it(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    mids = list(range(2650000021, 2650000026))
    for mid in mids:
        web.add(long_url(mid), wechat_page(mid))
    items = [{"title": f"第{m}", "url": long_url(m), "msgid": str(m), "itemidx": "1"} for m in mids]
    web.route("https://mp.weixin.qq.com/mp/appmsgalbum", wechat_album(items, page_size=2))
    album = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&action=getalbum&album_id=9"
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="album", url=album, max_pages=2),))
    first, _ = run_crawl(config)
    assert [r.url for r in first] == [long_url(m).split("#")[0] for m in mids[:4]]  # two pages of two
    assert rows(root, "SELECT key, value FROM source_cursors WHERE key LIKE 'backfill%' ORDER BY key") == [
        ("backfill_itemidx", "1"),
        ("backfill_msgid", str(mids[3])),
    ]
    second, _ = run_crawl(config)  # the newest page (all known), then on from the cursor
    assert [r.url for r in second] == [long_url(mids[4]).split("#")[0]]
    assert rows(root, "SELECT COUNT(*) FROM source_cursors WHERE key LIKE 'backfill%'") == [(0,)]


def test_a_short_link_and_the_long_form_of_one_article_are_fetched_once(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)  # WECHAT_URL is /s/<short>; its page says biz/mid/idx 2650000001/1
    tracked = long_url(2650000001).split("#")[0]
    web.add(tracked, page("wechat-article.html"))
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="links", urls=(WECHAT_URL, tracked)),))
    results, _ = run_crawl(config)
    assert [(r.url, r.outcome) for r in results] == [(WECHAT_URL, "archived"), (tracked, "known")]
    assert web.seen(tracked) == [] and len(bundles(root)) == 1
    assert rows(root, f"SELECT identity FROM frontier WHERE url='{WECHAT_URL}'") == [
        ("wechat:3011000000_2650000001_1",)
    ]


def test_a_source_that_yields_nothing_says_why_and_title_filters_apply(
    tmp_path: Path, web: FixtureWeb
) -> None:
    urls = serve_articles(web, "https://blog.example.org", 3)
    titles = ["招聘启事", "技术文章：爬虫", "广告"]
    web.add(
        "https://blog.example.org/feed.xml",
        "<rss><channel>"
        + "".join(
            f"<item><title>{t}</title><link>{u}</link></item>" for t, u in zip(titles, urls, strict=True)
        )
        + "</channel></rss>",
        content_type="application/rss+xml",
    )
    web.add(
        "https://blog.example.org/empty.xml",
        "<rss><channel><title>空</title></channel></rss>",
        content_type="text/xml",
    )
    root = tmp_path / "site"
    sources = (
        Source(name="tech", feed="https://blog.example.org/feed.xml", include=("技术",), exclude=("广告",)),
        Source(name="empty", feed="https://blog.example.org/empty.xml"),
    )
    config = crawl_config(root, web, sources)
    out = io.StringIO()
    fetcher = Fetcher(config.fetch)
    with Archive(config) as archive, Pipeline(archive, fetcher=fetcher, command="crawl") as pipe:
        results = Crawl(pipe, progress=Progress(out)).run(force=True)
    fetcher.close()
    assert [(r.url, r.outcome) for r in results] == [(urls[1], "archived")]
    assert "source tech: 2 of 3 entries left out by the include/exclude words" in out.getvalue()
    assert "source empty: nothing new (the feed has no entries with a link)" in out.getvalue()


# ---------------------------------------------------------------------- block-aware hosts


def test_after_a_verification_page_the_host_gets_no_request_in_this_run_nor_the_next_before_the_pause(
    tmp_path: Path, web: FixtureWeb
) -> None:
    wechat = [f"https://mp.weixin.qq.com/s/Tst0Blocked{i:013d}" for i in range(4)]
    web.route("https://mp.weixin.qq.com/s/", lambda req: Response(body=VERIFY.encode()))
    blog = serve_articles(web, "https://blog.example.org", 3)
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="mixed", urls=(*wechat, *blog)),), pause_minutes=60.0)
    clock = Clock()
    results, progress = run_crawl(config, clock)
    assert len(page_requests(web, "mp.weixin.qq.com")) == 1  # the first page only
    assert [r.outcome for r in results if r.url in blog] == ["archived"] * 3  # the other host goes on
    assert [r.outcome for r in results if r.url in wechat] == ["paused"] * 4
    assert progress.tally.exit_status() == 0 and "mp.weixin.qq.com" in progress.tally.paused_hosts
    assert rows(root, "SELECT host, paused_until, trips FROM host_state") == [
        ("mp.weixin.qq.com", "2025-03-01T09:00:00Z", 1)
    ]
    assert rows(root, "SELECT COUNT(*) FROM frontier WHERE state='queued'") == [(4,)]  # queued, not failed

    web.requests.clear()
    clock.now = START + timedelta(minutes=30)  # still paused
    results, progress = run_crawl(config, clock)
    assert page_requests(web, "mp.weixin.qq.com") == []
    assert [r.outcome for r in results] == ["paused"] * 4
    assert "paused mp.weixin.qq.com until 2025-03-01T09:00:00Z" in "\n".join(progress.tally.lines())

    web.reset()
    for i, url in enumerate(wechat):
        web.add(url, wechat_page(2650000100 + i))
    serve_wechat(web, html=wechat_page(2650000100), url=wechat[0])
    clock.now = START + timedelta(minutes=61)  # the pause is over
    results, _ = run_crawl(config, clock)
    assert [r.outcome for r in results] == ["archived"] * 4
    assert rows(root, "SELECT trips FROM host_state") == [(0,)]


def test_a_second_block_doubles_the_pause(tmp_path: Path, web: FixtureWeb) -> None:
    web.route("https://mp.weixin.qq.com/s/", lambda req: Response(body=VERIFY.encode()))
    root = tmp_path / "site"
    config = crawl_config(
        root, web, (Source(name="w", urls=("https://mp.weixin.qq.com/s/Tst0Again000000000001",)),)
    )
    clock = Clock()
    run_crawl(config, clock)
    clock.now = START + timedelta(minutes=31)
    run_crawl(config, clock)
    assert rows(root, "SELECT paused_until, trips FROM host_state") == [("2025-03-01T09:31:00Z", 2)]


def test_freq_control_from_the_album_api_is_a_pause_not_an_empty_album(
    tmp_path: Path, web: FixtureWeb
) -> None:
    web.route("https://mp.weixin.qq.com/mp/appmsgalbum", wechat_album([], block="freq control"))
    album = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&action=getalbum&album_id=1"
    blog = serve_articles(web, "https://blog.example.org", 1)
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="album", url=album), Source(name="blog", urls=tuple(blog))))
    results, progress = run_crawl(config)
    assert [(r.url, r.outcome) for r in results] == [(album, "paused"), (blog[0], "archived")]
    assert "freq control" in results[0].message and progress.tally.exit_status() == 0
    assert rows(root, "SELECT host FROM host_state") == [("mp.weixin.qq.com",)]
    assert rows(root, "SELECT last_crawled_at FROM sources WHERE name='album'") == []  # it is tried again


def test_a_burst_of_403_opens_the_breaker(tmp_path: Path, web: FixtureWeb) -> None:
    web.route("https://strict.example.org/", status(403, body=b"forbidden"))
    urls = [f"https://strict.example.org/a/{i}.html" for i in range(5)]
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="s", urls=tuple(urls)),), block_burst=2)
    results, progress = run_crawl(config)
    assert [r.outcome for r in results] == ["failed", "failed", "paused", "paused", "paused"]
    assert len(page_requests(web, "strict.example.org")) == 2
    assert progress.tally.failed == 2


# ---------------------------------------------------------------------- politeness, one crawl at a time


def gaps(web: FixtureWeb, host: str) -> list[float]:
    times = [s.at for s in web.requests if f"//{host}/" in s.url]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_hosts_go_side_by_side_and_each_keeps_its_delay(tmp_path: Path, web: FixtureWeb) -> None:
    hosts = ["https://one.example.org", "https://two.example.org", "https://three.example.org"]
    urls = [u for h in hosts for u in serve_articles(web, h, 3)]
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="s", urls=tuple(urls)),), concurrency=3)
    config = dataclasses.replace(config, fetch=dataclasses.replace(config.fetch, delay=0.25))
    results, _ = run_crawl(config)
    assert [r.outcome for r in results] == ["archived"] * 9
    for host in hosts:
        assert len(gaps(web, host.split("//")[1])) == 3  # robots.txt + 3 pages
        assert min(gaps(web, host.split("//")[1])) >= 0.25
    # side by side: the first page of every host was asked before the last page of any host
    firsts = [min(s.at for s in web.requests if h in s.url) for h in hosts]
    lasts = [max(s.at for s in web.requests if h in s.url) for h in hosts]
    assert max(firsts) < min(lasts)


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-c", "from archive.cli import main; main()", *map(str, args)]


def write_config(path: Path, root: Path, sources: str, delay: float = 0.0, timeout: float = 2.0) -> Path:
    path.write_text(
        f"[fetch]\ndelay = {delay}\nimage_delay = 0.0\nretries = 1\nconnect_timeout = 2.0\nread_timeout = {timeout}\n"
        f'total_timeout = {timeout * 2.5}\n\n[archive]\nroot = "{root}"\nisolate_extraction = false\n\n'
        + sources,
        encoding="utf-8",
    )
    return path


def test_a_second_crawl_while_one_runs_exits_at_once_and_delays_hold(tmp_path: Path, web: FixtureWeb) -> None:
    import threading

    gated = "https://blog.example.org/a/0.html"
    urls = [gated, *serve_articles(web, "https://blog.example.org", 4)]
    gate = threading.Event()  # the first crawl's first page is answered only once the second crawl is over
    body = article("blog.example.org 第0篇")
    web.route(gated, lambda req: Response(body=body.encode()) if gate.wait(30) else None)
    root = tmp_path / "site"
    listed = ", ".join(f'"{u}"' for u in urls)
    # why the long read timeout: the gated page waits for the second crawl's whole start-up
    cfg = write_config(
        tmp_path / "w.toml", root, f'[[sources]]\nname = "s"\nurls = [{listed}]\n', delay=0.3, timeout=30.0
    )
    env = {**os.environ, **web.env()}
    first = subprocess.Popen(
        cli("crawl", "--config", cfg), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while not web.seen(urls[0]) and time.monotonic() < deadline:  # the first one is crawling now
        time.sleep(0.01)
    second = subprocess.run(
        cli("crawl", "--config", cfg), env=env, capture_output=True, text=True, timeout=60
    )
    gate.set()
    out, _ = first.communicate(timeout=60)
    assert second.returncode == 0 and second.stdout == ""
    assert "Another crawl of" in second.stderr and f"is running (pid {first.pid} since" in second.stderr
    assert first.returncode == 0 and out.decode().count("archived ") == 5
    assert len(page_requests(web, "blog.example.org")) == 5  # each page once: the second asked nothing
    assert min(gaps(web, "blog.example.org")) >= 0.3


def test_the_run_lock_dies_with_its_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from archive.runlock import RunLock; from pathlib import Path; import time; "
         f"RunLock(Path({str(tmp_path)!r})).acquire(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"):
        RunLock(tmp_path).acquire()
    holder.kill()
    holder.wait()
    holder.stdout.close()
    with RunLock(tmp_path):  # the kernel released it with the process
        pass


def test_crawl_every_keeps_running_until_sigterm_and_exits_cleanly(tmp_path: Path, web: FixtureWeb) -> None:
    urls = serve_articles(web, "https://blog.example.org", 1)
    cfg = write_config(
        tmp_path / "w.toml",
        tmp_path / "site",
        f'[[sources]]\nname = "s"\nurls = ["{urls[0]}"]\ninterval_minutes = 0\n',
    )
    env = {**os.environ, **web.env()}
    proc = subprocess.Popen(
        cli("crawl", "--config", cfg, "--every", "1s"), env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    seen = [proc.stdout.readline() for _ in range(4)]  # archived, summary, then the second run's two lines
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    proc.stdout.close()
    assert seen[0].startswith(f"archived {urls[0]} -> ") and seen[1].startswith("summary: 1 new")
    assert seen[2:] == ["source s: nothing new (all 1 listed URL(s) are known)\n", "summary: no failures\n"]
    assert parse_interval("30m") == 1800 and parse_interval("2h") == 7200 and parse_interval("90s") == 90


# ---------------------------------------------------------------------- revisits


def test_a_revisit_records_a_deletion_and_keeps_the_copy(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="w", urls=(WECHAT_URL,)),), revisit_days=(1.0,))
    clock = Clock()
    run_crawl(config, clock)
    [index] = bundles(root)
    before = index.read_bytes()
    web.add(WECHAT_URL, page("wechat-deleted.html"))
    clock.now = START + timedelta(hours=12)
    assert run_crawl(config, clock)[0] == []  # not due yet
    clock.now = START + timedelta(days=1, minutes=1)
    results, _ = run_crawl(config, clock)
    assert [(r.outcome, r.kind) for r in results] == [("not_article", "deleted")]
    assert rows(root, "SELECT state, next_visit, revisits FROM frontier") == [("deleted", None, 1)]
    assert index.read_bytes() == before


# ---------------------------------------------------------------------- crash safety


def test_sigkill_at_random_moments_then_restart_archives_every_article_exactly_once(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    mids = list(range(2650000301, 2650000307))
    for mid in mids:
        web.add(long_url(mid), wechat_page(mid))
    blog = serve_articles(web, "https://blog.example.org", 4)
    web.latency = 0.02  # why: so that kills land in the middle of requests too
    listed = ", ".join(f'"{u}"' for u in [*map(long_url, mids), *blog])
    root = tmp_path / "site"
    cfg = write_config(
        tmp_path / "w.toml", root, f'[[sources]]\nname = "s"\nurls = [{listed}]\ninterval_minutes = 0\n'
    )
    env = {**os.environ, **web.env()}
    rng = random.Random(20251206)
    for _ in range(10):
        proc = subprocess.Popen(
            cli("crawl", "--config", cfg), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = subprocess.run(
        cli("crawl", "--config", cfg), env=env, capture_output=True, text=True, timeout=120
    )
    assert final.returncode == 0, final.stdout + final.stderr
    total = len(mids) + len(blog)
    assert rows(root, "SELECT COUNT(*) FROM articles") == [(total,)]
    assert rows(root, "SELECT COUNT(*) FROM frontier WHERE state='archived'") == [(total,)]
    found = bundles(root)
    assert len(found) == total
    for index in found:
        post = frontmatter.load(index)
        assert post["title"] and post.content.strip()
    assert temp_files(root) == []


# ---------------------------------------------------------------------- the catalog


def test_a_catalog_of_the_previous_version_gains_the_crawl_tables(tmp_path: Path) -> None:
    from archive.catalog import Catalog
    from archive.schema import MIGRATIONS, SCHEMA_VERSION

    mine = next(m for m in MIGRATIONS if "crawl frontier" in m.name)
    path = tmp_path / "catalog.sqlite"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS:
        if migration.version < mine.version:
            for statement in migration.statements():
                conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(mine.version - 1),))
    conn.execute("INSERT INTO sources (name, last_crawled_at) VALUES ('old', '2025-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    with Catalog.open(path) as catalog:
        assert catalog.last_crawled("old") == datetime(2025, 1, 1, tzinfo=UTC)  # kept
        tables = {r[0] for r in catalog.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"frontier", "source_cursors", "host_state"} <= tables
        assert catalog.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION)


def test_crawl_config_is_checked() -> None:
    from scraper.config import config_from_dict
    from scraper.errors import ConfigError

    assert config_from_dict({"crawl": {"revisit_days": [1, 7]}}).crawl.revisit_days == (1, 7)
    with pytest.raises(ConfigError, match="concurrency"):
        config_from_dict({"crawl": {"concurrency": 0}})
    with pytest.raises(ConfigError, match="kind must be one of"):
        config_from_dict({"sources": [{"name": "x", "kind": "podcast", "url": "https://a.example/"}]})
    assert CrawlConfig().concurrency == 8


def test_follow_albums_crawls_the_albums_named_in_archived_articles(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    album_link = (
        f'<div id="js_tags"><a href="https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&amp;action=getalbum'
        '&amp;album_id=3000000077#wechat_redirect">#合集</a></div>'
    )
    web.add(WECHAT_URL, page("wechat-article.html").replace(b"</body>", album_link.encode() + b"</body>"))
    mids = [2650000401, 2650000402]
    for mid in mids:
        web.add(long_url(mid), wechat_page(mid))
    items = [{"title": f"合集{m}", "url": long_url(m), "msgid": str(m), "itemidx": "1"} for m in mids]
    web.route("https://mp.weixin.qq.com/mp/appmsgalbum", wechat_album(items))
    root = tmp_path / "site"
    config = crawl_config(root, web, (Source(name="w", urls=(WECHAT_URL,), follow_albums=True),))
    first, _ = run_crawl(config)
    assert [r.outcome for r in first] == ["archived"]
    second, _ = run_crawl(config)
    assert [(r.url, r.outcome) for r in second] == [(long_url(m).split("#")[0], "archived") for m in mids]


def test_crawl_json_is_one_object_per_outcome_then_the_summary(tmp_path: Path, web: FixtureWeb) -> None:
    import json

    from click.testing import CliRunner

    from archive.cli import main

    urls = serve_articles(web, "https://blog.example.org", 2)
    web.route("https://blog.example.org/gone/", status(404, body=b"gone"))
    listed = ", ".join(f'"{u}"' for u in [*urls, "https://blog.example.org/gone/1.html"])
    cfg = write_config(
        tmp_path / "w.toml", tmp_path / "site", f'[[sources]]\nname = "s"\nurls = [{listed}]\n'
    )
    result = CliRunner().invoke(main, ["crawl", "--config", str(cfg), "--json", "--proxy", web.proxy_url,
                                       "--ca-bundle", web.ca_bundle], catch_exceptions=False)  # fmt: skip
    objects = [json.loads(line) for line in result.output.splitlines()]
    # outcomes stream as they happen (hosts side by side); the summary comes last
    assert sorted(o["outcome"] for o in objects[:-1]) == ["archived", "archived", "failed"]
    assert [o["event"] for o in objects] == ["outcome"] * 3 + ["summary"]
    assert objects[-1]["failed_by_kind"] == {"HTTPStatusError": 1} and result.exit_code == 1


def test_sigterm_during_a_run_finishes_the_url_in_flight_and_leaves_the_rest_queued(
    tmp_path: Path, web: FixtureWeb
) -> None:
    urls = serve_articles(web, "https://blog.example.org", 6)
    root = tmp_path / "site"
    listed = ", ".join(f'"{u}"' for u in urls)
    cfg = write_config(tmp_path / "w.toml", root, f'[[sources]]\nname = "s"\nurls = [{listed}]\n', delay=0.4)
    env = {**os.environ, **web.env()}
    proc = subprocess.Popen(cli("crawl", "--config", cfg), env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read().splitlines()
    proc.stdout.close()
    assert proc.wait(timeout=20) == 0
    assert first.startswith("archived ") and rest[-1].startswith("summary: ")
    assert any(line.startswith("stopped: ") and "left queued for the next run" in line for line in rest)
    archived = rows(root, "SELECT COUNT(*) FROM frontier WHERE state='archived'")[0][0]
    queued = rows(root, "SELECT COUNT(*) FROM frontier WHERE state='queued'")[0][0]
    assert archived + queued == 6 and 1 <= archived < 6
    assert len(bundles(root)) == archived and temp_files(root) == []


def test_a_robots_txt_source_reads_its_sitemap_lines_and_a_list_page_resumes_where_the_cap_stopped(
    tmp_path: Path, web: FixtureWeb
) -> None:
    news = serve_articles(web, "https://news.example.net", 2)
    web.add(
        "https://news.example.net/robots.txt",
        "User-agent: *\nDisallow: /private/\nSitemap: https://news.example.net/sitemap.xml\n",
        content_type="text/plain",
    )
    web.add(
        "https://news.example.net/sitemap.xml",
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{u}</loc></url>" for u in news)
        + "</urlset>",
        content_type="application/xml",
    )
    posts = serve_articles(web, "https://column.example.com", 3, prefix="/post/")
    for i, post in enumerate(posts):
        after = f'<a href="/list/{i + 2}">下一页</a>' if i < 2 else ""
        web.add(
            f"https://column.example.com/list/{i + 1}",
            f'<html><body><a href="{post}">文{i}</a>{after}</body></html>',
        )
    root = tmp_path / "site"
    sources = (
        Source(name="robots", url="https://news.example.net/robots.txt"),
        Source(name="column", url="https://column.example.com/list/1", link_pattern="/post/", max_pages=2),
    )
    config = crawl_config(root, web, sources)
    first, _ = run_crawl(config)
    assert sorted(r.url for r in first) == sorted([*news, *posts[:2]])
    assert rows(root, "SELECT value FROM source_cursors WHERE key='resume_url'") == [
        ("https://column.example.com/list/3",)
    ]
    second, _ = run_crawl(config)
    assert [r.url for r in second] == [posts[2]]  # the first page (known), then on from the cursor
    assert rows(root, "SELECT COUNT(*) FROM source_cursors WHERE key='resume_url'") == [(0,)]


def test_the_fetcher_keeps_one_request_in_flight_per_host_and_asks_conditionally(web: FixtureWeb) -> None:
    import threading

    from scraper.fetch import NotModified

    urls = serve_articles(web, "https://one.example.org", 3)
    other = serve_articles(web, "https://two.example.org", 1)
    web.latency = 0.2
    fetcher = Fetcher(web.fetch_config())  # no delay at all: only the one-in-flight rule spaces them
    threads = [threading.Thread(target=fetcher.fetch, args=(u,)) for u in [*urls, *other]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    one = sorted(s.at for s in web.requests if "one.example.org" in s.url)
    assert all(b - a >= 0.19 for a, b in zip(one, one[1:], strict=False))  # each after the previous answer
    two = [s.at for s in web.requests if "two.example.org" in s.url]
    assert two[0] < one[-1]  # another host does not wait for it
    web.latency = 0.0
    web.add("https://feeds.example.org/f.xml", "<rss version='2.0'><channel/></rss>", content_type="text/xml",
            headers={"ETag": '"v1"', "Last-Modified": "Sat, 01 Mar 2025 08:00:00 GMT"})  # fmt: skip
    got = fetcher.fetch_if_changed("https://feeds.example.org/f.xml")
    assert not isinstance(got, NotModified) and got.header("etag") == '"v1"'
    again = fetcher.fetch_if_changed("https://feeds.example.org/f.xml", etag='"v1"')
    since = fetcher.fetch_if_changed(
        "https://feeds.example.org/f.xml", last_modified="Sat, 01 Mar 2025 08:00:00 GMT"
    )
    assert isinstance(again, NotModified) and isinstance(since, NotModified)
    asked = web.seen("https://feeds.example.org/f.xml")
    assert "application/rss+xml" in asked[0].headers["accept"] and asked[1].headers["if-none-match"] == '"v1"'
    fetcher.close()
