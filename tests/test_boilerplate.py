"""The boilerplate engine on DOM bodies: one hand-written fixture per rule family, exact outcomes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper.boilerplate import (
    Cleaned,
    Phrases,
    _required_strings,
    clean_body,
    clean_markdown,
    compile_rules,
    rules_for,
)
from scraper.config import load_rules
from scraper.errors import ConfigError
from scraper.markdown import to_markdown
from scraper.models import Removal

FIXTURES = Path(__file__).parent / "fixtures" / "boilerplate"
URL = "https://mp.weixin.qq.com/s/abc"
BODY = "这是一段足够长的正文，讲述事情的来龙去脉和各方的观点，确保它不会被任何规则误删。"


def run(html: str, site: str = "wechat", **kw: object) -> tuple[str, Cleaned]:
    tree = LexborHTMLParser(f'<div id="js_content" style="visibility: hidden;">{html}</div>')
    node = tree.css_first("#js_content")
    cleaned = clean_body(node, site=site, url=URL, **kw)  # type: ignore[arg-type]
    return to_markdown(node, URL).text, cleaned


def rules_of(cleaned: Cleaned) -> list[str]:
    return [r.rule for r in cleaned.removed]


def paras(n: int) -> str:
    return "".join(f"<p>{i}{BODY}</p>" for i in range(n))


def test_seed_shaped_article_keeps_its_body_and_reports_every_cut() -> None:
    html = (FIXTURES / "wechat-promo-credits-end.html").read_text(encoding="utf-8")
    tree = LexborHTMLParser(html)
    node = tree.css_first("#js_content")
    cleaned = clean_body(node, site="wechat", url=URL)
    assert cleaned.removed == [
        Removal("promo:header", "是新朋友吗？记得先点蓝字“锌刻度”关注我哦～"),
        Removal("promo:header", "每日一篇科技财经深度调查"),
        Removal("promo:banner", "走进商业背后的故事"),
        Removal("promo:banner", "[image] https://mmbiz.qpic.cn/banner/640"),
        Removal("credit", "撰文/陈邓新"),
        Removal("credit", "编辑/ 李觐麟"),
        Removal("tail:end-marker", "END"),
        Removal("tail:end-marker", "[image] https://mmbiz.qpic.cn/author/640"),
        Removal("tail:end-marker", "陈邓新"),
        Removal("tail:end-marker", "邮箱：cdx@example.com"),
        Removal("tail:end-marker", "简介：投资改变生活"),
    ]
    assert cleaned.meta["author"] == "陈邓新" and cleaned.meta["editor"] == "李觐麟"
    text = to_markdown(node, URL).text
    assert text.startswith("## 是对手也是队友\n\nDeepSeek，持续正反馈AI赛道。")
    assert "## 没有拔刀相向，反而雪中送炭" in text
    assert "![图片](https://mmbiz.qpic.cn/chart/640)\n\n*图源：DeepSeek官网*" in text
    assert "> 譬如，字节跳动" in text
    assert "很多读者问我们二维码支付和转载授权的事情" in text  # long prose that mentions 二维码/转载 stays
    assert text.endswith("那么，神话DeepSeek大可不必。\n")
    # removed nodes and the ancestors they emptied are gone from the tree itself
    assert "陈邓新" not in node.html and "banner" not in node.html


def test_mid_body_calls_qr_codes_ad_labels_disclaimer_and_related_list() -> None:
    html = (FIXTURES / "wechat-cta-footer.html").read_text(encoding="utf-8")
    node = LexborHTMLParser(html).css_first("#js_content")
    cleaned = clean_body(node, site="wechat", url=URL)
    assert rules_of(cleaned) == [
        "disclaimer", "cta:line", "qr-image", "ad-label", "cta:line",
        "tail:related-list", "tail:related-list", "tail:related-list",
    ]  # fmt: skip
    text = to_markdown(node, URL).text
    assert text.count("正文") == 3 and "https://example.com/episode/1" in text
    assert "二维码" not in text and "往期推荐" not in text and "广告" not in text


def test_selectors_drop_known_chrome_and_cards_but_keep_audio() -> None:
    html = (
        f"<p>{BODY}</p><section class='reward_area'>喜欢作者</section>"
        "<mp-common-profile data-nickname='号'></mp-common-profile>"
        "<section class='js_uneditable custom_select_card'>卡片文字</section>"
        "<mp-miniprogram data-title='小程序'></mp-miniprogram>"
        "<mp-common-mpaudio class='js_uneditable js_editor_audio' voice_encode_fileid='MzA' name='音'>"
        "</mp-common-mpaudio>"
    )
    text, cleaned = run(html)
    assert ("selector:.reward_area", "喜欢作者") in [(r.rule, r.text) for r in cleaned.removed]
    assert "selector:mp-common-profile" in rules_of(cleaned)
    assert "selector:mp-miniprogram" in rules_of(cleaned)
    assert any(r.startswith("selector:.js_uneditable") for r in rules_of(cleaned))
    assert text == f"{BODY}\n\n[音频：音](https://res.wx.qq.com/voice/getvoice?mediaid=MzA)\n"


def test_hidden_nodes_go_but_the_hidden_root_stays() -> None:
    text, cleaned = run(f"<p>{BODY}</p><p style='display: none'>隐藏文字</p><span hidden>也隐藏</span>")
    assert text == f"{BODY}\n"
    assert ("hidden", "隐藏文字") in [(r.rule, r.text) for r in cleaned.removed]


def test_short_calls_go_long_prose_mentioning_them_stays() -> None:
    long_line = "很多人转发了这张二维码的照片，后来大家发现扫码关注之后会被拉进一个群，这件事在当地引起了广泛讨论和质疑。"
    html = paras(3) + "<p>点个在看你最好看</p>" + f"<p>{long_line}</p>" + paras(3) + "<p>👇扫码关注我们👇</p>"
    text, cleaned = run(html)
    assert [(r.rule, r.text) for r in cleaned.removed] == [
        ("cta:line", "点个在看你最好看"),
        ("cta:line", "👇扫码关注我们👇"),
    ]
    assert long_line in text


def test_news_sentences_with_action_words_are_not_calls() -> None:
    lines = [
        "局长亲自带货，景甜点赞长春",
        "请大家听从现场民警指挥，关注道路电子显示屏、交通广播、指示牌诱导进行绕行。",
        "市场重点关注的三个问题",
        "社会各界高度关注",
    ]
    html = paras(4) + "".join(f"<p>{x}</p>" for x in lines) + paras(4)
    text, cleaned = run(html)
    assert cleaned.removed == []
    assert all(x in text for x in lines)


def test_promo_pair_second_line_goes_only_after_a_promo_line() -> None:
    html = "<p>点击蓝字</p><p>关注嘉韦思</p>" + paras(4) + "<p>关注民生</p>" + paras(4)
    text, cleaned = run(html)
    assert [(r.rule, r.text) for r in cleaned.removed] == [
        ("promo:header", "点击蓝字"),
        ("promo:header", "关注嘉韦思"),
    ]
    assert "关注民生" in text


def test_qr_image_next_to_its_call_is_dropped_with_it() -> None:
    html = paras(6) + "<p><img data-src='https://i.cn/qr.png'></p><p>长按识别二维码关注</p>" + paras(1)
    _, cleaned = run(html)
    assert rules_of(cleaned) == ["qr-image", "cta:line"]


def test_the_source_address_between_a_scan_call_and_its_qr_code_stays() -> None:
    """A digest: each item is prose, "长按识别二维码查看原文", the item's address, its QR code."""
    item = (
        "<p>这一期播客讨论了开源、智能代理与下一波浪潮，主持人和嘉宾聊了很久，内容很充实，值得一听。</p>"
        "<p>长按识别二维码查看原文</p><p>https://podcast.example.com/{n}/</p>"
        "<p><img data-src='https://i.cn/qr{n}.png'></p>"
    )
    text, _ = run(paras(2) + "".join(item.format(n=n) for n in range(1, 6)))
    for n in range(1, 6):
        assert f"https://podcast.example.com/{n}/" in text


