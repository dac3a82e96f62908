"""Articles split over several pages: finding the next page or the one-page version (pure), joining
the pages, and the pipeline fetching them through the fixture web, then rebuilding them offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.pipeline import Archive, Pipeline
from scraper import extract
from scraper.fetch import Fetcher
from scraper.html import plain_text
from scraper.models import Article, ImageRef, Removal
from scraper.pagination import continuation, join
from tests.archivekit import make_config, read_doc
from tests.fixtureweb import FixtureWeb

BASE = "http://culture.example.cn/n1/2019/0615/"


def _pager(stem: str, pages: int, sep: str = "-", ext: str = "html") -> str:
    links = [f"<a href='/n1/2019/0615/{stem}.{ext}'>【1】</a>"]
    links += [f"<a href='/n1/2019/0615/{stem}{sep}{n}.{ext}'>【{n}】</a>" for n in range(2, pages + 1)]
    return "<div class='zdfy'>" + "".join(links) + "</div>"


@pytest.mark.parametrize(
    ("url", "html", "expected"),
    [
        # page 1 of 4 (people.com.cn): the pager's page 2, whatever the link text
        (BASE + "c1013-31153719.html", _pager("c1013-31153719", 4), (BASE + "c1013-31153719-2.html", None)),
        # page 2 of 4: page 3
        (BASE + "c1013-31153719-2.html", _pager("c1013-31153719", 4), (BASE + "c1013-31153719-3.html", None)),
        # the last page: nothing
        (BASE + "c1013-31153719-4.html", _pager("c1013-31153719", 4), (None, None)),
        # guancha: "_2" pages and the "_s" one-page version, in onclick handlers
        (
            "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
            "<a onclick=\"javascript:location.href='/WangWen/2019_09_07_516891_2.shtml';\">下一页</a>"
            "<a onclick=\"javascript:location.href='/WangWen/2019_09_07_516891_s.shtml';\">余下全文</a>",
            (
                "https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml",
                "https://www.guancha.cn/WangWen/2019_09_07_516891_s.shtml",
            ),
        ),
        # a "下一页" to another article, a longer id that merely starts the same, a URL without a file name
        (BASE + "c1013-31153719.html", "<a href='c1013-31153720.html'>下一页</a>", (None, None)),
        (BASE + "c1013-3115.html", "<a href='c1013-31153719-2.html'>x</a>", (None, None)),
        ("https://mp.weixin.qq.com/s/abc", "<a href='/s/abc_2'>下一页</a>", (None, None)),
    ],
    ids=["first", "middle", "last", "one-page-version", "other-article", "longer-id", "no-file-name"],
)
def test_continuation(url: str, html: str, expected: tuple[str | None, str | None]) -> None:
    assert continuation(html, url) == expected


def _article(url: str, body: str, images: tuple[ImageRef, ...] = ()) -> Article:
    return Article(url=url, site="web", kind="article", title="标题", body_markdown=body, images=images)


def test_join_appends_new_blocks_images_and_removals_in_order() -> None:
    one = _article("u1", "导语。\n\n第一页正文。\n", (ImageRef("https://i/1.jpg"),))
    two = _article(
        "u2",
        "导语。\n\n第二页正文。\n\n## 小节\n",
        (ImageRef("https://i/2.jpg"), ImageRef("https://i/1.jpg")),
    )
    two = Article(**{**two.__dict__, "removed": (Removal("web:drop", "分页"),)})
    joined = join(one, [two])
    assert (
        joined.body_markdown == "导语。\n\n第一页正文。\n\n第二页正文。\n\n## 小节\n"
    )  # the repeated lead once
    assert [i.url for i in joined.images] == ["https://i/1.jpg", "https://i/2.jpg"]
    assert joined.removed == (Removal("web:drop", "分页"),)
    assert joined.extra["pages"] == ["u1", "u2"] and joined.title == "标题"
    assert join(one, []) is one


def _page(title: str, paragraph: str, pager: str) -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_某网</title></head><body><h1>{title}</h1>"
        "<div class='info'>2019-06-15 08:18 来源：某某日报</div><div class='content'>"
        + f"<p>{paragraph}这一段足够长，包含好几个句子，用来测试分页文章的拼接。第二句话在这里，句子继续。</p>"
        * 3
        + f"</div>{pager}<div class='footer'>版权所有</div></body></html>"
    )


def _serve_pages(web: FixtureWeb, count: int) -> list[str]:
    urls = [BASE + "c1013-31153719.html"] + [BASE + f"c1013-31153719-{n}.html" for n in range(2, count + 1)]
    for n, url in enumerate(urls, start=1):
        web.add(url, _page("分页的长文", f"第{n}页", _pager("c1013-31153719", count)))
    return urls


def test_a_multi_page_article_is_archived_whole_and_rebuilt_offline(tmp_path: Path, web: FixtureWeb) -> None:
    urls = _serve_pages(web, 3)
    config = make_config(tmp_path / "site", web)
    with (
        Archive(config) as archive,
        Fetcher(config.fetch) as fetcher,
        Pipeline(archive, fetcher=fetcher) as pipe,
    ):
        result = pipe.archive_url(urls[0])
    assert result.outcome == "archived", result.message
    assert result.path is not None
    meta, body, _ = read_doc(result.path)
    text = plain_text(body)
    assert [text.count(f"第{n}页这一段足够长") for n in (1, 2, 3)] == [3, 3, 3]
    assert text.index("第1页") < text.index("第2页") < text.index("第3页")
    assert "【2】" not in text and "版权所有" not in text
    assert [r.url for r in web.requests if "/n1/" in r.url] == [*urls]
    before = result.path.read_bytes()
    web.reset()  # offline: the parts come from the raw store
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        results = pipe.reextract()
    assert [(r.url, r.outcome) for r in results] == [
        (urls[0], "skipped")
    ]  # the parts are no articles of their own; the article is current
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        results = pipe.reextract(force=True)  # rebuilt, its parts read from the raw store
    assert [(r.url, r.outcome) for r in results] == [(urls[0], "unchanged")]
    assert result.path.read_bytes() == before and web.requests == []


def test_follow_pages_caps_the_pages_and_a_missing_part_ends_the_article(
    tmp_path: Path, web: FixtureWeb
) -> None:
    urls = _serve_pages(web, 4)
    config = make_config(tmp_path / "a", web, archive={"follow_pages": 2})
    with (
        Archive(config) as archive,
        Fetcher(config.fetch) as fetcher,
        Pipeline(archive, fetcher=fetcher) as pipe,
    ):
        result = pipe.archive_url(urls[0])
    assert result.path is not None
    text = plain_text(read_doc(result.path)[1])
    assert "第2页" in text and "第3页" not in text

    web.add(urls[2], "gone", status=404)  # page 3 is gone: pages 1-2 are archived, page 4 never asked
    config = make_config(tmp_path / "b", web)
    with (
        Archive(config) as archive,
        Fetcher(config.fetch) as fetcher,
        Pipeline(archive, fetcher=fetcher) as pipe,
    ):
        result = pipe.archive_url(urls[0])
    assert result.outcome == "archived" and result.path is not None
    text = plain_text(read_doc(result.path)[1])
    assert "第2页" in text and "第3页" not in text and "第4页" not in text
    assert not any(r.url.endswith("-4.html") for r in web.requests)


def test_the_one_page_version_is_preferred(tmp_path: Path, web: FixtureWeb) -> None:
    url = "https://www.guancha.example.cn/WangWen/2019_09_07_516891.shtml"
    pager = (
        "<a href='/WangWen/2019_09_07_516891_2.shtml'>下一页</a>"
        "<a href='/WangWen/2019_09_07_516891_s.shtml'>余下全文</a>"
    )
    web.add(url, _page("全文的长文", "首页", pager))
    web.add(
        url.replace(".shtml", "_s.shtml"),
        _page("全文的长文", "首页", "").replace(
            "</div><div class='footer'>",
            "<p>余下的全文，第二页的内容在这里，足够长的一段话。</p></div><div class='footer'>",
        ),
    )
    config = make_config(tmp_path / "site", web)
    with (
        Archive(config) as archive,
        Fetcher(config.fetch) as fetcher,
        Pipeline(archive, fetcher=fetcher) as pipe,
    ):
        result = pipe.archive_url(url)
    assert result.outcome == "archived" and result.path is not None
    text = plain_text(read_doc(result.path)[1])
    assert "余下的全文" in text and text.count("首页这一段足够长") == 3
    assert not any(r.url.endswith("_2.shtml") for r in web.requests)


def test_extract_names_the_next_page_in_extra() -> None:
    article = extract(
        _page("分页的长文", "第1页", _pager("c1013-31153719", 2)).encode(), BASE + "c1013-31153719.html"
    )
    assert article.kind == "article"
    assert article.extra["next_page"] == BASE + "c1013-31153719-2.html"


def test_robots_txt_is_asked_for_each_part(tmp_path: Path, web: FixtureWeb) -> None:
    urls = _serve_pages(web, 3)
    web.add(
        "http://culture.example.cn/robots.txt",
        "User-agent: *\nDisallow: /n1/2019/0615/c1013-31153719-2.html\n",
        content_type="text/plain",
    )
    config = make_config(tmp_path / "site", web, fetch={"obey_robots": "always"})
    with (
        Archive(config) as archive,
        Fetcher(config.fetch) as fetcher,
        Pipeline(archive, fetcher=fetcher) as pipe,
    ):
        result = pipe.archive_url(urls[0])
    assert result.outcome == "archived" and result.path is not None
    text = plain_text(read_doc(result.path)[1])
    assert "第1页" in text and "第2页" not in text
    assert not any(r.url.endswith("-2.html") for r in web.requests)
