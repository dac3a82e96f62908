"""Credit/source lines: what is one, what it says, and how a whole body's credits are resolved."""

from __future__ import annotations

import pytest

from scraper.credits import merge_credits, parse_credit, publisher_hint, read_credit, resolve_credits

# Every shape seen in the corpus annotations and the seed, with what it must say.
POSITIVES = [
    ("撰文/陈邓新", {"author": "陈邓新"}),
    ("撰文 / 陈邓新", {"author": "陈邓新"}),
    ("**撰文****/**陈邓新", {"author": "陈邓新"}),  # the seed mirror's Markdown
    ("编辑/李觐麟", {"editor": "李觐麟"}),
    ("排版/Annalee", {"editor": "Annalee"}),
    ("出品 | 创业最前线", {"account": "创业最前线"}),
    ("作者 | 魏帅", {"author": "魏帅"}),
    (
        "作者 | 周沫；编辑 | 倩君；来源 | 红餐网；ID | hongcan18",
        {"author": "周沫", "editor": "倩君", "source": "红餐网", "account": "红餐网"},
    ),
    ("文丨小李飞刀", {"author": "小李飞刀"}),
    (
        "文 | 看见美业，作者 | 此间少年，编辑 | 卢旭成",
        {"account": "看见美业", "author": "此间少年", "editor": "卢旭成"},
    ),
    ("《金证研》柒禾/作者", {"author": "柒禾", "account": "金证研"}),
    ("记者|张双双 编辑|高红岩", {"author": "张双双", "editor": "高红岩"}),
    ("审核|张晓航 终审|朱代军", {"editor": "张晓航"}),
    ("【来源：德州日报】", {"source": "德州日报", "account": "德州日报"}),
    ("来源 | 观潮新消费（ID：TideSight）", {"source": "观潮新消费", "account": "观潮新消费"}),
    (
        "本文来源：时代周报 作者：曹予 韩迅",
        {"source": "时代周报", "account": "时代周报", "author": "曹予 韩迅"},
    ),
    ("本文转载自兴全多元资产，欢迎关注。", {"source": "兴全多元资产", "account": "兴全多元资产"}),
    ("（本文作者为 看见美业，钛媒体经授权发布）", {"author": "看见美业", "account": "看见美业"}),
    (
        "本文来自微信公众号： 医线Insight ，制图：医线Insight，作者：雨山，原文标题：《炸裂时刻！人类有史以来市值最高药企出现》",
        {"source": "医线Insight", "account": "医线Insight", "author": "雨山"},
    ),
    ("责任编辑：徐芸茜 主编：公培佳", {"editor": "徐芸茜"}),
    ("文：陈晓歌（实习）、刘水清", {"author": "陈晓歌、刘水清"}),
    ("来源丨中国证券报、红星资本局、公开信息", {"source": "中国证券报、红星资本局、公开信息"}),
    ("编辑丨刘雪莹", {"editor": "刘雪莹"}),
    ("德州融媒出品", {"account": "德州融媒"}),
    (
        "本报（chinatimes.net.cn）记者刘诗萌 北京报道",
        {"author": "刘诗萌", "account": "华夏时报", "source": "华夏时报"},
    ),
    (
        "本报（chinatimes.net.cn）记者郭怡琳 于娜 北京报道",
        {"author": "郭怡琳 于娜", "account": "华夏时报", "source": "华夏时报"},
    ),
    ("信息来源于网络", {"source": "网络"}),
    ("扬子晚报记者 张楠", {"author": "张楠", "source": "扬子晚报", "account": "扬子晚报"}),
    ("《棱镜》作者 周纯", {"author": "周纯", "account": "棱镜"}),
    ("[责任编辑：韩保林 PK155]", {"editor": "韩保林"}),
    ("本文首发于钛媒体APP", {"source": "钛媒体", "account": "钛媒体"}),
    ("图片来源于网络", {}),  # a credit with nothing to keep: still a credit line
    # a translation's credits: the original's author is where the text comes from, the translator wrote it
    ("原文：alex@github", {"source": "alex@github"}),
    ("译文：skyline75489", {"author": "skyline75489"}),
    (
        "原文链接：https://github.com/alex/what-happens-when",
        {"original_url": "https://github.com/alex/what-happens-when"},
    ),
    ("原文：这是一句话，不是名字", None),
    ("作者︱春春", {"author": "春春"}),  # U+FE31, a vertical-bar look-alike
    ("文/图 张三", {"author": "张三"}),
    ("文/记者 李四", {"author": "李四"}),
    ("采写：南都见习记者 林子沛", {"author": "林子沛", "source": "南都", "account": "南都"}),
    ("本文转自新华网", {"source": "新华网", "account": "新华网"}),
    ("作者：未知 责任编辑：棒棒不是糖", {"editor": "棒棒不是糖"}),  # a placeholder names nobody
    ("作者：佚名", {}),
]


