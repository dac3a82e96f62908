"""The one sanitiser every string leaving the extractor goes through (scraper/sanitize.py): private-use
glyphs (icon fonts) and GB18030's old private-use code points."""

from __future__ import annotations

from pathlib import Path

from scraper import extract
from scraper.sanitize import text_field

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
SINA_URL = "https://news.sina.com.cn/s/2020-06-18/doc-iircuyvi9876543.shtml"


def test_an_icon_font_glyph_leaves_a_sina_title_and_every_text_field() -> None:
    html = (FIXTURES / "sina-2019.html").read_text(encoding="utf-8")
    # an icon font's glyphs: U+E004 after the title, another before it, in the source and a caption
    html = html.replace(
        '<h1 class="main-title">旧厂房改成的攀岩馆开放</h1>',
        '<h1 class="main-title">\ue61d旧厂房改成的攀岩馆开放<i class="icon">\ue004</i></h1>',
    )
    html = html.replace('content="旧厂房改成的攀岩馆开放"', 'content="旧厂房改成的攀岩馆开放\ue004"')
    html = html.replace('href="#">城市快报</a>', 'href="#">城市快报\U000f0001</a>')  # a plane-15 glyph
    html = html.replace('name="mediaid" content="城市快报"', 'name="mediaid" content="城市快报\ue004"')
    html = html.replace("高十八米（受访者供图）", "高十八米\ue004（受访者供图）")
    assert html.count("\ue004") == 4 and "\U000f0001" in html
    article = extract(html, SINA_URL)
    assert article.title == "旧厂房改成的攀岩馆开放"
    assert article.source == "城市快报" and article.account == "城市快报"
    assert all("\ue004" not in (image.caption + image.alt) for image in article.images)
    fields = [article.title, article.summary, article.author or "", article.source or "", *article.tags]
    assert not any(0xE000 <= ord(ch) <= 0xF8FF or ord(ch) >= 0xF0000 for f in fields for ch in f)
    assert "一座闲置多年的纺织厂车间" in article.body_markdown


def test_emoji_and_real_text_stay() -> None:
    # emoji (a ZWJ family, a flag, a keycap), a CJK Extension B ideograph, a full-width sign: all stay
    kept = "周末去攀岩👨\u200d👩\u200d👧🇨🇳1\ufe0f\u20e3𠂇￥"
    assert text_field(kept) == kept
    assert text_field("\ue004攀岩\ue004馆\U00100001") == "攀岩馆"


def test_gb18030_old_private_use_characters_become_the_real_ones() -> None:
    # bytes of a GBK page: ḿ (A8BC), the ideograph FE51 (U+20087) and a vertical comma form (A6D9)
    title = "标题".encode("gb18030") + b"\xa8\xbc\xfe\x51\xa6\xd9"
    assert title.decode("gb18030") == "标题\ue7c7\ue816\ue78d"  # Python's codec: private-use code points
    page = (
        b'<html><head><meta charset="gbk"><title>'
        + title
        + b"</title></head><body><article><h1>"
        + title
        + b"</h1>"
        b"<p>" + "正文第一段，讲一件事情的来龙去脉，".encode("gb18030") * 8 + b"\xa8\xbc\xfe\x51</p>"
        b"<p>" + "正文第二段，继续把这件事情说清楚，".encode("gb18030") * 8 + b"</p></article></body></html>"
    )
    article = extract(page, "https://blog.example.com/gb.html")
    assert article.title == "标题ḿ𠂇︐"
    assert "ḿ𠂇" in article.body_markdown  # the body gets the real characters too
