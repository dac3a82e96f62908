"""The WeChat adapter on small hand-written pages (tests/fixtures/wechat/): page types, metadata,
URL forms and identity, and the typed outcomes of pages that are not articles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from scraper import extract
from scraper.html import parse, plain_text
from scraper.models import NON_ARTICLE_KINDS
from scraper.sites import adapter_for, wechat
from scraper.sites._common import CHINA_TZ

FIXTURES = Path(__file__).parent / "fixtures" / "wechat"
SHORT = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"
LONG = (
    "http://mp.weixin.qq.com/s?__biz=MzIyNjMxOTY0NA==&amp;mid=2247500001&amp;idx=2"
    "&amp;sn=0123456789abcdef0123456789abcdef&amp;chksm=f00&amp;scene=21#wechat_redirect"
)


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def text_of(article) -> str:  # type: ignore[no-untyped-def]
    return plain_text(article.body_markdown)


# --- URLs and identity


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw",
            "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw",
        ),
        (
            "http://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?scene=1&srcid=x#rd",
            "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw",
        ),
        (
            LONG,
            "https://mp.weixin.qq.com/s?__biz=MzIyNjMxOTY0NA==&mid=2247500001&idx=2"
            "&sn=0123456789abcdef0123456789abcdef",
        ),
        (
            r"https://mp.weixin.qq.com/s?__biz=MzA5MjkzMTA1Mw==\x26amp;mid=2651688808\x26amp;idx=5\x26amp;"
            r"sn=cd8e21013e3635452ad74f926e83f537\x26amp;chksm=8b9c#rd",
            "https://mp.weixin.qq.com/s?__biz=MzA5MjkzMTA1Mw==&mid=2651688808&idx=5"
            "&sn=cd8e21013e3635452ad74f926e83f537",
        ),
        (  # the alternative parameter names of /mp/appmsg/show
            "https://mp.weixin.qq.com/mp/appmsg/show?__biz=MzA5MjkzMTA1Mw==&appmsgid=2651688808&itemidx=5"
            "&sign=cd8e21013e3635452ad74f926e83f537&pass_ticket=zzz#wechat_redirect",
            "https://mp.weixin.qq.com/s?__biz=MzA5MjkzMTA1Mw==&mid=2651688808&idx=5"
            "&sn=cd8e21013e3635452ad74f926e83f537",
        ),
        (
            "https://mp.weixin.qq.com/s?src=11&timestamp=1700000000&ver=5&signature=abc*def&new=1",
            "https://mp.weixin.qq.com/s?src=11&timestamp=1700000000&ver=5&signature=abc%2Adef",
        ),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert wechat.normalize_url(url) == expected


def test_url_identity_and_article_id() -> None:
    assert wechat.url_identity(SHORT) == {"short": "AbCdEfGhIjKlMnOpQrStUv"}
    ident = wechat.url_identity(LONG)
    assert ident == {
        "__biz": "MzIyNjMxOTY0NA==",
        "mid": "2247500001",
        "idx": "2",
        "sn": "0123456789abcdef0123456789abcdef",
    }
    assert wechat.bizuin("MzIyNjMxOTY0NA==") == "3226319644"  # __biz is base64 of the account number
    assert (
        wechat.article_id_for(ident["__biz"], ident["mid"], ident["idx"], "", LONG)
        == "3226319644_2247500001_2"
    )
    assert wechat.article_id_for("", "", "", "AbCd-Ef_12", SHORT) == "AbCd-Ef_12"


def test_article_id_is_stable_across_short_and_long_urls() -> None:
    html = page("normal-short.html")
    by_short = extract(html, SHORT)
    by_long = extract(html, LONG)
    assert by_short.article_id == by_long.article_id == "3226319644_2247500001_2"
    assert by_short.canonical_url == by_long.canonical_url == SHORT  # the page's own msg_link
    both = by_long.extra["wechat"]
    assert both["short_url"] == SHORT
    assert both["long_url"].startswith(
        "https://mp.weixin.qq.com/s?__biz=MzIyNjMxOTY0NA==&mid=2247500001&idx=2"
    )


def test_long_url_without_page_identity_uses_the_url() -> None:
    article = extract(page("repost.html"), LONG)
    assert article.article_id == "3226319644_2247500001_2"
    short = extract(page("repost.html"), "https://mp.weixin.qq.com/s/Rep0st_Short_Id#rd")
    assert short.article_id == "Rep0st_Short_Id"


# --- a normal article


def test_normal_article_metadata() -> None:
    article = extract(page("normal-short.html"), SHORT)
    assert article.kind == "article"
    assert article.site == "wechat"
    assert article.title == "测试文章：缓存为什么失效"
    assert article.author == "张三"
    assert article.account == "测试技术号"
    assert article.published == datetime(2025, 11, 10, 12, 0, 10, tzinfo=CHINA_TZ)
    assert article.published.isoformat() == "2025-11-10T12:00:10+08:00"
    assert article.summary == "一篇用来测试的文章摘要"
    assert article.cover == "https://mmbiz.qpic.cn/mmbiz_jpg/COVERKEY/0?wx_fmt=jpeg"  # /640 → original
    assert article.source_url == "https://example.com/post?a=1&b=2"
    assert "缓存专题" in article.tags
    assert article.extra["wechat"]["user_name"] == "gh_0123456789ab"


def test_normal_article_body() -> None:
    article = extract(page("normal-short.html"), SHORT)
    text = text_of(article)
    assert "第一段：缓存失效的原因有很多" in text
    assert "第二段：过期时间设置得太短" in text
    assert "第三段由脚本写入。" in text and "这是同一段的第二行。" in text  # document.write in the body
    assert "结尾：希望对你有帮助。" in text
    # images come from data-src; the SVG placeholder in src is gone
    assert "https://mmbiz.qpic.cn/mmbiz_png/BODYKEY1/640?wx_fmt=png&from=appmsg" in article.body_markdown
    assert "data:image/svg" not in article.body_markdown
    # the audio card becomes a link to the voice file
    assert (
        "https://res.wx.qq.com/voice/getvoice?mediaid=MzIyNjMxOTY0NF8yMjQ3NTAwMDAx" in article.body_markdown
    )
    assert "本期音频 讲解" in text
    # chrome outside #js_content is not selected
    assert "测试技术号" not in text


def test_hidden_style_is_removed_from_the_body() -> None:
    tree = parse(page("normal-short.html"))
    node = tree.css_first("#js_content")
    assert node is not None and "visibility" in node.attributes["style"]
    wechat._unhide(node)
    assert "style" not in node.attributes
    other = parse('<div id="js_content" style="visibility: hidden; color: red"></div>').css_first("div")
    assert other is not None
    wechat._unhide(other)
    assert other.attributes["style"].strip() == "color: red"


def test_error_words_quoted_in_an_article_do_not_make_it_an_error_page() -> None:
    article = extract(page("normal-long-quotes-error.html"), LONG)
    assert article.kind == "article"
    assert article.error is None
    assert "该内容已被发布者删除" in text_of(article)
    assert article.published == datetime(2020, 9, 13, 20, 26, 40, tzinfo=CHINA_TZ)
    assert article.canonical_url == wechat.normalize_url(LONG)


def test_2017_template_byline_and_account() -> None:
    article = extract(page("old-2017.html"), "https://mp.weixin.qq.com/s/OldPage2017")
    assert article.kind == "article"
    assert article.title == "旧版页面的标题"
    assert article.author == "李四"  # the plain meta-line item after the date
    assert article.account == "旧账号"
    assert article.published is not None and article.published.isoformat() == "2017-03-03T11:59:22+08:00"
    assert article.article_id == "3092931053_2651688808_5"  # from msg_link (\x26amp; escaped)
    assert article.source_url == "http://example.org/"
    assert "http://mmbiz.qpic.cn/mmbiz/OLDKEY/0?wx_fmt=jpeg" in article.body_markdown
    assert "这是账号介绍" not in text_of(article)


# --- share pages


def test_picture_share_from_js_data() -> None:
    article = extract(page("picshare.html"), "https://mp.weixin.qq.com/s/PicSharePicShare_0001")
    assert article.kind == "picshare"
    assert article.title == "周末去爬山"
    assert article.account == "爬山俱乐部"
    assert article.published is not None and article.published.isoformat() == "2025-11-05T18:30:00+08:00"
    md = article.body_markdown
    assert "https://mmbiz.qpic.cn/mmbiz_jpg/PIC1/0?wx_fmt=jpeg&from=appmsg" in md
    assert "https://mmbiz.qpic.cn/mmbiz_jpg/PIC2/0?wx_fmt=jpeg&from=appmsg" in md
    assert md.index("PIC2") < md.index("周末去爬山，天气很好。")  # images first, as the page shows them
    assert "周末去爬山，天气很好。" in md and "山顶的风很大，" in md
    assert "<记得带外套>" in md  # a "<" that opens no tag stays text
    assert "[路线图](https://example.com/map)" in md  # inline links of content_noencode are kept
    # blank lines separate paragraphs
    assert "\n\n山顶的风很大" in md
    assert article.article_id == "3264997043_2248864730_1"


def test_picture_share_2018_document_write() -> None:
    article = extract(page("picshare-2018.html"), "https://mp.weixin.qq.com/s/Old_Pic_Share")
    assert article.kind == "picshare"
    assert article.title == "分享图片"  # cgiData title; <title> is the account name
    assert article.account == "小账号"
    assert article.published is not None and article.published.isoformat() == "2018-08-14T23:06:18+08:00"
    text = text_of(article)
    assert "今天拍了一张照片。" in text and "天空特别蓝。" in text
    assert "http://mmbiz.qpic.cn/mmbiz_jpg/SKYKEY/0?wx_fmt=jpeg" in article.body_markdown
    assert "document.write" not in article.body_markdown


def test_text_share_without_user_title() -> None:
    article = extract(page("textshare.html"), "https://mp.weixin.qq.com/s/TextShareTextShare_01")
    assert article.kind == "textshare"
    # no user title: the title is the text's first line, the whole text is the body
    assert article.title == "第一段想法。"
    assert article.account == "想法账号"
    assert article.published is not None and article.published.isoformat() == "2020-05-26T18:10:13+08:00"
    assert article.body_markdown.strip().split("\n\n") == ["第一段想法。", '第二段想法，带"引号"。']
    assert "wx_follow" not in article.body_markdown
    # og:title writes the line breaks as a literal backslash-n: used when the JS data is missing
    only_og = page("textshare.html").replace("title: JsDecode(", "titl: JsDecode(")
    assert extract(only_og, "https://mp.weixin.qq.com/s/TextShareTextShare_01").title == article.title


LONG_SHARE = (
    "明天是假期，周刊暂停一期。上周说提前到今天发，后来想想还是暂停吧，我也休息一周。"
    "祝大家假期开心，有兴趣可以翻翻以前的周刊，地址在下面。https://example.com/weekly/"
)


def _share_page(text: str, user_title: str, title: str | None = None) -> str:
    """The hand-written text share with another text (JS-escaped like WeChat's) and is_user_title."""
    js = text.replace("\n", "\\x0a")
    html = page("textshare.html")
    html = html.replace("第一段想法。\\x0a\\x0a第二段想法，带\\x22引号\\x22。", js)
    html = html.replace("第一段想法。\\x0a\\x0a第二段想法，带\\x26quot;引号\\x26quot;。", js)
    html = html.replace("第一段想法。\\n\\n第二段想法，带&quot;引号&quot;。", text.replace("\n", "\\n"))
    html = html.replace("'0' * 1", f"'{user_title}' * 1")
    if title is not None:
        html = html.replace(f"title: JsDecode('{js}')", f"title: JsDecode('{title}')")
    return html


def test_text_share_title_is_one_line() -> None:
    url = "https://mp.weixin.qq.com/s/TextShareTextShare_01"
    # one long paragraph (longer than any title one can type): the title is its first sentence
    article = extract(_share_page(LONG_SHARE, "0"), url)
    assert article.title == "明天是假期，周刊暂停一期。"
    assert text_of(article).replace(" ", "") == LONG_SHARE.replace(" ", "")
    # a short first line is the title whole, even with several sentences; the rest stays in the body
    article = extract(_share_page("好消息！新版本发布了。\n\n" + LONG_SHARE, "0"), url)
    assert article.title == "好消息！新版本发布了。"
    assert "好消息！新版本发布了。" in text_of(article) and "周刊暂停一期" in text_of(article)
    # a first line without any sentence end is kept whole: a sentence is never cut
    run_on = "这是一段没有句号的很长的话" * 6
    assert extract(_share_page(run_on + "\n\n第二段。", "0"), url).title == run_on
    # a title the author typed is the title, whatever its length
    typed = "作者自己起的标题。第二句也是标题的一部分，这个标题比较长，但它是作者亲手写的，不是正文的第一行啊，所以它整个都是标题，一个字也不能少"
    assert len(typed) > wechat.TITLE_MAX_CHARS
    article = extract(_share_page(LONG_SHARE, "1", title=typed), url)
    assert article.title == typed
    assert "周刊暂停一期" in text_of(article)


def test_video_page() -> None:
    article = extract(page("video.html"), "https://mp.weixin.qq.com/s/VideoVideo_01")
    assert article.kind == "video"
    assert article.title == "一段测试视频"  # the post title, not the generic <title>视频
    assert article.account == "视频账号"
    assert article.published is not None and article.published.isoformat() == "2019-05-17T14:15:16+08:00"
    text = text_of(article)
    assert "这是视频的介绍。" in text and "第二句介绍。" in text  # written by innerHTML = "…"
    assert "https://vpic.video.qq.com/1/v0000abcdef.png" in article.body_markdown  # poster
    assert "http://v.qq.com/x/page/v0000abcdef.html" in article.body_markdown  # link to the video
    assert article.summary.startswith("这是视频的介绍。")
    assert article.article_id == "2399587742_2658636581_1"  # from d.msg_link


def test_repost_with_source_card() -> None:
    article = extract(page("repost.html"), "https://mp.weixin.qq.com/s/Rep0st_Short_Id")
    assert article.kind == "repost"
    assert article.author == "原作者"
    assert article.account == "转载账号"
    assert article.source == "原创账号"
    assert text_of(article) == "这是被转载的文章正文。"


def test_repost_share_card_links_to_the_shared_article() -> None:
    article = extract(page("repost-share-card.html"), "https://mp.weixin.qq.com/s/Share_Card_01")
    assert article.kind == "repost"
    assert "这篇讲得很清楚，推荐大家读一读。" in text_of(article)
    assert (
        "https://mp.weixin.qq.com/s?__biz=MzA3MDY0NTMxOQ==&mid=2247487547&idx=1"
        "&sn=ebbee94313567085ca691559cf8d4edd" in article.body_markdown
    )


# --- pages that are not articles


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("error-deleted.html", "deleted", "该内容已被发布者删除"),
        ("error-violation.html", "violation", "由用户投诉并经平台审核"),
        ("error-unavailable.html", "unavailable", "该内容暂时无法查看"),
        ("error-expired.html", "expired", "链接已过期"),
        ("error-quota-js.html", "rate_limited", "访问过于频繁"),
        ("captcha.html", "rate_limited", "环境异常"),
        ("shell.html", "not_article", "微信扫一扫可打开此内容"),
        ("migrated.html", "unavailable", "该公众号已迁移"),
    ],
)
def test_non_articles_are_typed_with_the_pages_message(name: str, kind: str, message: str) -> None:
    url = "https://mp.weixin.qq.com/s/Some_Article_Id"
    article = extract(page(name), url)
    assert article.kind == kind
    assert kind in NON_ARTICLE_KINDS and not article.is_article
    assert article.error is not None
    assert url in article.error and message in article.error
    assert article.error.endswith((".", "。"))
    assert article.body_markdown == ""


