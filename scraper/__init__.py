"""wxarchive's scraper: fetching, decoding, site adapters, boilerplate rules, HTML → Markdown.

It knows the web and nothing of the disk. The public entry point is :func:`extract`::

    from scraper import extract
    article = extract(html_or_bytes, "https://mp.weixin.qq.com/s/…")
"""

from __future__ import annotations

from scraper.errors import ExtractError, NotAnArticle, WxArchiveError
from scraper.models import Article, ImageRef, RawPage, Removal

__all__ = [
    "Article",
    "ExtractError",
    "ImageRef",
    "NotAnArticle",
    "RawPage",
    "Removal",
    "WxArchiveError",
    "extract",
]


def extract(html: str | bytes, url: str) -> Article:
    """Extract an :class:`Article` from a page's HTML (or raw bytes) and its URL.

    Pure: no network, no disk, no clock. Pages that are not articles (deleted, expired, rate-limit…)
    come back as an Article whose ``kind`` names them and whose ``error`` says why; they never raise.
    Bytes are decoded with :func:`scraper.decode.decode` (BOM, meta prescan, detector).

    A canonical URL on another site is not trusted (:mod:`scraper.canonical`), and every string of
    the result is sanitised (:mod:`scraper.sanitize`).
    """
    from scraper import sanitize
    from scraper.canonical import own_identity
    from scraper.decode import decode
    from scraper.feeditem import parse_item
    from scraper.html import unescape_stored, utf8_source
    from scraper.pagination import continuation
    from scraper.sites import adapter_for

    decoded = decode(html) if isinstance(html, bytes) else None
    text: str = decoded.text if decoded is not None else str(html)
    page = text
    if (item := parse_item(text)) is not None:  # a crawler's JSON item: rendered as a page, its link wins
        text, url = item[0], item[1] or url
    text = unescape_stored(text)
    adapter = adapter_for(url, text)
    if decoded is not None and decoded.exact_utf8 and text is page and isinstance(html, bytes):
        with utf8_source(text, html):  # lexbor may read the bytes instead of re-encoding the text
            article = adapter.extract(text, url)
    else:
        article = adapter.extract(text, url)
    if article.is_article:
        following, whole = continuation(text, url)
        if following or whole:
            article.extra.update({k: v for k, v in (("next_page", following), ("full_text_url", whole)) if v})
    # every Article leaves here: its identity checked (scraper.canonical), its strings sanitised
    # (scraper.sanitize) — one place for every adapter, every command and `extract --json`
    return sanitize.article(own_identity(article, url))