@pytest.mark.parametrize(("line", "expected"), POSITIVES, ids=[p[0][:20] for p in POSITIVES])
def test_credit_lines_parse(line: str, expected: dict[str, str]) -> None:
    assert parse_credit(line) == expected


NEGATIVES = [
    # chart and picture notes credit the chart, not the article: they never become the source
    "数据来源：Wind",
    "来源：Wind",
    "数据来源：Wind，兴证全球基金整理",
    "来源：东方财富网",
    "来源：公司公告",
    "图片来源：图虫",
    "△图片来源：凝结冰室官方小红书",
    "（图 / 界面图库）",
    "（图源：宝洁财报）",
    "新华社记者 张三 摄",
    "美联储大楼。新华社发",
    # prose that mentions 作者 / 来源 / 记者
    "作者认为，这一现象值得关注。",
    "他对记者说：“来源很重要，作者也很重要。”",
    "“作者：张三”",
    "作者简介：张三，资深记者，长期关注科技行业。",
    "据《棱镜》了解，目前很多涉及爬虫业务的数据公司都已经暂停或调整服务",
    "中国银联的一名风险专家对《棱镜》提到，爬虫的本质是一种获取数据的方式",
    "这部电影由华谊兄弟出品",
    "接受记者采访",
    "合作：双方将深化合作。",
    "摄影：张三",  # a picture credit alone is a caption
    "本文来源于网络，如有侵权请联系删除",
    "来源：网络，如有侵权请联系删除",
    "文中题图及未署名图片来自博雷顿新能源官方微信公众号",
    "作者声明：该图片由AI生成",
    "一季度末上市公司前十大流通股股东名单中章建平持仓情况",
    "作者：" + "张" * 60,  # a "value" that long is no name
    "来源：" + "新华社报道，" * 30,  # a long line is never a bare credit
    "",
]


@pytest.mark.parametrize("line", NEGATIVES, ids=[n[:16] or "empty" for n in NEGATIVES])
def test_non_credit_lines_are_none(line: str) -> None:
    assert parse_credit(line) is None


def test_ranks_prefer_explicit_sources_over_producers() -> None:
    credit = read_credit("【来源：德州日报】")
    producer = read_credit("德州融媒出品")
    assert credit is not None and producer is not None
    assert credit.fields["account"][1] > producer.fields["account"][1]


@pytest.mark.parametrize(
    ("text", "publisher"),
    [
        ("更多精彩内容，关注钛媒体微信号（ID：taimeiti），或者下载钛媒体App", "钛媒体"),
        ("微信搜索关注“九派财经”（微信号:JPCJnews）实时查询金价今日价格走势", "九派财经"),
        (
            "文中的信息或意见不构成任何投资建议，市值观察不对因采纳本文而产生的任何行动承担任何责任。",
            "市值观察",
        ),
        ("本研究分析，主要以电子版形式分发，版权均归金证研所有。", "金证研"),
        ("本内容由作者授权发布，观点仅代表作者本人，不代表虎嗅立场。", "虎嗅"),
        ("是新朋友吗？记得先点蓝字“锌刻度”关注我哦～", "锌刻度"),
        ("喜欢这篇文章？去 App 商店搜 好奇心日报 ，每天看点不一样的。", "好奇心日报"),
        ("声明：此文版权归原作者所有，若有来源错误请联系我们。", None),  # "the author" names nobody
        ("这家公司的产品版本迭代很快。", None),
    ],
)
def test_publisher_hints(text: str, publisher: str | None) -> None:
    assert publisher_hint(text) == publisher


def test_resolve_explicit_source_beats_producer_and_republisher_promo() -> None:
    # the 德州日报 item: a 出品 line, the credits, the 来源 line, then the republisher's promo
    blocks = ["正文第一段。" * 10, "正文第二段。" * 10, "德州融媒出品", "记者|张双双 编辑|高红岩",
              "审核|张晓航 终审|朱代军", "【来源：德州日报】",
              "微信搜索关注“九派财经”（微信号:JPCJnews）实时查询金价今日价格走势"]  # fmt: skip
    assert resolve_credits(blocks) == {
        "author": "张双双",
        "account": "德州日报",
        "source": "德州日报",
        "editor": "高红岩",
    }


