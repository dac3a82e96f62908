"""Account templates, pure (scraper/templates.py): what is learned from an account's posts and what
applying it cuts, on hand-written Markdown bodies with exact outcomes."""

from __future__ import annotations

import dataclasses
import random

from scraper.models import Article, ImageRef
from scraper.templates import (
    EDGE_BLOCKS,
    MIN_POSTS,
    Template,
    apply,
    block_key,
    edges,
    learn,
    paragraphs,
)

BANNER = "![](https://mmbiz.qpic.cn/banner/640?wx_fmt=png)"
QR = "![](https://mmbiz.qpic.cn/qr/640?wx_fmt=jpeg)"
SLOGAN = "关注军旅 关注人生"
CONTACT = "微信：junlv2016"
NOTE = "注：作者微博@某某"


def key(url: str) -> str:
    return "u:" + url.split("?")[0]


def body(
    n: int, *, head: tuple[str, ...] = (BANNER, SLOGAN), tail: tuple[str, ...] = (CONTACT, NOTE, QR)
) -> str:
    own = [f"第{n}篇的正文第{i}段，讲的是这一篇自己的事情，和别的文章都不一样。" for i in range(4)]
    return "\n\n".join([*head, *own, *tail]) + "\n"


def article(markdown: str, images: tuple[str, ...] = ()) -> Article:
    from scraper.sites._common import summarize

    return Article(
        url="https://mp.weixin.qq.com/s/x",
        site="wechat",
        kind="article",
        title="标题",
        account="军旅",
        body_markdown=markdown,
        images=tuple(ImageRef(u) for u in images),
        summary=summarize(markdown, "", "标题"),
    )


def history(count: int) -> list[list]:  # type: ignore[type-arg]
    return [edges(body(n), key) for n in range(count)]


def test_blocks_recurring_at_the_edges_of_three_posts_are_learned() -> None:
    template = learn("wechat:MzA", "军旅", history(MIN_POSTS))
    assert template.posts == MIN_POSTS
    assert {(b.edge, b.text) for b in template.blocks} >= {
        ("head", SLOGAN),
        ("head", "[image] https://mmbiz.qpic.cn/banner/640?wx_fmt=png"),
        ("tail", CONTACT),
        ("tail", NOTE),
        ("tail", "[image] https://mmbiz.qpic.cn/qr/640?wx_fmt=jpeg"),
    }
    assert all(b.posts == MIN_POSTS for b in template.blocks)
    # the posts' own paragraphs are not the template
    assert not [b for b in template.blocks if "正文" in b.text]


def test_two_posts_teach_nothing() -> None:
    assert learn("wechat:MzA", "军旅", history(MIN_POSTS - 1)).blocks == ()


def test_learning_is_deterministic_whatever_the_order_of_the_posts() -> None:
    posts = history(6)
    first = learn("wechat:MzA", "军旅", posts)
    shuffled = posts[:]
    random.Random(7).shuffle(shuffled)
    again = learn("wechat:MzA", "军旅", shuffled)
    assert again == first and again.fingerprint == first.fingerprint != ""


def test_a_block_three_posts_share_in_a_long_history_is_chance() -> None:
    posts = [edges(body(n, head=(), tail=()), key) for n in range(40)]
    posts[:3] = [edges(body(n, head=(), tail=("未完待续",)), key) for n in range(3)]
    assert learn("wechat:MzA", "军旅", posts).blocks == ()  # 3 of 40 posts is under MIN_SHARE


def test_applying_cuts_the_frame_and_names_every_cut() -> None:
    template = learn("wechat:MzA", "军旅", history(4))
    post = article(
        body(9),
        images=("https://mmbiz.qpic.cn/banner/640?wx_fmt=png", "https://mmbiz.qpic.cn/qr/640?wx_fmt=jpeg"),
    )
    cut = apply(post, template, key)
    assert cut.body_markdown.startswith("第9篇的正文第0段") and cut.body_markdown.rstrip().endswith(
        "第3段，讲的是这一篇自己的事情，和别的文章都不一样。"
    )
    assert [(r.rule, r.text) for r in cut.removed] == [
        ("account:军旅:head", "[image] https://mmbiz.qpic.cn/banner/640?wx_fmt=png"),
        ("account:军旅:head", SLOGAN),
        ("account:军旅:tail", CONTACT),
        ("account:军旅:tail", NOTE),
        ("account:军旅:tail", "[image] https://mmbiz.qpic.cn/qr/640?wx_fmt=jpeg"),
    ]
    assert cut.images == ()  # the pictures cut are no longer the article's
    assert cut.summary.startswith("第9篇的正文第0段")