@pytest.mark.parametrize(
    "marker",
    [
        "END",
        "— END —",
        "-END-",
        "——END——",
        "- E N D -",
        "▼往期推荐▼",
        "往期回顾",
        "推荐阅读：",
        "喜欢此内容的人还喜欢",
    ],
)
def test_tail_anchors_cut_to_the_end(marker: str) -> None:
    html = paras(8) + f"<p>{marker}</p><p>作者卡片</p><p><img data-src='https://i.cn/a.png'></p>"
    text, cleaned = run(html)
    assert text.rstrip().endswith(f"7{BODY}")
    assert len(cleaned.removed) == 3 and cleaned.removed[0].rule.startswith("tail:")


def test_tail_anchor_words_mid_article_are_kept() -> None:
    html = paras(2) + "<p>END</p><p>推荐阅读</p>" + paras(8)
    text, cleaned = run(html)
    assert cleaned.removed == [] and "END" in text and "推荐阅读" in text


def test_trailing_list_of_wechat_links_without_heading() -> None:
    links = "".join(
        f"<p><a href='https://mp.weixin.qq.com/s/{i}'>另一篇文章的标题{i}</a></p>" for i in range(3)
    )
    text, cleaned = run(paras(6) + links)
    assert rules_of(cleaned) == ["tail:related-list"] * 3
    assert "另一篇" not in text


