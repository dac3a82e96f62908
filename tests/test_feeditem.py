"""Crawler items (JSON with title/link/description) are imported like saved pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from scraper import extract
from scraper.feeditem import FEED_BODY_ID, load_item, parse_item, render_item
from scraper.html import parse, plain_text

FIXTURES = Path(__file__).parent / "fixtures" / "qq"


def _item(**over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "20260301A01TEST00",
        "title": "社区食堂的“一元早餐”",
        "link": "https://new.qq.com/rain/a/20260301A01TEST00",
        "author": "初露锋芒",
        "pub_date": "2026-03-01 07:45:10",
        "image": "https://inews.gtimg.com/om_ls/OTESTCOVER_870492/0",
        "description": "<div class='rich_media_content'><p>早上六点半，食堂的窗口前已经排起了队。</p></div>",
    }
    item.update(over)
    return item


@pytest.mark.parametrize(
    "text",
    [
        "<html><body><p>a page</p></body></html>",
        "[]",
        '[{"title": "a", "link": "b", "description": "c"}]',  # a whole list is not one item
        '{"title": "a", "link": "https://x.test/"}',  # no description
        '{"title": 1, "link": "https://x.test/", "description": "c"}',
        "{not json",
        "",
    ],
)
def test_non_items_are_refused(text: str) -> None:
    assert load_item(text) is None
    assert parse_item(text) is None


def test_item_becomes_a_page_with_metadata_and_body() -> None:
    html, link = parse_item(json.dumps(_item(), ensure_ascii=False))  # type: ignore[misc]
    assert link == "https://new.qq.com/rain/a/20260301A01TEST00"
    tree = parse(html)
    assert tree.css_first("title").text() == "社区食堂的“一元早餐”"
    assert (
        tree.css_first('meta[property="article:published_time"]').attributes["content"]
        == "2026-03-01 07:45:10"
    )
    body = tree.css_first(f"#{FEED_BODY_ID}")
    assert body is not None and "食堂的窗口前" in body.text()
    # the crawler's "author" is a medal label: it never becomes the page's author
    assert tree.css_first('meta[name="author"]') is None
    assert tree.css_first('meta[name="feeditem:author"]').attributes["content"] == "初露锋芒"
    assert '"pubtime": "2026-03-01 07:45:10"' in html


def test_hostile_title_cannot_break_out_of_the_script() -> None:
    html = render_item(_item(title='坏标题</script><script>alert(1)</script>"'))
    tree = parse(html)
    assert len(tree.css("script")) == 1
    assert tree.css_first("h1").text() == '坏标题</script><script>alert(1)</script>"'


def test_relative_link_keeps_the_callers_url() -> None:
    got = parse_item(json.dumps(_item(link="/rain/a/x")))
    assert got is not None and got[1] == ""


def test_extract_item_uses_the_link_and_ignores_the_medal() -> None:
    article = extract((FIXTURES / "item.json").read_bytes(), "file:///downloads/list-item.json")
    assert article.kind == "article"
    assert article.site == "qq"
    assert article.url == "https://new.qq.com/rain/a/20260301A01TEST00"
    assert article.article_id == "20260301A01TEST00"
    assert article.title == "社区食堂的“一元早餐”"
    assert article.published == datetime.fromisoformat("2026-03-01T07:45:10+08:00")
    assert article.author == "林晓"  # from 作者 | 林晓, not the crawler's 初露锋芒
    assert article.account == "城市晚报"  # 【来源：城市晚报】 beats 出品 and the republisher's promo
    assert article.cover == "https://inews.gtimg.com/om_ls/OTESTCOVER_870492/0"
    text = plain_text(article.body_markdown)
    assert "一元一份的早餐包括粥、鸡蛋和小菜" in text
    assert "谁在补贴" in text
    assert "https://inews.gtimg.com/om_bt/OTESTBODY/641" in [i.url for i in article.images]


def test_minified_item_is_not_mangled_by_the_escaped_page_repair() -> None:
    # a one-line item full of \" and \n looks like a JSON-escaped saved page; it is an item first
    item = _item(description='<div class="rich_media_content">' + "<p>段落\n内容。</p>\n" * 8 + "</div>")
    article = extract(json.dumps(item, ensure_ascii=False), "https://example.com/feed")
    assert article.kind == "article"
    assert article.url == "https://new.qq.com/rain/a/20260301A01TEST00"
    assert "段落" in plain_text(article.body_markdown)


def test_empty_item_is_unavailable_never_an_empty_article() -> None:
    article = extract((FIXTURES / "item-empty.json").read_bytes(), "https://example.com/list.json")
    assert article.kind == "unavailable"
    assert article.body_markdown == ""
    assert article.error and "https://new.qq.com/rain/a/20260302A02TEST00" in article.error
    assert article.title == "【掘金行业龙头】一家公司的海外订单"


def test_other_sites_items_go_to_their_adapter() -> None:
    item = _item(
        link="https://www.example.com/news/2026/0301/a.html",
        description="<div>"
        + "".join(
            f"<p>第{i}段：这是一段足够长的正文，用来让通用提取器认出文章主体，内容与腾讯无关。</p>"
            for i in range(8)
        )
        + "</div>",
    )
    article = extract(json.dumps(item, ensure_ascii=False), "file:///x.json")
    assert article.site == "web"
    assert article.url == "https://www.example.com/news/2026/0301/a.html"
    assert article.title == "社区食堂的“一元早餐”"
    assert "足够长的正文" in plain_text(article.body_markdown)


def test_escaped_description_is_unescaped() -> None:
    item = _item(
        description="&lt;div class=&quot;rich_media_content&quot;&gt;&lt;p&gt;转义的正文段落。&lt;/p&gt;&lt;/div&gt;"
    )
    article = extract(json.dumps(item, ensure_ascii=False), "https://example.com/feed")
    assert article.kind == "article"
    assert plain_text(article.body_markdown) == "转义的正文段落。"