def test_a_template_block_inside_the_post_is_never_cut() -> None:
    template = learn("wechat:MzA", "军旅", history(4))
    inside = "\n\n".join(["第9篇开头的话。", SLOGAN, "第9篇的正文。", CONTACT, "第9篇最后一段。"])
    cut = apply(article(inside), template, key)
    assert cut.body_markdown == inside and cut.removed == ()


def test_the_frame_stops_at_the_first_block_of_the_post_and_rule_lines_between_go_along() -> None:
    template = learn("wechat:MzA", "军旅", history(4))
    lede, text = (
        "第9篇的导语，说明这一篇要讲什么。",
        "第9篇的正文，比导语长得多，讲了来龙去脉和各方的观点。" * 3,
    )
    post = "\n\n".join([BANNER, lede, SLOGAN, text, "————————", CONTACT, QR])
    cut = apply(article(post), template, key)
    assert cut.body_markdown == f"{lede}\n\n{SLOGAN}\n\n{text}\n"
    assert [r.rule for r in cut.removed] == ["account:军旅:head"] + ["account:军旅:tail"] * 3


def test_the_valve_refuses_a_frame_that_is_most_of_the_post() -> None:
    template = learn("wechat:MzA", "军旅", history(4))
    post = "\n\n".join([BANNER, SLOGAN, "短。", CONTACT, NOTE, QR])
    cut = apply(article(post), template, key)
    assert cut.body_markdown == post
    assert [r.rule for r in cut.removed] == ["safety-valve:account:军旅"]


def test_no_template_or_an_empty_one_changes_nothing() -> None:
    post = article(body(1))
    assert apply(post, None, key) is post
    assert apply(post, Template("wechat:MzA", "军旅", 2), key) is post


def test_pictures_are_compared_by_their_key_not_their_address() -> None:
    # the same bytes uploaded again under a new address are the same block once the store knows them
    hashes = {"https://mmbiz.qpic.cn/banner/640": "i:aa", "https://mmbiz.qpic.cn/banner-again/640": "i:aa"}

    def by_hash(url: str) -> str:
        return hashes.get(url.split("?")[0], key(url))

    template = learn("wechat:MzA", "军旅", [edges(body(n), by_hash) for n in range(4)])
    post = body(9, head=("![](https://mmbiz.qpic.cn/banner-again/640?wx_fmt=png)", SLOGAN))
    cut = apply(article(post), template, by_hash)
    assert cut.body_markdown.startswith("第9篇的正文第0段")


def test_edges_are_the_first_and_last_blocks_and_keys_ignore_white_space_and_width() -> None:
    blocks = edges("\n\n".join(f"段落{i}" for i in range(3 * EDGE_BLOCKS)), key)
    assert [b.text for b in blocks if b.edge == "head"] == [f"段落{i}" for i in range(EDGE_BLOCKS)]
    assert [b.text for b in blocks if b.edge == "tail"][0] == f"段落{3 * EDGE_BLOCKS - 1}"
    assert block_key("关注 军旅　关注人生", key) == block_key("关注军旅关注人生", key)
    assert block_key("ＡＢＣ微信", key) == block_key("abc微信", key)
    assert block_key("————————", key) is None


def test_a_fenced_code_block_is_one_block_even_with_blank_lines() -> None:
    md = "前言\n\n```python\nx = 1\n\n\ny = 2\n```\n\n后记"
    assert paragraphs(md) == ["前言", "```python\nx = 1\n\n\ny = 2\n```", "后记"]


def test_a_digest_summary_is_kept() -> None:
    template = learn("wechat:MzA", "军旅", history(4))
    post = dataclasses.replace(article(body(9)), summary="这是作者写的摘要")
    assert apply(post, template, key).summary == "这是作者写的摘要"
