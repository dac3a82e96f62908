"""The HTML → Markdown converter: exact Markdown for every feature WeChat and news editors produce."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper.markdown import _HIDDEN, Markdown, hidden_style, safe_url, to_markdown
from scraper.models import ImageRef

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
BASE = "https://mp.weixin.qq.com/s/abc"


def md(html: str, base: str = BASE) -> Markdown:
    tree = LexborHTMLParser(f'<div id="root" style="visibility: hidden;">{html}</div>')
    return to_markdown(tree.css_first("#root"), base)


def text(html: str, base: str = BASE) -> str:
    return md(html, base).text


# --- paragraphs and white space ---------------------------------------------------------------


def test_nested_sections_are_paragraphs_and_blank_runs_collapse() -> None:
    html = (
        "<section><section><section><span>第一段</span></section></section></section>"
        "<p>&nbsp;</p><p><br></p><p><span>&nbsp;&nbsp;</span></p><section><br><br></section>"
        "<section><p>第二段</p></section>"
    )
    assert text(html) == "第一段\n\n第二段\n"


def test_br_splits_paragraphs_and_output_has_no_trailing_spaces() -> None:
    assert text("<p>第一行 <br>第二行&nbsp;<br><br>第三行</p>") == "第一行\n\n第二行\n\n第三行\n"


def test_mixed_inline_and_block_children_keep_order() -> None:
    assert text("<section>前言<p>中间</p>后记</section>") == "前言\n\n中间\n\n后记\n"


def test_pretty_printed_newlines_between_cjk_runs_leave_no_gap_but_latin_words_keep_space() -> None:
    html = "<p><span>网络热梗，</span>\n    <span>事实上成了</span>\n <span>a</span>\n<span>b</span></p>"
    assert text(html) == "网络热梗，事实上成了 a b\n"


def test_empty_body_is_empty_text() -> None:
    assert md("<p>&nbsp;</p><script>x</script>") == Markdown(text="")


# --- emphasis ---------------------------------------------------------------------------------


def test_emphasis_tags_and_inline_styles() -> None:
    html = (
        "<p><strong>a</strong> <b>b</b> <em>c</em> <i>d</i> <span style='font-weight: bold'>e</span>"
        " <span style='font-weight:700'>f</span> <span style='font-style: italic'>g</span></p>"
    )
    assert text(html) == "**a** **b** *c* *d* **e** **f** *g*\n"


def test_adjacent_bold_runs_merge_and_spaces_stay_outside() -> None:
    assert text("<p><strong>撰文</strong><strong>/</strong>陈邓新</p>") == "**撰文**/陈邓新\n"
    assert text("<p>前<strong> 加粗 </strong>后</p>") == "前 **加粗** 后\n"
    assert text("<p>前<strong>  </strong>后<b>&nbsp;</b></p>") == "前 后\n"


def test_edge_punctuation_moves_outside_so_cjk_emphasis_renders() -> None:
    # ``点**“锌刻度”**关`` would not render (closing ** after punctuation, before a letter)
    assert text("<p>记得先点<strong>“锌刻度”</strong>关注</p>") == "记得先点“**锌刻度**”关注\n"
    # a quotation pair is never split between bold and plain: both marks stand outside the runs
    assert text("<p>先点<strong>蓝字“锌刻度”</strong>关注</p>") == "先点**蓝字**“**锌刻度**”关注\n"
    assert text("<p>只有<strong>。</strong>标点</p>") == "只有。标点\n"


def test_bold_italic_nesting_and_font_weight_normal_inside_bold() -> None:
    assert text("<p><b><i>粗斜</i></b>与<b>粗<span style='font-weight:normal'>细</span></b></p>") == (
        "***粗斜***与**粗**细\n"
    )


def test_bold_then_italic_delimiters_never_touch() -> None:
    assert text("<p><b>粗</b><i>斜</i></p>") == "**粗**\u200b*斜*\n"


# --- headings ---------------------------------------------------------------------------------


def test_html_headings_and_bold_one_line_sections_become_headings() -> None:
    html = (
        "<h1>大标题</h1><p>正文一。</p><p><strong>没有拔刀相向，反而雪中送炭</strong></p><p>正文二。</p>"
        "<h3>小节</h3><p>正文三。</p>"
    )
    result = md(html)
    assert result.text == (
        "## 大标题\n\n正文一。\n\n### 没有拔刀相向，反而雪中送炭\n\n正文二。\n\n### 小节\n\n正文三。\n"
    )
    assert result.headings == 3


def test_bold_sentences_runs_of_bold_lines_and_long_bold_lines_stay_paragraphs() -> None:
    html = (
        "<p>正文。</p><p><b>这意味着，DeepSeek落选了苹果供应链。</b></p><p>正文。</p>"
        "<p><b>入驻平台</b></p><p><b>读者互动</b></p><p>正文。</p>"
        f"<p><b>{'很长的加粗' * 8}</b></p><p>正文。</p><p><b><a href='https://x.cn/'>链接标题</a></b></p>"
        "<p>正文。</p><p><b>“好，明天可以恢复生产。”</b></p><p>正文。</p>"
    )
    result = md(html)
    assert result.headings == 0
    assert "**这意味着，DeepSeek落选了苹果供应链**。" in result.text
    assert "**入驻平台**\n\n**读者互动**" in result.text


@pytest.mark.parametrize(
    "caption",
    [
        "资料图：市民在寒冷天气中出行。中新社记者 贾天勇 摄",
        "图为启动仪式现场（刘通摄）",
        "工程新闻发言人 武平",
    ],
)
def test_a_bold_caption_under_a_picture_is_no_heading(caption: str) -> None:
    html = f"<p>正文一。</p><p><img src='/a.jpg'></p><p><strong>{caption}</strong></p><p>正文二。</p>"
    result = md(html)
    assert result.headings == 0 and "## " not in result.text
    assert caption.rstrip("）") in result.text


def test_a_bold_section_title_under_a_picture_is_still_a_heading() -> None:
    result = md("<p>正文一。</p><p><img src='/a.jpg'></p><p><strong>一、项目背景</strong></p><p>正文二。</p>")
    assert "## 一、项目背景" in result.text and result.headings == 1


# --- links ------------------------------------------------------------------------------------


def test_links_are_absolute_and_only_safe_schemes_survive() -> None:
    html = (
        "<p><a href='/s/xyz'>相对</a> <a href='//example.com/a b'>协议相对</a>"
        " <a href='javascript:alert(1)'>坏</a> <a href='java&#x09;script:alert(1)'>坏2</a>"
        " <a href='JAVASCRIPT:x'>坏3</a> <a href='data:text/html,x'>坏4</a> <a href='mailto:a@b.cn'>信</a>"
        " <a href='#top'>锚</a> <a href='https://x.cn/a(1)'>括号</a></p>"
    )
    assert text(html) == (
        "[相对](https://mp.weixin.qq.com/s/xyz) [协议相对](https://example.com/a%20b) 坏 坏2 坏3 坏4"
        " [信](mailto:a@b.cn) 锚 [括号](https://x.cn/a%281%29)\n"
    )


def test_link_text_is_escaped_and_empty_links_vanish() -> None:
    assert text("<p><a href='https://x.cn/'>[1]</a><a href='https://y.cn/'> </a>尾</p>") == (
        "[\\[1\\]](https://x.cn/) 尾\n"
    )


def test_a_link_wrapping_only_an_image_keeps_the_image() -> None:
    result = md("<p><a href='https://x.cn/p'><img data-src='https://img.cn/1.png' alt='封面'></a></p>")
    assert result.text == "[![封面](https://img.cn/1.png)](https://x.cn/p)\n"
    assert result.images == (ImageRef("https://img.cn/1.png", "封面", ""),)


def test_safe_url_rules() -> None:
    assert safe_url(" https://a.cn/x ", "") == "https://a.cn/x"
    assert safe_url("vbscript:x", "https://a.cn/") is None
    assert safe_url("/rel", "") is None  # no base: a relative URL cannot be made absolute
    assert safe_url("ftp://a.cn/f", "") is None


# --- images -----------------------------------------------------------------------------------


def test_image_sources_placeholders_dedup_and_captions() -> None:
    html = (
        "<p><img class='js_img_placeholder wx_img_placeholder' src='data:image/svg+xml,x'"
        " data-src='https://mmbiz.qpic.cn/a/640?wx_fmt=png' alt='null'></p>"
        "<p style='text-align:center'><span style='color:#888'>图源：DeepSeek官网</span></p>"
        "<figure><img src='/b.jpg' alt='b'><figcaption>图注：B</figcaption></figure>"
        "<p><img src='data:image/gif;base64,R0lGOD'></p>"
        "<p><img data-src='https://mmbiz.qpic.cn/a/640?wx_fmt=png'></p>"
        "<p>这一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长的正文不是图注。</p>"
    )
    result = md(html)
    assert result.text == (
        "![](https://mmbiz.qpic.cn/a/640?wx_fmt=png)\n\n*图源：DeepSeek官网*\n\n"
        "![b](https://mp.weixin.qq.com/b.jpg)\n\n*图注：B*\n\n"
        "![](https://mmbiz.qpic.cn/a/640?wx_fmt=png)\n\n"
        "这一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长的正文不是图注。\n"
    )
    assert result.images == (
        ImageRef("https://mmbiz.qpic.cn/a/640?wx_fmt=png", "", "图源：DeepSeek官网"),
        ImageRef("https://mp.weixin.qq.com/b.jpg", "b", "图注：B"),
    )


def test_image_inside_a_text_paragraph_splits_it() -> None:
    assert text("<p>前文<img data-src='https://i.cn/1.jpg'>后文</p>") == (
        "前文\n\n![](https://i.cn/1.jpg)\n\n后文\n"
    )


# --- quotes, lists, tables --------------------------------------------------------------------


def test_nested_block_quotes() -> None:
    assert text("<blockquote><p>一</p><blockquote><p>二</p></blockquote><p>三</p></blockquote>") == (
        "> 一\n>\n> > 二\n>\n> 三\n"
    )


def test_nested_lists_tight_and_loose() -> None:
    html = (
        "<ul><li>一</li><li>二<ul><li>二.1</li><li>二.2<ol><li>深</li></ol></li></ul></li></ul>"
        "<ol start='3'><li><p>段一</p><p>段二</p></li><li>四</li></ol>"
    )
    assert text(html) == ("- 一\n- 二\n  - 二.1\n  - 二.2\n    1. 深\n\n3. 段一\n\n   段二\n\n4. 四\n")


def test_rectangular_tables_become_gfm_after_span_expansion() -> None:
    html = (
        "<table><tr><td>年份</td><td>收入</td><td>利润</td></tr>"
        "<tr><td colspan='2'>2024 合计</td><td>3|4</td></tr>"
        "<tr><td rowspan='2'>2025</td><td>1</td><td>2</td></tr><tr><td>5</td><td>6</td></tr></table>"
    )
    assert text(html) == (
        "| 年份 | 收入 | 利润 |\n| --- | --- | --- |\n| 2024 合计 | | 3\\|4 |\n| 2025 | 1 | 2 |\n| | 5 | 6 |\n"
    )


def test_ragged_tables_stay_sanitised_html() -> None:
    html = (
        "<table><tr><td onclick='x()'>a<script>bad()</script></td><td rowspan='2'>b</td></tr>"
        "<tr><td>c</td><td>d &lt;x&gt;</td></tr></table>"
    )
    assert text(html) == (
        '<table>\n<tr><td>a</td><td rowspan="2">b</td></tr>\n<tr><td>c</td><td>d &lt;x&gt;</td></tr>\n</table>\n'
    )


def test_layout_tables_are_unwrapped() -> None:
    assert text("<table><tr><td><p>只有一格</p><p>第二段</p></td></tr></table>") == "只有一格\n\n第二段\n"


# --- code -------------------------------------------------------------------------------------


def test_wechat_code_snippet_keeps_newlines_and_language_and_drops_line_numbers() -> None:
    html = (
        "<section class='code-snippet__fix code-snippet__python'>"
        "<ul class='code-snippet__line-index code-snippet__python'><li></li><li></li><li></li></ul>"
        "<pre class='code-snippet__python' data-lang='python'><code><span>def f():</span></code>"
        "<code><span>&nbsp; &nbsp; return 1</span></code><code><span><br></span></code>"
        "<code><span>print(f())</span></code></pre></section>"
    )
    assert text(html) == "```python\ndef f():\n    return 1\n\nprint(f())\n```\n"


def test_pre_with_br_lines_class_language_and_backtick_fence() -> None:
    html = "<pre><code class='language-js'>let a = `x`;<br>```<br>  b()</code></pre>"
    assert text(html) == "````js\nlet a = `x`;\n```\n  b()\n````\n"


def test_inline_code_is_not_escaped() -> None:
    assert text("<p>调用 <code>a_b*c</code> 和 <code>`x`</code></p>") == "调用 `a_b*c` 和 `` `x` ``\n"


# --- formulas and embeds ----------------------------------------------------------------------


def test_formulas() -> None:
    result = md(
        "<p>已知 <span data-formula='a^2+b^2=c^2'><embed src='x.svg'></span> 成立</p>"
        "<section data-formula='\\int_0^1 x\\,dx'><embed src='y.svg'></section>"
    )
    assert result.text == "已知 $a^2+b^2=c^2$ 成立\n\n$$\n\\int_0^1 x\\,dx\n$$\n"
    assert result.has_math
    assert not md("<p>$100</p>").has_math


def test_video_audio_and_channels_embeds_become_links_with_posters() -> None:
    html = (
        "<iframe class='video_iframe' data-cover='http%3A%2F%2Fshp.qpic.cn%2Fv%2F0'"
        " data-src='https://v.qq.com/iframe/preview.html?vid=x001&amp;auto=0'></iframe>"
        "<iframe class='video_iframe' data-mpvid='wxv_1' data-cover='https://mmbiz.qpic.cn/c/0'"
        " data-src='https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&amp;vid=wxv_1'></iframe>"
        "<mpvoice voice_encode_fileid='MzA3' name='节目'></mpvoice>"
        "<mp-common-mpaudio class='js_editor_audio js_uneditable' voice_encode_fileid='MzB4' name='音'"
        " cover='https://mmbiz.qpic.cn/a/0'></mp-common-mpaudio>"
        "<mp-common-videosnap data-url='https://finder.video.qq.com/c.jpg' data-nickname='号'"
        " data-desc='描述'></mp-common-videosnap>"
        "<section class='js_video_channel_card' data-url='https://finder.video.qq.com/d.jpg'"
        " data-nickname='号二'></section>"
        "<iframe src='https://ads.example.com/banner'></iframe>"
    )
    assert text(html) == (
        "[![视频](http://shp.qpic.cn/v/0)](https://v.qq.com/x/page/x001.html)\n\n"
        "[![视频](https://mmbiz.qpic.cn/c/0)]"
        "(https://mp.weixin.qq.com/mp/readtemplate?t=pages/video_player_tmpl&vid=wxv_1)\n\n"
        "[音频：节目](https://res.wx.qq.com/voice/getvoice?mediaid=MzA3)\n\n"
        "[![音频：音](https://mmbiz.qpic.cn/a/0)](https://res.wx.qq.com/voice/getvoice?mediaid=MzB4)\n\n"
        "[![视频号：号：描述](https://finder.video.qq.com/c.jpg)](https://finder.video.qq.com/c.jpg)\n\n"
        "[![视频号：号二](https://finder.video.qq.com/d.jpg)](https://finder.video.qq.com/d.jpg)\n"
    )


def test_cards_hidden_nodes_and_scripts_are_dropped_but_the_hidden_root_is_not() -> None:
    html = (
        "<p>正文</p><mp-miniprogram data-title='小程序'>小程序</mp-miniprogram><mp-weapp>w</mp-weapp>"
        "<mpshop>店</mpshop><qqmusic>歌</qqmusic><section class='js_product_container'>商品</section>"
        "<section class='js_miniprogram_container'>卡</section><p style='display:none'>隐</p>"
        "<p style='visibility: hidden'>藏</p><script>s()</script><style>p{}</style><noscript>n</noscript>"
        "<svg><text>图形</text></svg>"
    )
    assert text(html) == "正文\n"


# --- escaping and Hugo ------------------------------------------------------------------------


def test_markdown_specials_escaped_only_where_they_change_rendering() -> None:
    html = (
        "<p># 不是标题</p><p>1. 不是列表</p><p>- 也不是</p><p>> 不是引用</p><p>---</p>"
        "<p>*星* _下划_ snake_case [1] [a](b) &lt;div&gt; &amp;amp; a\\*b 中文：“引号”（括号）+-100%</p>"
    )
    assert text(html) == (
        "\\# 不是标题\n\n1\\. 不是列表\n\n\\- 也不是\n\n\\> 不是引用\n\n\\---\n\n"
        "\\*星\\* \\_下划\\_ snake_case [1] [a\\](b) \\<div> \\&amp; a\\\\\\*b 中文：“引号”（括号）+-100%\n"
    )


def test_hugo_shortcode_delimiters_are_neutralised_everywhere() -> None:
    out = text(
        "<p>{{< youtube x >}} {{% raw %}}</p><pre>{{< gist a b >}}</pre><p><a href='https://a.cn/{{<'>l</a></p>"
    )
    assert "{{<" not in out and "{{%" not in out
    assert out.replace("\u200b", "").count("{{<") == 2


def test_conversion_is_deterministic() -> None:
    html = (FIXTURES / "wechat-body.html").read_text(encoding="utf-8")
    assert len({text(html) for _ in range(3)}) == 1


def test_wechat_body_fixture_converts_exactly() -> None:
    tree = LexborHTMLParser((FIXTURES / "wechat-body.html").read_text(encoding="utf-8"))
    result = to_markdown(tree.css_first("#js_content"), BASE)
    assert result.text == (FIXTURES / "wechat-body.md").read_text(encoding="utf-8")
    assert result.images == (
        ImageRef("https://mmbiz.qpic.cn/mmbiz_jpg/AAA/640?wx_fmt=jpeg", "图片", "图源：DeepSeek官网"),
        ImageRef("http://shp.qpic.cn/qqvideo_ori/0/m0866x8f0qa_496_280/0", "视频", ""),
    )
    assert result.headings == 1 and result.has_math


@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo is not installed")
def test_hugo_renders_the_converted_fixture_as_intended(tmp_path: Path) -> None:
    """Hugo (goldmark) renders our emphasis, tables and code, and expands no shortcode."""
    html = (FIXTURES / "wechat-body.html").read_text(encoding="utf-8")
    html = html.replace(
        "<p>于是乎", "<p>短码 {{< youtube x >}} 与 {{% y %}}</p><pre>{{< z >}}</pre><p>于是乎"
    )
    body = to_markdown(LexborHTMLParser(html).css_first("#js_content"), BASE).text
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content").mkdir()
    (site / "config.toml").write_text('baseURL = "https://example.org/"\ntitle = "t"\n', encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text("{{ .Content }}", encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text("", encoding="utf-8")
    (site / "content" / "p.md").write_text('---\ntitle: "p"\n---\n' + body, encoding="utf-8")
    proc = subprocess.run(["hugo", "--quiet", "-s", str(site)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = (site / "public" / "p" / "index.html").read_text(encoding="utf-8").replace("\u200b", "")
    assert "<strong>算力紧张成为行业的关键词，令AI成本长期居高不下</strong>" in out
    assert "<strong>蓝字</strong>“<strong>锌刻度</strong>”" in out
    assert "<em>斜体</em>" in out and "<em><strong>粗斜体</strong></em>" in out
    assert "<h2" in out and "<table>" in out and "**" not in out
    assert "{{&lt; youtube x &gt;}}" in out and "{{% y %}}" in out and "{{&lt; z &gt;}}" in out
    assert "<iframe" not in out and "不要我" not in out


# --- speed ------------------------------------------------------------------------------------


def test_converter_is_fast_on_a_large_body() -> None:
    """A 3 MB WeChat page has a ~300 KB body; conversion must stay far below trafilatura's budget."""
    para = "<section><p><span leaf=''>段落文字，<strong>加粗</strong>与链接<a href='/x'>x</a>。</span></p></section>"
    html = "<section>" + para * 3000 + "</section>"
    tree = LexborHTMLParser(f"<div id='r'>{html}</div>")
    start = time.perf_counter()
    result = to_markdown(tree.css_first("#r"), BASE)
    elapsed = time.perf_counter() - start
    assert len(re.findall("加粗", result.text)) == 3000
    assert elapsed < 2.0  # why: ~0.1 s on a laptop core; generous for a loaded CI machine


