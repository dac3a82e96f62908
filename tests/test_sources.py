"""The crawl source kinds' pure parsers (bytes → entries), on real response shapes."""

from __future__ import annotations

import gzip
import json

import pytest

from archive.sources import Discovery, discover, kind_of, passes, qq_author, sitemap, urlfile, wechat_album
from archive.sources.listpage import parse as parse_list
from archive.sources.rss import parse as parse_feed
from scraper.config import Source
from scraper.errors import Blocked, ExtractError
from scraper.identity import article_key

BIZ = "MzAxMTAwMDAwMA=="


def test_album_pages_one_item_as_an_object_and_blocks() -> None:
    one = {
        "base_resp": {"ret": 0, "errmsg": "ok"},
        "getalbum_resp": {
            "article_list": {
                "title": "唯一",
                "url": f"http://mp.weixin.qq.com/s?__biz={BIZ}&amp;mid=1&amp;idx=1",
                "msgid": "1",
                "itemidx": "1",
            },
            "continue_flag": "0",
        },
    }
    items, more = wechat_album.parse(json.dumps(one, ensure_ascii=False).encode(), "u")
    assert [i["url"] for i in items] == [f"http://mp.weixin.qq.com/s?__biz={BIZ}&mid=1&idx=1"] and not more
    with pytest.raises(Blocked, match="freq control"):
        wechat_album.parse(b'{"base_resp": {"ret": 200013, "errmsg": "freq control"}}', "u")
    with pytest.raises(Blocked, match="verify_status"):
        wechat_album.parse(b'{"base_resp": {"ret": 0}, "getalbum_resp": {"verify_status": 1}}', "u")
    with pytest.raises(Blocked, match="环境异常"):
        wechat_album.parse("<html><title>环境异常</title></html>".encode(), "u")
    assert wechat_album.api_url(
        f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&album_id=7#wechat_redirect", "9", "2"
    ) == (
        "https://mp.weixin.qq.com/mp/appmsgalbum?action=getalbum&__biz=MzAxMTAwMDAwMA%3D%3D&album_id=7&count=20&f=json&begin_msgid=9&begin_itemidx=2"
    )


def test_albums_named_in_an_article_are_found() -> None:
    page = (
        f'<script>var biz = "{BIZ}";</script><div id="js_tags"><a href="https://mp.weixin.qq.com/mp/appmsgalbum?'
        f'__biz={BIZ}&amp;action=getalbum&amp;album_id=3000000001#wechat_redirect">#合集</a></div>'
        '<script>window.appmsg_album_infos = [{"id": "x", "album_id": "3000000002", "title": "另一个"}];</script>'
    )
    assert wechat_album.albums_in(page) == [
        f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz=MzAxMTAwMDAwMA%3D%3D&action=getalbum&album_id={n}"
        for n in (3000000001, 3000000002)
    ]


def test_tencent_author_list_keeps_articles_only() -> None:
    body = json.dumps({"ret": 0, "newslist": [
        {"title": "文", "url": "https://new.qq.com/rain/a/20250213A06FMB00", "timestamp": "x", "articletype": "0"},
        {"title": "视频", "url": "https://new.qq.com/rain/a/20250213V0000000", "articletype": "4"},
        {"title": "图", "url": "https://new.qq.com/rain/a/20250213A0PICS00", "articletype": 0},
    ]}).encode()  # fmt: skip
    assert [f.title for f in qq_author.parse(body, "u")] == ["文", "图"]
    with pytest.raises(ExtractError, match="ret -1"):
        qq_author.parse(b'{"ret": -1, "msg": "bad suid"}', "u")
    assert qq_author.api_url("https://news.qq.com/omn/author/8QMd3Hld7YEbuzjf") == (
        "https://i.news.qq.com/getSubNewsMixedList?guestSuid=8QMd3Hld7YEbuzjf&tabId=om_index"
    )


