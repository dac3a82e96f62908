"""``clean_markdown``: the boilerplate rules applied to existing Markdown archives (``wxarchive clean``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scraper.boilerplate import clean_markdown
from scraper.models import Removal

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "examples" / "seed-article.md"
BODY = "这是一段足够长的正文，讲述事情的来龙去脉和各方的观点，确保它不会被任何规则误删。"


def seed_body() -> str:
    if not SEED.is_file():
        pytest.skip(f"the seed article is absent (expected at {SEED})")
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2]


def test_seed_keeps_exactly_what_its_readme_says_stays() -> None:
    body = seed_body()
    text, cleaned = clean_markdown(body, site="qq")
    # expected: the seed's own paragraphs from the first body line to the last, blank ones dropped,
    # the three bold one-line section titles as headings, the subtitle first, the source link last
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    first = paragraphs.index("DeepSeek，持续正反馈AI赛道。")
    last = paragraphs.index("那么，神话DeepSeek大可不必。")
    titles = {"**没有拔刀相向，反而雪中送炭**", "**AI创新是一场马拉松而非短跑**"}
    kept = [f"## {p.strip('*')}" if p in titles else p for p in paragraphs[first : last + 1]]
    expected = ["## 是对手也是队友", *kept, "[qq](https://new.qq.com/rain/a/20250213A06FMB00)"]
    assert text == "\n\n".join(expected) + "\n"

    assert text.count("![图片](") == 3
    for caption in ("图源：DeepSeek官网", "屡屡被用户诟病", "图源：AI产品榜"):
        assert f")\n\n{caption}\n\n" in text
    assert text.count("\n> ") == 2
    for gone in (
        "新朋友",
        "每日一篇",
        "走进商业背后的故事",
        "撰文",
        "李觐麟",
        "Annalee",
        "END",
        "邮箱",
        "入驻平台",
    ):
        assert gone not in text
    assert "O3ZIZ_v993" not in text  # the account banner image
    assert cleaned.meta["author"] == "陈邓新"
    rules = [r.rule for r in cleaned.removed]
    assert rules[:7] == [
        "promo:header",
        "promo:header",
        "promo:banner",
        "promo:banner",
        "credit",
        "credit",
        "credit",
    ]
    assert set(rules[7:]) == {"tail:end-marker"} and rules.count("tail:end-marker") == 18
    assert Removal("promo:banner", "[image] https://inews.gtimg.com/om_bt/O3ZIZ_v993QfMkB3ynFTI1vNwpPcLHIThmBbdEpIDXBO0AA/641") in cleaned.removed  # fmt: skip


def test_cleaning_the_cleaned_seed_changes_nothing() -> None:
    once, _ = clean_markdown(seed_body(), site="qq")
    twice, cleaned = clean_markdown(once, site="qq")
    assert twice == once and cleaned.removed == []


def test_blank_nbsp_paragraphs_collapse_and_trailing_spaces_go() -> None:
    text, cleaned = clean_markdown(
        f"第一段  \n\n\u00a0\u00a0\n\n  \n\n&nbsp;&nbsp;\n\n<br>\n\n\u00a0\n\n{BODY}\n\n\n\n末段\n"
    )
    assert text == f"第一段\n\n{BODY}\n\n末段\n"
    assert cleaned.removed == []


def test_images_are_blocks_and_a_qr_image_goes_with_its_call() -> None:
    md = "\n\n".join([BODY] * 6 + ["![二维码](https://i.cn/qr.png)", "长按识别二维码关注", BODY])
    text, cleaned = clean_markdown(md)
    assert [(r.rule, r.text) for r in cleaned.removed] == [
        ("qr-image", "[image] https://i.cn/qr.png"),
        ("cta:line", "长按识别二维码关注"),
    ]
    assert text == "\n\n".join([BODY] * 7) + "\n"


def test_source_link_stays_last_even_after_a_tail_cut() -> None:
    md = "\n\n".join([BODY] * 6 + ["— END —", "作者简介：某某", "[wechat](https://mp.weixin.qq.com/s/abc)"])
    text, cleaned = clean_markdown(md, site="wechat")
    assert text.endswith(f"{BODY}\n\n[wechat](https://mp.weixin.qq.com/s/abc)\n")
    assert [r.rule for r in cleaned.removed] == ["tail:end-marker", "tail:end-marker"]


def test_trailing_list_of_wechat_links_and_markdown_emphasis_in_credits() -> None:
    links = [f"[另一篇文章{i}](https://mp.weixin.qq.com/s/x{i})" for i in range(3)]
    md = "\n\n".join(["**作者**｜张三", *([BODY] * 6), "**往期推荐**", *links])
    text, cleaned = clean_markdown(md)
    assert text == "\n\n".join([BODY] * 6) + "\n"
    assert [r.rule for r in cleaned.removed] == ["credit"] + ["tail:related-list"] * 4
    assert cleaned.meta["author"] == "张三"


def test_bold_lines_standing_alone_become_headings_runs_do_not() -> None:
    md = "\n\n".join([BODY, "**小节标题**", BODY, "**甲**", "**乙**", BODY, "**一句加粗的话。**", BODY])
    text, _ = clean_markdown(md)
    assert (
        text
        == "\n\n".join([BODY, "## 小节标题", BODY, "**甲**", "**乙**", BODY, "**一句加粗的话。**", BODY])
        + "\n"
    )


def test_code_blocks_and_lists_survive_as_written() -> None:
    md = f"{BODY}\n\n```python\ndef f():\n\n    return 1\n```\n\n- 一\n- 二\n\n{BODY}\n"
    text, cleaned = clean_markdown(md)
    assert cleaned.removed == []
    assert "- 一\n- 二" in text and "def f():" in text and "    return 1" in text


def test_empty_body() -> None:
    assert clean_markdown("\n\n\u00a0\n")[0] == ""
