"""NetEase (163.com): news / money / tech channel articles, 网易号 (dy) posts, 图集 and the 2004 biz layout.

Selectors and phrases are in ``config/sites/163.toml``. Quirks kept here:

* The 网易号 (``dy``) layout names the account, not the 来源, on its dateline (``2019-05-17 · 苏皖城市报道``)
  and gives the exact time only in ``data-ptime``; a trailing ``来源：无锡交警`` in its body is the origin.
* The account of a channel article is its 来源 media (``a#ne_article_source``).
* 图集 pages (``/photoview/…``) keep their pictures and captions as JSON in
  ``<textarea name="gallery-data">`` (``info.setname/source/lmodify``, ``list[].img/note``): they
  become kind ``picshare``, one image and its caption after another.
"""

from __future__ import annotations

import json
from typing import Any

from scraper.html import squash
from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import Draft, clean_source, finish, parse_when, read_page, site_rules

SITE = "163"
HOSTS = ("163.com",)


def _apply_gallery(draft: Draft) -> None:
    node = draft.tree.css_first("textarea[name=gallery-data]")
    if node is None:
        return
    try:
        data: Any = json.loads(node.text(deep=True))
    except ValueError:
        return
    items = data.get("list") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        return
    pictures = (
        (item.get("img") or item.get("oimg") or item.get("timg"), item.get("note"))
        for item in items
        if isinstance(item, dict)
    )
    if not draft.picture_set(pictures):
        return
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    draft.title = squash(str(info.get("setname") or "")) or draft.title
    draft.published = parse_when(str(info.get("lmodify") or info.get("createdate") or "")) or draft.published
    source = clean_source(str(info.get("source") or ""))
    if source:
        draft.source = draft.account = source


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    _apply_gallery(draft)
    return finish(draft)