def test_migrated_account_records_where_it_went() -> None:
    article = extract(page("migrated.html"), "https://mp.weixin.qq.com/s/Some_Article_Id")
    assert article.extra["redirect"] == (
        "https://mp.weixin.qq.com/s?__biz=MzA3MDY0NTMxOQ==&mid=2247487547&idx=1&sn=ebbee94313567085ca691559cf8d4edd"
    )


def test_captcha_url_is_rate_limited_even_without_a_message() -> None:
    url = "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=abc&target_url=https%3A%2F%2Fmp.weixin.qq.com%2Fs%2Fx"
    article = extract("<html><body><p>请稍候</p></body></html>", url)
    assert article.kind == "rate_limited"
    assert url in (article.error or "")


def test_profile_page_names_the_account() -> None:
    url = "https://mp.weixin.qq.com/mp/aboutbiz?__biz=MzI0Nzg2MTExMA==#wechat_redirect"
    article = extract(page("profile.html"), url)
    assert article.kind == "profile"
    assert article.account == "新名字"  # the newest 名称记录 entry
    assert "新名字" in (article.error or "") and url in (article.error or "")
    assert article.extra["biz"] == "MzI0Nzg2MTExMA=="


def test_empty_page_is_not_an_article() -> None:
    article = extract("<html><head><title></title></head><body></body></html>", SHORT)
    assert article.kind == "not_article"
    assert SHORT in (article.error or "")


