"""Crawler items: one article as a news crawler stored it, turned back into a page.

Crawlers (RSS bridges, list.json scrapers) keep an article as a JSON object rather than a page::

    {"id": "20260820A029XA00", "title": "…", "link": "https://new.qq.com/rain/a/20260820A029XA00",
     "author": "别具慧眼", "pub_date": "2026-08-20 03:56:17", "image": "https://…/0",
     "description": "<div class=\\"rich_media_content\\">…</div>"}

Users import such items like saved pages, so ``scraper.extract`` accepts them: ``parse_item`` sees a
JSON object with ``title``, ``link`` and ``description`` (any site's crawler) and renders a minimal
HTML page that the site adapters read like a real one:

* ``<title>``, ``<h1>``, ``og:title``, ``og:url``, ``og:image``, ``article:published_time`` and
  ``<link rel=canonical>`` for any adapter (the generic one reads the meta tags);
* ``window.DATA = {…}`` with Tencent News' key names (``title``, ``url``, ``pubtime``,
  ``article_id``, ``cover``, ``abstract``) so the Tencent adapter reads an item like its own pages;
* the description HTML, untouched, inside ``<article id="feed-item-body">``.

The item's ``author`` is *not* promoted to the page's author: Tencent crawler items carry a medal
label there (千锤百炼, 阅读天数200天 …), not a person. It is kept as ``<meta name="feeditem:author">``
for an adapter that knows its site's crawler fills it with a real name.

The item's ``link`` is authoritative for the URL whenever it is an absolute http(s) URL: the item
says which article it is, while the URL an importer passes may be the crawler's list or a file name.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

FEED_BODY_ID = "feed-item-body"
"""``id`` of the element holding the item's description in the rendered page."""

FEED_MARKER = "wxarchive:feed-item"
"""``<meta name=…>`` that marks a page rendered from a crawler item."""

ITEM_KEYS = ("title", "link", "description")
"""Keys that make a JSON object a crawler item."""

# Alternative key names crawlers use for the same fields (first present wins).
DATE_KEYS = ("pub_date", "pubDate", "pubtime", "published", "date", "publish_time", "time")
IMAGE_KEYS = ("image", "cover", "thumbnail", "img", "enclosure")
SUMMARY_KEYS = ("summary", "abstract", "digest", "desc")
ID_KEYS = ("id", "article_id", "guid")

MAX_ITEM_CHARS = 30_000_000  # why: same order as html.MAX_HTML_CHARS; a real item is < 1 MB

_HTTP = re.compile(r"^https?://", re.I)


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, dict):  # RSS-style enclosure {"url": …}
            value = value.get("url") or value.get("href")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def load_item(text: str) -> dict[str, Any] | None:
    """The crawler item in ``text``, or ``None`` when ``text`` is not one (a page, a list, junk)."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith("{") or len(body) > MAX_ITEM_CHARS:
        return None
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) for k in ITEM_KEYS):
        return None
    return obj


def render_item(obj: dict[str, Any]) -> str:
    """A minimal HTML page carrying the item's metadata and its description as the body."""
    title = obj.get("title", "").strip()
    link = obj.get("link", "").strip()
    published = _first(obj, DATE_KEYS)
    cover = _first(obj, IMAGE_KEYS)
    summary = _first(obj, SUMMARY_KEYS)
    item_id = _first(obj, ID_KEYS)
    author = obj.get("author") if isinstance(obj.get("author"), str) else ""
    description = obj.get("description", "")
    if "<" not in description and "&lt;" in description:  # some crawlers store the HTML escaped
        description = htmllib.unescape(description)
    data = {
        "title": title,
        "url": link,
        "article_id": item_id,
        "pubtime": published,
        "cover": cover,
        "abstract": summary,
        "feed_item": True,
    }
    esc = htmllib.escape
    # "</" inside the JSON must not close the <script> element
    data_js = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    meta = [
        f'<meta name="{FEED_MARKER}" content="1">',
        f'<meta property="og:title" content="{esc(title)}">',
    ]
    if link:
        meta.append(f'<meta property="og:url" content="{esc(link)}">')
        meta.append(f'<link rel="canonical" href="{esc(link)}">')
    if cover:
        meta.append(f'<meta property="og:image" content="{esc(cover)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{esc(published)}">')
    if summary:
        meta.append(f'<meta name="description" content="{esc(summary)}">')
    if author:
        meta.append(f'<meta name="feeditem:author" content="{esc(author.strip())}">')
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n" + "\n".join(meta) + "\n"
        f"<script>window.DATA = {data_js};</script>\n"
        f"</head><body>\n<h1>{esc(title)}</h1>\n"
        f'<article id="{FEED_BODY_ID}">{description}</article>\n'
        "</body></html>\n"
    )


def parse_item(text: str) -> tuple[str, str] | None:
    """``(html, link)`` when ``text`` is a crawler item (JSON with title/link/description), else None.

    ``link`` is the item's own URL when it is absolute http(s), else ``""`` (keep the caller's URL).
    """
    obj = load_item(text)
    if obj is None:
        return None
    link = obj["link"].strip()
    return render_item(obj), (link if _HTTP.match(link) else "")
