"""The Tencent News adapter on hand-written pages of every URL form and layout."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from scraper import extract
from scraper.html import parse, plain_text
from scraper.models import Article
from scraper.sites import adapter_for
from scraper.sites.qq import (
    article_info,
    canonical_url,
    js_json,
    old_article_id,
    sniff,
    tencent_id,
    text_blocks,
)

FIXTURES = Path(__file__).parent / "fixtures" / "qq"


def _extract(name: str, url: str) -> Article:
    return extract((FIXTURES / name).read_bytes(), url)


def _text(article: Article) -> str:
    return plain_text(article.body_markdown)


# --- URL forms and identity ------------------------------------------------------------------

URL_FORMS = [
    ("https://new.qq.com/rain/a/20250213A06FMB00", "20250213A06FMB00"),
    ("https://new.qq.com/rain/a/20250213A06FMB00?uid=123&shareto=wx#comment", "20250213A06FMB00"),
    ("https://news.qq.com/rain/a/20250213A06FMB00", "20250213A06FMB00"),
    ("https://inews.qq.com/rain/a/20250213A06FMB00", "20250213A06FMB00"),
    ("https://view.inews.qq.com/a/20250213A06FMB00", "20250213A06FMB00"),
    ("https://new.qq.com/omn/20190907/20190907A081B000.html", "20190907A081B000"),
    ("https://new.qq.com/omn/20190907A081B000", "20190907A081B000"),
    ("https://new.qq.com/rain/a/20230517V06H5L00", "20230517V06H5L00"),  # V: a video
]


@pytest.mark.parametrize(("url", "tid"), URL_FORMS)
def test_id_forms_share_one_canonical_url(url: str, tid: str) -> None:
    assert tencent_id(url) == tid
    assert canonical_url(url) == f"https://new.qq.com/rain/a/{tid}"
    assert adapter_for(url).name == "qq"


def test_old_layout_url_gets_a_safe_id() -> None:
    url = "http://finance.qq.com/a/20190923/000843.htm"
    assert tencent_id(url) == ""
    assert old_article_id(url) == "finance-20190923-000843"
    assert canonical_url(url + "?pgv_ref=aio") == url
    assert adapter_for(url).name == "qq"
    assert old_article_id("https://example.com/a/20190923/000843.htm") == ""


def test_wechat_keeps_its_host() -> None:
    assert adapter_for("https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv").name == "wechat"


# --- page data --------------------------------------------------------------------------------


def test_window_data_is_read_as_json() -> None:
    html = '<script>window.DATA = {"title": "a}b", "card": {"chlname": "号"}, "originContent": {"text": "<p>x</p>"}};</script>'
    data = js_json(html, "DATA")
    assert data["title"] == "a}b"
    assert data["card"]["chlname"] == "号"
    assert data["originContent"]["text"] == "<p>x</p>"
    assert js_json("<script>window.DATA = {broken: 1};</script>", "DATA") == {}
    assert js_json("<script>window.DATA_EXTRA = {}</script>", "DATA") == {}


def test_article_info_literal_is_read() -> None:
    info = article_info((FIXTURES / "old-cnt.html").read_text(encoding="utf-8"))
    assert info["title"] == "棱镜|小微贷款的新规"
    assert info["pubtime"] == "2019-09-25 06:30"
    assert info["article_url"] == "http://finance.qq.com/a/20190925/001234.htm"
    assert info["tags"] == ["小微贷款", "银行"]


def test_text_blocks_are_leaf_blocks_with_caption_positions() -> None:
    tree = parse(
        "<div id=b><section><section><p>作者 | 甲<br>编辑 | 乙</p></section></section>"
        "<p><img src=x.jpg></p><p>来源：某研究院</p><p>正文<span>继续</span></p></div>"
    )
    blocks, captions = text_blocks(tree.css_first("#b"))
    assert blocks == ["作者 | 甲\n编辑 | 乙", "来源：某研究院", "正文继续"]
    assert captions == {1}


# --- layouts ----------------------------------------------------------------------------------


def test_rain_a_page_like_the_seed() -> None:
    a = _extract("rain-a-seed.html", "https://new.qq.com/rain/a/20250213A06FMB00?uid=1")
    assert a.kind == "article" and a.site == "qq"
    assert a.title == "落选“果链”，别再捧杀DeepSeek了"
    assert a.published == datetime.fromisoformat("2025-02-13T17:15:34+08:00")
    assert a.account == "锌刻度"  # window.DATA.media
    assert a.author == "陈邓新"  # the 撰文/ credit line
    assert a.extra["editor"] == "李觐麟"
    assert a.article_id == "20250213A06FMB00"
    assert a.canonical_url == "https://new.qq.com/rain/a/20250213A06FMB00"
    assert a.cover == "https://inews.gtimg.com/om_ls/OqvqyjfzTEST_640360/0"
    assert {"qq", "锌刻度", "DeepSeek"} <= set(a.tags)
    urls = [i.url for i in a.images]
    # lazy images come from data-src, protocol-relative ones become https
    assert "https://inews.gtimg.com/om_bt/O4p99_OFFICIAL/641" in urls
    assert not any(u.startswith("data:") for u in urls)
    assert "(https://new.qq.com/rain/a/20250210A01XYZ00)" in a.body_markdown  # relative link made absolute
    text = _text(a)
    for keep in ("是对手也是队友", "DeepSeek，持续正反馈AI赛道。", "没有拔刀相向，反而雪中送炭", "图源：DeepSeek官网",
                 "字节跳动设计了一个全新的稀疏模型架构UltraMem", "那么，神话DeepSeek大可不必。"):  # fmt: skip
        assert keep in text
    assert "相关推荐" not in text and "另一篇文章" not in text  # page chrome outside the body


def test_rain_a_page_is_cleaned_like_the_seed_readme_says() -> None:
    """The seed's boilerplate (examples/README.md) must not survive: promo header, credits, END card."""
    text = _text(_extract("rain-a-seed.html", "https://new.qq.com/rain/a/20250213A06FMB00"))
    for gone in ("是新朋友吗？记得先点", "每日一篇科技财经深度调查", "撰文", "李觐麟", "Annalee", "END",
                 "邮箱：cdx@cpcw.com", "简介：投资改变生活"):  # fmt: skip
        assert gone not in text, gone
    assert "DeepSeek，持续正反馈AI赛道。" in text