# --- registry


def test_registered_for_the_host_and_sniffs_saved_pages() -> None:
    assert adapter_for(SHORT).name == "wechat"
    assert adapter_for("https://example.com/saved.html", page("normal-short.html")).name == "wechat"
    assert wechat.sniff(page("picshare.html"))
    assert not wechat.sniff("<html><body><div class='rich_media_content'><p>别的网站</p></div></body></html>")
    deleted = extract(page("error-deleted.html"), "file:///home/me/deleted.html")
    assert (deleted.site, deleted.kind) == ("wechat", "deleted")
    saved = extract(page("normal-short.html"), "file:///home/me/saved.html")
    assert saved.site == "wechat" and saved.kind == "article"
    assert saved.canonical_url == SHORT
    assert saved.article_id == "3226319644_2247500001_2"


# --- bare error pages saved under any URL (no WeChat host in them)

FOREIGN = "https://example.com/x.html"


@pytest.mark.corpus
def test_a_bare_error_page_keeps_its_kind_under_any_url(corpus: Path) -> None:
    # 934 bytes: <title>该内容暂时无法查看</title> and one <p> saying so; no WeChat host anywhere
    raw = (corpus / "raw" / "wechat" / "edge-wae-unavailable-01.html").read_bytes()
    for url in (FOREIGN, "file:///home/me/saved.html", SHORT):
        article = extract(raw, url)
        assert (article.site, article.kind) == ("wechat", "unavailable")
        assert url in (article.error or "") and "该内容暂时无法查看" in (article.error or "")


