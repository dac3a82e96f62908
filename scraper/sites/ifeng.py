"""ifeng (``ifeng.com``): ``news.ifeng.com/c/<id>`` React pages and the older ``/a/<date>/<id>_0.shtml``.

Selectors and phrases are in ``config/sites/ifeng.toml``. The React pages embed ``var allData =
{…}`` whose ``docData`` is this article's own record: ``title``, ``newsTime``, ``source`` (empty for
大风号 posts, whose account is ``fhhAccountDetail``/``subscribe``), ``editorName`` (an editor, never the
author) and ``contentData.contentList[].data``, the body HTML. The rest of ``allData`` describes
OTHER articles (recommendations), so only ``docData`` is read. The body is taken from the DOM and
rebuilt from ``contentData`` when the DOM shell is empty.
"""

from __future__ import annotations

from typing import Any

from scraper.html import node_text, squash
from scraper.jsvars import js_record
from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import (
    Draft,
    clean_source,
    finish,
    fragment,
    has_media,
    parse_when,
    read_page,
    site_rules,
)

SITE = "ifeng"
HOSTS = ("ifeng.com",)


def _account(doc: dict[str, Any]) -> str:
    for key in ("fhhAccountDetail", "subscribe", "vestAccountDetail"):
        detail = doc.get(key)
        if isinstance(detail, dict):
            for name in ("weMediaName", "catename", "name"):
                value = clean_source(str(detail.get(name) or ""))
                if value:
                    return value
    return ""


def _content_html(doc: dict[str, Any]) -> str:
    data = doc.get("contentData")
    items = data.get("contentList") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return ""
    return "".join(
        str(i.get("data")) for i in items if isinstance(i, dict) and isinstance(i.get("data"), str)
    )


def _apply_doc_data(draft: Draft, html: str) -> None:
    data = js_record(html, "allData")
    doc = data.get("docData") if data is not None else None
    if not isinstance(doc, dict):
        return
    draft.title = squash(doc.get("title")) or draft.title
    when = parse_when(str(doc.get("newsTime") or ""))
    if when:
        draft.published = when
    source = clean_source(str(doc.get("source") or ""))
    account = _account(doc)
    draft.source = source or draft.source or account or None
    draft.account = account or draft.source
    if doc.get("editorName"):
        draft.extra.setdefault("editor", squash(str(doc["editorName"])))
    if draft.body is None or not (node_text(draft.body) or has_media(draft.body)):
        content = _content_html(doc)
        if content:
            draft.body = fragment(content)


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    _apply_doc_data(draft, html)
    return finish(draft)