def test_tail_plug_cuts_to_the_end() -> None:
    html = (
        paras(8) + "<p>还有一个好消息！</p><p>训练营正式上线啦</p><p><img data-src='https://i.cn/ad.png'></p>"
    )
    _, cleaned = run(html)
    assert rules_of(cleaned) == ["tail:promo"] * 3


@pytest.mark.parametrize(
    "line",
    [
        "免责声明：本文仅用于技术讨论与学习，利用此文所提供的信息而造成的任何直接或者间接的后果及损失，均由使用者本人负责，"
        "作者不为此承担任何责任。本文所提供的工具仅用于学习，禁止用于其他用途。" * 2,
        "（本文观点仅供参考，不构成投资建议，投资有风险，入市需谨慎！）",
        "版权声明：转载请注明出处。",
        "本内容由作者授权发布，观点仅代表作者本人，不代表虎嗅立场。",
    ],
)
def test_disclaimers_in_the_tail_go_even_when_long(line: str) -> None:
    text, cleaned = run(paras(8) + f"<p>{line}</p>")
    assert rules_of(cleaned) == ["disclaimer"]
    assert line not in text


def test_disclaimer_heading_cuts_what_follows() -> None:
    html = (
        paras(8)
        + "<p><strong>免责声明</strong></p><p>本文涉及上市公司的内容均来自公开信息，仅为个人分析与判断。</p>"
    )
    _, cleaned = run(html)
    assert rules_of(cleaned) == ["disclaimer", "disclaimer"]


def test_credits_fill_meta_and_go() -> None:
    html = (
        "<p>出品 | 创业最前线</p><p>作者 | 魏帅</p><p>编辑 | 冯羽</p>"
        + paras(6)
        + "<p>【来源：德州日报】</p>"
    )
    text, cleaned = run(html, site="qq")
    assert rules_of(cleaned) == ["credit"] * 4
    # 来源 outranks 出品 for the account (scraper.credits.merge_credits)
    assert cleaned.meta == {"account": "德州日报", "author": "魏帅", "editor": "冯羽", "source": "德州日报"}
    assert "魏帅" not in text


def test_combined_credit_line_and_caption_like_sources() -> None:
    html = (
        "<p>作者 | 周沫；编辑 | 倩君；来源 | 红餐网；ID | hongcan18</p>" + paras(6) + "<p>数据来源：Wind</p>"
    )
    text, cleaned = run(html)
    assert rules_of(cleaned) == ["credit"]
    assert cleaned.meta["author"] == "周沫" and cleaned.meta["account"] == "红餐网"
    assert "数据来源：Wind" in text


def test_ad_label_alone() -> None:
    _, cleaned = run(paras(3) + "<p>广告</p>" + paras(3) + "<p>广告是一门生意，也是一门艺术。</p>" + paras(3))
    assert rules_of(cleaned) == ["ad-label"]