KNOWN = [(kind, message) for kind, messages in wechat.KNOWN_ERROR_MESSAGES.items() for message in messages]


@pytest.mark.parametrize(("kind", "message"), KNOWN)
def test_each_known_error_message_alone_on_a_page_is_its_kind(kind: str, message: str) -> None:
    style = "<style>body{background:#f4f4f4}.mesg-block p{color:#858585}</style>"
    pages = [
        f"<html><head><title>{message}</title></head><body></body></html>",
        f"<html><body><div class='panel'><p>{message}</p></div></body></html>",
        f"<html><head><title>{message}</title>{style}</head><body><h2> {message}。</h2></body></html>",
    ]
    for html in pages:
        article = extract(html, FOREIGN)
        assert (article.site, article.kind) == ("wechat", kind), html


SHELL = "<html><head><title>{title}</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "html",
    [
        SHELL.format(
            title="该内容暂时无法查看", body="<p>该内容暂时无法查看</p><p>返回首页</p>"
        ),  # more words
        SHELL.format(title="链接已过期", body="<p>本站说明：链接已过期的处理办法。</p>"),  # a text about it
        SHELL.format(title="", body="<p>该内容暂时无法查看了吗</p>"),  # not word for word
        SHELL.format(title="参数错误", body="<p>参数错误</p><a href='/'>首页</a>"),  # a link
        SHELL.format(title="", body="<p>系统出错</p><img src='a.png'>"),  # an image
        SHELL.format(title="", body="<article><p>环境异常</p></article>"),  # article structure
        SHELL.format(title="如何删除聊天记录", body="<p>该内容已被发布者删除</p>"),  # another title
        SHELL.format(title="访问过于频繁", body="<p>访问过于频繁</p>" + "<!-- padding -->" * 600),  # not tiny
        SHELL.format(title="", body=""),
    ],
)
def test_a_page_with_anything_but_a_known_message_is_not_claimed(html: str) -> None:
    assert not wechat.sniff(html)
    assert extract(html, FOREIGN).site == "web"


