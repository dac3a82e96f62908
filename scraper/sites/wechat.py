"""WeChat official-account pages (mp.weixin.qq.com): articles, shares, videos, and pages that are not.

How WeChat builds its pages (``../shared/SITES.md`` 3.1-3.6) sets the order of the work:

1. **The page type** from ``item_show_type`` (0 article, 5 video, 8 picture share, 10 text share,
   11 repost, 17 short post), with structural fallbacks for templates that do not print the code,
   and ``copyright_stat == 2`` / the "以下文章来源于" card for reposts.
2. **The body.** Classic pages: ``#js_content`` freed of WeChat's quirks (the hidden style, ``data-src``
   images, text written by inline ``document.write`` / ``innerHTML`` scripts, custom elements such as
   ``mp-common-mpaudio``). Share pages keep their content in the page's JS data
   (``cgiDataNew.content_noencode``, ``text_page_info``, ``picture_page_info_list``): the body is built
   from it. Video pages get description, poster and a link to the video.
3. **No body → a typed non-article**: the message in the page's error container (``.weui-msg``,
   ``.mesg-block``, ``<title>``… never the whole text, so an article quoting "该内容已被发布者删除"
   stays an article), the script-written quota page, captcha URLs, account profile pages, shells.
4. **Metadata** from meta tags, the DOM and the JS variables (``scraper.jsvars``), each with the
   fallbacks of SITES.md 3.3; publish time from ``var ct`` in China time.

Then ``build_article`` runs the shared boilerplate rules (plus ``config/sites/wechat.toml``) and the
Markdown converter. Selectors are data in ``config/sites/wechat.toml``; message markers are below.
"""

from __future__ import annotations

import base64
import binascii
import html as _html
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.config import load_rules
from scraper.html import has_text, meta, node_text, parse, squash
from scraper.jsvars import (
    UNKNOWN,
    JsPage,
    document_writes,
    html_decode,
    inner_html_assignments,
    js_unescape,
)
from scraper.models import Article
from scraper.sites import host_matches, register
from scraper.sites._common import build_article, china_time, not_article, parse_china_datetime, stable_id

SITE = "wechat"
HOST = "mp.weixin.qq.com"

# --------------------------------------------------------------------------------------------
# Named data

SHOW_TYPES = {
    0: "article",
    5: "video",
    6: "article",  # music share: the card is in #js_content
    7: "article",  # audio share: the voice link is added to the body
    8: "picshare",
    10: "textshare",
    11: "repost",
    17: "textshare",  # short post: text in content_noencode like a text share
}
"""``item_show_type`` → Article kind (RSSHub showTypeMap / SITES.md 3.2)."""

REPOST_COPYRIGHT_STAT = 2  # copyright_stat 1 = 原创, 0 = none, 2 = 转载 (republished with a source card)

ERROR_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "rate_limited",
        re.compile(
            r"频繁|环境异常|完成验证|去验证|验证身份|安全验证|人机验证|freq control"
            r"|too (?:many|frequent)|frequently|unusual (?:traffic|activity)|verify (?:your )?identity",
            re.I,
        ),
    ),
    (
        "violation",
        re.compile(
            r"违规|违反|投诉|侵权|涉嫌|敏感内容|发送失败|不实信息|谣言|[帐账]号已被(?:屏蔽|封)|封禁"
            r"|violat|infring|been blocked|complain",
            re.I,
        ),
    ),
    ("deleted", re.compile(r"删除|[帐账]号已(?:自主)?注销|deleted", re.I)),
    ("expired", re.compile(r"过期|已失效|参数错误|expired|invalid (?:link|param)", re.I)),
    (
        "unavailable",
        re.compile(
            r"无法(?:进行)?查看|无法访问|暂时无法|不存在|迁移|系统出错|系统错误"
            r"|not available|unavailable|cannot be viewed|system error",
            re.I,
        ),
    ),
    (
        "not_article",
        re.compile(r"请在微信客户端打开链接|微信扫一扫可打开此内容|open (?:it|this) in Weixin", re.I),
    ),
)
"""The page's own message → kind, tried in this order (a takedown that also says 删除 is a violation).
Broad on purpose: asked only of pages without an article body, on their error containers, ``<title>``
and script-written message (and the whole visible text of a tiny page), never on an article's text."""
ERROR_TITLES = re.compile(
    r"^(?:(?:该|此)(?:内容|帐号|账号|公众号).{0,16}(?:删除|违规|无法查看|注销|屏蔽|迁移)|链接已过期|参数错误|系统出错"
    r"|验证身份|安全验证|访问过于频繁|(?:当前)?环境异常.{0,12}|Content (?:deleted|unavailable))[。.!！]?$"
)
"""``<title>`` texts of error pages. Stricter than ERROR_MARKERS: an article titled "如何删除聊天记录"
must not become a deleted page when its body is not found."""
TINY_PAGE_CHARS = 600  # why: an error page's visible text is a sentence or two plus footer links; any
# page with a real article is far longer, so only below this is the whole text searched for markers
CAPTCHA_PATHS = re.compile(r"/mp/(?:wappoc_appmsgcaptcha|verify)|captcha", re.I)
PROFILE_PATHS = re.compile(r"^/mp/(?:aboutbiz|profile_ext|profile|getmasssendmsg)\b")
PROFILE_TITLES = re.compile(r"^(?:关于公众号|公众号资料|Account Info)$")
SHELL_TEXT = "微信扫一扫可打开此内容"
GENERIC_TITLES = frozenset(
    {"", "视频", "分享图片", "微信公众平台", "图片", "Weixin Official Accounts Platform"}
)
"""``<title>`` values that name the page type, not the post (the post title is in the JS data)."""

# "作者 多多": the English-UI template of 2018 prints the label and the name apart, with no colon
BYLINE_PREFIX = re.compile(r"^\s*(?:原创\s*[：:]?|作者\s*[：:|｜/]|作者\s+|文\s*[：:|｜/])\s*")
SOURCE_TIPS = re.compile(r"以下文章来源于\s*([^，,\s]+(?:\s[^，,\s]+)*?)\s*(?:[，,]|$)")

MIN_TIMESTAMP = 946_684_800  # why: 2000-01-01; WeChat official accounts started in 2012, older is junk
MAX_TIMESTAMP = 2_208_988_800  # why: 2040-01-01; adapters have no clock, so "now-ish" is a fixed bound
# that still rejects the junk seen in JS data (9999999999, millisecond values read as seconds)
MAX_SCRIPT_WRITE_CHARS = 200_000  # why: a script-written error page is a few KB; bound the re-parse

