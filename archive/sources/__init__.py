"""Crawl source kinds: each a small module registered by kind, as site adapters are by host.

A kind turns one ``[[sources]]`` entry into the article URLs it lists::

    rss           RSS / Atom feed (conditional GET: a 304 costs one request and nothing else)
    sitemap       sitemap, sitemap index, news sitemap; a robots.txt URL reads its Sitemap: lines
    wechat_album  a WeChat album (合集), paged through its JSON API with begin_msgid / begin_itemidx
    qq_author     a Tencent News author's list (getSubNewsMixedList), articles only
    list          an HTML list page: links by regex or CSS selector, "next page" followed up to a cap
    file          a file of URLs, one a line, # comments
    urls          the ``urls = [...]`` of the entry (every entry may have them, whatever its kind)

Each module parses purely (bytes → :class:`Found` entries) and fetches only through the
:class:`Fetch` it is given (the crawl's fetcher, with conditional GET, robots.txt, the host's
circuit breaker and the raw store behind it). ``discover`` returns a :class:`Discovery`: the
entries, the cursor keys to save once they are queued, and a note saying why nothing came.
Titles are filtered by the entry's ``include`` / ``exclude`` words (entries without a title pass).

The kind of an entry is its ``kind``, else inferred: ``feed``/``url`` of a WeChat album → album,
of ``getSubNewsMixedList`` or a Tencent author page → qq_author, a robots.txt or a ``sitemap`` path →
sitemap, ``link_pattern``/``link_selector`` → list, another ``feed``/``url`` → rss (which still
recognises a sitemap by its content), ``file`` → file, only ``urls`` → urls.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from archive.frontier import Discovered
from scraper.config import Source
from scraper.identity import article_key
from scraper.models import RawPage


@dataclass(frozen=True)
class Found:
    """One entry a listing named: its link (maybe relative) and title."""

    link: str
    title: str = ""


@dataclass
class Discovery:
    """What one source gave this run."""

    entries: list[Discovered] = field(default_factory=list)
    cursor: dict[str, str] = field(default_factory=dict)  # keys to save once the entries are queued
    note: str = ""  # why nothing (or not everything) came: not modified, filtered, nothing matched …
    not_modified: bool = False


class Fetch(Protocol):
    """How a source kind reaches the web (implemented by the crawl)."""

    def __call__(self, url: str, *, conditional: bool = True) -> RawPage | None:
        """The response for ``url`` (kind "feed": not HTML-checked), or None when a conditional
        request answered 304 Not Modified. Raises the typed fetch errors (``Blocked`` included)."""
        ...

    def known(self, url: str) -> bool:
        """True when the frontier already has ``url`` (a listing can stop paging there)."""
        ...


Discover = Callable[[Source, Fetch, dict[str, str]], Discovery]

_KINDS: dict[str, Discover] = {}
MODULES = ("rss", "sitemap", "wechat_album", "qq_author", "listpage", "urlfile")


def register(kind: str) -> Callable[[Discover], Discover]:
    """Decorator: ``discover(source, fetch, cursor) -> Discovery`` handles sources of ``kind``."""

    def deco(fn: Discover) -> Discover:
        _KINDS[kind] = fn
        return fn

    return deco


def _load() -> None:
    for name in MODULES:  # idempotent: imported modules are cached
        importlib.import_module(f"archive.sources.{name}")


def kind_of(source: Source) -> str:
    """The kind of ``source``: its ``kind``, else inferred from its keys (see the module docstring)."""
    if source.kind:
        return source.kind
    where = source.url or source.feed
    if where:
        parts = urlsplit(where)
        host, path = (parts.hostname or "").lower(), parts.path.lower()
        if host == "mp.weixin.qq.com" and path.startswith("/mp/appmsgalbum"):
            return "wechat_album"
        if path.startswith("/getsubnewsmixedlist") or (host.endswith("qq.com") and "/omn/author/" in path):
            return "qq_author"
        if path.endswith("/robots.txt") or "sitemap" in path:
            return "sitemap"
        if source.link_pattern or source.link_selector:
            return "list"
        return "rss"
    if source.file:
        return "file"
    return "urls"


def entry_url(source: Source) -> str:
    """The URL a source of a networked kind starts from."""
    return source.url or source.feed


def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    """Run the source's kind; add its fixed ``urls``; apply the title filters."""
    _load()
    kind = kind_of(source)
    found = _KINDS[kind](source, fetch, cursor) if kind != "urls" else Discovery()
    fixed = fixed_urls(source)
    listed = len(found.entries)
    kept = [d for d in found.entries if passes(source, d.title)]
    if listed and not kept:
        found.note = f"all {listed} entries were left out by the include/exclude words"
    elif listed and len(kept) < listed:
        found.note = f"{listed - len(kept)} of {listed} entries left out by the include/exclude words"
    found.entries = list({d.url: d for d in reversed(kept + fixed)}.values())[::-1]
    if not found.entries and not found.note:
        found.note = "it listed nothing"
    return found


def fixed_urls(source: Source) -> list[Discovered]:
    """The ``urls = [...]`` of a source (crawled whatever its listing gives, even when it fails)."""
    return [Discovered(u.strip(), "", article_key(u.strip())) for u in source.urls if u.strip()]


def passes(source: Source, title: str) -> bool:
    """The include / exclude words on a title (case-insensitive; an entry without a title passes)."""
    if not title:
        return True
    low = title.lower()
    if source.include and not any(w.lower() in low for w in source.include):
        return False
    return not any(w.lower() in low for w in source.exclude)


def entries_from(found: list[Found], base: str, limit: int) -> list[Discovered]:
    """Absolute http(s) links of ``found`` (fragment dropped, first of each kept), up to ``limit``."""
    out: dict[str, Discovered] = {}
    for f in found:
        link = absolute(f.link, base)
        if link and link not in out:
            out[link] = Discovered(link, " ".join(f.title.split()), article_key(link))
        if len(out) >= limit:
            break
    return list(out.values())


def absolute(link: str, base: str) -> str:
    """``link`` made absolute against ``base``, without its fragment; "" unless http(s)."""
    link = (link or "").strip()
    if not link:
        return ""
    try:
        url = urljoin(base, link)
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return parts._replace(fragment="").geturl()
