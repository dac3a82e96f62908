"""RSS / Atom feeds, fetched with conditional GET (ETag / Last-Modified kept in the source cursor).

A feed that answers 304 costs one request and gives nothing. A body that is really a sitemap
(``<urlset>`` / ``<sitemapindex>``) is read as one, so a sitemap given as ``feed =`` is not silently empty.
"""

from __future__ import annotations

from typing import Any

from archive.sources import Discovery, Fetch, Found, entries_from, register
from archive.sources import sitemap as sitemaps
from scraper.config import Source
from scraper.errors import ExtractError
from scraper.models import RawPage


def parse(body: bytes, content_type: str = "") -> tuple[list[Found], str]:
    """The entries of a feed (link, title) in feed order, and the problem when it is no feed at all
    (a feed with a recognised version and no entries is an empty feed, not a problem)."""
    import feedparser

    parsed: Any = feedparser.parse(body, response_headers={"content-type": content_type})
    found = [Found(str(e.get("link") or ""), str(e.get("title") or "")) for e in parsed.entries]
    problem = ""
    if parsed.get("bozo") and not parsed.get("version"):
        problem = str(parsed.get("bozo_exception") or "not a feed")
    return [f for f in found if f.link.strip()], problem


def validators(raw: RawPage) -> dict[str, str]:
    """The cursor keys that make the next request to ``raw.url`` conditional."""
    return {
        f"etag {raw.url}": raw.header("etag") or "",
        f"last_modified {raw.url}": raw.header("last-modified") or "",
    }


@register("rss")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    url = source.feed or source.url
    raw = fetch(url)
    if raw is None:
        return Discovery(note="the feed has not changed since the last crawl (HTTP 304)", not_modified=True)
    if sitemaps.is_sitemap(raw.body):
        found = sitemaps.discover_from(source, fetch, cursor, raw)
        found.cursor.update(validators(raw))
        return found
    entries, problem = parse(raw.body, raw.header("content-type") or "")
    if not entries and problem:
        raise ExtractError(f"The feed {url} of source {source.name} could not be parsed: {problem}.", url)
    found = Discovery(entries_from(entries, raw.final_url or url, source.max_entries), validators(raw))
    if not found.entries:
        found.note = "the feed has no entries with a link"
    return found
