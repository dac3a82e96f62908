"""Robustness: hostile input to the extractor, and faults in the middle of the pipeline.

Each test asserts the outcome the reliability notes ask for (``../shared/reference/reliability.md``
§2, cases 10, 13, 37-39, 56): the extractor returns an ``Article`` or raises only ``ExtractError``
subclasses; a crashing worker, a full or read-only disk, a 404 or a day-long ``Retry-After`` cost one
URL, leave earlier archives untouched and are recorded in the catalog.
"""

from __future__ import annotations

import dataclasses
import errno
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import archive.fsutil as fsutil
from archive.pipeline import Archive, Pipeline, Result
from scraper import extract
from scraper.config import Config, Source
from scraper.errors import ExtractError
from scraper.fetch import Fetcher
from scraper.models import Article
from tests.archivekit import (
    QQ_URL,
    WECHAT_URL,
    make_config,
    page,
    serve_qq,
    serve_wechat,
    temp_files,
    tree_state,
)
from tests.fixtureweb import FixtureWeb, status

SITE_URLS = [
    "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",
    "https://mp.weixin.qq.com/s?__biz=MzA5&mid=2651&idx=1&sn=abcdef",
    "https://new.qq.com/rain/a/20250213A06FMB00",
    "https://www.163.com/dy/article/JABCDEF0123456.html",
    "https://news.sina.com.cn/c/2024-01-02/doc-inabcdef1234567.shtml",
    "https://www.sohu.com/a/123456789_123456",
    "https://www.toutiao.com/article/7312345678901234567/",
    "https://baijiahao.baidu.com/s?id=1780000000000000000",
    "https://news.ifeng.com/c/8abcdefGHIJ",
    "https://www.thepaper.cn/newsDetail_forward_25000000",
    "https://example.org/blog/post.html",
]


# ---------------------------------------------------------------------- hostile HTML (hypothesis)

TAGS = (
    "div section p span table tr td th tbody img a script style svg template math select option pre code h1 h2 "
    "ul ol li blockquote br iframe mpvoice mp-miniprogram noscript textarea title meta strong em figure "
    "figcaption video html head body frameset plaintext xmp mp-common-videosnap qqmusic hr sup font"
).split()
ATTRS = (
    "class id style data-src src href colspan rowspan data-formula data-lang alt title content name property "
    "data-type data-w data-ratio width height data-vidtype data-mpvid data-pluginname hidden charset itemprop"
).split()
HOSTILE_VALUES = [
    "9007199254740991", "-1", "0", "99999999999999999999999", "nan", "1e308", "&#xFFFFFFFF;", "&#0;", "&am",
    "&#55296;", "javascript:alert(1)", "data:text/html,x", "//mmbiz.qpic.cn/x?wx_fmt=png", "display:none",
    "visibility:hidden", "\x00", "js_content", "rich_media_content", "\ufeff", "{{< x >}}", "$$x$$",
    "http://[::1", "https://", "%", "\\",
]  # fmt: skip
JUNK = [
    "&", "&#", "&#x;", "&nbsp", "&#12345678901234567890;", "<", ">", "<!--", "-->", "<![CDATA[", "]]>", "</",
    "\x00", "\r", "<!DOCTYPE html", "<?xml", "</div>", "</section>", "</table>", "<<<>>>", "\"'",
    "中文正文内容，足够长的一段话。", "原文链接", "阅读原文", "END", "责任编辑：张三", "来源：新华社",
]  # fmt: skip

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_value = st.one_of(
    _text,
    st.sampled_from(HOSTILE_VALUES),
    st.integers(0, 5).map(lambda n: "A" * 10**n),  # up to 100 000-character attributes
)