def test_hostile_nesting_is_read_as_text_without_overflowing_the_stack() -> None:
    from scraper.boilerplate import clean_body

    depth = 3000
    html = "<section><span>" * depth + "深层文字" + "</span></section>" * depth + "<p>正文。</p>"
    tree = LexborHTMLParser(f"<div id='r'>{html}</div>")
    root = tree.css_first("#r")
    clean_body(root)
    assert to_markdown(root, BASE).text == "深层文字\n\n正文。\n"


_STYLE_PARTS = ["display", "DISPLAY", "Display", "visibility", "VISIBILITY", "none", "NONE", "hidden", "Hidden",
                ":", " ", "\t", "\x1c", ";", "block", "diſplay", "İ", "微软雅黑", "d", "v"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_STYLE_PARTS), max_size=12).map("".join))
def test_hidden_style_fast_path_answers_like_the_case_insensitive_pattern(style: str) -> None:
    # the ASCII fast path (lower() + two literal-prefix patterns) is a shortcut, not a new rule
    assert hidden_style(style) == bool(_HIDDEN.search(style))


@pytest.mark.parametrize(
    ("markdown", "captions", "summary"),
    [
        (
            "![](https://i/a.jpg)\n\n图片来源：图虫\n\n新里程此次收购未设置业绩承诺。\n",
            True,
            "新里程此次收购未设置业绩承诺。",
        ),
        (
            "![](https://i/a.jpg)\n\n蔡某某/摄\n\n人物画像\n\n汤先生夫妇二人刚三十出头。\n",
            True,
            "人物画像 汤先生夫妇二人刚三十出头。",
        ),
        ("本文原标题：《长标题》\n\n正文第一段。\n", True, "正文第一段。"),
        (
            "图片社交平台的用户越来越多。\n",
            True,
            "图片社交平台的用户越来越多。",
        ),  # "图片" opening prose stays
        # a picture post: the line under the pictures is the post itself
        (
            "![](https://i/a.jpg)\n\n发工资了，好开心\n\n还是打工好。\n",
            False,
            "发工资了，好开心 还是打工好。",
        ),
        ("图片来源：图虫\n", True, "图片来源：图虫"),  # nothing else: the body as it is
    ],
)
def test_summary_starts_at_the_lede(markdown: str, captions: bool, summary: str) -> None:
    from scraper.sites._common import summarize

    assert summarize(markdown, captions=captions) == summary