@pytest.mark.corpus
def test_no_page_of_another_site_is_claimed_as_wechat(corpus: Path) -> None:
    from scraper.decode import decode
    from tests.corpus import annotations, site_of, url_for

    others = [r for r in annotations() if site_of(r) != "wechat"]
    assert len(others) > 40
    for record in others:
        raw = (corpus / record["file"]).read_bytes()
        assert not wechat.sniff(decode(raw).text), record["file"]
        for url in (url_for(record), FOREIGN):
            assert extract(raw, url).site != "wechat", (record["file"], url)


def test_embedded_media_become_links() -> None:
    html = """<html><body><div id="js_article"><div id="js_content" style="visibility: hidden;">
    <p>视频如下：</p>
    <iframe class="video_iframe rich_pages" data-mpvid="wxv_1234567890"
      data-src="https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&amp;auto=0&amp;vid=wxv_1234567890">
    </iframe>
    <iframe class="video_iframe rich_pages"
      data-src="https://v.qq.com/iframe/preview.html?vid=b0871n3rlqc&amp;width=500&amp;auto=0"></iframe>
    <mp-common-videosnap data-url="https://channels.weixin.qq.com/x" data-nickname="某视频号" data-desc="一段视频">
    </mp-common-videosnap>
    <mpvoice voice_encode_fileid="MzA5_123" name="录音"></mpvoice>
    <mp-common-sticker data-emoji_url="https://mmbiz.qpic.cn/mmbiz_gif/EMOJI/0"></mp-common-sticker>
    </div></div><script>var ct = "1600000000";</script></body></html>"""
    md = extract(html, "https://mp.weixin.qq.com/s/Media_Test_01").body_markdown
    assert "https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&vid=wxv_1234567890" in md
    assert "https://v.qq.com/x/page/b0871n3rlqc.html" in md
    assert "https://channels.weixin.qq.com/x" in md and "某视频号" in md
    assert "https://res.wx.qq.com/voice/getvoice?mediaid=MzA5_123" in md
    assert "https://mmbiz.qpic.cn/mmbiz_gif/EMOJI/0" in md


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ('{"ret":200013,"msg":"freq control"}', "rate_limited"),
        ("<html><body><p>The content has been deleted by the author.</p></body></html>", "deleted"),
        ("<html><body><p>请在微信客户端打开链接。</p></body></html>", "not_article"),
        ('<html><body><div class="global_error_msg warn">系统出错</div></body></html>', "unavailable"),
    ],
)
def test_tiny_error_pages(html: str, kind: str) -> None:
    url = "https://mp.weixin.qq.com/s/Tiny_Page_01"
    article = extract(html, url)
    assert article.kind == kind
    assert url in (article.error or "")