def _attribute(name: str, value: str) -> str:
    quote = "'" if '"' in value else '"'
    return f" {name}={quote}{value}{quote}"


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A random element with random attributes and children, closed or not."""

    def build(tag: str, attrs: list[tuple[str, str]], kids: list[str], close: bool) -> str:
        rendered = "".join(_attribute(k, v) for k, v in attrs)
        return f"<{tag}{rendered}>" + "".join(kids) + (f"</{tag}>" if close else "")

    return st.builds(
        build,
        st.sampled_from(TAGS),
        st.lists(st.tuples(st.sampled_from(ATTRS), _value), max_size=4),
        st.lists(children, max_size=5),
        st.booleans(),
    )


FRAGMENT = st.recursive(st.one_of(_text, st.sampled_from(JUNK)), _element, max_leaves=40)


def wechat_page(body: str, title: str = "标题") -> str:
    """The skeleton of a WeChat article (SITES.md): #activity-name, #js_name, hidden #js_content, var ct."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div id="page-content"><h1 class="rich_media_title" id="activity-name">{title}</h1>'
        '<a id="js_name">测试公众号</a>'
        f'<div class="rich_media_content" id="js_content" style="visibility: hidden;">{body}</div></div>'
        '<script>var ct = "1700000000";</script></body></html>'
    )


def portal_page(body: str) -> str:
    """The skeleton of a news-portal article: title, dateline with 来源, body container."""
    return (
        '<html><head><meta charset="gbk"><title>新闻标题_新浪网</title></head><body><h1 class="main-title">新闻标题</h1>'
        '<div class="date-source"><span class="date">2024年01月02日 10:00</span><a class="source">新华社</a></div>'
        f'<div id="artibody" class="article">{body}</div></body></html>'
    )


HOSTILE_PAGES = st.one_of(FRAGMENT, FRAGMENT.map(wechat_page), FRAGMENT.map(portal_page))


def extract_cleanly(data: str | bytes, url: str) -> Article | None:
    """``extract`` must return an Article or raise an ExtractError (then None); anything else fails."""
    try:
        article = extract(data, url)
    except ExtractError as exc:
        assert str(exc), "an ExtractError must carry a message"
        return None
    assert isinstance(article, Article)
    assert article.is_article or article.error, "a non-article names what it is"
    return article


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=HOSTILE_PAGES, url=st.sampled_from(SITE_URLS), as_bytes=st.booleans())
def test_hostile_html_gives_an_article_or_an_extract_error(html: str, url: str, as_bytes: bool) -> None:
    extract_cleanly(html.encode("utf-8") if as_bytes else html, url)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=4096), url=st.sampled_from(SITE_URLS))
def test_random_bytes_give_an_article_or_an_extract_error(data: bytes, url: str) -> None:
    extract_cleanly(data, url)


# ---------------------------------------------------------------------- size and depth bombs

DEEP = 5000  # why: lexbor-based parsers elsewhere crash near 2 900 nested <div>s (reliability.md)


@pytest.mark.parametrize("tag", ["div", "section"])
@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_five_thousand_nested_elements_finish_fast(tag: str, closed: bool) -> None:
    deep = (
        f"<{tag}>" * DEEP
        + "<p>埋在五千层里的正文，仍然是这篇文章的内容。</p>"
        + (f"</{tag}>" * DEEP if closed else "")
    )
    start = time.perf_counter()
    article = extract_cleanly(wechat_page(f"<p>开头的一段正文。</p>{deep}"), SITE_URLS[0])
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"{elapsed:.1f} s for {DEEP} nested <{tag}>"  # why: ~0.2 s today; 25x headroom
    assert article is not None and article.is_article and article.title == "标题"
    assert "开头的一段正文。" in article.body_markdown


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_a_50_mb_single_line_page_is_refused_quickly(as_bytes: bool) -> None:
    html = "<html><body><p>" + "a" * 50_000_000 + "</p></body></html>"
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="too large to extract") as info:
        extract(html.encode("ascii") if as_bytes else html, SITE_URLS[-1])
    assert time.perf_counter() - start < 5.0  # why: measured 0.1 s; refused before parsing
    assert SITE_URLS[-1] in str(info.value)


def test_a_huge_colspan_does_not_allocate_a_huge_table() -> None:
    table = (
        '<table><tr><td colspan="9007199254740991" rowspan="9007199254740991">甲</td><td>乙</td></tr>'
        '<tr><td colspan="-3">丙</td><td rowspan="1e9">丁</td></tr></table>'
    )
    start = time.perf_counter()
    article = extract_cleanly(
        wechat_page(f"<p>表格前的一段正文。</p>{table}<p>表格后的一段正文。</p>"), SITE_URLS[0]
    )
    assert time.perf_counter() - start < 2.0
    assert article is not None and article.is_article
    assert "表格前的一段正文。" in article.body_markdown and "表格后的一段正文。" in article.body_markdown
    assert all(cell in article.body_markdown for cell in "甲乙丙丁")
    assert len(article.body_markdown) < 5_000  # why: the table is a few cells, not 2^53 columns