def test_rain_a_2024_page_loses_its_game_advert_and_the_viewer_labels() -> None:
    """A 2024 rain/a body with an in-article game card (a 广告 tag, an icon, a pitch, a 立即下载 button
    to an app store) and the image viewer's 查看原图 labels under two pictures."""
    a = _extract("rain-a-2024.html", "https://news.qq.com/rain/a/20240518A01BOOK00")
    assert a.kind == "article" and a.title == "小城书店的第十个年头" and a.account == "城市周刊"
    text = _text(a)
    for gone in ("广告", "云海仙途", "十连抽", "立即下载", "查看原图", "264K", "1.2M"):
        assert gone not in text, gone
    for keep in ("老街的尽头有一家书店", "周末常有中学生来写作业", "后来店里开始办读书会", "灯就会一直亮着"):
        assert keep in text, keep
    urls = [i.url for i in a.images]
    assert (
        "https://inews.gtimg.com/om_bt/OSHOPFRONT/641" in urls
        and "https://inews.gtimg.com/om_bt/OREADINGCLUB/641" in urls
    )
    assert not any("GAMEICON" in u for u in urls)
    assert [r.rule for r in a.removed].count("ad-card") == 1
    assert [r.rule for r in a.removed].count("viewer-label") == 2


def test_empty_dom_shell_uses_origin_content() -> None:
    a = _extract("rain-a-shell.html", "https://news.qq.com/rain/a/20240305A0ABCD00")
    assert a.kind == "article"
    assert a.canonical_url == "https://new.qq.com/rain/a/20240305A0ABCD00"
    assert "全国首个零碳港口在天津正式投运" in _text(a)
    assert a.account == "港口观察"
    assert a.author == "李港"
    assert [i.url for i in a.images] == ["https://inews.gtimg.com/om_bt/OPORT_TEST/641"]


def test_mobile_view_inews_page_uses_init_data() -> None:
    a = _extract("view-inews.html", "https://view.inews.qq.com/a/20231108A09QRS00")
    assert a.kind == "article"
    assert a.title == "秋收时节，东北黑土地上的新农具"
    assert a.published == datetime.fromisoformat("2023-11-08T19:30:12+08:00")
    assert a.account == "田间日报"
    assert a.author == "王田 李禾"
    assert a.summary == "智能农机让秋收效率翻倍。"
    assert a.canonical_url == "https://new.qq.com/rain/a/20231108A09QRS00"
    assert "一台无人驾驶收割机正在田间作业" in _text(a)
    assert [i.url for i in a.images] == ["https://inews.gtimg.com/newsapp_bt/0/1234567890/1000"]