def test_safety_valve_refuses_a_rule_that_would_take_most_of_the_text() -> None:
    # a post that IS a call to action (an account announcing its group) keeps its text
    html = "<p>新群开张。</p><p>扫码进群交流</p><p>长按识别二维码关注</p><p>欢迎转发给朋友</p>"
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["safety-valve:cta:line"]
    assert text == "新群开张。\n\n扫码进群交流\n\n长按识别二维码关注\n\n欢迎转发给朋友\n"


def test_site_pack_keys_drop_phrases_and_anchors() -> None:
    base = load_rules("boilerplate")
    pack = {
        "drop": [".share-bar"],
        "phrases": ["^本文来自某某客户端$"],
        "tail_anchors": ["^相关专题"],
        "head_anchors": ["^导读结束$"],
    }
    rules = compile_rules(base, pack, site="demo")
    html = (
        "<p>导航一</p><p>导读结束</p>"
        + paras(6)
        + "<div class='share-bar'>分享到微博</div><p>本文来自某某客户端</p>"
        + paras(2)
        + "<p>相关专题：某某事件</p><p>链接一</p>"
    )
    text, cleaned = run(html, rules=rules)
    assert [(r.rule, r.text) for r in cleaned.removed] == [
        ("site:demo:drop:.share-bar", "分享到微博"),
        ("site:demo:head-anchor", "导航一"),
        ("site:demo:head-anchor", "导读结束"),
        ("site:demo:phrase", "本文来自某某客户端"),
        ("site:demo:tail-anchor", "相关专题：某某事件"),
        ("site:demo:tail-anchor", "链接一"),
    ]
    assert text.startswith(f"0{BODY}") and text.rstrip().endswith(f"1{BODY}")


def test_rule_packs_compile_and_unknown_site_keys_are_errors() -> None:
    for site in (
        "",
        "wechat",
        "qq",
        "163",
        "sina",
        "sohu",
        "toutiao",
        "baijiahao",
        "ifeng",
        "thepaper",
        "web",
    ):
        assert rules_for(site).limits["valve_fraction"] == 0.5
    with pytest.raises(ConfigError, match="typo"):
        compile_rules(load_rules("boilerplate"), {"typo": []}, site="x")
    with pytest.raises(ConfigError, match="regex"):
        compile_rules(load_rules("boilerplate"), {"phrases": ["("]}, site="x")


def test_removal_of_inline_runs_between_brs_keeps_the_rest_of_the_paragraph() -> None:
    html = paras(6) + f"<p>{BODY}<br>长按识别二维码关注<br>{BODY}末</p>"
    text, cleaned = run(html)
    assert rules_of(cleaned) == ["cta:line"]
    assert text.rstrip().endswith(f"{BODY}\n\n{BODY}末")


def test_cleaning_is_idempotent() -> None:
    html = (FIXTURES / "wechat-promo-credits-end.html").read_text(encoding="utf-8")
    node = LexborHTMLParser(html).css_first("#js_content")
    clean_body(node, site="wechat")
    once = node.html
    again = clean_body(node, site="wechat")
    assert again.removed == [] and node.html == once


SITES = ("", "wechat", "qq", "163", "sina", "sohu", "toutiao", "baijiahao", "ifeng", "thepaper", "web")


def test_required_strings_are_read_from_the_pattern() -> None:
    assert _required_strings("点击|长按") == {"点击", "长按"}
    # the longest literal run of a sequence; optional parts require nothing
    assert _required_strings("(?:^|[^\\w])点个?(?:关注|阅读原文)") == {"关注", "阅读原文"}
    assert _required_strings("(?:分享|点赞)[、，]+(?:收藏|评论)") == {"分享", "点赞"}
    assert _required_strings("x+[一二]") == {"x"}
    # nothing known: case-insensitive letters, a dot, an optional part, a negated class
    assert _required_strings("(?i:end)") is None
    assert _required_strings("(?i:end)|结束") is None
    assert _required_strings(".{0,16}") is None
    assert _required_strings("(?:关注)?") is None
    assert _required_strings("[^。]+") is None
    # characters without case still count inside a case-insensitive part
    assert _required_strings("(?i:广告)") == {"广告"}