def test_an_unclosed_js_string_of_backslashes_does_not_hang_the_toutiao_adapter() -> None:
    """Found by mutation fuzzing: ``gallery: JSON.parse("\\\\…`` never closed made the gallery regex
    backtrack exponentially (n=20 pairs took 40 s, n=40 forever). Run in a child with a deadline, so
    a regression fails this test instead of hanging the suite."""
    child = textwrap.dedent(
        r"""
        import sys
        from scraper import extract
        html = ('<html><body><script>var BASE_DATA = { galleryInfo: { gallery: JSON.parse("'
                + "\\\\" * 40 + '"x) } };</script></body></html>')
        print(extract(html, sys.argv[1]).kind)
        """
    )
    root = Path(__file__).resolve().parent.parent
    url = "https://www.toutiao.com/a6734139882538533383/"
    try:
        done = subprocess.run(
            [sys.executable, "-c", child, url], capture_output=True, text=True, timeout=20, cwd=root
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the Toutiao adapter did not finish within 20 s on 40 escaped backslashes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("not_article", "article")


LINEAR_CHARS = 40_000  # why: the quadratic regex took 7 s on 40 000 "["; a linear pass takes milliseconds
LINEAR_SECONDS = 0.25  # why: generous for a slow CI core; quadratic runs of this size take seconds
HOSTILE_MARKDOWN = {
    "[": "[",
    "![": "![",
    "[a](": "[a](",
    "![a](": "![a](",
    "[a](u ": "[a](u ",
    "blank lines": "\n",
    "indented blank lines": " \n",
    "unclosed parentheses": "(",
    "linked images": "[![a](u)](",
    "linked image starts": "[![",
    "backticks": "`",
    "fences": "```\n",
    "code spans": "``a",
}


@pytest.mark.parametrize("unit", HOSTILE_MARKDOWN.values(), ids=HOSTILE_MARKDOWN.keys())
def test_plain_text_of_hostile_runs_is_linear(unit: str) -> None:
    from scraper.html import plain_text

    text = unit * (LINEAR_CHARS // len(unit))
    if unit == "(":
        text = "[a](" + text
    start = time.perf_counter()
    plain_text(text)
    elapsed = time.perf_counter() - start
    assert elapsed < LINEAR_SECONDS, f"{elapsed:.2f} s for {len(text)} characters of {unit!r}"


def test_plain_text_of_a_run_of_brackets_keeps_them() -> None:
    from scraper.html import plain_text

    assert plain_text("[" * LINEAR_CHARS) == "[" * LINEAR_CHARS
    assert plain_text("[[[a](u) ![[x](i) [[[y") == "[[a [[[y"  # the text from the first "[", as before


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("前文 [链接文字](https://a.example/p?x=1) 后文", "前文 链接文字 后文"),
        ("![图片说明](https://a.example/i.png)\n\n图注", "图注"),
        ("**粗体** _斜体_ `code` ~~删~~", "粗体 斜体 code 删"),
        # code is kept as written: its "_" and "*" are text, not emphasis
        ("调用 `add_ts` 函数", "调用 add_ts 函数"),
        (
            "```python\nstack.callback(callback_2, 100)\nx = a * b\n```\n\n后文 _强调_",
            "stack.callback(callback_2, 100) x = a * b 后文 强调",
        ),
        ("````\n```\ninner_x\n````", "``` inner_x"),  # a longer fence holds a shorter one
        ("```\nunclosed_x", "unclosed_x"),
        ("## 标题\n\n- 一\n- 二\n\n1. 甲\n2. 乙\n\n> 引文", "标题 一 二 甲 乙 引文"),
        ("转义 \\* \\_ \\[x\\]", "转义 * _ [x]"),
        ("[a](https://en.wikipedia.org/wiki/Foo_(bar)) b", "a b"),  # one nested pair in a URL
        # decided: a link text ends at its first "]"; nested or escaped brackets make no link, and
        # the text stays as written (markup reduced), URL included, as before the linear rewrite
        ("[a [b] c](u)", "[a [b] c](u)"),
        (
            "[\\[语音\\] 第一期](https://res.wx.qq.com/voice/x)",
            "[[语音] 第一期](https://res.wx.qq.com/voice/x)",
        ),
        ("[![头像](https://i/a.png)](https://u/) 后文", "后文"),  # a linked image is an image: dropped
        ("[![](https://i/a.png)](https://u/)", ""),
    ],
)
def test_plain_text_of_normal_markdown(markdown: str, plain: str) -> None:
    from scraper.html import plain_text

    assert plain_text(markdown) == plain


