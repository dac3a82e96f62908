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
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from scraper.html import node_text, squash
from scraper.jsvars import JsPage, object_member
from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import (
    Draft,
    clean_source,
    content_record,
    finish,
    first_when,
    fragment,
    parse_when,
    read_page,
    site_rules,
)

SITE = "toutiao"
HOSTS = ("toutiao.com", "toutiaocdn.com", "toutiao.cn")

_BASE_DATA = "BASE_DATA"
_SECTIONS = ("articleInfo", "galleryInfo", "mediaInfo")
"""The BASE_DATA records read: assigned after the literal (``BASE_DATA.galleryInfo = {…}``), else
members of ``var BASE_DATA = {…}``."""


def _text(record: Mapping[str, Any] | None, key: str) -> str:
    """A string member of a BASE_DATA record; '' when absent or not a string."""
    value = record.get(key) if record is not None else None
    return value if isinstance(value, str) else ""


def _unescaped(record: Mapping[str, Any] | None, key: str) -> str:
    """A BASE_DATA string's text: Toutiao HTML-escapes them (the ``&quot;`` wrapper around each is
    already cut by the page's own ``.slice(6, -6)``, which jsvars evaluates)."""
    return htmlmod.unescape(_text(record, key))


def _sections(draft: Draft) -> dict[str, Mapping[str, Any]]:
    """The BASE_DATA records of the page by name (see ``_SECTIONS``); {} when it has no BASE_DATA."""
    script = next((t for t in (n.text(deep=True) for n in draft.tree.css("script")) if _BASE_DATA in t), "")
    if not script:
        return {}
    page = JsPage(script, (_BASE_DATA, *(f"{_BASE_DATA}.{name}" for name in _SECTIONS)))
    whole = page.object(_BASE_DATA)  # lazy: only the records below are read (never ``or {}``: len reads all)
    found: dict[str, Mapping[str, Any]] = {}
    for name in _SECTIONS:
        # "BASE_DATA.galleryInfo = {…}" after the literal replaces its member, as when the script runs
        record = page.object(f"{_BASE_DATA}.{name}")
        if record is None:
            record = object_member(whole, name)
        if record is not None:
            found[name] = record
    return found


def _apply_article_info(draft: Draft, sections: dict[str, Mapping[str, Any]]) -> None:
    info = sections.get("articleInfo")
    if info is None:
        return
    sub = info.get("subInfo")
    sub = sub if isinstance(sub, Mapping) else None
    media = sections.get("mediaInfo")
    content = _unescaped(info, "content")
    draft.title = draft.title or squash(_unescaped(info, "title"))
    if draft.body is None and content:
        draft.body = fragment(content)
    draft.published = parse_when(_text(sub, "time")) or draft.published
    draft.offer_source(clean_source(_text(sub, "source")) or clean_source(_text(media, "name")))
    draft.article_id = draft.article_id or _text(info, "itemId") or _text(info, "groupId")


def _apply_gallery(draft: Draft, sections: dict[str, Mapping[str, Any]]) -> bool:
    """Rebuild a 图集 post from ``galleryInfo``; False when the page is not one."""
    info = sections.get("galleryInfo")
    gallery = info.get("gallery") if info is not None else None  # JSON.parse("…") of the page
    if not isinstance(gallery, dict):
        return False
    images = gallery.get("sub_images") or []
    captions = gallery.get("sub_abstracts") or []
    pictures = (
        (image.get("url") if isinstance(image, dict) else None, captions[i] if i < len(captions) else None)
        for i, image in enumerate(images)
    )
    if not draft.picture_set(pictures):
        return False
    draft.title = squash(_unescaped(info, "title")) or draft.title
    draft.published = parse_when(_text(info, "publish_time")) or draft.published
    name = clean_source(_text(sections.get("mediaInfo"), "name"))
    if name:  # the gallery's own record outranks anything read off the DOM
        draft.account = draft.source = name
    draft.article_id = draft.article_id or _text(info, "item_id")
    return True


def _apply_render_data(draft: Draft) -> None:
    node = draft.tree.css_first("script#RENDER_DATA")
    if node is None:
        return
    raw = node.text(deep=True).strip()
    try:
        data = json.loads(unquote(raw) if raw.startswith("%") else raw)
    except ValueError:
        return
    article = content_record(data, ("title",))
    if article is None:
        return
    draft.title = draft.title or squash(article.get("title"))
    if draft.body is None:
        draft.body = fragment(article["content"])
    draft.published = draft.published or first_when(article, ("publishTime", "publish_time", "createTime"))
    draft.offer_source(clean_source(str(article.get("source") or "")))


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    sections = _sections(draft)
    if sections and not _apply_gallery(draft, sections):
        _apply_article_info(draft, sections)
    _apply_render_data(draft)
    if not draft.canonical_url and draft.article_id.isdigit():
        # /a<id>/, /i<id>/, /group/<id>/ and m.toutiao.com all name one item; /article/<id>/ is current
        draft.canonical_url = f"https://www.toutiao.com/article/{draft.article_id}/"
    if draft.body is not None and not node_text(draft.body) and draft.kind == "article":
        draft.body = None if draft.body.css_first("img") is None else draft.body
    return finish(draft)