def _hinted_families() -> list[tuple[str, str, Phrases]]:
    """Every distinct family with a pre-check, over the global pack and every site pack."""
    out: dict[str, tuple[str, str, Phrases]] = {}
    for site in SITES:
        rules = rules_for(site)
        for f in dataclasses.fields(rules):
            family = getattr(rules, f.name)
            if isinstance(family, Phrases) and family.hint is not None:
                out.setdefault(family.pattern.pattern, (site, f.name, family))
    return list(out.values())


@pytest.mark.parametrize(
    ("site", "name", "family"), _hinted_families(), ids=lambda v: v if isinstance(v, str) else ""
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_family_pre_check_never_refuses_a_text_the_family_matches(
    site: str, name: str, family: Phrases, data: st.DataObject
) -> None:
    # the pre-check is only a shortcut: on any text a phrase matches, it must say "maybe"
    text = data.draw(st.from_regex(family.pattern))
    assert family.pattern.search(text)
    assert family.hint is not None and family.hint.search(text), (site, name, text)
    assert family.search(text) is not None


def test_the_call_to_action_family_has_a_pre_check() -> None:
    cta = rules_for("wechat").cta
    assert cta is not None and cta.hint is not None
    assert cta.search("这是一段普通的正文") is None and cta.search("长按识别二维码关注") is not None
    assert isinstance(cta.pattern, re.Pattern)


def test_a_source_line_under_a_picture_is_its_caption_not_the_articles_source() -> None:
    html = (
        f"<div>{paras(3)}<p><img data-src='https://mmbiz.qpic.cn/a/640'></p><p>来源：微软博客</p>{paras(3)}"
        "<p><img data-src='https://mmbiz.qpic.cn/b/640'></p><p>【来源：半岛都市报】</p></div>"
    )
    md, cleaned = run(html)
    assert "来源：微软博客" in md  # the picture's credit stays, as a caption
    assert "半岛都市报" not in md  # the bracketed source line still goes, even after a picture
    assert cleaned.meta.get("source") == "半岛都市报"


def test_a_trailing_run_of_pictures_holding_a_card_to_another_post_is_the_promo_footer() -> None:
    """wae-repost-01's end: after 参考资料, divider strips, two 推荐阅读 picture cards, 关注 GIFs, a banner."""
    card = "<p><a href='https://mp.weixin.qq.com/s?__biz=X&mid=1'><img data-src='https://mmbiz.qpic.cn/card{0}/640'></a></p>"
    tail = (
        "<p><img data-src='https://mmbiz.qpic.cn/strip/640'></p>"
        + card.format(1)
        + card.format(2)
        + "<p><img data-src='https://mmbiz.qpic.cn/follow/640?wx_fmt=gif'></p>"
        "<p><img data-src='https://mmbiz.qpic.cn/banner/640'></p>"
    )
    html = paras(6) + "<p>参考资料</p><p>1.《当“梗”吃掉了我们的语言》，澎湃人物</p>" + tail
    text, cleaned = run(html)
    assert rules_of(cleaned) == ["tail:promo-images"] * 5
    assert text.rstrip().endswith("1.《当“梗”吃掉了我们的语言》，澎湃人物") and "mmbiz" not in text
    # the same pictures in an existing mirror's Markdown
    md = "\n\n".join(
        [BODY] * 6
        + ["参考资料", "![](https://mmbiz.qpic.cn/strip/640)"]
        + [
            f"[![](https://mmbiz.qpic.cn/card{i}/640)](https://mp.weixin.qq.com/s?__biz=X&mid={i})"
            for i in (1, 2)
        ]
        + ["![](https://mmbiz.qpic.cn/banner/640)"]
    )
    out, cleaned_md = clean_markdown(md, site="wechat")
    assert [r.rule for r in cleaned_md.removed] == ["tail:promo-images"] * 4
    assert out.rstrip().endswith("参考资料")


def test_an_article_ending_in_pictures_that_link_nowhere_keeps_them() -> None:
    """A comic or a picture story ends with its own pictures; only a card to another post marks a footer."""
    html = paras(3) + "".join(f"<p><img data-src='https://mmbiz.qpic.cn/panel{i}/640'></p>" for i in range(4))
    text, cleaned = run(html)
    assert "tail:promo-images" not in rules_of(cleaned)
    assert text.count("![](") == 4
