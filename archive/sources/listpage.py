"""An HTML list page (an account's archive page, a column, a tag page): links by regex or CSS selector.

The article links are the ``<a href>`` of the page that match ``link_pattern`` (a regex searched in
the absolute URL) and/or are selected by ``link_selector`` (CSS); the title is the link's text. The
next page is ``next_selector`` when given, else a ``rel="next"`` link, else a link whose text is
下一页 / 下页 / 后页 / next / › / »; it is followed up to ``max_pages`` pages, and not beyond a page
whose links the frontier already has (a second run with nothing new reads one page). When the cap
stops the walk, the next page's URL is kept in the cursor (``resume_url``) and the next run goes on
from there after reading the first page.
"""

from __future__ import annotations

import re
from typing import Any

from archive.sources import Discovery, Fetch, Found, absolute, entries_from, register
from scraper.config import Source
from scraper.decode import decode
from scraper.errors import ConfigError
from scraper.html import parse as parse_html

NEXT_WORDS = frozenset(
    {"下一页", "下页", "后页", "next", "next page", "›", "»", "next »", "下一页>", "下一页 >"}
)


def parse(html: str, url: str, source: Source) -> tuple[list[Found], str]:
    """The article links (in page order) and the next page URL ("" at the end)."""
    try:
        pattern = re.compile(source.link_pattern) if source.link_pattern else None
    except re.error as exc:
        raise ConfigError(f"[[sources]] {source.name}: link_pattern is not a valid regex ({exc}).") from exc
    tree = parse_html(html, url)
    anchors = tree.css(source.link_selector) if source.link_selector else tree.css("a[href]")
    found: list[Found] = []
    for a in anchors:
        href = absolute(a.attributes.get("href") or "", url)
        if not href or href == url:
            continue
        if pattern is not None and not pattern.search(href):
            continue
        found.append(Found(href, a.text(strip=True)))
    return found, _next_page(tree, url, source)


def _next_page(tree: Any, url: str, source: Source) -> str:
    css = tree.css
    if source.next_selector:
        nodes = css(source.next_selector)
        return absolute(nodes[0].attributes.get("href") or "", url) if nodes else ""
    for node in css("a[rel~=next][href], link[rel~=next][href]"):
        return absolute(node.attributes.get("href") or "", url)
    for node in css("a[href]"):
        if " ".join(node.text(strip=True).split()).lower() in NEXT_WORDS:
            return absolute(node.attributes.get("href") or "", url)
    return ""


@register("list")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    if not (source.link_pattern or source.link_selector):
        raise ConfigError(f"[[sources]] {source.name}: a list page needs link_pattern or link_selector.")
    start = source.url or source.feed
    result = Discovery()
    found: list[Found] = []
    seen_pages = {start}
    page_url, pages, met_known, links_seen = start, 0, False, 0
    next_url = ""
    while page_url and pages < source.max_pages and not met_known:
        links, next_url = _page(fetch, page_url, source)
        pages += 1
        links_seen += len(links)
        found.extend(links)
        met_known = any(fetch.known(absolute(f.link, page_url)) for f in links)
        page_url = next_url if next_url not in seen_pages else ""
        seen_pages.add(page_url)
    if page_url and not met_known and not cursor.get("resume_url"):
        result.cursor["resume_url"] = page_url
    resume = cursor.get("resume_url", "")
    while resume and pages < source.max_pages:
        links, next_url = _page(fetch, resume, source)
        pages += 1
        found.extend(links)
        resume = next_url if next_url not in seen_pages else ""
        seen_pages.add(resume)
        result.cursor["resume_url"] = resume
    limit = max(source.max_entries, len(found))  # why: every page read is queued, none read in vain
    result.entries = entries_from(found, start, limit)
    if not result.entries:
        result.note = (
            f"none of the links of {pages} page(s) matched link_pattern / link_selector"
            if not links_seen
            else "the list page has no article link"
        )
    return result


def _page(fetch: Fetch, url: str, source: Source) -> tuple[list[Found], str]:
    raw = fetch(url, conditional=False)
    if raw is None:  # pragma: no cover - never conditional
        return [], ""
    return parse(decode(raw.body, raw.header("content-type")).text, raw.final_url or url, source)
