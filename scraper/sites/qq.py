"""Tencent News (腾讯新闻): new.qq.com / news.qq.com / view.inews.qq.com and the older *.qq.com layout.

URL forms and identity (``article_id`` = the Tencent ID, e.g. ``20250213A06FMB00``)::

    https://new.qq.com/rain/a/<ID>            current desktop page        ┐
    https://news.qq.com/rain/a/<ID>           same article, other host     │ canonical:
    https://view.inews.qq.com/a/<ID>          mobile page                  │ https://new.qq.com/rain/a/<ID>
    https://new.qq.com/omn/<YYYYMMDD>/<ID>.html, https://new.qq.com/omn/<ID>  (2018–2021 omn layout) ┘
    http://finance.qq.com/a/<YYYYMMDD>/<n>.htm    old Cnt-Main-Article-QQ layout; id "finance-<date>-<n>"

Metadata comes from the page's data first, the DOM second:

* ``window.DATA = {…}`` (valid JSON): ``title``, ``media`` (the Tencent account), ``pubtime`` (China
  time), ``article_id``/``cms_id``, ``url``, ``card.chlname``, ``tags``, ``introduction``/``abstract``,
  ``originContent.text`` (the body HTML, used when the DOM shell is empty);
* ``window.initData`` on mobile pages (``content`` is the body HTML);
* ``ARTICLE_INFO = {…}`` (a JS literal, not JSON) on the old layout: ``title``, ``pubtime``,
  ``article_url``, ``tags``; the DOM adds ``.a_source`` (account), ``.a_time``, ``.a_author``.

Body: ``div.rich_media_content`` (current pages, WeChat-editor markup) → ``div.content-article``
(omn: ``p.one-p``, ``img.content-picture``) → ``#Cnt-Main-Article-QQ`` → ``originContent.text`` /
``initData.content``. Images come from ``data-src`` (lazy) or ``src``, made absolute (https).

Author and account: the page's account (``media``) wins; otherwise, and always for the author, the
credit lines at the head and tail of the body decide (``scraper.credits.resolve_credits``). Crawler
items (``scraper.feeditem``) arrive here as rendered pages with a ``window.DATA`` of their own.

Outcomes that are not articles: the bot check (``<title>安全验证</title>``) → ``rate_limited``; a page
or item without body text (video, paid column, empty ``#article-content``) → ``unavailable``;
Tencent's "deleted" notices → ``deleted``. Selectors and phrases live in ``config/sites/qq.toml``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.config import load_rules
from scraper.credits import resolve_credits
from scraper.feeditem import FEED_BODY_ID, FEED_MARKER
from scraper.html import has_text, meta, node_text, parse, squash
from scraper.models import Article
from scraper.sites import register
from scraper.sites._common import build_article, china_time, not_article, parse_china_datetime

SITE = "qq"
HOSTS = ("new.qq.com", "news.qq.com", "inews.qq.com", "view.inews.qq.com", "qq.com")
"""Host suffixes. ``qq.com`` catches the old ``finance.qq.com/a/…`` pages; the registry prefers the
longest matching suffix, so ``mp.weixin.qq.com`` stays with the WeChat adapter."""

CANONICAL = "https://new.qq.com/rain/a/{id}"

TENCENT_ID = re.compile(
    r"(?<![A-Za-z0-9])((?:[A-Z]{2,5})?\d{8}[A-Z][A-Z0-9]{5,9}|[A-Z]{2,5}\d{8}[A-Z0-9]{6,12})(?![A-Za-z0-9])"
)
"""``YYYYMMDD`` + type letter (A article, V video …) + 6–8 alphanumerics, e.g. 20250213A06FMB00;
some carry a channel prefix (EDU2021…)."""

OLD_PATH = re.compile(r"^/a/(?P<date>\d{8})/(?P<n>\d{3,9})\.s?html?$")
"""The old layout: ``/a/<YYYYMMDD>/<n>.htm``."""

DATA_TITLE_KEYS = ("title", "long_title", "longtitle")
DATA_ACCOUNT_KEYS = ("media", "media_name", "chlname", "uinnick")
DATA_TIME_KEYS = ("pubtime", "pub_time", "publish_time", "pubTime", "timestamp", "time")
DATA_DIGEST_KEYS = ("introduction", "abstract", "desc", "description", "summary")
DATA_COVER_KEYS = ("cover", "shareImg", "share_img", "img", "thumbnail", "bigImage", "miniProShareImage")
DATA_ID_KEYS = ("cms_id", "article_id", "id", "cid")
DATA_BODY_PATHS = (("originContent", "text"), ("content", "text"), ("content",), ("originContent",))

BLOCK_TAGS = frozenset(
    {"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "figcaption",
     "td", "th", "pre", "article", "header", "footer", "aside", "figure", "dd", "dt"}
)  # fmt: skip
"""Tags that make a text block; credit lines are looked for in the leaf blocks."""

MEDIA_TAGS = frozenset({"img", "table", "video", "iframe", "svg", "picture"})
"""A text block right after one of these is a caption (``来源：Wind`` under a chart)."""

SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})

IMG_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-url", "src")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """``config/sites/qq.toml`` (selectors for this module; [boilerplate] is the engine's)."""
    return load_rules("sites/qq")


def _selectors(name: str) -> list[str]:
    value = rules().get("selectors", {}).get(name, [])
    return [value] if isinstance(value, str) else list(value)


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------


def tencent_id(url: str) -> str:
    """The Tencent article ID in a URL's path ("" when there is none)."""
    path = urlsplit(url.strip()).path
    m = TENCENT_ID.search(path)
    return m.group(1) if m else ""


def old_article_id(url: str) -> str:
    """``finance-20190923-000843`` for ``http://finance.qq.com/a/20190923/000843.htm`` ("" otherwise)."""
    parts = urlsplit(url.strip())
    m = OLD_PATH.match(parts.path)
    host = (parts.hostname or "").lower()
    if not m or not (host == "qq.com" or host.endswith(".qq.com")):
        return ""
    sub = host.removesuffix("qq.com").rstrip(".").replace(".", "-") or "www"
    return f"{sub}-{m['date']}-{m['n']}"


def canonical_url(url: str) -> str | None:
    """``https://new.qq.com/rain/a/<ID>`` for every ID form; the old layout keeps its own URL."""
    tid = tencent_id(url)
    if tid:
        return CANONICAL.format(id=tid)
    if old_article_id(url):
        parts = urlsplit(url.strip())
        return f"{parts.scheme or 'https'}://{parts.hostname}{parts.path}"
    return None


# ---------------------------------------------------------------------------------------------
# Page data
# ---------------------------------------------------------------------------------------------


def js_json(html: str, name: str) -> dict[str, Any]:
    """The JSON object assigned to ``window.<name>`` in a script, or ``{}``."""
    m = re.search(r"window\." + re.escape(name) + r"\s*=\s*(?=\{)", html)
    if not m:
        return {}
    try:
        value, _ = json.JSONDecoder(strict=False).raw_decode(html, m.end())
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_INFO_BLOCK = re.compile(
    r"ARTICLE_INFO\s*=\s*(?:window\.ARTICLE_INFO\s*\|\|\s*)?\{(?P<body>.*?)\n\s*\}", re.S
)
_INFO_PAIR = re.compile(r"(?m)^\s*(?P<key>\w+)\s*:\s*(?P<q>['\"])(?P<value>.*?)(?P=q)\s*,?\s*$")
_INFO_TAGS = re.compile(r"(?m)^\s*tags\s*:\s*\[(?P<items>[^\]]*)\]")


def article_info(html: str) -> dict[str, Any]:
    """The string fields (and ``tags``) of the old layout's ``ARTICLE_INFO`` JS literal."""
    m = _INFO_BLOCK.search(html)
    if not m:
        return {}
    body = m["body"]
    info: dict[str, Any] = {p["key"]: p["value"] for p in _INFO_PAIR.finditer(body)}
    if t := _INFO_TAGS.search(body):
        info["tags"] = re.findall(r"['\"]([^'\"]+)['\"]", t["items"])
    return info


def _get(data: dict[str, Any], *path: str) -> Any:
    cur: Any = data
    for key in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
    return cur


def _first_str(data: Any, keys: tuple[str, ...]) -> str:
    if not isinstance(data, dict):
        return ""
    for key in keys:
        value = data.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and squash(str(value)):
            return squash(str(value))
    return ""


def _time(value: str) -> datetime | None:
    """A pubtime string ("2019-09-07 19:02:26", China time) or unix seconds."""
    value = squash(value)
    if re.fullmatch(r"\d{10}(?:\d{3})?", value):
        return china_time(int(value[:10]))
    return parse_china_datetime(value)


def _tags(*values: Any) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        items = (
            value
            if isinstance(value, list)
            else re.split(r"[,，;；]", value)
            if isinstance(value, str)
            else []
        )
        for item in items:
            if isinstance(item, dict):
                item = next(
                    (item[k] for k in ("name", "tag_word", "word", "tag") if isinstance(item.get(k), str)), ""
                )
            tag = squash(str(item))
            if tag and tag not in out:
                out.append(tag)
    return tuple(out)


def _dom_text(tree: LexborHTMLParser, selectors: list[str]) -> str:
    for sel in selectors:
        node = tree.css_first(sel)
        text = node_text(node)
        if text:
            return text
    return ""


def _attr(tree: LexborHTMLParser, selector: str, name: str) -> str:
    node = tree.css_first(selector)
    return squash(node.attributes.get(name)) if node is not None else ""


def _https(link: str) -> str:
    """Protocol-relative and plain-http Tencent image URLs as https (the CDN serves both)."""
    if link.startswith("//"):
        return "https:" + link
    if link.startswith("http://") and urlsplit(link).hostname in ("inews.gtimg.com", "mat1.gtimg.com"):
        return "https://" + link[len("http://") :]
    return link


def _strip_title_suffix(title: str) -> str:
    pattern = rules().get("selectors", {}).get("title_suffix")
    return re.sub(pattern, "", title).strip() if pattern else title


# ---------------------------------------------------------------------------------------------
# Body
# ---------------------------------------------------------------------------------------------


def _has_content(node: LexborNode | None) -> bool:
    """Text or an image: a picture-only article is still an article, an empty shell is not."""
    if node is None:
        return False
    if has_text(node):
        return True
    return node.css_first("img") is not None


def _find_body(
    tree: LexborHTMLParser, data: dict[str, Any], init: dict[str, Any], url: str
) -> tuple[LexborNode | None, LexborHTMLParser]:
    """The body node (and the tree owning it): DOM containers first, then the page's JSON copy."""
    for sel in [*_selectors("body"), f"#{FEED_BODY_ID}"]:
        for node in tree.css(sel):
            if _has_content(node):
                return node, tree
    for source in (data, init):
        for path in DATA_BODY_PATHS:
            html = _get(source, *path)
            if isinstance(html, str) and html.strip():
                sub = parse(html if "<" in html else f"<p>{html}</p>", url)
                for sel in _selectors("body"):
                    found = sub.css_first(sel)
                    if _has_content(found):
                        return found, sub
                if _has_content(sub.body):
                    return sub.body, sub
    return None, tree


def _absolutize(body: LexborNode, base: str) -> None:
    """Lazy images to their real URL and every link absolute (protocol-relative → https)."""

    def absolute(link: str) -> str:
        return _https(urljoin(base, _https(link.strip())))

    for img in body.css("img"):
        attrs = img.attributes
        src = next(
            (v for a in IMG_SRC_ATTRS if (v := (attrs.get(a) or "").strip()) and not v.startswith("data:")),
            "",
        )
        if src:
            img.attrs["src"] = absolute(src)
            if "data-src" in attrs:
                img.attrs["data-src"] = absolute(src)
    for a in body.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            a.attrs["href"] = absolute(href)


def _block_text(node: LexborNode) -> str:
    """Text of a leaf block with ``<br>`` kept as line breaks."""
    parts: list[str] = []
    for d in node.traverse(include_text=True):
        if d.tag == "-text":
            parts.append(d.text_content or "")
        elif d.tag == "br":
            parts.append("\n")
    return "\n".join(line for line in (squash(x) for x in "".join(parts).split("\n")) if line)


def text_blocks(node: LexborNode) -> tuple[list[str], set[int]]:
    """The body's leaf text blocks in document order (a ``<p>`` with nested spans is one block),
    and the indexes of the caption blocks: those right after a picture or table (or holding one).

    Iterative (an explicit stack): editor markup nests ``<section>`` deeply and hostile pages can
    nest deeper than Python's recursion limit.
    """
    out: list[str] = []
    captions: set[int] = set()
    after_media = node.tag in MEDIA_TAGS
    # frame: [node, its element children, "a block was found below"]
    stack: list[list[Any]] = [[node, node.iter(include_text=False), False]]
    while stack:
        frame = stack[-1]
        child = next(frame[1], None)
        if child is not None:
            if child.tag in SKIP_TAGS:
                continue
            if child.tag in MEDIA_TAGS:
                after_media = True
            stack.append([child, child.iter(include_text=False), False])
            continue
        stack.pop()
        current, _, has_block = frame
        is_block = current.tag in BLOCK_TAGS
        if is_block and not has_block:
            text = _block_text(current)
            if text:
                if after_media:
                    captions.add(len(out))
                out.append(text)
                after_media = False
        if stack and (is_block or has_block):
            stack[-1][2] = True
    return out, captions


# ---------------------------------------------------------------------------------------------
# Adapter
# ---------------------------------------------------------------------------------------------

_SNIFF = re.compile(
    r"window\.DATA\s*=\s*\{[^<]{0,4000}?\"(?:media|cms_id|pubtime)\""
    r"|id=[\"']?Cnt-Main-Article-QQ|class=[\"']?content-article[\"' ]"
    r"|<title>[^<]{0,200}_腾讯(?:网|新闻)</title>|ARTICLE_INFO\s*=\s*window\.ARTICLE_INFO",
)

_FEED_SNIFF = re.compile(r"class=[\"'][^\"']*\bqn[tr]-|inews\.gtimg\.com/(?:om_bt|newsapp_bt|news_bt)/")


def sniff(html: str) -> bool:
    """Claim a Tencent News page saved under a foreign URL (or a Tencent crawler item)."""
    head = html[:300_000]
    if FEED_MARKER in head:  # a crawler item: Tencent when its body carries Tencent's markup
        body = html[html.find(FEED_BODY_ID) :]
        return bool(_FEED_SNIFF.search(body))
    if not any(word in head for word in _SNIFF_WORDS):
        return False  # why: a substring test per word is ~50x faster than the regex on a page without any
    return bool(_SNIFF.search(head))


_SNIFF_WORDS = ("window.DATA", "Cnt-Main-Article-QQ", "content-article", "_腾讯", "ARTICLE_INFO")


def _is_challenge(title: str) -> bool:
    # why: the bot-check page's whole <title> is the phrase; a long title merely containing it is an article
    return len(title) <= 20 and any(t in title for t in _selectors("challenge_titles"))


def _no_body(url: str, tree: LexborHTMLParser, has_id: bool, **fields: Any) -> Article:
    text = node_text(tree.body)
    if any(p in text for p in _selectors("deleted_phrases")):
        return not_article(
            url, SITE, "deleted", f"The Tencent News article {url} has been deleted.", **fields
        )
    if any(p in text for p in _selectors("missing_phrases")):
        msg = f"Tencent News says the article {url} does not exist (page not found)."
        return not_article(url, SITE, "unavailable", msg, **fields)
    if not has_id:
        return not_article(
            url, SITE, "not_article", f"The page {url} is not a Tencent News article.", **fields
        )
    msg = (
        f"The Tencent News page {url} has no article text (a video, a paid column or a page whose "
        "content did not load); there is nothing to archive."
    )
    return not_article(url, SITE, "unavailable", msg, **fields)


@register(SITE, HOSTS, sniff=sniff)
def extract(html: str, url: str) -> Article:
    """Extract a Tencent News article (or its typed non-article outcome) from a page's HTML."""
    tree = parse(html, url)
    page_title = node_text(tree.css_first("title"))
    if _is_challenge(page_title):
        msg = f"Tencent News answered {url} with its security check (安全验证) instead of the article; retry later."
        return not_article(url, SITE, "rate_limited", msg)

    data = js_json(html, "DATA")
    init = js_json(html, "initData")
    info = article_info(html)
    card = data.get("card") if isinstance(data.get("card"), dict) else {}

    # identity: the URL first, then the URLs and ids the page states
    candidates = [
        url,
        _first_str(data, ("url",)),
        _first_str(init, ("url", "shareUrl")),
        info.get("article_url", ""),
        meta(tree, "og:url"),
        _attr(tree, "link[rel=canonical]", "href"),
        _attr(tree, "#qrcode", "title"),  # omn pages: the share QR code carries the page URL
    ]
    article_id, canonical = "", None
    for cand in candidates:
        if cand and (tid := tencent_id(cand) or old_article_id(cand)):
            article_id, canonical = tid, canonical_url(cand)
            break
    if not article_id:
        for source in (data, init):
            value = _first_str(source, DATA_ID_KEYS)
            if (m := TENCENT_ID.fullmatch(value)) is not None:
                article_id, canonical = m.group(1), CANONICAL.format(id=m.group(1))
                break

    title = (
        _first_str(data, DATA_TITLE_KEYS)
        or _first_str(init, DATA_TITLE_KEYS)
        or squash(info.get("title", ""))
        or _dom_text(tree, _selectors("title"))
        or meta(tree, "og:title")
        or _strip_title_suffix(page_title)
    )
    published = None
    for value in (
        _first_str(data, DATA_TIME_KEYS),
        _first_str(init, DATA_TIME_KEYS),
        info.get("pubtime", ""),
        meta(tree, "article:published_time", "og:article:published_time", "pubdate"),
        _dom_text(tree, _selectors("time")),
    ):
        if value and (published := _time(value)) is not None:
            break
    page_account = (
        _first_str(data, DATA_ACCOUNT_KEYS)
        or _first_str(card, ("chlname", "nick", "name"))
        or _first_str(init, DATA_ACCOUNT_KEYS)
        or _first_str(_get(init, "card") or {}, ("chlname", "nick", "name"))
        or _dom_text(tree, _selectors("account"))
    )
    page_author = re.sub(r"^(?:作者|文|记者)\s*[:：|丨/]\s*", "", _dom_text(tree, _selectors("author")))
    digest = (
        _first_str(data, DATA_DIGEST_KEYS)
        or _first_str(init, DATA_DIGEST_KEYS)
        or meta(tree, "description", "og:description")
    )
    cover = _first_str(data, DATA_COVER_KEYS) or _first_str(init, DATA_COVER_KEYS) or meta(tree, "og:image")
    tags = _tags(data.get("tags"), init.get("tags"), info.get("tags"))

    body, _owner = _find_body(tree, data, init, url)  # _owner keeps a JSON-built tree alive
    if body is None:
        return _no_body(url, tree, bool(article_id), title=title, published=published, article_id=article_id)

    base = canonical or url
    _absolutize(body, base)
    blocks, captions = text_blocks(body)
    credits = resolve_credits(blocks, body_text=node_text(body), captions=captions)
    extra: dict[str, object] = {}
    if credits.get("editor"):
        extra["editor"] = credits["editor"]
    if FEED_MARKER in html[:4000]:
        extra["feed_item"] = True
    return build_article(
        url=url,
        site=SITE,
        body=body,
        title=title,
        author=page_author or credits.get("author"),
        account=page_account or credits.get("account"),
        published=published,
        digest=digest,
        cover=_https(cover) or None,
        tags=tags,
        canonical_url=canonical,
        source=credits.get("source"),
        article_id=article_id,
        base_url=base,
        extra=extra,
    )
