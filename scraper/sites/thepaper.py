"""The Paper (``thepaper.cn``): ``newsDetail_forward_<id>`` and the newer ``/detail/<id>`` pages.

Selectors and phrases are in ``config/sites/thepaper.toml``. Quirks kept here:

* The 2019-2021 body (``div.news_txt``) is text separated by ``<br>``, not paragraphs: each line is
  wrapped in its own ``<p>`` so that line rules (credits, footers) see one line at a time.
* The first line of ``div.news_about`` is the byline: ``石佳/中国青年报`` (author/media) or
  ``澎湃新闻记者 贺梨萍``; its second line is ``<time> 来源：<media>``. A 澎湃号 post names its account
  in ``div.news_paike_author``, which then is the account.
* 2022+ pages are rendered from ``__NEXT_DATA__``; its ``contentDetail``-like record (HTML
  ``content`` next to ``name``/``pubTime``) rebuilds the body when the DOM is empty.
"""

from __future__ import annotations

import json

from scraper.html import node_text, squash
from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import (
    Draft,
    byline_names,
    clean_source,
    content_record,
    finish,
    first_when,
    fragment,
    has_media,
    media_name,
    paragraphs_from_breaks,
    read_page,
    site_rules,
)

SITE = "thepaper"
HOSTS = ("thepaper.cn",)


def _media_of_byline(draft: Draft) -> str:
    """``石佳/中国青年报`` → ``中国青年报``: the media after the slash of the byline line, or the
    whole line when it names a media (``新华社``)."""
    node = draft.tree.css_first(".news_about > p:first-child")
    text = node_text(node)
    if "/" in text:
        return clean_source(text.rsplit("/", 1)[1])
    return media_name(text)  # "新华社" alone on the byline line


def _apply_next_data(draft: Draft) -> None:
    node = draft.tree.css_first("script#__NEXT_DATA__")
    if node is None:
        return
    try:
        detail = content_record(json.loads(node.text(deep=True)), ("name", "title"))
    except ValueError:
        return
    if detail is None:
        return
    draft.title = draft.title or squash(str(detail.get("name") or detail.get("title") or ""))
    if draft.body is None or not (node_text(draft.body) or has_media(draft.body)):
        draft.body = fragment(str(detail["content"]))
    draft.published = draft.published or first_when(detail, ("pubTime", "publishTime", "pubTimeLong"))
    author = byline_names(str(detail.get("author") or ""))
    draft.author = draft.author or author or None
    draft.offer_source(clean_source(str(detail.get("source") or "")))


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    _apply_next_data(draft)
    paike = draft.tree.css_first(".news_paike_author, [class*=index_pphname]")
    if paike is not None and draft.account:
        # a 澎湃号 post: its 来源 line names the platform ("澎湃新闻·澎湃号·政务"), the account is the media
        draft.source = draft.account
    media = _media_of_byline(draft)
    if media and draft.account == draft.source:
        # "石佳/中国青年报 … 来源：澎湃新闻": the byline's media is the origin, The Paper only carries it
        draft.account = draft.source = media
    if draft.body is not None:
        draft.body = paragraphs_from_breaks(draft.body)
    return finish(draft)