def test_a_bold_line_inside_a_running_sentence_is_no_heading() -> None:
    html = (
        "<p>正文一。</p><p><strong>语言贫瘠的背后</strong>，</p><p><strong>是思考能力的危机</strong></p><p>正文二。</p>"
        "<p>事故路段为，</p><p><strong>无锡枢纽至广陵枢纽</strong></p><p>正文三。</p>"
        "<p><strong>愿大家都能</strong></p><p>，平安回家。</p>"
    )
    result = md(html)
    assert result.headings == 0 and "## " not in result.text


def test_sub_headings_marked_by_class_only() -> None:
    html = (
        "<p>正文一。</p><p><span class='bjh-h3'>曾在殡仪馆任职</span></p><p>正文二。</p>"
        "<p class='text-big-title'>01</p><p class='text-big-title'>百年积累：</p>"
        "<p class='text-big-title'>一粒分子撬动万亿市值</p><p>正文三。</p>"
        f"<p><span class='bjh-h3'>{'很长的一段加了样式的正文' * 5}</span></p>"
    )
    result = md(html)
    assert "## 曾在殡仪馆任职" in result.text
    assert "## 01 百年积累： 一粒分子撬动万亿市值" in result.text  # three class-marked lines, one heading
    assert result.headings == 2


def test_decorations_go_and_emoji_stay_in_their_sentence() -> None:
    html = (
        "<p>正文一。</p><p><img src='/arrow.gif' width='114' height='12'></p>"
        "<p><img data-src='/rule.png' style='height: 14px;width: 578px;'></p>"
        "<p>然后，就没有然后了<img src='/emoji.png' style='width: 20px' data-ratio='1'>···</p>"
        "<p><img src='/photo.jpg' width='640' height='480'></p>"
    )
    result = md(html)
    assert "arrow.gif" not in result.text and "rule.png" not in result.text
    assert "然后，就没有然后了![](https://mp.weixin.qq.com/emoji.png)···" in result.text
    assert "![](https://mp.weixin.qq.com/photo.jpg)" in result.text
    assert [i.url for i in result.images] == [
        "https://mp.weixin.qq.com/emoji.png",
        "https://mp.weixin.qq.com/photo.jpg",
    ]