_OLD_MD_NOISE = re.compile(
    r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|\\([\\`*_{}\[\]()#+\-.!|>~$])|[*_`|~$]"
    r"|^[^\S\n]*(?:>[^\S\n]*)+(?:#{1,6}(?:[^\S\n]+|$))?|^[^\S\n]*#{1,6}(?:[^\S\n]+|$)|^\s*[-+]\s+|^\s*\d+\.\s+",
    re.M,
)
"""plain_text's regex before it was made linear: the oracle for the rewrite (quadratic, so only
ever given short text). Since issue 9 a ``#`` or ``>`` inside a line is text (``C#``, ``1 > 0``):
only quote markers and a heading's ``#`` at a line start are markup."""
_MD_PIECES = ["[", "]", "](u)", "](x y)", "![", "!", "a", "中", " ", "\n", "\n\n", "- ", "+ ", "1. ", "  ",
              "\\", "\\[", "\\]", "\\*", "*", "_", "#", ">", "|", "$", ")", "\u3000"]  # fmt: skip
# no "`" and no "~": code (spans, ``` and ~~~ fences) keeps its text as written now
# (callback_2), where the old regex dropped "_" in it; the code cases are tested above


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MD_PIECES), max_size=24))
def test_plain_text_equals_the_old_regex_on_markdown_without_parentheses_in_urls(pieces: list[str]) -> None:
    from scraper.html import plain_text, squash

    markdown = "".join(pieces)  # "(" only opens a URL, which closes at once: what our Markdown holds
    # a linked image [![a](s)](h) is dropped whole now (the old regex left "![a](h)" as text): that
    # case is tested on its own above, the oracle speaks for the rest
    assume("[![" not in markdown)
    old = squash(_OLD_MD_NOISE.sub(lambda m: m.group(1) or m.group(2) or "", markdown))
    assert plain_text(markdown) == old


# ---------------------------------------------------------------------- adapters are pure (no shared state)


SYNDICATION = [
    ("sina-2019.html", "https://news.sina.com.cn/s/2020-06-18/doc-iircuyvi9876543.shtml"),
    ("ifeng-react.html", "https://news.ifeng.com/c/8AbCdEfGh12"),
    ("baijiahao.html", "https://baijiahao.baidu.com/s?id=1675600000000000001"),
    ("163-dy.html", "https://www.163.com/dy/article/G9ABCDEF05148UF9.html"),
    ("sohu-a.html", "https://www.sohu.com/a/512345678_120001"),
    ("thepaper.html", "https://www.thepaper.cn/newsDetail_forward_14800001"),
    ("toutiao-2021.html", "https://www.toutiao.com/article/7095000000000000789/"),
]


def _summary(article: Article) -> tuple[Any, ...]:
    return (
        article.site,
        article.title,
        article.published,
        article.source,
        article.author,
        article.body_markdown,
    )


def test_syndication_adapters_give_the_same_result_from_many_threads() -> None:
    fixtures = Path(__file__).parent / "fixtures" / "sites"
    pages = [((fixtures / name).read_bytes(), url) for name, url in SYNDICATION]
    expected = [_summary(extract(body, url)) for body, url in pages]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # why: switch threads as often as possible, so shared state would show
    try:
        with ThreadPoolExecutor(max_workers=len(pages)) as pool:
            jobs = [
                (i, pool.submit(extract, body, url)) for _ in range(3) for i, (body, url) in enumerate(pages)
            ]
            got = [(i, _summary(job.result())) for i, job in jobs]
    finally:
        sys.setswitchinterval(previous)
    assert all(summary == expected[i] for i, summary in got)