# --- the rule pack


def test_rule_pack_selectors_and_phrases_are_valid() -> None:
    import re

    from scraper.config import load_rules

    pack = load_rules("sites/wechat")
    tree = parse(page("normal-short.html"))
    selectors = [s for v in pack["selectors"].values() for s in ([v] if isinstance(v, str) else v)]
    for css in selectors + pack["boilerplate"]["drop"]:
        tree.css(css)  # lexbor raises on a selector it cannot parse
    for pattern in pack["boilerplate"]["phrases"] + pack["boilerplate"]["tail_anchors"]:
        re.compile(pattern)


def test_rule_pack_removes_wechat_chrome_inside_the_body() -> None:
    html = """<html><body><div id="js_article"><div id="js_content" style="visibility: hidden;">
    <p>正文第一段，讲一个很长的故事，足够长以免被当作短块处理。正文第一段，讲一个很长的故事。</p>
    <p>正文第二段，继续讲这个故事，也写得足够长。正文第二段，继续讲这个故事，也写得足够长。</p>
    <section class="code-snippet__fix"><ul class="code-snippet__line-index"><li>1</li></ul>
      <pre><code>print(1)</code></pre></section>
    <p>预览时标签不可点</p>
    </div></div><script>var ct = "1600000000";</script></body></html>"""
    article = extract(html, "https://mp.weixin.qq.com/s/Rule_Pack_01")
    assert "print(1)" in article.body_markdown
    assert "预览时标签不可点" not in article.body_markdown
    rules = {r.rule for r in article.removed}
    assert "site:wechat:drop:.code-snippet__line-index" in rules
    assert any(r.rule.startswith("site:wechat") and r.text == "预览时标签不可点" for r in article.removed)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("该内容已被发布者删除", "deleted"),
        ("The content has been deleted by the author.", "deleted"),
        ("此帐号已自主注销，内容无法查看", "deleted"),
        ("此内容因违规无法查看", "violation"),
        ("此内容发送失败无法查看", "violation"),
        ("此内容被多人投诉，相关的内容无法进行查看。", "violation"),
        ("该内容被投诉且经审核涉嫌侵权，无法查看", "violation"),
        ("此内容因涉嫌违反相关法律法规和政策已被删除", "violation"),
        ("此帐号已被屏蔽, 内容无法查看", "violation"),
        ("该内容暂时无法查看", "unavailable"),
        ("该公众号已迁移", "unavailable"),
        ("系统出错", "unavailable"),
        ("链接已过期", "expired"),
        ("参数错误", "expired"),
        ("当前环境异常，完成验证后即可继续访问", "rate_limited"),
        ("访问过于频繁，请用微信扫描二维码进行访问", "rate_limited"),
        ("请在微信客户端打开链接", "not_article"),
    ],
)
def test_error_messages_map_to_kinds(message: str, kind: str) -> None:
    html = f'<html><body><div class="weui-msg"><h2 class="weui-msg__title">{message}</h2></div></body></html>'
    assert extract(html, "https://mp.weixin.qq.com/s/Msg_Test_01").kind == kind


