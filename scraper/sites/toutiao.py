"""Toutiao (``toutiao.com``): ``/a<id>/``, ``/article/<id>/``, ``/i<id>/``, ``/group/<id>/`` pages.

Selectors and phrases are in ``config/sites/toutiao.toml``. The page's own data is the authority
when the DOM was never rendered (a raw save holds an empty shell):

* 2019-2020 pages carry ``BASE_DATA.articleInfo`` (``title``, ``content``, ``subInfo.source/time``)
  with HTML-entity-escaped strings wrapped as ``'&quot;…&quot;'.slice(6, -6)``;
* 图集 posts carry ``BASE_DATA.galleryInfo`` whose ``gallery`` is ``JSON.parse("…")`` of a
  double-escaped JSON with ``sub_images`` / ``sub_abstracts``: they become kind ``picshare``, one
  image and its caption after another;
* 2021+ pages carry URL-encoded JSON in ``<script id="RENDER_DATA">``.
"""

from __future__ import annotations

import html as htmlmod
import json
import re
from typing import Any
from urllib.parse import unquote

from scraper.html import squash
from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import (
    Draft,
    clean_source,
    finish,
    fragment,
    js_string_field,
    js_unescape,
    parse_when,
    read_page,
    site_rules,
    text_of,
)

SITE = "toutiao"
HOSTS = ("toutiao.com", "toutiaocdn.com", "toutiao.cn")

_ENTITY_WRAP = "&quot;"  # why: Toutiao wraps every BASE_DATA string in &quot;…&quot; then .slice(6, -6)
# why [^\\] in the second branch: both branches could take a backslash, so an unclosed string of
# backslashes backtracked exponentially (a hostile page hung the extractor)
_GALLERY = re.compile(r"gallery\s*:\s*JSON\.parse\((\"|')((?:\\.|(?!\1)[^\\])*)\1\)", re.S)


def _unwrap(value: str | None) -> str:
    """A BASE_DATA string's text: the ``&quot;`` wrapper removed, HTML entities decoded."""
    if not value:
        return ""
    if value.startswith(_ENTITY_WRAP) and value.endswith(_ENTITY_WRAP):
        value = value[len(_ENTITY_WRAP) : -len(_ENTITY_WRAP)]
    return htmlmod.unescape(value)


_BRACE_OR_QUOTE = re.compile(r"['\"{}]")
_STRING_END = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*{q}", re.S) for q in "'\""}


def _section(script: str, name: str) -> str:
    """The text of ``name: {…}`` inside BASE_DATA, up to its closing brace (balanced, strings skipped)."""
    for m in re.finditer(rf"{re.escape(name)}\s*[:=]\s*\{{", script):
        if m.start() == 0 or script[m.start() - 1] in " \t\r\n,{.":
            break
    else:
        return ""
    start = m.end() - 1
    depth, pos = 0, start
    while True:
        token = _BRACE_OR_QUOTE.search(script, pos)
        if token is None:
            return script[start:]
        char, pos = token.group(), token.end()
        if char in "'\"":
            closing = _STRING_END[char].match(script, pos)
            if closing is None:
                return script[start:]
            pos = closing.end()
        elif char == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return script[start:pos]


def _base_data(draft: Draft) -> str:
    for node in draft.tree.css("script"):
        text = node.text(deep=True)
        if "BASE_DATA" in text:
            return text
    return ""


def _apply_article_info(draft: Draft, script: str) -> None:
    info = _section(script, "articleInfo")
    if not info:
        return
    title = _unwrap(js_string_field(info, "title"))
    content = _unwrap(js_string_field(info, "content"))
    sub = _section(info, "subInfo")
    media = _section(script, "mediaInfo")
    draft.title = draft.title or squash(title)
    if draft.body is None and content:
        draft.body = fragment(content)
    when = parse_when(js_string_field(sub, "time") or "")
    draft.published = when or draft.published
    source = clean_source(js_string_field(sub, "source") or "") or clean_source(
        js_string_field(media, "name") or ""
    )
    if source:
        draft.source = draft.source or source
        draft.account = draft.account or source
    draft.article_id = draft.article_id or (
        js_string_field(info, "itemId") or js_string_field(info, "groupId") or ""
    )


def _apply_gallery(draft: Draft, script: str) -> bool:
    """Rebuild a 图集 post from ``galleryInfo``; False when the page is not one."""
    info = _section(script, "galleryInfo")
    m = _GALLERY.search(info) if info else None
    if not m:
        return False
    try:
        gallery = json.loads(js_unescape(m.group(2)))
    except ValueError:
        return False
    images = gallery.get("sub_images") or []
    captions = gallery.get("sub_abstracts") or []
    parts = []
    for i, image in enumerate(images):
        url = image.get("url") if isinstance(image, dict) else None
        if url:
            parts.append(f'<p><img src="{htmlmod.escape(url)}"></p>')
        if i < len(captions) and captions[i]:
            parts.append(f"<p>{htmlmod.escape(squash(str(captions[i])))}</p>")
    if not parts:
        return False
    draft.kind = "picshare"
    draft.body = fragment("".join(parts))
    draft.title = squash(_unwrap(js_string_field(info, "title"))) or draft.title
    draft.published = parse_when(js_string_field(info, "publish_time") or "") or draft.published
    media = _section(script, "mediaInfo")
    name = clean_source(js_string_field(media, "name") or "")
    if name:  # the gallery's own record outranks anything read off the DOM
        draft.account = draft.source = name
    draft.article_id = draft.article_id or (js_string_field(info, "item_id") or "")
    return True


def _find_article(data: Any) -> dict[str, Any] | None:
    """The dict of RENDER_DATA that holds the article: an HTML ``content`` next to a ``title``."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            content = item.get("content")
            if isinstance(content, str) and "<" in content and isinstance(item.get("title"), str):
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _apply_render_data(draft: Draft) -> None:
    node = draft.tree.css_first("script#RENDER_DATA")
    if node is None:
        return
    raw = node.text(deep=True).strip()
    try:
        data = json.loads(unquote(raw) if raw.startswith("%") else raw)
    except ValueError:
        return
    article = _find_article(data)
    if article is None:
        return
    draft.title = draft.title or squash(article.get("title"))
    if draft.body is None:
        draft.body = fragment(article["content"])
    for key in ("publishTime", "publish_time", "createTime"):
        when = parse_when(str(article.get(key) or ""))
        if when:
            draft.published = draft.published or when
            break
    source = clean_source(str(article.get("source") or ""))
    if source:
        draft.source = draft.source or source
        draft.account = draft.account or source


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    script = _base_data(draft)
    if script and not _apply_gallery(draft, script):
        _apply_article_info(draft, script)
    _apply_render_data(draft)
    if not draft.canonical_url and draft.article_id.isdigit():
        # /a<id>/, /i<id>/, /group/<id>/ and m.toutiao.com all name one item; /article/<id>/ is current
        draft.canonical_url = f"https://www.toutiao.com/article/{draft.article_id}/"
    if draft.body is not None and not text_of(draft.body) and draft.kind == "article":
        draft.body = None if draft.body.css_first("img") is None else draft.body
    return finish(draft)