def test_a_mini_program_text_link_keeps_its_words_and_block_spans_are_lines() -> None:
    html = (
        "<p>详见<a class='weapp_text_link' data-miniprogram-appid='wx1' data-miniprogram-path='pages/x'"
        " href=''>趋势动物pro</a>。</p>"
        "<blockquote><p><span style='display: block;'>•第一行</span><span style='display:block'>•第二行</span></p>"
        "</blockquote><p>行<span style='display:inline-block'>内</span>块</p>"
    )
    assert md(html).text == "详见趋势动物pro。\n\n> •第一行\n>\n> •第二行\n\n行内块\n"


# --- what a reader sees (issue 10): one heading scale, quotes, emphasis pairs, captions ----------


def _levels(markdown: str) -> list[tuple[int, str]]:
    return [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^(#{1,6}) (.+)$", markdown, re.M)]


def test_real_headings_lead_and_styled_paragraphs_rank_below_them() -> None:
    """The page's own <h3> sections become ##; bold look-alikes between them are ###, never above."""
    html = (
        "<p>引言。</p><h3>按下 g 键</h3><p>正文一。</p>"
        "<p><span style='font-weight:600'>回车键按下</span></p><p>正文二。</p>"
        "<h3>解析 URL</h3><p>正文三。</p><p><b>输入的是 URL 还是搜索的关键字？</b></p><p>正文四。</p>"
    )
    result = md(html)
    assert _levels(result.text) == [
        (2, "按下 g 键"),
        (3, "回车键按下"),
        (2, "解析 URL"),
        (3, "输入的是 URL 还是搜索的关键字？"),
    ]
    assert result.headings == 4


def test_a_styled_heading_before_the_first_real_one_is_never_deeper_than_it() -> None:
    html = "<p><b>开篇小标题</b></p><p>正文。</p><h4>真正的小节</h4><p>正文。</p><h5>更小</h5><p>正文。</p>"
    assert _levels(text(html)) == [(2, "开篇小标题"), (2, "真正的小节"), (3, "更小")]


def test_bold_sub_heads_of_one_article_are_all_headings_question_and_kicker_alike() -> None:
    """gne-qq-1's shape: three identically bold sub-heads, one a question, one a kicker over its title."""
    html = (
        "<p>导语导语导语导语导语。</p><p><strong>一分钱变一元钱，消解经典文化可取吗？</strong></p>"
        "<p>正文一正文一正文一。</p><p><strong>你知道吗</strong></p>"
        "<p><strong>《一分钱》“一分钱不要”</strong></p><p>正文二正文二。</p>"
        "<p><strong>保持一颗童心 “一分钱爷爷”一辈子创作不息</strong></p><p>正文三正文三。</p>"
    )
    assert _levels(text(html)) == [
        (2, "一分钱变一元钱，消解经典文化可取吗？"),
        (2, "你知道吗 《一分钱》“一分钱不要”"),
        (2, "保持一颗童心 “一分钱爷爷”一辈子创作不息"),
    ]


def test_a_section_title_split_over_two_bold_lines_is_one_heading() -> None:
    html = (
        "<p><b>网络热梗，互联网时代的“方言”</b></p><p>正文一。</p><p><img src='/n.png'></p>"
        "<p><b>语言贫瘠的背后</b>，</p><p><b>是思考能力的危机</b></p><p>正文二。</p>"
    )
    assert _levels(text(html)) == [
        (2, "网络热梗，互联网时代的“方言”"),
        (2, "语言贫瘠的背后，是思考能力的危机"),
    ]


def test_bold_questions_of_an_interview_stay_bold_paragraphs() -> None:
    """More bold questions than bold headings: a Q&A, whose questions are no sections."""
    qa = "".join(f"<p><b>问题{i}是什么？</b></p><p>回答{i}回答回答。</p>" for i in range(3))
    result = text("<p><b>第一位受访者</b></p><p>介绍介绍。</p>" + qa)
    assert _levels(result) == [(2, "第一位受访者")]
    assert "**问题1是什么**？" in result


def test_a_quote_holding_pictures_is_unwrapped_and_its_poem_stays_quoted() -> None:
    """gerapy-ifeng-1's shape: an editor opened <blockquote> for a poem and closed it at the end."""
    html = (
        "<p>其实，宫里的上元节就有诸多讲究。</p><blockquote><p>有灯无月不娱人，有月无灯不算春。</p>"
        "<p>春到人间人似玉，灯烧月下月如怠。</p><p>——唐伯虎《元宵》</p><p>明代宫中过上元节。</p>"
        "<p><img src='/a.png'></p><p>故宫博物院供图</p><blockquote><p>游客没有地方休息；</p>"
        "<p><img src='/b.png'></p><p>几年的变化。</p></blockquote></blockquote>"
    )
    assert text(html) == (
        "其实，宫里的上元节就有诸多讲究。\n\n> 有灯无月不娱人，有月无灯不算春。\n>\n"
        "> 春到人间人似玉，灯烧月下月如怠。\n>\n> ——唐伯虎《元宵》\n\n明代宫中过上元节。\n\n"
        "![](https://mp.weixin.qq.com/a.png)\n\n*故宫博物院供图*\n\n游客没有地方休息；\n\n"
        "![](https://mp.weixin.qq.com/b.png)\n\n几年的变化。\n"
    )


def test_a_long_quote_that_closes_only_with_the_body_is_unwrapped_a_short_one_stays() -> None:
    lines = "".join(f"<p>第{i}段正文。</p>" for i in range(10))
    assert ">" not in text(f"<p>开头。</p><blockquote>{lines}</blockquote>")
    assert text(f"<blockquote>{lines}</blockquote><p>后面还有正文。</p>").startswith("> 第0段正文。")
    assert text("<p>开头。</p><blockquote><p>结尾的一句引语。</p></blockquote>") == (
        "开头。\n\n> 结尾的一句引语。\n"
    )


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # a pair is never split between bold and plain: wholly inside a run, or wholly outside
        ("<p>文字<strong>《一分钱》“一分钱不要”</strong>文字</p>", "文字《**一分钱**》“**一分钱不要**”文字"),
        ("<p><strong>《一分钱》“一分钱不要”</strong>，</p>", "**《一分钱》“一分钱不要”**，"),
        ("<p><b>英国《泰晤士报》：</b>报道</p>", "**英国《泰晤士报》**：报道"),
        ("<p>的“<b>冷鳞飞蛇”——杜文</b>！</p>", "的“**冷鳞飞蛇**”——**杜文**！"),
        (
            "<p><b>(Windows)一个 </b><code>WM_KEYDOWN</code><b> 消息被发往应用程序</b></p>",
            "**(Windows)一个** `WM_KEYDOWN` **消息被发往应用程序**",
        ),
        # a URL keeps its last character; where the delimiters then cannot stand, no emphasis
        ("<p>Handbrake:<i>https://handbrake.fr/</i></p>", "Handbrake:*https://handbrake.fr/*"),
        ("<p>见<i>https://handbrake.fr/</i>吧</p>", "见https://handbrake.fr/吧"),
        ("<p><b>粗<i>斜</i></b>体与<b><i>粗斜体</i></b></p>", "**粗*斜***体与***粗斜体***"),
    ],
)
def test_emphasis_moves_out_whole_or_not_at_all(html: str, expected: str) -> None:
    assert text(html) == expected + "\n"