def test_article_title_with_error_words_is_not_an_error_page() -> None:
    # the body is missing (a stripped save): still no "deleted" from the title or the shell's words
    html = """<html><head><title>如何删除微信聊天记录</title>
    <meta property="og:title" content="如何删除微信聊天记录"></head><body>
    <div id="js_article"><h1 id="activity-name">如何删除微信聊天记录</h1><div id="js_content"></div></div>
    <p>微信扫一扫可打开此内容，使用完整服务</p></body></html>"""
    article = extract(html, "https://mp.weixin.qq.com/s/Stripped_01")
    assert article.kind == "not_article"


COLUMN_INTRO = "「爬山记」是爬山俱乐部轻量化图文栏目——用图片记下每一次出发，用数据说出每一座山。"


def _with_text(text: str) -> str:
    js = text.replace("\n", "\\x0a")
    old = "周末去爬山，天气很好。\\x0a\\x0a山顶的风很大，<记得带外套>。\\x0a下山时看到了 <a href=\\x22https://example.com/map\\x22>路线图</a>。"
    html = page("picshare.html")
    assert old in html
    return html.replace(old, js)


def test_a_picture_share_loses_its_column_introduction_at_the_head_or_the_tail() -> None:
    """The column's standing introduction names the post's own account: it describes the column,
    not the post, wherever it stands at the post's edges."""
    url = "https://mp.weixin.qq.com/s/PicSharePicShare_0001"
    post = "周末去爬山，天气很好。\n\n山顶的风很大，记得带外套。\n\n下山时路过一片银杏林，叶子已经黄了一半。"
    for text in (COLUMN_INTRO + "\n\n" + post, post + "\n\n" + COLUMN_INTRO):
        article = extract(_with_text(text), url)
        assert article.account == "爬山俱乐部"
        body = text_of(article)
        assert "轻量化图文栏目" not in body, text
        assert "周末去爬山，天气很好。" in body and "叶子已经黄了一半" in body
        assert ("promo:blurb", COLUMN_INTRO) in [(r.rule, r.text) for r in article.removed]


def test_a_lede_about_another_column_stays() -> None:
    """The same build naming somebody else's column is the post's subject: a real lede stays."""
    url = "https://mp.weixin.qq.com/s/PicSharePicShare_0001"
    lede = "《新闻联播》是中央电视台每晚七点播出的新闻栏目，今天它迎来了开播四十五周年。"
    article = extract(_with_text(lede + "\n\n周末去爬山，天气很好。"), url)
    assert lede in text_of(article)
    assert "promo:blurb" not in [r.rule for r in article.removed]