_ID_PARAMS = {
    "__biz": "__biz",
    "mid": "mid",
    "appmsgid": "mid",
    "idx": "idx",
    "itemidx": "idx",
    "sn": "sn",
    "sign": "sn",
}
"""Identity parameters of a permanent link, with their alternative names (/mp/appmsg/show)."""
_TEMP_PARAMS = ("src", "timestamp", "ver", "signature")
NOISE_PARAMS = frozenset(
    "chksm mpshare scene ascene subscene srcid lang sharer_sharetime sharer_shareid version exportkey "
    "pass_ticket clicktime enterid devicetype nettype abtest_cookie wx_header poc_token token key uin "
    "from isappinstalled sessionid share_source session_us fasttmpl_type fasttmpl_fullversion "
    "realreporttime".split()
)
_SHORT_ID = re.compile(r"^/s/([A-Za-z0-9_-]{6,})/?$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


@lru_cache(maxsize=1)
def _selectors() -> dict[str, Any]:
    """The [selectors] table of config/sites/wechat.toml (read once)."""
    return dict(load_rules("sites/wechat").get("selectors", {}))


def _sel(name: str) -> list[str]:
    value = _selectors().get(name, [])
    return [value] if isinstance(value, str) else list(value)


# --------------------------------------------------------------------------------------------
# URLs and identity


def unescape_url(url: str) -> str:
    r"""A URL as found in pages and pastes: ``\x26amp;``, ``\u0026``, ``&amp;amp;`` undone; trimmed."""
    url = (url or "").strip().strip("'\"")
    if "\\" in url:
        url = js_unescape(url)
    for _ in range(3):  # why: seen double-escaped (&amp;amp;) in JS strings, never deeper
        if "&amp;" not in url and "&#" not in url:
            break
        url = _html.unescape(url)
    return url


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """``a=b&c=d`` → pairs, percent-decoded, with ``+`` kept (it is base64 in ``__biz``)."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key.strip()), unquote(value.strip())))
    return pairs


def url_identity(url: str) -> dict[str, str]:
    """What a WeChat URL says about the article: ``short`` id, or ``__biz``/``mid``/``idx``/``sn``,
    or the temporary-link parameters (``src``, ``timestamp``, ``ver``, ``signature``)."""
    url = unescape_url(url)
    parts = urlsplit(url)
    if not host_matches(parts.hostname or "", HOST):
        return {}
    m = _SHORT_ID.match(parts.path)
    if m:
        return {"short": m.group(1)}
    out: dict[str, str] = {}
    for key, value in _query_pairs(parts.query):
        if key in _ID_PARAMS and value and _ID_PARAMS[key] not in out:
            out[_ID_PARAMS[key]] = value
        elif key in _TEMP_PARAMS and value and key not in out:
            out[key] = value
    return out


def long_url(biz: str, mid: str, idx: str = "", sn: str = "") -> str:
    """The permanent link ``/s?__biz=&mid=&idx=&sn=`` (``=`` of the base64 kept as is)."""
    query = f"__biz={quote(biz, safe='=')}&mid={quote(mid)}&idx={quote(idx or '1')}"
    if sn:
        query += f"&sn={quote(sn)}"
    return f"https://{HOST}/s?{query}"


def normalize_url(url: str) -> str:
    """The canonical form of a WeChat article URL; other URLs come back unescaped, fragment dropped.

    ``/s/<id>`` keeps only the id; ``/s?__biz=…`` (or ``appmsgid``/``itemidx``/``sign``) keeps
    ``__biz, mid, idx, sn``; temporary links keep ``src, timestamp, ver, signature``; other WeChat
    URLs lose the noise parameters. The scheme becomes https and ``#rd`` / ``#wechat_redirect`` go.
    """
    url = unescape_url(url)
    parts = urlsplit(url)
    if not host_matches(parts.hostname or "", HOST):
        return parts._replace(fragment="").geturl() if parts.scheme else url
    ident = url_identity(url)
    if "short" in ident:
        return f"https://{HOST}/s/{ident['short']}"
    if "__biz" in ident and "mid" in ident:
        return long_url(ident["__biz"], ident["mid"], ident.get("idx", ""), ident.get("sn", ""))
    if "src" in ident and "signature" in ident:
        query = "&".join(f"{k}={quote(ident[k], safe='=')}" for k in _TEMP_PARAMS if k in ident)
        return f"https://{HOST}{parts.path or '/s'}?{query}"
    kept = [(k, v) for k, v in _query_pairs(parts.query) if k not in NOISE_PARAMS]
    query = "&".join(f"{quote(k)}={quote(v, safe='=/:')}" for k, v in kept)
    return f"https://{HOST}{parts.path}" + (f"?{query}" if query else "")


def bizuin(biz: str) -> str:
    """``__biz`` is base64 of the numeric account id: decode it, else make the value path-safe."""
    try:
        raw = base64.b64decode(biz + "=" * (-len(biz) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if raw.isdigit():
        return raw
    return _SAFE_ID.sub("", biz.replace("+", "-").replace("/", "_"))


def article_id_for(biz: str, mid: str, idx: str, short: str, url: str) -> str:
    """``<bizuin>_<mid>_<idx>`` when the article's permanent identity is known, else the short id."""
    if biz and mid and mid.isdigit():
        return f"{bizuin(biz)}_{mid}_{idx if idx.isdigit() else '1'}"
    if short:
        return _SAFE_ID.sub("", short)
    return stable_id(url)


# --------------------------------------------------------------------------------------------
# Where each field lives, primary first (SITES.md 3.3). A source is "<kind>:<name>":
#   var:<name>  a JS variable (var x / window.x / _g.x / d.x; dotted names match only themselves)
#   new:<path>  a member of window.cgiDataNew (2021+ templates), dotted for nested members
#   old:<name>  a member of window.cgiData = {…} (video pages)
#   meta:<name> a <meta name|property> tag
#   sel:<name>  the first non-empty node of a [selectors] list in config/sites/wechat.toml
#   byline:     the byline printed in the meta line of 2017-2019 templates

SOURCES: dict[str, tuple[str, ...]] = {
    "show_type": (
        "var:item_show_type",
        "new:item_show_type",
        "old:item_show_type",
        "var:real_item_show_type",
        "new:real_item_show_type",
    ),
    "copyright_stat": ("var:copyright_stat", "new:copyright_info.copyright_stat"),
    "js_title": ("var:msg_title", "new:title", "var:d.title", "old:title", "old:video_title"),
    "dom_title": ("meta:og:title", "sel:title"),
    "author": (
        "meta:author",
        "meta:og:article:author",
        "meta:article:author",
        "sel:author",
        "byline:",
        "var:author",
        "new:author",
        "var:d.author",
    ),
    "account": (
        "sel:account",
        "new:nick_name",
        "var:d.nick_name",
        "old:nick_name",
        "var:nickname",
        "var:window.name",
    ),
    "timestamp": (
        "var:ct",
        "new:ori_create_time",
        "new:create_timestamp",
        "new:ori_send_time",
        "var:ori_create_time",
        "var:create_time",
        "var:d.create_time",
        "old:create_time",
    ),
    "date_text": ("new:create_time", "var:publish_time", "sel:publish_time", "meta:article:published_time"),
    "cover": (
        "var:msg_cdn_url",
        "meta:og:image",
        "meta:twitter:image",
        "var:cdn_url_1_1",
        "var:cdn_url_235_1",
        "new:cdn_url",
        "new:cdn_url_1_1",
        "new:cdn_url_235_1",
        "old:cdn_url",
    ),
    "digest": ("var:msg_desc", "new:desc", "meta:description", "meta:og:description"),
    "link": ("var:msg_link", "meta:og:url", "new:link", "var:d.msg_link"),
    "source_url": ("var:msg_source_url", "new:source_url"),
    "biz": ("var:biz", "new:bizuin", "var:d.biz", "var:__biz"),
    "mid": ("var:mid", "new:mid", "var:d.mid", "var:appmsgid"),
    "idx": ("var:idx", "new:idx", "var:d.idx", "var:itemidx"),
    "sn": ("var:sn", "new:sn", "var:d.sn"),
    "user_name": ("var:user_name", "new:user_name"),
    "video_desc": ("sel:video_desc", "var:msg_desc", "new:desc", "meta:description", "meta:og:description"),
    "video_poster": ("old:cdn_url", "var:msg_cdn_url", "meta:og:image", "new:cdn_url"),
    "video_id": ("old:vid", "var:vid", "var:window.cgiData.vid"),
    "video_link": ("old:source_link",),
    "profile_name": ("sel:profile_name", "var:nickname", "new:nick_name"),
    "profile_biz": ("var:biz", "var:__biz"),
    "transfer_link": ("var:transfer_target_link",),
    "pay_subscribe": ("var:is_pay_subscribe", "new:is_pay_subscribe"),
}


CGI_NEW = "cgiDataNew"
CGI_OLD = "cgiData"
JS_NAMES = frozenset(
    {spec.partition(":")[2] for specs in SOURCES.values() for spec in specs if spec.startswith("var:")}
    | {CGI_NEW, CGI_OLD, "window.cgiData.topics", "picture_page_info_list", "window.desc", "is_user_title"}
)
"""Every JS variable the adapter reads: the page's assignments to all of them are found in one pass."""


# --------------------------------------------------------------------------------------------
# The page: parsed once, JS values looked up lazily and memoised


class _Page:
    def __init__(self, html: str, url: str) -> None:
        self.html = html
        self.url = url
        self.tree: LexborHTMLParser = parse(html, url)
        self._vars: dict[str, str | None] = {}
        self._keep: list[LexborHTMLParser] = []  # fragment trees whose nodes were moved into this tree

    @cached_property
    def js(self) -> JsPage:
        """The page's assignments to JS_NAMES, found in one pass when first needed."""
        return JsPage(self.html, JS_NAMES)

    def var(self, name: str) -> str:
        """A JS variable's first non-empty literal value ('' when absent)."""
        if name not in self._vars:
            self._vars[name] = self.js.var(name)
        return self._vars[name] or ""

    @cached_property
    def cgi_new(self) -> Mapping[str, Any]:
        """``window.cgiDataNew`` (2021+ templates), ``{}`` when absent; members are read when asked
        for (it carries the whole article HTML and long lists, of which a dozen small keys are used)."""
        found = self.js.object(CGI_NEW, ("window",))
        return found if found is not None else {}

    @cached_property
    def cgi_old(self) -> dict[str, Any]:
        """Every ``window.cgiData = {…}`` literal merged (video pages keep vid/poster there)."""
        out: dict[str, Any] = {}
        for value in self.js.assignments(CGI_OLD, ("window", "_g")):
            if isinstance(value, dict):
                for key, item in value.items():
                    if item not in ("", None) or key not in out:
                        out[key] = item
        return out

    def new(self, *path: str) -> Any:
        """A nested value of cgiDataNew (``new("text_page_info", "content")``), None when absent."""
        value: Any = self.cgi_new
        for key in path:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    def get(self, spec: str) -> Any:
        """The raw value of one source (see SOURCES)."""
        kind, _, name = spec.partition(":")
        if kind == "var":
            return self.var(name)
        if kind == "new":
            return self.new(*name.split("."))
        if kind == "old":
            return self.cgi_old.get(name)
        if kind == "meta":
            return meta(self.tree, name)
        if kind == "sel":
            return self.first_text(_sel(name))
        if kind == "byline":
            return _meta_line_byline(self)
        raise ValueError(f"unknown source {spec!r}")

    def first(self, field: str, clean: Callable[[str], str] | None = None) -> str:
        """The first non-empty value of ``field`` along its SOURCES, as display text."""
        for spec in SOURCES[field]:
            text = _text(self.get(spec))
            if clean is not None:
                text = clean(text)
            if text:
                return text
        return ""

    def values(self, field: str) -> Iterator[Any]:
        """The raw values of ``field``'s sources, lazily, in order."""
        return (self.get(spec) for spec in SOURCES[field])

    def first_text(self, selectors: list[str], root: LexborNode | None = None) -> str:
        base = root if root is not None else self.tree
        for sel in selectors:
            for node in base.css(sel):
                text = node_text(node)
                if text:
                    return text
        return ""

    def first_node(self, selectors: list[str]) -> LexborNode | None:
        for sel in selectors:
            node = self.tree.css_first(sel)
            if node is not None:
                return node
        return None

    def fragment(self, html: str) -> LexborNode:
        """A detached ``<div>`` holding ``html``, kept alive as long as the page."""
        tree = parse(f'<div id="wx-fragment">{html}</div>', self.url)
        self._keep.append(tree)
        node = tree.css_first("#wx-fragment")
        assert node is not None
        return node


def _text(value: Any) -> str:
    """A JS value as display text: entity-decoded strings, squashed; '' for non-scalars."""
    if isinstance(value, bool) or value is None or value is UNKNOWN or isinstance(value, (dict, list)):
        return ""
    return squash(html_decode(str(value)))


# --------------------------------------------------------------------------------------------
# Metadata


def _int_field(page: _Page, field: str) -> int | None:
    for value in page.values(field):
        text = _text(value)
        if text.isdigit():
            return int(text)
    return None


def _fix_title(text: str) -> str:
    """og:title of share pages carries literal ``\\n`` for its line breaks."""
    return text.replace("\\n", "\n").replace("\\r", "").strip()


def _raw_title(page: _Page, share: bool) -> str:
    """The post title, line breaks kept (a text share without a user title is titled by its text).

    Share pages: the JS values first (they keep the real line breaks); other pages: og:title and the
    DOM title first.
    """
    order = ("js_title", "dom_title") if share else ("dom_title", "js_title")
    for field in order:
        for spec in SOURCES[field]:
            value = page.get(spec)
            if isinstance(value, str) and value.strip():
                text = _fix_title(html_decode(value).replace("\r\n", "\n"))
                if text:
                    return text
    text = meta(page.tree, "twitter:title") or node_text(page.tree.css_first("title"))
    return "" if text in GENERIC_TITLES else text


TITLE_MAX_CHARS = 64
"""Why 64: WeChat's own limit for a post title; a first line longer than any title a user may set is a
paragraph, and the title becomes its first sentence."""

_SENTENCE = re.compile(r".+?(?:[。！？!?]+|…{2,}|\.(?=\s|$))[”’」』）)】》\"']*", re.S)
"""A sentence: up to its end mark (``。！？!?``, an ellipsis ``……``, a full stop before a space), with the
closing quotes and brackets that follow it."""


def share_title(text: str) -> str:
    """A share's title when the post has none of its own (the title is the post's text): one line.

    The text's first non-empty line; when that line is longer than :data:`TITLE_MAX_CHARS`, its first
    sentence (a sentence is never cut: one long sentence stays whole). The full text stays in the body.
    """
    line = next((squash(part) for part in text.splitlines() if part.strip()), "")
    if len(line) <= TITLE_MAX_CHARS:
        return line
    first = _SENTENCE.match(line)
    return first.group(0).strip() if first else line


def _user_title(page: _Page) -> str:
    """``is_user_title`` of a share page: "1" (the author typed a title), "0" (the title is the text), or ""."""
    value = _text(page.new("text_page_info", "is_user_title")) or page.var("is_user_title")
    return value if isinstance(value, str) else ""


def _title_is_text(page: _Page, raw_title: str) -> bool:
    """Whether a share's title is its text, not one the author typed: WeChat says so (``is_user_title``
    0), or the title has line breaks (a typed title is one line), or it is the share's whole text."""
    user = _user_title(page)
    if user:
        return user == "0"
    text = _share_text(page, textshare=True)
    return "\n" in raw_title or (bool(text) and squash(text) == squash(raw_title))


def _clean_byline(text: str) -> str:
    text = squash(BYLINE_PREFIX.sub("", squash(text)))
    return "" if text in ("原创", "") else text


def _meta_line_byline(page: _Page) -> str:
    """The byline printed in the meta line of 2017-2019 templates (after 原创： or the date)."""
    skip = _sel("meta_line_skip")
    for line in (n for sel in _sel("meta_line") for n in page.tree.css(sel)):
        for sel in _sel("meta_line_item"):
            for item in line.css(sel):
                if any(item.css_matches(s) for s in skip) or _inside(item, skip, stop=line):
                    continue
                text = _clean_byline(node_text(item))
                if text and parse_china_datetime(text) is None:
                    return text
    return ""


def _inside(node: LexborNode, selectors: list[str], stop: LexborNode | None = None) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in ("html", "body"):
        if stop is not None and parent.mem_id == stop.mem_id:
            return False
        if any(parent.css_matches(s) for s in selectors):
            return True
        parent = parent.parent
    return False


def _timestamp(value: Any) -> datetime | None:
    """A unix time (seconds, or milliseconds) within the sanity bounds, as China time."""
    text = _text(value)
    if not text or not text.replace(".", "", 1).isdigit():
        return None
    number = float(text)
    if number > MAX_TIMESTAMP * 100:  # why: 13-digit values are milliseconds
        number /= 1000
    if not MIN_TIMESTAMP <= number <= MAX_TIMESTAMP:
        return None
    return china_time(number)


def _datetime_text(value: Any) -> datetime | None:
    parsed = parse_china_datetime(_text(value))
    if parsed is None or not MIN_TIMESTAMP <= parsed.timestamp() <= MAX_TIMESTAMP:
        return None
    return parsed


def _published(page: _Page) -> datetime | None:
    """``var ct`` first (unix seconds), then the other timestamps, then printed dates."""
    for value in page.values("timestamp"):
        found = _timestamp(value)
        if found is not None:
            return found
    for value in page.values("date_text"):
        found = _datetime_text(value)
        if found is not None:
            return found
    return None


def _image_url(url: str) -> str:
    """An image URL from the page's data: unescaped, scheme-relative made https."""
    url = unescape_url(url)
    if url.startswith("//"):
        url = "https:" + url
    return url


def _cover(page: _Page) -> str | None:
    for value in page.values("cover"):
        text = _text(value)
        if text.startswith(("http", "//")):
            url = _image_url(text)
            # why: the trailing /640 (or /300) of a cover is a resized copy; /0 is the original
            return re.sub(r"(mmbiz\.qpic\.cn/[^?#]+)/(?:640|300)(?=$|[?#])", r"\1/0", url)
    return None


def _tags(page: _Page) -> tuple[str, ...]:
    """收录于话题 / 合集: the DOM tag list, cgiDataNew's public tags and album, cgiData.topics."""
    names: list[str] = []
    for sel in _sel("tags"):
        names += [node_text(n) for n in page.tree.css(sel)]
    tag_info = page.new("public_tag_info", "tags")
    if isinstance(tag_info, list):
        names += [_text(t.get("tag_name")) for t in tag_info if isinstance(t, dict)]
    album = page.new("appmsgalbuminfo")
    if isinstance(album, dict):
        names.append(_text(album.get("title")))
    topics = page.cgi_old.get("topics")
    if not isinstance(topics, list):
        topics = next((v for v in page.js.assignments("window.cgiData.topics") if isinstance(v, list)), [])
    names += [_text(t.get("tag_name")) for t in topics if isinstance(t, dict)]
    out: list[str] = []
    for name in names:
        name = name.lstrip("#＃").strip()
        if name and name not in out:
            out.append(name)
    return tuple(out)


def _source(page: _Page) -> str:
    """The original account of a repost, from the source card above the body."""
    name = page.first_text(_sel("source_card_name"))
    if name:
        return name
    tips = page.first_text(_sel("source_card_tips"))
    m = SOURCE_TIPS.search(tips)
    return m.group(1) if m else ""


def _identity(page: _Page) -> dict[str, str]:
    """biz/mid/idx/sn from the page's data, then from msg_link/og:url, then from the URL."""
    out = {key: page.first(key) for key in ("biz", "mid", "idx", "sn")}
    short = ""
    for link in [*page.values("link"), page.url]:
        ident = url_identity(_text(link)) if _text(link) else {}
        short = short or ident.get("short", "")
        for key, name in (("biz", "__biz"), ("mid", "mid"), ("idx", "idx"), ("sn", "sn")):
            if not out[key] and ident.get(name):
                out[key] = ident[name]
    out["short"] = short
    return out


def _canonical(page: _Page, ident: dict[str, str]) -> str:
    """msg_link / og:url normalised; else the URL if it is WeChat's; else the permanent link."""
    for value in page.values("link"):
        text = _text(value)
        if text.startswith("http"):
            return normalize_url(text)
    if url_identity(page.url) or not (ident.get("biz") and ident.get("mid")):
        return normalize_url(page.url)
    return long_url(ident["biz"], ident["mid"], ident.get("idx", ""), ident.get("sn", ""))


# --------------------------------------------------------------------------------------------
# Bodies

_TAGLIKE = re.compile(r"<(?![A-Za-z][\w:-]*[\s/>]|/[A-Za-z][\w:-]*\s*>|!--)")
_BLANK_LINE = re.compile(r"\n[ \t\u3000\u00a0]*\n")


def text_to_html(text: str) -> str:
    """Share-page text (may hold inline tags such as links) as HTML paragraphs.

    Blank lines separate paragraphs; a single newline is a line break. A ``<`` that does not open a
    tag is escaped so "a<b" stays text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TAGLIKE.sub("&lt;", text)
    paragraphs = [p.strip("\n") for p in _BLANK_LINE.split(text)]
    return "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs if p.strip())


def _written_html(value: str) -> str:
    """What ``document.write(s.replace(/\\n/g, "<br>"))`` puts on the page."""
    return value.replace("\r", "").replace("\n", "<br>")


def _insert_html_before(page: _Page, anchor: LexborNode, html: str) -> None:
    fragment = page.fragment(html)
    for child in list(fragment.iter(include_text=True)):
        anchor.insert_before(child)


def _replace_with_html(page: _Page, node: LexborNode, html: str) -> None:
    _insert_html_before(page, node, html)
    node.decompose()


def _esc(text: str) -> str:
    return _html.escape(text, quote=True)


def _run_scripts(page: _Page, root: LexborNode) -> None:
    """Replace inline scripts by what they write: ``document.write("…")`` and ``….innerHTML = "…"``."""
    for script in root.css("script"):
        code = script.text(deep=True)
        if "document" in code:
            for target_id, value in inner_html_assignments(code).items():
                target = page.tree.css_first(f'[id="{target_id}"]')
                if target is not None:
                    target.inner_html = _written_html(value)
            writes = document_writes(code)
            if writes:
                _insert_html_before(page, script, _written_html("".join(writes)))
        script.decompose()


def _convert_custom_elements(page: _Page, root: LexborNode) -> None:
    """WeChat's custom elements and lazy media → plain HTML the converter understands."""
    for node in root.css("mpvoice, mp-common-mpaudio, mpaudio"):
        attrs = node.attributes
        fileid = attrs.get("voice_encode_fileid") or attrs.get("data-voice_encode_fileid") or ""
        name = html_decode(attrs.get("name") or attrs.get("data-name") or "") or "语音"
        label = _esc(squash(f"[语音] {name}"))
        if fileid:
            href = "https://res.wx.qq.com/voice/getvoice?mediaid=" + quote(fileid, safe="=")
            _replace_with_html(page, node, f'<p><a href="{_esc(href)}">{label}</a></p>')
        else:
            _replace_with_html(page, node, f"<p>{label}</p>")
    for node in root.css("mp-common-sticker"):
        src = node.attributes.get("data-emoji_url") or ""
        if src:
            _replace_with_html(page, node, f'<img src="{_esc(_image_url(src))}" alt="[表情]">')
        else:
            node.decompose()
    for node in root.css("mp-common-videosnap, mpvideosnap"):
        attrs = node.attributes
        desc = squash(attrs.get("data-desc") or "")
        who = squash(attrs.get("data-nickname") or "")
        label = _esc(squash(f"[视频号] {who}：{desc}" if who and desc else f"[视频号] {who or desc}"))
        href = attrs.get("data-url") or ""
        inner = f'<a href="{_esc(href)}">{label}</a>' if href.startswith("http") else label
        _replace_with_html(page, node, f"<p>{inner}</p>")
    for node in root.css("qqmusic, mp-common-qqmusic"):
        attrs = node.attributes
        name = squash(f"{attrs.get('music_name') or ''} {attrs.get('singer') or ''}")
        _replace_with_html(page, node, f"<p>{_esc('[音乐] ' + name if name else '[音乐]')}</p>")
    for node in root.css("iframe"):
        attrs = node.attributes
        src = unescape_url(attrs.get("data-src") or attrs.get("src") or "")
        m = re.search(r"[?&]vid=([A-Za-z0-9_]+)", src)
        vid = attrs.get("data-mpvid") or (m.group(1) if m else "")
        if vid.startswith("wxv_"):  # a video uploaded to WeChat: its player page
            href = f"https://{HOST}/mp/readtemplate?t=pages/video_player_tmpl&vid={vid}"
        elif vid and ("v.qq.com" in src or "video_iframe" in (attrs.get("class") or "")):
            href = f"https://v.qq.com/x/page/{vid}.html"  # a Tencent Video id
        else:
            if src.startswith("http"):
                node.attrs["src"] = src
            continue
        _replace_with_html(page, node, f'<p><a href="{_esc(href)}">[视频] {_esc(href)}</a></p>')


def _fix_images(root: LexborNode) -> None:
    """Images live in ``data-src``; ``src`` is empty or an SVG placeholder."""
    for img in root.css("img"):
        attrs = img.attributes
        real = attrs.get("data-src") or attrs.get("data-original") or attrs.get("data-backsrc") or ""
        if real:
            img.attrs["src"] = _image_url(real)
        elif (attrs.get("src") or "").startswith("data:") or not attrs.get("src"):
            img.decompose()


def _unhide(node: LexborNode) -> None:
    """#js_content ships ``visibility: hidden; opacity: 0``; page JS removes it at runtime."""
    style = node.attributes.get("style")
    if style is None:
        return
    kept = [
        d for d in style.split(";") if d.strip() and d.split(":")[0].strip() not in ("visibility", "opacity")
    ]
    if kept:
        node.attrs["style"] = ";".join(kept)
    else:
        del node.attrs["style"]


def _prepare(page: _Page, node: LexborNode) -> LexborNode:
    """Make a DOM body as the browser would show it (scripts run, media resolved, unhidden)."""
    _run_scripts(page, node)
    for junk in node.css("style, noscript, template"):
        junk.decompose()
    _unhide(node)
    _fix_images(node)
    _convert_custom_elements(page, node)
    return node


def _has_content(node: LexborNode | None) -> bool:
    if node is None:
        return False
    return has_text(node) or node.css_first("img[src], a[href]") is not None


def _dom_body(page: _Page) -> LexborNode | None:
    """The first body container the page has (alternates only when #js_content is missing: the share
    templates' #js_article_content wraps a profile stub), prepared; None when it is empty."""
    node = page.first_node(_sel("body"))
    if node is None:
        return None
    node = _prepare(page, node)
    return node if _has_content(node) else None


def _article_body(page: _Page) -> LexborNode | None:
    """#js_content, else the article HTML cgiDataNew carries in content_noencode (async templates)."""
    node = _dom_body(page)
    if node is not None:
        return node
    html = page.new("content_noencode")
    if isinstance(html, str) and "<" in html:
        fragment = _prepare(page, page.fragment(html))
        return fragment if _has_content(fragment) else None
    return None


def _picture_urls(page: _Page) -> list[str]:
    pictures = page.new("picture_page_info_list")
    if not pictures:
        for value in page.js.assignments("picture_page_info_list", ("window",)):
            if isinstance(value, list) and value:
                pictures = value
                break
    urls: list[str] = []
    for item in pictures or []:
        if isinstance(item, dict):
            url = _text(item.get("cdn_url"))
            if url.startswith(("http", "//")) and _image_url(url) not in urls:
                urls.append(_image_url(url))
    return urls


def _share_text(page: _Page, textshare: bool) -> str:
    """The text of a picture or text share: ``content_noencode`` (the raw text), then its fallbacks."""
    candidates: list[Any] = []
    if textshare:
        candidates += [page.new("text_page_info", "content_noencode")]
    candidates += [page.new("content_noencode")]
    if textshare:
        encoded = page.new("text_page_info", "content")
        candidates += [html_decode(encoded) if isinstance(encoded, str) else None]
    candidates += [page.var("window.desc"), page.new("desc")]
    for value in candidates:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _picshare_body(page: _Page, title: str) -> LexborNode | None:
    images = _picture_urls(page)
    text = _share_text(page, textshare=False)
    if images or text:
        alt = _esc(squash(title)[:60])
        imgs = "".join(f'<p><img src="{_esc(u)}" alt="{alt}"></p>' for u in images)
        node = page.fragment(imgs + text_to_html(text))
        return node if _has_content(node) else None
    return _dom_body(page)  # 2018 template: document.write text in p.share_notice + #img_list


def _textshare_body(page: _Page, raw_title: str) -> LexborNode | None:
    text = _share_text(page, textshare=True)
    if not text and _user_title(page) in ("0", "") and raw_title:
        text = raw_title  # without a user title the title is the whole text
    if not text:
        desc = page.first_node(_sel("text_share_desc"))  # server-rendered text, when the page has it
        return _prepare(page, desc) if desc is not None and _has_content(desc) else None
    node = page.fragment(text_to_html(text))
    return node if _has_content(node) else None


def _video_description(page: _Page) -> str:
    holder = page.first_node(_sel("body"))
    if holder is not None:
        for script in holder.css("script"):
            for target_id, value in inner_html_assignments(script.text(deep=True)).items():
                if target_id in ("js_video_desc", "js_common_share_desc"):
                    return value
    return page.first("video_desc")


def _video_body(page: _Page, title: str) -> LexborNode | None:
    desc = _video_description(page)
    poster = page.first("video_poster")
    vid = page.first("video_id")
    link = page.first("video_link")
    if not link and vid and not vid.startswith("wxv_"):
        link = f"https://v.qq.com/x/page/{vid}.html"  # a Tencent Video id
    link = unescape_url(link) if link.startswith("http") else _canonical(page, _identity(page))
    parts = [text_to_html(desc)] if desc else []
    if poster.startswith(("http", "//")):
        parts.append(f'<p><img src="{_esc(_image_url(poster))}" alt="{_esc(squash(title))}"></p>')
    label = _esc(f"▶ 视频：{squash(title)}" if title else "▶ 视频")
    parts.append(f'<p><a href="{_esc(link)}">{label}</a></p>')
    return page.fragment("".join(parts))


def _share_card_body(page: _Page) -> LexborNode | None:
    """Old repost pages: the reposter's note and a card linking to the shared article."""
    share = page.first_node(_sel("share_content"))
    if share is None:
        return None
    note = page.first_text(_sel("share_notice"), share)
    source = page.first_node(_sel("share_source"))
    parts = [text_to_html(note)] if note else []
    if source is not None:
        href = unescape_url(source.attributes.get("data-url") or source.attributes.get("href") or "")
        label = node_text(source) or href
        if href.startswith("http"):
            parts.append(f'<p><a href="{_esc(normalize_url(href))}">{_esc(label)}</a></p>')
    node = page.fragment("".join(parts))
    return node if _has_content(node) else None


# --------------------------------------------------------------------------------------------
# Pages that are not articles


def _container_messages(tree: LexborHTMLParser) -> list[str]:
    """Texts of the error containers. Only asked of pages without an article body, so an article
    that quotes an error message in its text is never mistaken for an error page."""
    out: list[str] = []
    for sel in _sel("error_containers"):
        for node in tree.css(sel):
            text = node_text(node)
            if text and text not in out:
                out.append(text)
    return out


def _script_written(page: _Page) -> LexborHTMLParser | None:
    """The HTML the page's scripts write with ``document.write`` (the quota page has no static text)."""
    writes: list[str] = []
    size = 0
    for script in page.tree.css("script"):
        code = script.text(deep=True)
        if "document.write" not in code:
            continue
        for value in document_writes(code):
            writes.append(value)
            size += len(value)
        if size > MAX_SCRIPT_WRITE_CHARS:
            break
    if not writes:
        return None
    tree = parse("<body>" + "".join(writes)[:MAX_SCRIPT_WRITE_CHARS] + "</body>", page.url)
    page._keep.append(tree)
    return tree


def _classify(messages: list[str]) -> tuple[str, str] | None:
    for kind, pattern in ERROR_MARKERS:
        for message in messages:
            if pattern.search(message):
                return kind, message
    return None


def _page_message(page: _Page, tree: LexborHTMLParser) -> str:
    """The error page's own words: its title line and description, without the footer links."""
    title = node_text(tree.css_first(".weui-msg__title"))
    desc = node_text(tree.css_first(".weui-msg__desc"))
    return "：".join(p for p in (title, desc) if p)


_SENTENCES = {
    "deleted": "The WeChat article {url} was deleted by its publisher; the page says “{msg}”.",
    "violation": "The WeChat article {url} was taken down by the platform; the page says “{msg}”.",
    "unavailable": "The WeChat article {url} is not available; the page says “{msg}”.",
    "expired": "The WeChat link {url} has expired or is invalid; the page says “{msg}”.",
    "rate_limited": "WeChat answered {url} with a rate-limit or identity check instead of the article; "
    "the page says “{msg}”. Retry later.",
    "not_article": "The page {url} carries no WeChat article content; the page says “{msg}”.",
}


def _non_article(page: _Page) -> Article:
    """The typed outcome for a page without an article body."""
    url = page.url
    path = urlsplit(unescape_url(url)).path
    if CAPTCHA_PATHS.search(path):
        msg = next(iter(_container_messages(page.tree)), "captcha / verification page")
        return not_article(url, SITE, "rate_limited", _SENTENCES["rate_limited"].format(url=url, msg=msg))
    title = node_text(page.tree.css_first("title"))
    if PROFILE_PATHS.search(path) or PROFILE_TITLES.match(title) or page.first_node(_sel("profile_page")):
        return _profile(page, title)
    for tree in (page.tree, _script_written(page)):
        if tree is None:
            continue
        messages = _container_messages(tree)
        if tree is page.tree and (ERROR_TITLES.match(title) or known_error_message(title)):
            messages.append(title)
        found = _classify(messages)
        if found is not None:
            kind, message = found
            message = _page_message(page, tree) if _classify([_page_message(page, tree)]) else message
            extra = {}
            target = page.first("transfer_link")
            if target:
                extra["redirect"] = normalize_url(target)
            return not_article(
                url, SITE, kind, _SENTENCES[kind].format(url=url, msg=message[:200]), extra=extra
            )
    target = page.first("transfer_link")
    if target.startswith("http"):
        target = normalize_url(target)
        return not_article(
            url,
            SITE,
            "unavailable",
            f"The WeChat account of {url} has moved (该公众号已迁移); its articles are now at {target}.",
            extra={"redirect": target},
        )
    redirect = re.search(r"location\.replace\(\s*(['\"])(https?://[^'\"]+)\1", page.html[:200_000])
    if redirect:
        target = unescape_url(redirect.group(2))
        return not_article(
            url,
            SITE,
            "not_article",
            f"The page {url} only redirects (location.replace) to {target}.",
            extra={"redirect": target},
        )
    body = page.tree.body
    if body is not None:
        for node in body.css("script, style, noscript, template"):
            node.decompose()  # what a reader sees; the page is done with
    text = node_text(body) if body is not None else ""
    bare = page.first_node(_sel("article")) is None and not meta(page.tree, "og:title")
    found = _classify([text]) if bare and len(text) <= TINY_PAGE_CHARS else None
    if found is not None and found[0] != "not_article":
        kind, _ = found
        return not_article(url, SITE, kind, _SENTENCES[kind].format(url=url, msg=text[:200]))
    if SHELL_TEXT in text:
        return not_article(
            url, SITE, "not_article", _SENTENCES["not_article"].format(url=url, msg=SHELL_TEXT)
        )
    return not_article(url, SITE, "not_article", f"The page {url} has no WeChat article content.")


_RENAME = re.compile(r"[“\"]([^”\"]+)[”\"]\s*$")


def _profile(page: _Page, title: str) -> Article:
    """An account profile (关于公众号): its account name, never an article."""
    name = ""
    for sel in _sel("profile_rename_items"):
        node = page.tree.css_first(sel)
        if node is not None:
            m = _RENAME.search(node_text(node))  # 名称记录, newest first: … 改名“<current name>”
            if m:
                name = m.group(1).strip()
                break
    name = name or page.first("profile_name")
    url = page.url
    who = f"the WeChat account {name}" if name else "a WeChat account"
    message = f"The page {url} is the profile of {who} ({title or 'account page'}), not an article."
    biz = page.first("profile_biz")
    if not biz:
        m = re.search(r"__biz=([A-Za-z0-9+/=]+)", page.html[:500_000])
        biz = m.group(1) if m else ""
    return not_article(url, SITE, "profile", message, account=name or None, extra={"biz": biz} if biz else {})


# --------------------------------------------------------------------------------------------
# The adapter


def _is_repost(page: _Page, show_type: int | None) -> bool:
    if show_type == 11 or _int_field(page, "copyright_stat") == REPOST_COPYRIGHT_STAT:
        return True
    return (
        bool(page.first_text(_sel("source_card_tips"))) or page.first_node(_sel("share_content")) is not None
    )


def _kind_and_body(page: _Page, show_type: int | None, raw_title: str) -> tuple[str, LexborNode | None]:
    kind = SHOW_TYPES.get(show_type, "article") if show_type is not None else ""
    if not kind:  # old templates without the code: recognise the type by its structure
        if page.cgi_old.get("vid") or page.tree.css_first("#js_mpvedio, #video_title, .video_card_context"):
            kind = "video"
        elif page.new("picture_page_info_list") or page.tree.css_first("#img_list"):
            kind = "picshare"
        elif page.new("text_page_info", "content_noencode"):
            kind = "textshare"
        else:
            kind = "article"
    if kind == "video":
        return kind, _video_body(page, raw_title)
    if kind == "picshare":
        return kind, _picshare_body(page, raw_title)
    if kind == "textshare":
        return kind, _textshare_body(page, raw_title)
    if _is_repost(page, show_type):
        return "repost", _article_body(page) or _share_card_body(page)
    return kind, _article_body(page)


SNIFF_ARTICLE_MARKERS = (
    'id="js_article"',
    "id='js_article'",
    'id="js_content"',
    "cgiDataNew",
    "var msg_link",
    "var biz =",
)
SNIFF_ERROR_MARKERS = ('class="weui-msg', "mesg-block", "js_div_rename_history", "appmsgqrcode")
SNIFF_HOSTS = ("mp.weixin.qq.com", "res.wx.qq.com", "mmbiz.qpic.cn")

KNOWN_ERROR_MESSAGES: dict[str, tuple[str, ...]] = {
    "deleted": ("该内容已被发布者删除", "The content has been deleted by the author", "此帐号已自主注销"),
    "violation": (
        "此内容因违规无法查看",
        "此内容发送失败无法查看",
        "涉嫌违反相关法律法规和政策发送失败",
        "网页包含敏感内容",
        "该内容被投诉且经审核涉嫌侵权，无法查看",
        "此帐号已被屏蔽",
    ),
    "unavailable": ("该内容暂时无法查看", "此帐号处于帐号迁移流程中", "该公众号已迁移", "系统出错"),
    "expired": ("链接已过期", "参数错误"),
    "rate_limited": (
        "访问过于频繁，请用微信扫描二维码进行访问",
        "访问过于频繁",
        "当前环境异常，完成验证后即可继续访问",
        "环境异常",
    ),
}
"""WeChat's error pages word for word (SITES.md 3.6, the corpus), by the kind ``extract`` gives them.
A page saved without WeChat's hosts is claimed by them alone: see :func:`bare_error_page`."""
_KNOWN_ERRORS = frozenset(m for messages in KNOWN_ERROR_MESSAGES.values() for m in messages)
BARE_ERROR_PAGE_CHARS = 8_000  # why: WeChat's bare error page is ~1 KB (a title, a style block, one
# <p>); only pages this small are parsed to read their words, and an article never is one
NOT_AN_ERROR_PAGE = (
    "article, main, img, picture, video, audio, iframe, embed, object, table, ul, ol, form, a[href], "
    "#js_content, #js_article"
)
"""What an error page never holds: any of it is article structure, and the page is not claimed."""
_MESSAGE_END = "。.!！ "


def bare_error_page(html: str) -> bool:
    """A tiny page whose ``<title>`` and whole visible text are each empty or exactly one of
    ``KNOWN_ERROR_MESSAGES`` (at least one of them not empty), with no article structure.

    Why: WeChat's plain error page (``<title>该内容暂时无法查看</title>`` and one ``<p>`` saying so)
    names no WeChat host, so a user's ``extract FILE --url <anything>`` of it would otherwise get
    the generic "not an article" instead of its kind. Nothing but the message may be on the page,
    so no page of another site with content is ever taken.
    """
    if len(html) > BARE_ERROR_PAGE_CHARS:
        return False
    tree = parse(html)
    body = tree.body
    if body is not None and body.css_first(NOT_AN_ERROR_PAGE) is not None:
        return False
    if body is not None:
        for node in body.css("script, style, noscript, template"):
            node.decompose()
    words = [node_text(node) for node in (tree.css_first("title"), body)]
    return any(words) and all(not w or known_error_message(w) for w in words)


def known_error_message(text: str) -> bool:
    """Whether ``text`` is word for word one of ``KNOWN_ERROR_MESSAGES`` (closing punctuation aside)."""
    return squash(text).rstrip(_MESSAGE_END) in _KNOWN_ERRORS


def sniff(html: str) -> bool:
    """Claim a WeChat page saved under another URL (a browser save, an archive copy): WeChat's
    hosts plus its article structure, or its error / profile page markup; or, without the hosts,
    a bare WeChat error page (:func:`bare_error_page`)."""
    if any(host in html for host in SNIFF_HOSTS):
        if any(marker in html for marker in SNIFF_ARTICLE_MARKERS + SNIFF_ERROR_MARKERS):
            return True
        if re.search(r"""og:url["']\s+content=["']https?://mp\.weixin\.qq\.com/""", html[:300_000]):
            return True
    return bare_error_page(html)


@register(SITE, (HOST,), sniff=sniff)
def extract(html: str, url: str) -> Article:
    """Extract a WeChat page: an Article of kind article/repost/picshare/textshare/video, or a typed
    non-article (deleted, violation, unavailable, expired, rate_limited, profile, not_article)."""
    page = _Page(html, url)
    if CAPTCHA_PATHS.search(urlsplit(unescape_url(url)).path):
        return _non_article(page)
    show_type = _int_field(page, "show_type")
    share = show_type in (8, 10, 17)
    raw_title = _raw_title(page, share)
    kind, body = _kind_and_body(page, show_type, raw_title)
    if body is None:
        return _non_article(page)
    ident = _identity(page)
    canonical = _canonical(page, ident)
    digest = "" if share else page.first("digest")  # why: a share's digest is its whole text
    if kind == "video":
        digest = digest or squash(html_decode(re.sub(r"<[^>]*>", " ", _video_description(page))))
    source_url = page.first("source_url")
    wechat = {
        "biz": ident["biz"],
        "mid": ident["mid"],
        "idx": ident["idx"],
        "sn": ident["sn"],
        "short_url": f"https://{HOST}/s/{ident['short']}" if ident["short"] else "",
        "long_url": long_url(ident["biz"], ident["mid"], ident["idx"], ident["sn"])
        if ident["biz"] and ident["mid"]
        else "",
        "user_name": page.first("user_name"),
        "item_show_type": show_type,
        "copyright_stat": _int_field(page, "copyright_stat"),
        "paid": _int_field(page, "pay_subscribe") == 1 or None,  # only a preview is public
    }
    article = build_article(
        url=url,
        site=SITE,
        body=body,
        kind=kind,
        title=share_title(raw_title) if share and _title_is_text(page, raw_title) else raw_title,
        author=page.first("author", _clean_byline) or None,
        account=page.first("account") or None,
        published=_published(page),
        digest=digest,
        cover=_cover(page),
        tags=_tags(page),
        canonical_url=canonical,
        source=(_source(page) or None) if kind == "repost" else None,
        source_url=unescape_url(source_url) if source_url.startswith("http") else None,
        article_id=article_id_for(ident["biz"], ident["mid"], ident["idx"], ident["short"], canonical),
        base_url=canonical,
        extra={"wechat": {k: v for k, v in wechat.items() if v not in ("", None)}},
    )
    return article