@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo is not installed")
def test_hugo_renders_every_emphasis_case_with_no_literal_markup(tmp_path: Path) -> None:
    cases = [
        "<p>文字<strong>《一分钱》“一分钱不要”</strong>文字</p>",
        "<p><strong>《一分钱》“一分钱不要”</strong>，</p>",
        "<p>的“<b>冷鳞飞蛇”——杜文</b>！</p>",
        "<p><b>(Windows)一个 </b><code>WM_KEYDOWN</code><b> 消息被发往应用程序</b></p>",
        "<p>Handbrake:<i>https://handbrake.fr/</i></p>",
        "<p>他说<b>“A”和“B”</b>。点<b>“蓝字”</b>关注<b>5*3</b>是</p>",
    ]
    body = "\n\n".join(text(html) for html in cases)
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content").mkdir()
    (site / "config.toml").write_text('baseURL = "/"\ntitle = "t"\n', encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text("{{ .Content }}", encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text("", encoding="utf-8")
    (site / "content" / "p.md").write_text('---\ntitle: "p"\n---\n' + body, encoding="utf-8")
    proc = subprocess.run(["hugo", "--quiet", "-s", str(site)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = (site / "public" / "p" / "index.html").read_text(encoding="utf-8").replace("\u200b", "")
    visible = re.sub(r"<[^>]+>", "", out)
    assert "*" not in visible.replace("5*3", "") and "](" not in visible
    for bold in ("一分钱不要", "杜文", "(Windows)一个", "消息被发往应用程序", "蓝字", "A", "B"):
        assert f"<strong>{bold}</strong>" in out or f"<strong>《一分钱》“{bold}”</strong>" in out
    assert '<em><a href="https://handbrake.fr/">https://handbrake.fr/</a></em>' in out


def test_captions_have_one_look_figure_numbers_go_and_the_title_is_no_alt_text() -> None:
    html = (
        "<p><img src='/a.jpg' alt='标题'></p><p><i class='desc'>家中曾堆满他的音像作品</i></p>"
        "<figure><img src='/b.jpg'><figcaption>mdnice 的图注</figcaption></figure>"
        "<p><img src='/c.jpg'></p><p style='color:#999'>（图/社交媒体截图）</p>"
        "<p><img src='/d.jpg'></p><p>7</p><p>正文里的一段话，说了很多很多的事情，从前说到后，一直说到这里才结束。</p>"
        "<p><img src='/e.jpg'></p><p><b>2</b></p><h2>爱与责任</h2><p>正文。</p>"
        "<p><img src='/f.jpg'></p><p>作文尤其是重灾区。</p>"
    )
    tree = LexborHTMLParser(f'<div id="root">{html}</div>')
    result = to_markdown(tree.css_first("#root"), "https://x.test/", title="标题")
    assert result.text == (
        "![](https://x.test/a.jpg)\n\n*家中曾堆满他的音像作品*\n\n"
        "![](https://x.test/b.jpg)\n\n*mdnice 的图注*\n\n"
        "![](https://x.test/c.jpg)\n\n*（图/社交媒体截图）*\n\n"
        "![](https://x.test/d.jpg)\n\n正文里的一段话，说了很多很多的事情，从前说到后，一直说到这里才结束。\n\n"
        "![](https://x.test/e.jpg)\n\n## 2 爱与责任\n\n正文。\n\n"
        "![](https://x.test/f.jpg)\n\n作文尤其是重灾区。\n"
    )  # a short line that is no picture credit stays body text
    assert [i.alt for i in result.images] == [""] * 6
    assert [i.caption for i in result.images][:3] == [
        "家中曾堆满他的音像作品",
        "mdnice 的图注",
        "（图/社交媒体截图）",
    ]


# --- summaries -----------------------------------------------------------------------------------

LEDE = (
    "2025年2月13日，文心一言宣布将于4月1日0时起全面免费，所有PC端和APP端用户均可体验文心系列最新模型，"
    "而此前只有免费使用3.5版。"
)


@pytest.mark.parametrize(
    ("markdown", "digest", "summary"),
    [
        # the body's start, cut at the last clause that fits, never inside "2025" or a word
        (LEDE, "", "2025年2月13日，文心一言宣布将于4月1日0时起全面免费…"),
        ("前" * 48 + "为2025亿元的市场规模再往后还有很多很多字", "", "前" * 48 + "为…"),
        # a bold sub-title and headings over the lede are no summary (the seed's "是对手也是队友")
        (
            "**是对手也是队友**\n\nDeepSeek，持续正反馈AI赛道。\n\n## 小节\n\n正文。",
            "",
            "DeepSeek，持续正反馈AI赛道。正文。",
        ),
        # a digest the site cut off mid-word is trimmed back the same way
        (
            "此前，发烧被认为是最主要症状。然而最新的研究发现，味觉嗅觉丧失更具特异性，可作为是否已被感染的最强预测指标。",
            "此前，发烧被认为是最主要症状。然而最新的研究发现，味觉嗅觉丧失更具特异性，可作为是否已被感染的最强预测指",
            "此前，发烧被认为是最主要症状。然而最新的研究发现，味觉嗅觉丧失更具特异性…",
        ),
        (
            "正文。",
            "开发者通过数据更新驱动视图，而不是直接操作DOM，这是前端框架的...",
            "开发者通过数据更新驱动视图，而不是直接操作DOM…",
        ),
        # a digest of its own words, or one ending where the body's sentence ends, stays as written
        ("正文。", "传统，他们在传承", "传统，他们在传承"),
        (
            "语言的贫瘠，本质上是思想的贫瘠。后文。",
            "语言的贫瘠，本质上是思想的贫瘠",
            "语言的贫瘠，本质上是思想的贫瘠",
        ),
    ],
)
def test_summaries_end_at_a_sentence_or_clause_with_an_ellipsis(
    markdown: str, digest: str, summary: str
) -> None:
    from scraper.sites._common import summarize

    assert summarize(markdown, digest) == summary
