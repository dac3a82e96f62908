"""The pipelines end to end through the fixture web: real proxy, real TLS, real URLs.

archive → bundle + WARC + catalog; archiving again writes nothing; non-articles never overwrite a good
archive; reextract is offline and byte-identical; import; crawl with feeds, failures and intervals;
crash safety (an exception before the rename, and a SIGKILLed process mid-write)."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

import archive.fsutil as fsutil
from archive.pipeline import Archive, Pipeline
from scraper import extract
from scraper.fetch import Fetcher
from scraper.models import Article
from tests.archivekit import (
    ARCHIVE_KEYS,
    COVER_JPEG,
    DELETED_URL,
    IMG_TWO,
    JPEG_TWO,
    PNG_ONE,
    QQ_IMG,
    QQ_PNG,
    QQ_URL,
    SEED_KEYS,
    WECHAT_URL,
    front_keys,
    make_config,
    page,
    read_doc,
    serve_images,
    serve_qq,
    serve_wechat,
    temp_files,
    tree_state,
)
from tests.fixtureweb import PLACEHOLDER_PNG, FixtureWeb

ROOT = Path(__file__).resolve().parent.parent


def run(config, fetch_config=None, **kw):  # type: ignore[no-untyped-def]
    """An Archive + Pipeline over ``config`` (caller closes both via the returned tuple)."""
    archive = Archive(config)
    fetcher = Fetcher(fetch_config or config.fetch)
    return archive, Pipeline(archive, fetcher=fetcher, **kw), fetcher


def archive_once(config, *urls: str, **kw):  # type: ignore[no-untyped-def]
    archive, pipe, fetcher = run(config, **kw)
    try:
        return [pipe.archive_url(u) for u in urls]
    finally:
        pipe.close()
        fetcher.close()
        archive.close()


def warc_records(root: Path) -> list[tuple[str, str | None, str | None]]:
    out = []
    for path in sorted((root / "raw").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh, check_digests=True):
                rec.raw_stream.read()
                out.append(
                    (
                        rec.rec_type,
                        rec.rec_headers.get_header("WARC-Target-URI"),
                        rec.rec_headers.get_header("WARC-X-Wxarchive-Kind"),
                    )
                )
    return out


def db(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(root / "catalog.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


# ---------------------------------------------------------------------- archive


def test_a_wechat_article_is_archived_as_a_complete_bundle(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    [result] = archive_once(make_config(root, web), WECHAT_URL)
    assert result.outcome == "archived", result.message
    index = result.path
    assert index is not None and index.name == "index.md"
    assert index.parent.parent == root / "content" / "wechat"
    meta, body, text = read_doc(index)

    assert front_keys(text) == SEED_KEYS + ARCHIVE_KEYS
    assert meta["title"] == "落选“果链”：一次测试归档"
    assert meta["date"] == "2025-02-13T17:15:34+08:00"
    assert meta["categories"] == ["wechat"] and meta["tags"][0] == "wechat"
    assert meta["author"] == "陈测试" and meta["account"] == "锌刻度测试号"
    assert meta["source_url"] == WECHAT_URL and meta["original_url"] == "https://example.org/original-post"
    assert meta["summary"] == "一篇为归档测试手写的微信文章：三张图片，一段引用，一个代码块。"
    bundle = index.parent
    # the cover is stored locally and the thumbnail resolves from the site root (lists only)
    thumb = meta["thumbnail"]["src"]
    assert meta["thumbnail"]["visibility"] == ["list"]
    assert (
        thumb.startswith(f"wechat/{bundle.name}/")
        and (bundle / thumb.rsplit("/", 1)[1]).read_bytes() == COVER_JPEG
    )
    # every image is local, a valid picture, and named by content
    links = [ln for ln in body.splitlines() if ln.startswith("![")]
    assert len(links) == 3 and not any("http" in ln for ln in links)
    files = sorted(p for p in bundle.iterdir() if p.name != "index.md")
    assert len(files) == 3  # png (stored once for two URLs) + jpg + cover
    for f in files:
        with Image.open(f) as im:
            im.load()
    assert {f.read_bytes() for f in files} == {PNG_ONE, JPEG_TWO, COVER_JPEG}
    assert body.rstrip().splitlines()[-3:] == [
        f"原文：[锌刻度测试号 · 陈测试]({WECHAT_URL})",
        "",
        "来源：[example.org](https://example.org/original-post)",
    ]
    assert "{{<" not in text and "{{%" not in text
    # the image requests carried mmbiz's Referer and no tp=webp
    img_requests = [s for s in web.requests if "mmbiz.qpic.cn" in s.url]
    assert all("tp=webp" not in s.url for s in img_requests)
    referers = sorted(str(s.headers.get("referer")) for s in img_requests)
    # every download with mmbiz's Referer, plus one probe with a foreign Referer to learn the placeholder
    assert referers.count("https://www.example.com/") == 1
    # the second URL answering the first one's bytes is asked once more without Referer (placeholder check)
    assert set(referers) == {"https://mp.weixin.qq.com/", "https://www.example.com/", "None"}
    assert referers.count("None") == 1
    assert [s.headers.get("referer") for s in web.seen(IMG_TWO)] == ["https://mp.weixin.qq.com/"]

    # WARC: the page response as received, image metadata, no image bytes
    recs = warc_records(root)
    assert ("response", WECHAT_URL, "page") in recs
    assert sum(1 for r in recs if r[2] == "image") >= 4
    assert not any(r[0] == "response" and r[2] == "image" for r in recs)

    conn = db(root)
    art = conn.execute("SELECT * FROM articles").fetchall()
    assert (
        len(art) == 1
        and art[0]["url"] == WECHAT_URL
        and art[0]["bundle_path"] == f"content/wechat/{bundle.name}/index.md"
    )
    assert art[0]["content_hash"] == meta["content_hash"] and art[0]["status"] == "archived"
    imgs = conn.execute("SELECT remote_url, status, local_file FROM images").fetchall()
    assert len(imgs) == 4 and {r["status"] for r in imgs} == {"stored"}
    raw = conn.execute("SELECT * FROM raw_records WHERE kind='page'").fetchall()
    assert len(raw) == 1 and raw[0]["digest"] == art[0]["raw_digest"] and raw[0]["status"] == 200
    out = conn.execute("SELECT url, stage, outcome FROM outcomes").fetchall()
    assert [tuple(r) for r in out] == [(WECHAT_URL, "write", "archived")]


def test_archiving_again_writes_nothing(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    archive_once(config, WECHAT_URL)
    content_before = tree_state(root / "content")
    raw_before = tree_state(root / "raw")
    web.requests.clear()

    [again] = archive_once(config, WECHAT_URL)
    assert again.outcome == "unchanged"
    assert tree_state(root / "content") == content_before  # same inodes, mtimes, sizes
    assert tree_state(root / "raw") == raw_before  # no new WARC payload
    assert [s.url for s in web.requests] == [WECHAT_URL]  # only the page; no image was downloaded
    assert temp_files(root) == []
    outcomes = [tuple(r) for r in db(root).execute("SELECT outcome FROM outcomes ORDER BY id")]
    assert outcomes == [("archived",), ("unchanged",)]


def test_a_page_with_new_bytes_but_the_same_content_is_not_rewritten(tmp_path: Path, web: FixtureWeb) -> None:
    # real WeChat pages differ on every fetch (tokens, nonces); the bundle must not churn
    root = tmp_path / "site"
    config = make_config(root, web)
    serve_wechat(web)
    archive_once(config, WECHAT_URL)
    before = tree_state(root / "content")
    serve_wechat(web, page("wechat-article.html").replace(b'nonce="1"', b'nonce="2"'))
    [again] = archive_once(config, WECHAT_URL)
    assert again.outcome == "unchanged"
    assert tree_state(root / "content") == before


def test_a_changed_page_replaces_the_bundle_and_drops_old_images(tmp_path: Path, web: FixtureWeb) -> None:
    root = tmp_path / "site"
    config = make_config(root, web)
    serve_wechat(web)
    [first] = archive_once(config, WECHAT_URL)
    assert first.path is not None
    old_files = {p.name for p in first.path.parent.iterdir()}
    jpeg_name = next(p.name for p in first.path.parent.iterdir() if p.read_bytes() == JPEG_TWO)
    changed = page("wechat-article.html").replace(
        b'<section><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/fixtureTwo/640?wx_fmt=jpeg#imgIndex=1" data-type="jpeg" src=""></section>',
        b"<section><p>\xe4\xbf\xae\xe8\xae\xa2\xef\xbc\x9a\xe4\xb8\x80\xe5\xbc\xa0\xe5\x9b\xbe\xe8\xa2\xab\xe5\x88\xa0\xe9\x99\xa4\xe3\x80\x82</p></section>",
    )
    serve_wechat(web, changed)
    [second] = archive_once(config, WECHAT_URL)
    assert second.outcome == "archived" and second.path == first.path
    new_files = {p.name for p in second.path.parent.iterdir()}
    assert new_files == old_files - {jpeg_name}  # the image no longer referenced is gone, the rest kept
    _, body, _ = read_doc(second.path)
    assert "修订：一张图被删除。" in body


def test_a_tencent_news_article_is_archived(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    root = tmp_path / "site"
    [result] = archive_once(make_config(root, web), QQ_URL)
    assert result.outcome == "archived", result.message
    assert result.path == root / "content" / "qq" / "20250213a06fmb00-8a5ab5c1" / "index.md" or (
        result.path is not None and result.path.parent.parent == root / "content" / "qq"
    )
    meta, body, text = read_doc(result.path)  # type: ignore[arg-type]
    assert front_keys(text) == [k for k in SEED_KEYS + ARCHIVE_KEYS if k != "original_url"]
    assert meta["date"] == "2025-02-13T17:15:34+08:00" and meta["categories"] == ["qq"]
    assert meta["title"] == "落选“果链”，别再捧杀DeepSeek了"
    local = [ln for ln in body.splitlines() if ln.startswith("![")]
    assert len(local) == 1 and "http" not in local[0]
    name = local[0].split("(", 1)[1].rstrip(")")
    assert (result.path.parent / name).read_bytes() == QQ_PNG  # type: ignore[union-attr]
    assert meta["thumbnail"]["src"] == f"qq/{result.path.parent.name}/{name}"  # type: ignore[union-attr]
    assert body.rstrip().splitlines()[-1].endswith(f"]({QQ_URL})")
    # gtimg.com has a Referer entry: probed once (foreign Referer, then none) and found unprotected
    assert [s.headers.get("referer") for s in web.seen(QQ_IMG)] == [
        "https://new.qq.com/",
        "https://www.example.com/",
        None,
    ]
    assert tuple(db(root).execute("SELECT host, protected FROM host_probes").fetchone()) == ("gtimg.com", 0)


def test_images_wait_image_delay_not_the_page_delay(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    waits: list[float] = []
    t = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        t[0] += seconds

    fetcher = Fetcher(
        dataclasses.replace(config.fetch, delay=2.0, image_delay=0.2), sleep=sleep, clock=lambda: t[0]
    )
    with Archive(config) as archive, Pipeline(archive, fetcher=fetcher) as pipe:
        result = pipe.archive_url(WECHAT_URL)
    fetcher.close()
    image_requests = [s for s in web.requests if "mmbiz.qpic.cn" in s.url]
    assert result.outcome == "archived" and result.images_failed == 0 and len(image_requests) >= 5
    # one wait per image request after the first, each the image delay, never the 2 s page delay
    assert waits == pytest.approx([0.2] * (len(image_requests) - 1))


def test_a_failing_image_keeps_its_remote_url_and_the_article_is_archived(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    web.add(IMG_TWO, b"", status=404, content_type="text/html")
    root = tmp_path / "site"
    [result] = archive_once(make_config(root, web), WECHAT_URL)
    assert result.outcome == "archived" and result.images_failed == 1
    _, body, _ = read_doc(result.path)  # type: ignore[arg-type]
    assert "![](https://mmbiz.qpic.cn/mmbiz_jpg/fixtureTwo/640?wx_fmt=jpeg#imgIndex=1)" in body
    row = db(root).execute("SELECT status, error FROM images WHERE remote_url LIKE '%fixtureTwo%'").fetchone()
    assert row["status"] == "failed" and "404" in row["error"]
    # the next run retries the failed image (and only then is the bundle rewritten)
    web.add(IMG_TWO, JPEG_TWO, content_type="image/jpeg", referer_prefix="https://mp.weixin.qq.com/")
    [again] = archive_once(make_config(root, web), WECHAT_URL)
    assert again.outcome == "archived" and again.images_failed == 0
    _, body, _ = read_doc(again.path)  # type: ignore[arg-type]
    assert "fixtureTwo" not in body


def test_a_non_article_never_overwrites_a_good_archive(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = archive_once(config, WECHAT_URL)
    before = tree_state(root / "content")
    web.add(WECHAT_URL, page("wechat-deleted.html"))  # the article was deleted since
    [gone] = archive_once(config, WECHAT_URL)
    assert gone.outcome == "not_article" and gone.kind == "deleted"
    assert WECHAT_URL in gone.message and "kept" in gone.message
    assert tree_state(root / "content") == before
    row = db(root).execute("SELECT stage, outcome, error_class FROM outcomes ORDER BY id DESC").fetchone()
    assert tuple(row) == ("extract", "not_article", "NotAnArticle")
    assert good.path is not None and good.path.exists()


def test_fetch_failures_are_recorded_and_the_batch_goes_on(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    web.add(DELETED_URL, page("wechat-deleted.html"))
    root = tmp_path / "site"
    missing = "https://mp.weixin.qq.com/s/doesNotExist"
    results = archive_once(make_config(root, web), missing, "file:///etc/passwd", DELETED_URL, WECHAT_URL)
    assert [r.outcome for r in results] == ["failed", "failed", "not_article", "archived"]
    assert (
        results[0].stage == "fetch"
        and results[0].error_class == "HTTPStatusError"
        and missing in results[0].message
    )
    assert results[1].error_class == "BlockedURL"
    rows = db(root).execute("SELECT url, outcome FROM outcomes ORDER BY id").fetchall()
    assert [r["outcome"] for r in rows] == ["failed", "failed", "not_article", "archived"]
    run = db(root).execute("SELECT ok, failed, finished_at FROM runs").fetchone()
    assert (run["ok"], run["failed"]) == (1, 3) and run["finished_at"]


def test_no_images_reuses_nothing_it_does_not_have_and_downloads_nothing(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    [result] = archive_once(make_config(root, web), WECHAT_URL, download_images=False)
    assert result.outcome == "archived"
    assert [s.url for s in web.requests] == [WECHAT_URL]
    _, body, _ = read_doc(result.path)  # type: ignore[arg-type]
    assert "https://mmbiz.qpic.cn/mmbiz_png/fixtureOne" in body


# ---------------------------------------------------------------------- import / reextract


def test_import_a_saved_page_fetches_only_its_images(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    web.add(WECHAT_URL, b"", status=500)  # the page itself must not be requested
    saved = tmp_path / "saved.html"
    saved.write_bytes(page("wechat-article.html"))
    root = tmp_path / "site"
    archive, pipe, fetcher = run(make_config(root, web), command="import")
    with archive, pipe:
        result = pipe.import_file(saved, WECHAT_URL)
    fetcher.close()
    assert result.outcome == "archived", result.message
    assert WECHAT_URL not in [s.url for s in web.requests]
    assert any("mmbiz.qpic.cn" in s.url for s in web.requests)
    assert ("resource", WECHAT_URL, "page") in warc_records(root)
    meta, _, _ = read_doc(result.path)  # type: ignore[arg-type]
    assert meta["source_url"] == WECHAT_URL


def test_reextract_is_offline_and_byte_identical_for_unchanged_results(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    serve_qq(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    archive_once(config, WECHAT_URL, QQ_URL)
    before = tree_state(root / "content")
    web.reset()  # the web is gone: any request would fail

    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        results = pipe.reextract()  # current: skipped without being read
        forced = pipe.reextract(force=True)  # rebuilt: the same bytes, nothing written
        assert pipe._fetcher is None  # never even built a client
    assert sorted(r.outcome for r in results) == ["skipped", "skipped"]
    assert sorted(r.outcome for r in forced) == ["unchanged", "unchanged"]
    assert web.requests == [] and web.tunnels == []
    assert tree_state(root / "content") == before


def test_reextract_with_a_newer_extractor_rewrites_only_what_changed(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_wechat(web)
    serve_qq(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [wx, qq] = archive_once(config, WECHAT_URL, QQ_URL)
    qq_before = qq.path.read_bytes()  # type: ignore[union-attr]
    qq_state = qq.path.stat()  # type: ignore[union-attr]
    web.reset()

    def newer(body: bytes, url: str) -> Article:
        art = extract(body, url)
        if art.site == "wechat":
            return dataclasses.replace(art, body_markdown=art.body_markdown.replace("那么，", "所以，"))
        return art

    monkeypatch.setattr("archive.fingerprint.EXTRACTOR_VERSION", "next")  # a newer extractor says so
    with Archive(config) as archive, Pipeline(archive, command="reextract", extract=newer) as pipe:
        results = {r.url: r for r in pipe.reextract()}
    assert results[WECHAT_URL].outcome == "archived" and results[QQ_URL].outcome == "unchanged"
    _, body, _ = read_doc(wx.path)  # type: ignore[arg-type]
    assert "所以，神话DeepSeek大可不必。" in body
    assert "http" not in "".join(ln for ln in body.splitlines() if ln.startswith("!["))  # images still local
    assert qq.path.read_bytes() == qq_before and qq.path.stat().st_mtime_ns == qq_state.st_mtime_ns  # type: ignore[union-attr]
    assert web.requests == []


def test_reextract_detects_a_corrupt_raw_record_and_goes_on(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    serve_qq(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    archive_once(config, WECHAT_URL, QQ_URL)
    conn = db(root)
    row = conn.execute(
        "SELECT warc_file, warc_offset, warc_length FROM raw_records WHERE url=?", (WECHAT_URL,)
    ).fetchone()
    conn.close()
    path = root / "raw" / row["warc_file"]
    data = bytearray(path.read_bytes())
    data[row["warc_offset"] + row["warc_length"] // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        skipped = {r.url: r.outcome for r in pipe.reextract()}  # a current page is not even read …
        results = {r.url: r for r in pipe.reextract(force=True)}  # … --force reads (and checks) it
    assert skipped == {WECHAT_URL: "skipped", QQ_URL: "skipped"}
    assert results[WECHAT_URL].outcome == "failed" and results[WECHAT_URL].error_class == "StoreError"
    assert "corrupt" in results[WECHAT_URL].message
    assert results[QQ_URL].outcome == "unchanged"


def test_reextract_given_urls_only(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    serve_qq(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    archive_once(config, WECHAT_URL, QQ_URL)
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        results = pipe.reextract([QQ_URL, "https://never.example/x"])
    assert [(r.url, r.outcome) for r in results] == [
        (QQ_URL, "unchanged"),
        ("https://never.example/x", "failed"),
    ]


# ---------------------------------------------------------------------- crawl

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>测试源</title><link>https://feeds.example.org/</link>
<item><title>微信文章</title><link>{wx}</link></item>
<item><title>坏链接</title><link>https://mp.weixin.qq.com/s/brokenLink404</link></item>
<item><title>腾讯新闻</title><link>{qq}</link></item>
</channel></rss>"""