def test_no_parsed_page_outlives_its_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syndication adapters keep no module-level state: once extract returns, nothing in the
    adapters holds a reference to the pages it parsed (a shared cache slot did, and raced)."""
    import gc

    from scraper.sites import _newsbase

    parsed: list[Any] = []
    real_parse = _newsbase.parse

    def spy(*args: Any, **kwargs: Any) -> Any:
        tree = real_parse(*args, **kwargs)
        parsed.append(tree)
        return tree

    monkeypatch.setattr(_newsbase, "parse", spy)
    fixtures = Path(__file__).parent / "fixtures" / "sites"
    for name, url in SYNDICATION[:3]:
        assert extract((fixtures / name).read_bytes(), url).is_article
    parsed.append(real_parse("<html><head><meta name='x' content='y'></head></html>", "https://a.example/"))
    gc.collect()
    counts = [sys.getrefcount(parsed[i]) for i in range(len(parsed))]  # the last one is the control
    assert len(parsed) > 3 and counts == [counts[-1]] * len(parsed)  # held by the list only, like the control


# ---------------------------------------------------------------------- pipeline faults


@contextmanager
def _pipeline(
    config: Config, fetcher: Fetcher | None = None, **kw: Any
) -> Iterator[tuple[Archive, Pipeline]]:
    """An Archive and a Pipeline over ``config`` (and its own Fetcher unless one is given), all
    three closed afterwards."""
    fetcher = fetcher or Fetcher(config.fetch)
    archive = Archive(config)
    pipe = Pipeline(archive, fetcher=fetcher, **kw)
    try:
        yield archive, pipe
    finally:
        pipe.close()
        fetcher.close()
        archive.close()


def _archive(config: Config, *urls: str, **kw: Any) -> list[Result]:
    with _pipeline(config, **kw) as (_, pipe):
        return [pipe.archive_url(u) for u in urls]


def _rows(root: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(root / "catalog.sqlite")
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def test_a_page_that_aborts_the_extractor_costs_one_url_and_keeps_its_raw_record(
    tmp_path: Path, web: FixtureWeb
) -> None:
    """The worker os.abort()s on the marker page (a lexbor segfault stand-in); the batch goes on."""
    from archive.isolate import IsolatedExtractor

    crash_url = "https://mp.weixin.qq.com/s/abortsTheWorker"
    crash_page = wechat_page("<p>CRASH-ME</p>", "会让解析器崩溃的页面").encode("utf-8")
    web.add(crash_url, crash_page)
    serve_wechat(web)
    serve_qq(web)
    root = tmp_path / "site"
    extractor = IsolatedExtractor("tests.archivekit:crashing_extract", timeout=60)
    with _pipeline(make_config(root, web), extract=extractor) as (archive, pipe):
        results = [pipe.archive_url(u) for u in (WECHAT_URL, crash_url, QQ_URL)]
        raw = archive.catalog.raw_for(crash_url, kind="page")
        kept = archive.rawstore.get(raw) if raw is not None else None
    assert [r.outcome for r in results] == ["archived", "failed", "archived"]
    crashed = results[1]
    assert (
        crashed.stage == "extract"
        and crashed.error_class == "ExtractCrashed"
        and crash_url in crashed.message
    )
    assert kept is not None and kept.body == crash_page  # raw page kept for a later reextract
    assert _rows(root, "SELECT outcome, error_class FROM outcomes WHERE url=?", (crash_url,)) == [
        ("failed", "ExtractCrashed")
    ]
    assert _rows(root, "SELECT COUNT(*) FROM articles WHERE url=?", (crash_url,)) == [(0,)]


@contextmanager
def tiny_filesystem(path: Path, size: str = "256k") -> Iterator[bool]:
    """Mount a tiny tmpfs at ``path`` when this process may (root with CAP_SYS_ADMIN); yields whether
    it did. Always unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        mounted = (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                capture_output=True,
                timeout=10,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)


def _fill(directory: Path) -> None:
    """Write a filler file in ``directory`` until the filesystem is full."""
    with (directory / "filler.bin").open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def _injected(err: int, text: str) -> Any:
    def fail(tmp: Path, target: Path) -> None:
        if target.name == "index.md":
            raise OSError(err, text)

    return fail