def test_omn_layout() -> None:
    a = _extract("omn.html", "https://new.qq.com/omn/20191002/20191002A0XYZW00.html")
    assert a.kind == "article"
    assert a.title == "老街改造后重新开放"
    assert a.published == datetime.fromisoformat("2019-10-02T10:12:30+08:00")  # DATA.pubtime, not apub:time
    assert a.account == "城市记忆"
    assert a.author == "陈石"  # the reporter byline at the end
    assert a.article_id == "20191002A0XYZW00"
    assert a.summary == "改造后的老街保留了百年青石板路。"  # DATA.introduction
    assert {"老街", "改造"} <= set(a.tags)
    text = _text(a)
    assert "施工方介绍，所有沿街立面都按照老照片复原" in text
    assert "修缮后的沿街立面" in text
    assert "免责声明" not in text  # #Status is Tencent chrome (config/sites/qq.toml)
    assert "https://inews.gtimg.com/newsapp_bt/0/10000000002/1000" in [i.url for i in a.images]


def test_omn_page_saved_under_a_file_url_is_sniffed() -> None:
    html = (FIXTURES / "omn.html").read_text(encoding="utf-8")
    assert sniff(html)
    a = extract(html, "file:///home/me/saved.html")
    assert a.site == "qq"
    assert a.article_id == "20191002A0XYZW00"  # from the share QR code's URL
    assert a.canonical_url == "https://new.qq.com/rain/a/20191002A0XYZW00"


def test_old_cnt_main_article_layout() -> None:
    a = _extract("old-cnt.html", "http://finance.qq.com/a/20190925/001234.htm")
    assert a.kind == "article"
    assert a.title == "棱镜|小微贷款的新规"
    assert a.published == datetime.fromisoformat("2019-09-25T06:30:00+08:00")
    assert a.account == "棱镜"  # span.a_source
    assert a.author == "周小"  # 《棱镜》作者 周小
    assert a.article_id == "finance-20190925-001234"
    text = _text(a)
    assert "小微企业贷款迎来新规" in text
    assert "（某银行的审批流程图）" in text
    assert "返回腾讯网首页" not in text
    assert "正文已结束" not in text and "责任编辑" not in text


# --- outcomes that are not articles -----------------------------------------------------------


def test_security_check_page_is_rate_limited() -> None:
    url = "https://new.qq.com/rain/a/20250213A06FMB00"
    a = _extract("challenge.html", url)
    assert a.kind == "rate_limited"
    assert a.error and url in a.error
    assert a.body_markdown == ""


def test_video_page_without_text_is_unavailable() -> None:
    url = "https://new.qq.com/rain/a/20240601V05ABC00"
    a = _extract("video-empty.html", url)
    assert a.kind == "unavailable"
    assert a.error and url in a.error and "no article text" in a.error
    assert a.title == "三分钟看懂新能源车补贴"
    assert a.body_markdown == ""


def test_deleted_notice_is_deleted() -> None:
    url = "https://new.qq.com/rain/a/20240101A00DEL00"
    a = _extract("deleted.html", url)
    assert a.kind == "deleted"
    assert a.error and url in a.error


def test_qq_page_that_is_no_article() -> None:
    url = "https://v.qq.com/channel/tv"
    a = extract("<html><head><title>腾讯视频</title></head><body><div id=app></div></body></html>", url)
    assert a.site == "qq"
    assert a.kind == "not_article"
    assert a.error and url in a.error


def test_data_tags_in_any_shape_and_no_account_from_other_keys() -> None:
    html = (
        "<html><body><div class=rich_media_content><p>正文内容。</p></div><script>window.DATA = "
        '{"title": "标题", "source": "web", "pubtime": "1700000000", '
        '"tags": [{"tag_word": "新能源"}, {"name": "汽车"}, "补贴"]};</script></body></html>'
    )
    a = extract(html, "https://new.qq.com/rain/a/20231115A01AAA00")
    assert a.account is None  # "source" is not the account
    assert a.published == datetime.fromisoformat("2023-11-15T06:13:20+08:00")  # unix seconds, China time
    assert {"新能源", "汽车", "补贴"} <= set(a.tags)
