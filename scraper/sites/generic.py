"""Generic fallback for any article page: text-density body detection on selectolax.

PLACEHOLDER: a first, simple version (largest block of paragraph text); issue 3 refines it.
"""

from __future__ import annotations

from scraper.html import meta, node_text, parse
from scraper.models import Article
from scraper.sites import Adapter
from scraper.sites._common import build_article, not_article, parse_china_datetime


def extract(html: str, url: str) -> Article:
    tree = parse(html, url)
    title = meta(tree, "og:title") or node_text(tree.css_first("h1")) or node_text(tree.css_first("title"))
    best, best_len = None, 0
    for node in tree.css("article, div, section, td"):
        length = sum(len(node_text(p)) for p in node.css("p"))
        if length > best_len:
            best, best_len = node, length
    if best is None or best_len < 20:
        return not_article(url, "web", "not_article", f"The page {url} has no article text.", title=title)
    published = parse_china_datetime(meta(tree, "article:published_time", "pubdate", "publishdate"))
    return build_article(url=url, site="web", body=best, title=title, published=published,
                         digest=meta(tree, "description", "og:description"))


ADAPTER = Adapter("web", (), extract)