def crawl_config(root: Path, web: FixtureWeb, **source: object):  # type: ignore[no-untyped-def]
    config = make_config(root, web)
    from scraper.config import Source

    src = Source(name="tech", feed="https://feeds.example.org/rss.xml", interval_minutes=60, **source)  # type: ignore[arg-type]
    return dataclasses.replace(config, sources=(src, Source(name="off", urls=(QQ_URL,), enabled=False)))


def test_crawl_follows_the_feed_records_failures_and_respects_the_interval(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    serve_qq(web)
    web.add(
        "https://feeds.example.org/rss.xml",
        FEED.format(wx=WECHAT_URL, qq=QQ_URL),
        content_type="application/rss+xml",
    )
    root = tmp_path / "site"
    config = crawl_config(root, web)
    now = [datetime(2025, 3, 1, 8, 0, tzinfo=UTC)]

    def crawl(force: bool = False, names: list[str] | None = None):  # type: ignore[no-untyped-def]
        archive, pipe, fetcher = run(config, command="crawl", clock=lambda: now[0])
        try:
            return pipe.crawl(names, force=force)
        finally:
            pipe.close()
            fetcher.close()
            archive.close()

    first = crawl()
    assert [(r.url, r.outcome) for r in first] == [
        (WECHAT_URL, "archived"),
        ("https://mp.weixin.qq.com/s/brokenLink404", "failed"),
        (QQ_URL, "archived"),
    ]
    assert ("response", "https://feeds.example.org/rss.xml", "feed") in warc_records(root)

    now[0] += timedelta(minutes=30)
    web.requests.clear()
    second = crawl()
    assert [r.outcome for r in second] == ["skipped"] and "not due" in second[0].message
    assert web.requests == []

    now[0] += timedelta(minutes=31)
    before = tree_state(root / "content")
    third = crawl()  # due again, nothing new: archived pages are not fetched again, nor the 404
    assert third == [] and tree_state(root / "content") == before
    assert [s.url for s in web.requests] == ["https://feeds.example.org/rss.xml"]

    forced = crawl(force=True, names=["off"])  # a disabled source can be named explicitly
    assert forced == []  # its one URL was archived through the other source: nothing to do
    with Archive(config) as archive:
        assert archive.catalog.last_crawled("off") == now[0]


def test_crawl_survives_a_broken_feed(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    web.add("https://feeds.example.org/rss.xml", b"", status=503)
    root = tmp_path / "site"
    config = crawl_config(root, web, urls=(QQ_URL,))
    archive, pipe, fetcher = run(config, command="crawl")
    with archive, pipe:
        results = pipe.crawl()
    fetcher.close()
    assert [(r.url, r.outcome) for r in results] == [
        ("https://feeds.example.org/rss.xml", "failed"),
        (QQ_URL, "archived"),
    ]
    assert results[0].stage == "feed"


def test_crawl_of_an_unknown_source_is_a_config_error(tmp_path: Path, web: FixtureWeb) -> None:
    from scraper.errors import ConfigError

    config = crawl_config(tmp_path / "site", web)
    with Archive(config) as archive, Pipeline(archive, command="crawl") as pipe, pytest.raises(ConfigError):
        pipe.crawl(["nope"])


# ---------------------------------------------------------------------- crash safety


def test_an_exception_before_the_rename_leaves_the_good_archive(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = archive_once(config, WECHAT_URL)
    assert good.path is not None
    good_bytes = good.path.read_bytes()
    good_hash = db(root).execute("SELECT content_hash FROM articles").fetchone()[0]
    serve_wechat(web, page("wechat-article.html").replace("那么，".encode(), "于是，".encode()))

    def crash(tmp: Path, target: Path) -> None:
        if target.name == "index.md":
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(fsutil, "_before_replace", crash)
    [bad] = archive_once(config, WECHAT_URL)
    assert bad.outcome == "failed" and bad.stage == "write" and "Input/output error" in bad.message
    assert good.path.read_bytes() == good_bytes
    assert db(root).execute("SELECT content_hash FROM articles").fetchone()[0] == good_hash  # row not updated
    assert temp_files(root) == []
    monkeypatch.setattr(fsutil, "_before_replace", None)
    [fixed] = archive_once(config, WECHAT_URL)
    assert fixed.outcome == "archived" and "于是，" in fixed.path.read_text(encoding="utf-8")  # type: ignore[union-attr]


KILLED_CHILD = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    import archive.fsutil as fsutil
    from archive.cli import main

    def stall(tmp, target):
        if target.name == "index.md":
            open({marker!r}, "w").write(str(tmp))
            time.sleep(120)  # the parent SIGKILLs us here: temp file written, not renamed

    fsutil._before_replace = stall
    sys.argv = ["wxarchive", "archive", {url!r}, "--out", {out!r}, "--proxy", {proxy!r}, "--ca-bundle", {ca!r}]
    main()
    """
)


def test_a_sigkilled_run_leaves_no_partial_file_and_the_next_run_finishes(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = archive_once(config, WECHAT_URL)
    assert good.path is not None
    good_bytes = good.path.read_bytes()
    serve_wechat(web, page("wechat-article.html").replace("那么，".encode(), "因此，".encode()))

    marker = tmp_path / "marker"
    script = KILLED_CHILD.format(
        root=str(ROOT),
        marker=str(marker),
        url=WECHAT_URL,
        out=str(root),
        proxy=web.proxy_url,
        ca=web.ca_bundle,
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    log = tmp_path / "child.log"
    with log.open("wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdout=err, stderr=subprocess.STDOUT
        )
    try:
        for _ in range(600):  # why: polls for up to 30 s until the child reaches the rename (no fixed sleep)
            if marker.exists() and marker.read_text():
                break
            if child.poll() is not None:
                pytest.fail(f"child ended early: {log.read_text(errors='replace')}")
            time.sleep(0.05)
        else:
            pytest.fail("the child never reached the rename")
        tmp_file = Path(marker.read_text())
        assert tmp_file.exists()  # the temp file is there, fully written…
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    # …outside content/: the published tree holds only complete files, the old article intact
    assert not str(tmp_file).startswith(str(root / "content"))
    assert temp_files(root / "content") == []
    assert good.path.read_bytes() == good_bytes
    conn = db(root)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    row = conn.execute("SELECT content_hash FROM articles").fetchone()
    conn.close()
    assert f'content_hash: "{row[0]}"' in good_bytes.decode("utf-8")  # the row still describes the file

    [fixed] = archive_once(config, WECHAT_URL)
    assert fixed.outcome == "archived" and "因此，" in fixed.path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    # the stale temp file of the killed run is cleaned once it is old
    os.utime(tmp_file, (0, 0))
    Archive(config).close()
    assert not tmp_file.exists()


# ---------------------------------------------------------------------- real corpus pages


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("file", "site"), [("raw/wechat/wae-normal-01.html", "wechat"), ("raw/qq/gne-qq-1.html", "qq")]
)
def test_a_real_corpus_page_is_archived_through_the_fixture_web(
    tmp_path: Path, web: FixtureWeb, corpus: Path, file: str, site: str
) -> None:
    from tests.corpus import annotations, url_for

    record = next(r for r in annotations() if r["file"] == file)
    url = url_for(record)
    web.add(url, (corpus / file).read_bytes())
    for scheme in ("https", "http"):
        serve_images(web, f"{scheme}://mmbiz.qpic.cn/", "https://mp.weixin.qq.com/")
        serve_images(web, f"{scheme}://inews.gtimg.com/", None)
    root = tmp_path / "site"
    [result] = archive_once(make_config(root, web), url)
    assert result.outcome == "archived", result.message
    assert result.images_failed == 0, {k: v.error for k, v in result.images.items() if not v.ok}
    meta, body, text = read_doc(result.path)  # type: ignore[arg-type]
    assert front_keys(text)[: len(SEED_KEYS)] == SEED_KEYS
    assert meta["title"] == record["title"]
    assert meta["date"] == record["published"] and meta["date"].endswith("+08:00")
    assert meta["categories"] == [site]
    attribution = [ln for ln in body.rstrip().splitlines() if ln.startswith("原文：")]
    assert attribution and attribution[-1].endswith(f"]({url})")
    image_lines = [ln for ln in body.splitlines() if ln.lstrip().startswith("![")]
    assert image_lines and not any("://" in ln for ln in image_lines)
    bundle = result.path.parent  # type: ignore[union-attr]
    files = {p.name for p in bundle.iterdir() if p.name != "index.md"}
    linked = {ln.split("](", 1)[1].split(")", 1)[0].split(" ", 1)[0] for ln in image_lines}
    assert meta["thumbnail"]["src"].startswith(f"{site}/{bundle.name}/")
    assert files == linked | {
        meta["thumbnail"]["src"].rsplit("/", 1)[1]
    }  # every file is referenced, every link exists
    for name in files:
        with Image.open(bundle / name) as im:
            im.load()
        assert (bundle / name).read_bytes() != PLACEHOLDER_PNG
    # archiving the same page again writes nothing
    before = tree_state(root)
    [again] = archive_once(make_config(root, web), url)
    assert again.outcome == "unchanged"
    after = tree_state(root)
    assert {k: v for k, v in after.items() if "catalog" not in k} == {
        k: v for k, v in before.items() if "catalog" not in k
    }


# ---------------------------------------------------------------------- crash-isolated extraction


def test_an_extractor_crash_or_hang_costs_one_url_not_the_run(tmp_path: Path, web: FixtureWeb) -> None:
    from archive.isolate import IsolatedExtractor

    crash_url = "https://mp.weixin.qq.com/s/crashTheParser"
    hang_url = "https://mp.weixin.qq.com/s/hangTheParser"
    web.add(crash_url, "<html><body><p>CRASH-ME</p></body></html>")
    web.add(hang_url, "<html><body><p>HANG-ME</p></body></html>")
    serve_qq(web)
    root = tmp_path / "site"
    extractor = IsolatedExtractor("tests.archivekit:crashing_extract", timeout=60)
    archive, pipe, fetcher = run(make_config(root, web), extract=extractor)
    try:
        crashed = pipe.archive_url(crash_url)
        ok = pipe.archive_url(QQ_URL)  # a fresh worker takes over
        extractor.timeout = 1.0  # why: the worker is warm now; one second is plenty for a real page
        hung = pipe.archive_url(hang_url)
        extractor.timeout = 60
        ok_again = pipe.archive_url(QQ_URL)
    finally:
        pipe.close()
        fetcher.close()
        archive.close()
    assert (
        crashed.outcome == "failed"
        and crashed.error_class == "ExtractCrashed"
        and crash_url in crashed.message
    )
    assert ok.outcome == "archived" and ok_again.outcome == "unchanged"
    assert (
        hung.outcome == "failed"
        and hung.error_class == "ExtractCrashed"
        and "longer than 1 s" in hung.message
    )
    # the raw pages are kept for a later re-extraction
    assert {r[1] for r in warc_records(root) if r[0] == "response"} >= {crash_url, hang_url}


def test_a_url_that_keeps_crashing_the_extractor_is_quarantined(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    with Archive(config) as archive:
        for _ in range(3):
            archive.catalog.record_outcome(None, QQ_URL, "extract", "failed", "ExtractCrashed", "crashed")

    calls: list[str] = []

    def counting(body: bytes, url: str) -> Article:
        calls.append(url)
        return extract(body, url)

    [result] = archive_once(config, QQ_URL, extract=counting)
    assert (
        result.outcome == "failed"
        and "quarantined" in result.message
        and "wxarchive reextract" in result.message
    )
    assert calls == []
    with Archive(config) as archive, Pipeline(archive, command="reextract", extract=counting) as pipe:
        [again] = pipe.reextract([QQ_URL])  # naming it in reextract is the way out
    assert again.outcome == "archived" and calls == [QQ_URL]


def test_reextract_keeps_building_from_the_good_copy_after_a_rate_limited_fetch(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = archive_once(config, WECHAT_URL)
    before = tree_state(root / "content")
    web.add(WECHAT_URL, page("wechat-deleted.html"))
    [later] = archive_once(config, WECHAT_URL)  # the newest record of the URL is now a non-article
    assert later.outcome == "not_article"
    web.reset()
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        [skipped] = pipe.reextract()  # the deletion notice is known to be no article: nothing to do
        [result] = pipe.reextract(force=True)  # rebuilt, from the good copy
    assert skipped.outcome == "skipped"
    assert result.outcome == "unchanged" and result.path == good.path
    assert tree_state(root / "content") == before


def test_import_refuses_a_url_that_is_not_http(tmp_path: Path) -> None:
    saved = tmp_path / "saved.html"
    saved.write_bytes(page("qq-article.html"))
    with Archive(make_config(tmp_path / "site")) as archive, Pipeline(archive, command="import") as pipe:
        result = pipe.import_file(saved, "javascript:alert(1)")
    assert result.outcome == "failed" and result.error_class == "BlockedURL"
    assert not (tmp_path / "site" / "content").exists() or not any(
        (tmp_path / "site" / "content").rglob("index.md")
    )
