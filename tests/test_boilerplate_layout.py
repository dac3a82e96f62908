"""Rules about how pages are built (issue 9): text hidden by style, link lists before the first
paragraph, calls to buy or to read the day's other posts, adaptation credits, a rule line left last,
link density over words, and pictures counted in the zones and the safety valve.

Hand-written bodies, exact outcomes (what is cut, under which rule name, and what is kept).
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from scraper.boilerplate import Cleaned, clean_body
from scraper.html import node_text
from scraper.markdown import to_markdown
from scraper.visibility import parse_colour

URL = "https://mp.weixin.qq.com/s/abc"
BODY = "这是一段足够长的正文，讲述事情的来龙去脉和各方的观点，确保它不会被任何规则误删。"
FILLER = "呌呍呎呏呐呒呓呔呕呗呙呚呛呜呝呞呟呠呡呢呣呤呥呦呧周呩呪呫呬呭呮呯呰呱呲呴呶" * 2  # rare characters
WX = "https://mp.weixin.qq.com/s?__biz=MzI2&mid={}&idx=1&sn=ab"


def run(html: str) -> tuple[str, Cleaned]:
    tree = LexborHTMLParser(f'<div id="js_content" style="visibility: hidden;">{html}</div>')
    node = tree.css_first("#js_content")
    cleaned = clean_body(node, site="wechat", url=URL)
    return to_markdown(node, URL).text, cleaned


def cuts(cleaned: Cleaned) -> list[tuple[str, str]]:
    return [(r.rule, r.text) for r in cleaned.removed]


def paras(n: int) -> str:
    return "".join(f"<p>{i}{BODY}</p>" for i in range(n))


def img(name: str) -> str:
    return f'<p><img data-src="https://mmbiz.qpic.cn/{name}/640"></p>'


# --- text a reader cannot see ------------------------------------------------------------------


def test_filler_collapsed_by_line_height_goes_with_its_rule_name() -> None:
    html = (
        paras(2)
        + f'<section style="font-size: 10px; line-height: 0.01; color: #a0a0a0"><p>{FILLER}</p></section>'
    )
    text, cleaned = run(html + paras(1))
    assert cuts(cleaned) == [("hidden:line-height", FILLER)]
    assert FILLER not in text and text.count(BODY) == 3


def test_one_short_line_with_a_tiny_line_height_still_shows() -> None:
    # a single line paints outside its zero-height box: it is seen, so it stays
    html = paras(2) + '<p style="line-height: 0">图：作者供图</p>'
    text, cleaned = run(html)
    assert cleaned.removed == [] and "图：作者供图" in text


def test_a_child_that_sets_the_line_height_back_keeps_the_block() -> None:
    html = paras(2) + f'<section style="line-height:0"><p style="line-height: 1.75">{FILLER}</p></section>'
    text, cleaned = run(html)
    assert cleaned.removed == [] and FILLER in text


def test_pictures_under_a_collapsed_line_height_are_not_hidden() -> None:
    html = paras(2) + f'<section style="line-height:0">{img("pic")}<span>{FILLER}</span></section>'
    text, cleaned = run(html)
    assert cleaned.removed == [] and "mmbiz.qpic.cn/pic" in text


def test_white_on_a_declared_white_background_goes() -> None:
    html = (
        '<section style="background-color: rgb(255, 255, 255)">'
        '<section style="font-size: 10px; line-height: 0.1; color: rgb(255, 255, 255)"><p>刀，收割体制内段子</p>'
        f"</section>{paras(3)}</section>"
    )
    text, cleaned = run(html)
    assert cuts(cleaned) == [("hidden:colour", "刀，收割体制内段子")]
    assert "收割" not in text


def test_white_text_on_a_coloured_or_unknown_background_stays() -> None:
    html = (
        paras(2)
        + '<section style="background-color:#a0a0a0"><p style="color:#fff">推荐标题</p></section>'
        + '<p style="color:#ffffff">没有声明背景的白字</p>'  # a stylesheet may colour what is behind it
        + '<section style="background:url(https://x/bg.png) #fff"><p style="color:#fff">图上的字</p></section>'
        + '<section style="background: rgba(0,0,0,0.05)"><p style="color:#000">淡灰底上的黑字</p></section>'
    )
    text, cleaned = run(html)
    assert cleaned.removed == []
    for kept in ("推荐标题", "没有声明背景的白字", "图上的字", "淡灰底上的黑字"):
        assert kept in text


def test_zero_font_size_transparent_colour_and_zero_opacity_go() -> None:
    html = (
        paras(2)
        + '<p style="font-size:0px">零号字</p>'
        + '<p style="color: rgba(0, 0, 0, 0)">透明字</p>'
        + '<p style="opacity:0">透明块</p>'
        + '<section style="font-size:0"><span style="font-size:16px">布局技巧里的正文</span></section>'
    )
    text, cleaned = run(html)
    assert sorted(cuts(cleaned)) == [
        ("hidden:colour", "透明字"),
        ("hidden:font-size", "零号字"),
        ("hidden:opacity", "透明块"),
    ]
    assert "布局技巧里的正文" in text


def test_the_valve_keeps_a_body_that_would_be_left_with_nothing_visible() -> None:
    # a page that reveals its whole text by script or stylesheet: keep it, say why
    html = f'<section style="opacity: 0"><p>{BODY}</p></section>'
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["safety-valve:hidden:opacity"]
    assert BODY in text


def test_colours_are_read_in_the_forms_editors_write() -> None:
    assert parse_colour("#FFF") == (255, 255, 255, 1.0)
    assert parse_colour("rgb(254, 255, 255)") == (254, 255, 255, 1.0)
    assert parse_colour("rgba(0,0,0,0)") == (0, 0, 0, 0.0)
    assert parse_colour("white") == (255, 255, 255, 1.0)
    assert parse_colour("var(--x)") is None


# --- position: link lists, footers, rule lines --------------------------------------------------


def test_a_link_list_above_the_first_paragraph_goes_with_its_introduction() -> None:
    links = "".join(f'<p><a href="{WX.format(i)}">【深读】往期文章标题{i}</a></p>' for i in range(4))
    html = img("gif") + "<p>本公众号相关内容链接：</p>" + links + paras(4)
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["head:related-list"] * 6
    assert text.startswith(f"0{BODY}")


def test_links_inside_the_post_are_not_a_head_list() -> None:
    # the post must follow the list: a post that is a list of links keeps it
    links = "".join(f'<p><a href="{WX.format(i)}">【深读】往期文章标题{i}</a></p>' for i in range(4))
    text, cleaned = run("<p>本周目录：</p>" + links + "<p>完。</p>")
    assert cleaned.removed == [] and "往期文章标题3" in text


def test_a_trailing_link_grid_is_measured_over_words_not_separators() -> None:
    grid = "".join(
        f'<p><a href="{WX.format(i)}">感悟</a>\\\\<a href="{WX.format(i + 10)}">罪己</a>\\\\'
        f'<a href="{WX.format(i + 20)}">放下</a></p>'
        for i in range(3)
    )
    html = paras(6) + "<p>点击下方蓝色字 阅读原创文</p>" + grid
    text, cleaned = run(html)
    # the call above the grid is its heading
    assert [r.rule for r in cleaned.removed] == ["tail:related-list"] * 4
    assert "罪己" not in text and "阅读原创文" not in text


def test_calls_to_buy_and_to_read_the_days_other_posts() -> None:
    html = (
        paras(6)
        + "<p>PS：打开今日推送的第二条，了解最实用的时间管理技法</p>"
        + "<p>今天还更新了一个短篇，别错过了……</p>"
        + "<p>本号首个周边↓，点击下图购买。</p>"
        + "<p>此处购票</p>"
        + "<p>靠枕所剩不多，入手从速！</p>"
    )
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["cta:line"] * 5
    assert text.rstrip().endswith(f"5{BODY}")


def test_missing_out_is_prose_in_the_middle_of_a_post() -> None:
    html = paras(2) + "<p>这个细节千万别错过。</p>" + paras(12)
    text, cleaned = run(html)
    assert cleaned.removed == [] and "千万别错过" in text


def test_an_announcement_or_an_ad_opening_cuts_the_tail() -> None:
    html = paras(6) + "<p>号外：限量版靠枕上市了</p>" + img("ad") + "<p>点“阅读原文”购买</p>"
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["tail:promo"] * 3
    html = paras(6) + "<p>插个广告</p>" + img("ad")
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["tail:promo"] * 2


def test_an_adaptation_credit_is_a_credit_and_a_rule_line_left_last_goes() -> None:
    html = paras(6) + "<p>——————————</p><p>本漫画改编自网传“DD”作品</p>"
    text, cleaned = run(html)
    assert cuts(cleaned) == [("tail:separator", "——————————"), ("credit", "本漫画改编自网传“DD”作品")]
    assert text.rstrip().endswith(f"5{BODY}")
    # a rule line between two parts of the post stays
    text, cleaned = run(paras(3) + "<p>——————————</p>" + paras(3))
    assert cleaned.removed == [] and "——————————" in text


def test_pictures_count_in_the_valve_of_a_comic() -> None:
    # a comic: twenty panels, one caption, one call to action; the call is not "most of the body",
    # and the 推荐阅读 heading after the panels is in the second half of it
    html = "".join(img(f"p{i}") for i in range(20)) + "<p>嗯……</p>"
    text, cleaned = run(html + "<p>点“阅读原文”，更多精彩漫画</p>")
    assert cuts(cleaned) == [("cta:line", "点“阅读原文”，更多精彩漫画")]
    text, cleaned = run(html + "<p>推荐阅读</p>" + img("rel") + "<p>点“阅读原文”，更多精彩漫画</p>")
    assert [r.rule for r in cleaned.removed] == ["tail:related-list"] * 3
    assert "嗯……" in text and "p19" in text and "rel/640" not in text


# --- metadata ------------------------------------------------------------------------------------


def test_node_text_skips_the_code_of_a_script_inside_a_title() -> None:
    tree = LexborHTMLParser(
        '<h2 id="t"><script>document.write("<span>漫画丨标题</span>");</script>漫画丨标题</h2>'
    )
    assert node_text(tree.css_first("#t")) == "漫画丨标题"


# --- the kinds that stayed in on pages no rule was written from (issue 9) ---------------------------


def run_site(html: str, site: str) -> tuple[str, Cleaned]:
    tree = LexborHTMLParser(f'<div id="body">{html}</div>')
    node = tree.css_first("#body")
    cleaned = clean_body(node, site=site, url="https://example.com/a")
    return to_markdown(node, "https://example.com/a").text, cleaned


def test_a_related_heading_with_its_first_title_in_the_same_block_cuts_the_list() -> None:
    html = paras(6) + "<p>推荐阅读：《一篇往期文章的标题》</p><p>《另一篇往期文章》</p><p>《第三篇》</p>"
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["tail:related-list"] * 3
    assert text.rstrip().endswith(f"5{BODY}")


def test_follow_and_star_lines_slogans_and_contact_lines_under_the_post() -> None:
    html = (
        paras(12)
        + "<p>关注「军旅」加星标，提升阅读体验</p>"
        + "<p>关注军旅 关注人生</p>"
        + "<p>微信：junlv2016</p>"
        + "<p>注：作者微博@某某</p>"
    )
    text, cleaned = run(html)
    assert [r.rule for r in cleaned.removed] == ["cta:line", "cta:line", "cta:line", "credit"]
    assert text.rstrip().endswith(f"11{BODY}")


def test_a_contact_line_inside_the_post_stays() -> None:
    html = paras(2) + "<p>微信：junlv2016</p>" + paras(12)
    text, cleaned = run(html)
    assert cleaned.removed == [] and "junlv2016" in text


def test_reading_time_lines_above_the_lede_go_and_the_first_picture_stays() -> None:
    html = "<p>全文字数：3200</p><p>阅读时间：6分钟</p>" + img("first") + paras(6)
    text, cleaned = run(html)
    assert [(r.rule, r.text) for r in cleaned.removed] == [
        ("promo:meta", "全文字数：3200"),
        ("promo:meta", "阅读时间：6分钟"),
    ]
    assert text.startswith("![](https://mmbiz.qpic.cn/first/640)")


def test_a_slogan_above_the_post_goes_with_its_banner_but_the_first_sentence_stays() -> None:
    text, cleaned = run("<p>关注军旅 关注人生</p>" + img("banner") + paras(6))
    assert [r.rule for r in cleaned.removed] == ["promo:header", "promo:banner"]
    text, cleaned = run("<p>点击蓝字关注我们</p><p>前端是个大杂烩，什么都要会。</p>" + img("pic") + paras(6))
    assert [r.rule for r in cleaned.removed] == ["promo:header"]
    assert text.startswith("前端是个大杂烩，什么都要会。")


def test_a_repost_credit_line_goes() -> None:
    text, cleaned = run("<p>原创： 路闻卓立编译 人民币交易与研究</p>" + paras(6))
    assert [r.rule for r in cleaned.removed] == ["credit"] and text.startswith(f"0{BODY}")


def test_site_chrome_the_portals_leave_in_bodies() -> None:
    for site, line in (
        ("sina", "立刻注册新浪免费邮箱，激活即可参与抽奖"),
        ("sohu", "共找到 13,046 个相关新闻"),
    ):
        text, cleaned = run_site(paras(3) + f"<p>{line}</p>" + paras(3), site)
        assert [r.rule for r in cleaned.removed] == [f"site:{site}:phrase"], site
        assert line not in text


def test_plain_text_keeps_a_hash_or_angle_bracket_inside_a_line() -> None:
    from scraper.html import plain_text

    assert plain_text("学习 C# 和 F#，1 > 0") == "学习 C# 和 F#，1 > 0"
    assert plain_text("## 小标题\n\n> 引用\n\n- 列表") == "小标题 引用 列表"


def test_the_image_viewer_label_goes_on_every_site_but_a_sentence_about_it_stays() -> None:
    for site in ("qq", "sina", "web", "wechat"):
        for label in ("查看原图 264K", "查看原图（1.2M）", "查看原图", "点击查看大图", "点击图片查看原图"):
            text, cleaned = run_site(paras(2) + img("a") + f"<p>{label}</p>" + paras(2), site)
            assert ("viewer-label", label) in cuts(cleaned), (site, label)
            assert "查看" not in text and "mmbiz.qpic.cn/a/640" in text
    sentence = "<p>在相册里点开照片，再点右下角的查看原图，就能看到完整的细节。</p>"
    text, cleaned = run_site(paras(2) + sentence + paras(2), "qq")
    assert "查看原图，就能看到完整的细节" in text and not cleaned.removed


CARD = (
    '<div class="card"><span>广告</span><a href="https://game.example.com/x"><img src="https://example.com/icon.png"></a>'
    "<div>《云海仙途》</div><div>全新版本今日上线，登录即送十连抽</div>"
    '<a href="https://a.app.qq.com/o/simple.jsp?pkgname=com.example.game">立即下载</a></div>'
)


def test_an_advert_card_goes_whichever_way_the_page_says_it_is_one() -> None:
    cards = {
        "label": CARD.replace(
            'href="https://a.app.qq.com/o/simple.jsp?pkgname=com.example.game"', 'href="#"'
        ),
        "label at the end": '<div><a href="https://shop.example.com/"><img src="https://example.com/p.png"></a>'
        "<p>秋季新品上市，全场满减</p><span>推广</span></div>",
        "store link and a call": CARD.replace("<span>广告</span>", ""),
        "apk and a call": '<section><p>《星际远航》手游公测开启</p><p><a href="https://dl.example.com/game.apk">免费下载</a></p></section>',
        "class": '<div class="article-ad-box"><img src="https://example.com/p.png"><p>限时特惠，点击了解</p></div>',
        "camelCase class": '<div class="inlineAdCard"><p>某某银行信用卡，新户首刷礼</p></div>',
        "data attribute": '<div data-ad-id="778"><p>某某汽车，预约试驾享好礼</p></div>',
    }
    for name, card in cards.items():
        text, cleaned = run_site(paras(3) + card + paras(3), "qq")
        assert [r.rule for r in cleaned.removed] == ["ad-card"], (name, cuts(cleaned))
        for gone in (
            "云海仙途",
            "十连抽",
            "立即下载",
            "秋季新品",
            "推广",
            "星际远航",
            "特惠",
            "信用卡",
            "试驾",
            "广告",
        ):
            assert gone not in text, (name, gone)
        assert text.count(BODY) == 6, name


def test_what_only_looks_like_an_advert_stays() -> None:
    kept = {
        # a link to an app store in a sentence that asks nothing
        "store link in prose": '<p>这款应用已经在<a href="https://apps.apple.com/cn/app/id1">App Store</a>上架，评分4.8分。</p>',
        # a call to download, linking to no store
        "call without a store": '<p>报告全文可在官网<a href="https://www.example.gov.cn/report.pdf">立即下载</a>。</p>',
        # an article about advertising: the word in its text, not a label
        "the word in prose": "<p>广告行业今年的投放预算普遍收紧，品牌更看重转化。</p>",
        # classes that merely hold the letters: header, shadow, loading, readme
        "letters in classes": '<div class="header-shadow"><p class="loading readme">' + BODY + "</p></div>",
        # a label-like word inside a long section: the section is the article's own
        "long section": '<section><p>广告</p><img src="https://example.com/p.png">' + paras(6) + "</section>",
    }
    for name, html in kept.items():
        text, cleaned = run_site(paras(3) + html + paras(3), "qq")
        assert "ad-card" not in [r.rule for r in cleaned.removed], (name, cuts(cleaned))


def test_advert_cards_never_take_most_of_a_body() -> None:
    card = '<div class="ad"><p>' + BODY[:30] + "</p></div>"
    text, cleaned = run_site(card * 3 + "<p>短短一句。</p>", "qq")
    assert [r.rule for r in cleaned.removed] == ["safety-valve:ad-card"]
    assert text.count(BODY[:30]) == 3