def test_resolve_author_role_beats_attribution_and_wen_names_the_account() -> None:
    blocks = ["（本文作者为 看见美业，钛媒体经授权发布）", "文 | 看见美业，作者 | 此间少年，编辑 | 卢旭成",
              "正文。" * 30, "更多精彩内容，关注钛媒体微信号（ID：taimeiti），或者下载钛媒体App"]  # fmt: skip
    got = resolve_credits(blocks)
    assert got["author"] == "此间少年"
    assert got["account"] == "看见美业"


def test_resolve_a_source_list_is_never_the_account() -> None:
    blocks = ["正文。" * 30, "来源：新华国际头条、央视新闻、第一财经、红星新闻等", "【来源：半岛都市报】"]
    got = resolve_credits(blocks)
    assert got["account"] == "半岛都市报"
    assert got["source"] == "半岛都市报"  # a single outlet outranks a compiled list
    only_list = resolve_credits(["正文。" * 30, "来源丨中国证券报、红星资本局、公开信息", "编辑丨刘雪莹"])
    assert "account" not in only_list
    assert only_list["source"] == "中国证券报、红星资本局、公开信息"


def test_resolve_promo_is_the_last_resort() -> None:
    got = resolve_credits(
        ["正文。" * 30, "更多精彩内容，关注钛媒体微信号（ID：taimeiti），或者下载钛媒体App"]
    )
    assert got == {"account": "钛媒体"}


def test_resolve_own_paper_from_the_body() -> None:
    body = "上海易居房地产研究院副院长严跃进向《经济晨报》记者表示，政策释放了积极信号。"
    got = resolve_credits(["本报记者 王五 上海报道", body], body_text=body)
    assert got["author"] == "王五"
    assert got["account"] == "经济晨报"


def test_resolve_caption_source_is_weak() -> None:
    # "来源：X" right under a picture may credit the picture: a real credit line elsewhere wins
    blocks = ["来源：某某研究院", "正文。" * 30, "来源 | 观潮新消费（ID：TideSight）"]
    assert resolve_credits(blocks, captions={0})["account"] == "观潮新消费"
    assert resolve_credits(blocks)["account"] == "某某研究院"  # not under a picture: first explicit source


def test_resolve_looks_only_at_head_and_tail() -> None:
    middle = ["正文。" * 20] * 10
    blocks = [*middle[:9], "作者 | 中间人", *middle, "作者 | 尾部"]
    assert resolve_credits(blocks)["author"] == "尾部"


def test_merge_credits_by_rank_not_order() -> None:
    lines = ["德州融媒出品", "记者|张双双 编辑|高红岩", "【来源：德州日报】"]
    assert merge_credits(lines) == {
        "author": "张双双",
        "account": "德州日报",
        "source": "德州日报",
        "editor": "高红岩",
    }
    promo = "喜欢这篇文章？去 App 商店搜 好奇心日报 ，每天看点不一样的。"
    assert merge_credits(["作者 | 谢若含"], hints=[promo]) == {"author": "谢若含", "account": "好奇心日报"}
    assert merge_credits(["来源：观潮新消费"], hints=[promo])["account"] == "观潮新消费"


def test_a_translations_credits_fill_author_source_and_original_url_and_leave_the_body() -> None:
    """weextract-document-write's end: 原文 / 译文 credits and the repository URL in one quote."""
    from selectolax.lexbor import LexborHTMLParser

    from archive.writer import attribution
    from scraper.sites._common import build_article

    body = "".join(
        f"<p>第{i}段正文，讲述浏览器收到回车之后发生的每一件事情的来龙去脉。</p>" for i in range(8)
    )
    html = (
        f"<div id='c'>{body}<blockquote><p>原文：alex@github</p><p>译文：skyline75489</p>"
        "<p>https://github.com/skyline75489/what-happens-when-zh_CN</p></blockquote></div>"
    )
    node = LexborHTMLParser(html).css_first("#c")
    url = "https://mp.weixin.qq.com/s/TrAnSlAtIoN"
    a = build_article(url=url, site="wechat", body=node, title="输入 google.com 之后", account="技术风向标")
    assert (a.author, a.source) == ("skyline75489", "alex@github")
    assert a.extra["original_url"] == "https://github.com/skyline75489/what-happens-when-zh_CN"
    assert "github" not in a.body_markdown and ">" not in a.body_markdown
    assert [r.rule for r in a.removed] == ["credit"] * 3
    assert attribution(a, url, a.extra["original_url"]) == (
        f"原文：[技术风向标 · skyline75489]({url})\n\n"
        "来源：[alex@github](https://github.com/skyline75489/what-happens-when-zh_CN)"
    )