@pytest.mark.parametrize("fault", ["disk-full", "read-only"])
def test_a_failed_write_leaves_the_good_archive_and_the_catalog_as_they_were(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = _archive(config, WECHAT_URL)
    assert good.outcome == "archived" and good.path is not None
    bundle = good.path.parent
    saved = {p.name: p.read_bytes() for p in bundle.iterdir()}
    catalog_row = _rows(root, "SELECT content_hash, updated_at, raw_id FROM articles")
    serve_wechat(web, page("wechat-article.html").replace("那么，".encode(), "于是，".encode()))  # changed

    expected = {"disk-full": "No space left on device", "read-only": "Read-only file system"}[fault]
    with tiny_filesystem(bundle) as mounted:
        if mounted:  # the real thing: the bundle directory is a full (or read-only) filesystem
            for name, data in saved.items():
                (bundle / name).write_bytes(data)
            if fault == "disk-full":
                _fill(bundle)
            else:
                subprocess.run(["mount", "-o", "remount,ro", str(bundle)], check=True, timeout=10)
        else:  # no mount privilege: the same errno injected just before the rename
            code = errno.ENOSPC if fault == "disk-full" else errno.EROFS
            monkeypatch.setattr(fsutil, "_before_replace", _injected(code, expected))
        [bad] = _archive(config, WECHAT_URL)
        assert bad.outcome == "failed" and bad.stage == "write" and expected in bad.message
        assert WECHAT_URL in bad.message
        assert (bundle / "index.md").read_bytes() == saved["index.md"]  # the good archive, intact
        assert {p.name for p in bundle.iterdir()} - {"filler.bin"} == set(saved)
        assert temp_files(root) == []  # no temp file left, neither in the bundle nor in .staging
    assert _rows(root, "SELECT content_hash, updated_at, raw_id FROM articles") == catalog_row  # not updated
    assert _rows(root, "SELECT outcome, stage FROM outcomes ORDER BY id DESC LIMIT 1") == [
        ("failed", "write")
    ]


def test_a_404_for_an_archived_url_keeps_the_archive_and_records_the_outcome(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    root = tmp_path / "site"
    config = make_config(root, web)
    [good] = _archive(config, WECHAT_URL)
    before = tree_state(root / "content")
    catalog_row = _rows(root, "SELECT * FROM articles")
    web.reset()
    web.route(WECHAT_URL, status(404, body=b"<html><body>Not here.</body></html>"))
    [gone] = _archive(config, WECHAT_URL)
    assert gone.outcome == "failed" and gone.stage == "fetch" and gone.error_class == "HTTPStatusError"
    assert "404" in gone.message and WECHAT_URL in gone.message
    assert good.path is not None and f"{good.path.relative_to(root)} is kept" in gone.message
    assert tree_state(root / "content") == before and _rows(root, "SELECT * FROM articles") == catalog_row
    assert _rows(root, "SELECT stage, outcome, error_class FROM outcomes ORDER BY id DESC LIMIT 1") == [
        ("fetch", "failed", "HTTPStatusError")
    ]


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []
        self.t = 0.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += seconds


def test_a_day_long_retry_after_in_a_crawl_defers_the_host_instead_of_sleeping(
    tmp_path: Path, web: FixtureWeb
) -> None:
    busy = ["https://busy.example.org/a.html", "https://busy.example.org/b.html"]
    for url in busy:
        web.route(url, status(429, headers=[("Retry-After", "86400")], body=b"slow down"))
    serve_qq(web)
    root = tmp_path / "site"
    base = make_config(root, web)
    config = dataclasses.replace(
        base,
        fetch=dataclasses.replace(base.fetch, retries=3),  # retries allowed: still never slept on
        sources=(Source(name="mixed", urls=(*busy, QQ_URL)),),
    )
    sleeps = Sleeps()
    fetcher = Fetcher(config.fetch, sleep=sleeps.sleep, clock=lambda: sleeps.t)
    with _pipeline(config, fetcher, command="crawl") as (_, pipe):
        results = pipe.crawl()
    assert [(r.url, r.outcome) for r in results] == [
        (busy[0], "deferred"),
        (busy[1], "deferred"),
        (QQ_URL, "archived"),
    ]
    assert "86400" in results[0].message and "Deferred to a run after" in results[0].message
    assert "busy.example.org asked for a pause" in results[1].message
    assert len(web.seen(busy[0])) == 1 and web.seen(busy[1]) == []  # asked once, then left alone
    assert sleeps.waits == []  # nothing slept on
    assert _rows(root, "SELECT url, outcome FROM outcomes WHERE outcome='deferred' ORDER BY id") == [
        (busy[0], "deferred"),
        (busy[1], "deferred"),
    ]