def test_sitemaps_news_index_gzip_robots_and_no_dtd() -> None:
    news = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://n.example/a</loc>'
        b"<news:news><news:title>\xe6\xa0\x87\xe9\xa2\x98</news:title><news:publication_date>2025-02-01</news:publication_date>"
        b"</news:news></url></urlset>"
    )
    assert sitemap.parse(news) == ("urlset", [("https://n.example/a", "2025-02-01", "标题")])
    assert sitemap.parse(gzip.compress(news))[1][0][0] == "https://n.example/a"
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://n.example/s1.xml</loc></sitemap></sitemapindex>'
    assert sitemap.parse(index) == ("sitemapindex", [("https://n.example/s1.xml", "", "")])
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><urlset><url><loc>&lol;</loc></url></urlset>'
    with pytest.raises(sitemap.SitemapError, match="DTD"):
        sitemap.parse(laughs)
    with pytest.raises(sitemap.SitemapError, match="not a sitemap"):
        sitemap.parse(b"<rss/>")
    assert sitemap.robots_sitemaps(b"User-agent: *\nDisallow:\nSitemap: https://n.example/a.xml\nsitemap:https://n.example/b.xml\n") == [
        "https://n.example/a.xml", "https://n.example/b.xml"
    ]  # fmt: skip


def test_list_page_links_by_regex_or_selector_and_the_next_page() -> None:
    html = (
        '<html><body><ul class="l"><li><a href="/p/1.html">一</a></li><li><a href="/p/2.html#c">二</a></li></ul>'
        '<a href="/tag/x">标签</a><a href="?page=2">下一页</a></body></html>'
    )
    by_regex, next_page = parse_list(html, "https://c.example/list", Source(name="c", link_pattern=r"/p/\d+"))
    assert [f.link for f in by_regex] == ["https://c.example/p/1.html", "https://c.example/p/2.html"]
    assert next_page == "https://c.example/list?page=2"
    by_css, _ = parse_list(html, "https://c.example/list", Source(name="c", link_selector="ul.l a"))
    assert [f.title for f in by_css] == ["一", "二"]


def test_url_file_feed_filters_and_kinds() -> None:
    assert urlfile.parse("# list\nhttps://a.example/1\n\n  https://a.example/2 # two\nftp://x\nhttps://a.example/1\n") == [
        "https://a.example/1", "https://a.example/2"
    ]  # fmt: skip
    found, problem = parse_feed(b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    assert found == [] and problem == ""
    found, problem = parse_feed(b"this is not a feed")
    assert found == [] and problem
    src = Source(name="s", include=("技术", "AI"), exclude=("广告",))
    assert [passes(src, t) for t in ("技术文章", "ai 周报", "技术广告", "生活", "")] == [
        True,
        True,
        False,
        False,
        True,
    ]
    assert [kind_of(Source(name="k", **kw)) for kw in (  # type: ignore[arg-type]
        {"feed": "https://a.example/feed"}, {"url": "https://a.example/sitemap.xml"}, {"url": "https://a.example/robots.txt"},
        {"url": f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&album_id=1"},
        {"url": "https://i.news.qq.com/getSubNewsMixedList?guestSuid=1"}, {"url": "https://a.example/l", "link_pattern": "x"},
        {"file": "u.txt"}, {"urls": ("https://a.example/1",)},
    )] == ["rss", "sitemap", "sitemap", "wechat_album", "qq_author", "list", "file", "urls"]  # fmt: skip


def test_fixed_urls_join_whatever_the_listing_gave() -> None:
    class NoFetch:
        def __call__(self, url: str, *, conditional: bool = True) -> None:
            raise AssertionError("no request for a URL list")

        def known(self, url: str) -> bool:
            return False

    got = discover(
        Source(name="u", urls=("https://a.example/1", " https://a.example/1", "https://a.example/2")),
        NoFetch(),
        {},
    )
    assert isinstance(got, Discovery) and [d.url for d in got.entries] == [
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_article_identity_ignores_tracking_and_knows_tencent_forms() -> None:
    long = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2650000001&idx=2&sn=abc&chksm=zz&scene=21#wechat_redirect"
    assert (
        article_key(long)
        == article_key(f"http://mp.weixin.qq.com/s?mid=2650000001&__biz={BIZ}&idx=2&sn=abc")
        == ("wechat:3011000000_2650000001_2")
    )
    assert article_key("https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw") is None  # known after the fetch
    ids = {article_key(u) for u in (
        "https://new.qq.com/rain/a/20250213A06FMB00", "https://news.qq.com/rain/a/20250213A06FMB00?suid=x",
        "https://view.inews.qq.com/a/20250213A06FMB00", "https://new.qq.com/omn/20250213/20250213A06FMB00.html",
    )}  # fmt: skip
    assert ids == {"qq:20250213A06FMB00"}
    assert article_key("https://www.163.com/dy/article/ABC.html") is None
