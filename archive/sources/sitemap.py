"""Sitemaps: ``<urlset>`` (with news-sitemap titles), ``<sitemapindex>``, gzip, and robots.txt ``Sitemap:`` lines.

XML is parsed safely: a document with a DOCTYPE (where entities would be declared) is refused, the
body is capped by the fetcher (and a gzip sitemap while inflating), and at most
:data:`MAX_URLS` locations are read from one file (the sitemap protocol's own limit).

Incremental: the index and each child sitemap are fetched conditionally; a child whose ``<lastmod>``
in the index is unchanged since the last crawl is not fetched at all. Entries are taken newest
``<lastmod>`` first, up to ``max_entries``; child sitemaps up to ``max_pages`` per run.
"""

from __future__ import annotations

import re
import zlib
from xml.etree import ElementTree

from archive.sources import Discovery, Fetch, Found, entries_from, register
from scraper.config import Source
from scraper.errors import ExtractError
from scraper.models import RawPage

MAX_URLS = 50_000  # why: the sitemap protocol's limit per file
MAX_INFLATED = 50 * 1024 * 1024  # why: the sitemap protocol's 50 MiB uncompressed limit
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class SitemapError(ExtractError):
    """A sitemap that cannot be read safely (DTD, not XML, over the size limit)."""


def is_sitemap(body: bytes) -> bool:
    head = _inflate(body)[:2048] if body[:2] == b"\x1f\x8b" else body[:2048]
    return b"<urlset" in head or b"<sitemapindex" in head


def _inflate(body: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(body, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise SitemapError(f"A gzip sitemap is corrupt ({exc}).") from exc
    if len(out) > MAX_INFLATED:
        raise SitemapError(f"A gzip sitemap inflates to more than {MAX_INFLATED:,} bytes; refused.")
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, url: str = "") -> tuple[str, list[tuple[str, str, str]]]:
    """``("urlset" | "sitemapindex", [(loc, lastmod, title)])``; title from ``<news:title>``.

    Raises :class:`SitemapError` for a DTD, bad XML or another root element.
    """
    if body[:2] == b"\x1f\x8b":
        body = _inflate(body)
    if _DTD.search(body[:4096]) or b"<!ENTITY" in body:
        raise SitemapError(
            f"The sitemap {url} declares a DTD or entities; refused (XML entity attacks).", url
        )
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SitemapError(f"The sitemap {url} is not well-formed XML ({exc}).", url) from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"{url} is not a sitemap (its root element is <{kind}>).", url)
    out: list[tuple[str, str, str]] = []
    for item in root:
        if len(out) >= MAX_URLS:
            break
        loc = lastmod = title = ""
        for child in item.iter():
            name = _local(child.tag)
            if name == "loc" and not loc:
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = (child.text or "").strip()
            elif name == "title":
                title = (child.text or "").strip()
            elif name == "publication_date" and not lastmod:
                lastmod = (child.text or "").strip()
        if loc:
            out.append((loc, lastmod, title))
    return kind, out


def robots_sitemaps(body: bytes) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt."""
    return _SITEMAP_LINE.findall(body.decode("utf-8", "replace"))


def _newest_first(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    # why: a stable sort keeps document order among equal (or missing) dates
    return sorted(items, key=lambda item: item[1], reverse=True)


@register("sitemap")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    url = source.url or source.feed
    raw = fetch(url)
    if raw is None:
        return Discovery(
            note="the sitemap has not changed since the last crawl (HTTP 304)", not_modified=True
        )
    if url.lower().rstrip("/").endswith("/robots.txt"):
        listed = robots_sitemaps(raw.body)
        if not listed:
            return Discovery(note=f"{url} names no Sitemap: lines")
        result = Discovery()
        for sitemap_url in listed[: source.max_pages]:
            child = fetch(sitemap_url)
            if child is None:
                continue
            part = discover_from(source, fetch, cursor, child)
            result.entries.extend(part.entries)
            result.cursor.update(part.cursor)
            result.cursor.update(_validators(child))
        result.cursor.update(_validators(raw))
        result.entries = result.entries[: source.max_entries]
        if not result.entries:
            result.note = "the sitemaps named by robots.txt have not changed or list nothing"
        return result
    found = discover_from(source, fetch, cursor, raw)
    found.cursor.update(_validators(raw))
    return found


def _validators(raw: RawPage) -> dict[str, str]:
    return {
        f"etag {raw.url}": raw.header("etag") or "",
        f"last_modified {raw.url}": raw.header("last-modified") or "",
    }


def discover_from(source: Source, fetch: Fetch, cursor: dict[str, str], raw: RawPage) -> Discovery:
    """The entries of the sitemap (or index) ``raw``; an index's changed children are fetched."""
    kind, items = parse(raw.body, raw.url)
    base = raw.final_url or raw.url
    if kind == "urlset":
        found = [Found(loc, title) for loc, _, title in _newest_first(items)]
        entries = entries_from(found, base, source.max_entries)
        return Discovery(entries, note="" if entries else "the sitemap lists no URL")
    result = Discovery()
    children = 0
    unchanged = 0
    for loc, lastmod, _ in _newest_first(items):
        key = f"lastmod {loc}"
        if lastmod and cursor.get(key) == lastmod:
            unchanged += 1
            continue  # why: the index says this child did not change since we read it
        if children >= source.max_pages:
            break
        children += 1
        child = fetch(loc)
        if child is None:
            result.cursor[key] = lastmod
            continue
        kind_child, child_items = parse(child.body, loc)
        if kind_child != "urlset":
            continue  # why: nested indexes are not allowed by the protocol; not followed (no loops)
        found = [Found(u, t) for u, _, t in _newest_first(child_items)]
        result.entries.extend(entries_from(found, child.final_url or loc, source.max_entries))
        result.cursor[key] = lastmod
        result.cursor.update(_validators(child))
    result.entries = result.entries[: source.max_entries]
    if not result.entries:
        result.note = (
            f"none of the {len(items)} sitemaps of the index changed since the last crawl"
            if unchanged == len(items) and items
            else "the sitemap index lists no URL"
        )
    return result
