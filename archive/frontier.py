"""The crawl frontier: every URL a source discovered, once, with its state, and each source's cursor.

::

    discovered ─► queued ─► archived ──(revisit_days)──► queued … ─► archived / deleted
                     │  └─► not_article (deleted, expired …: recorded, never retried)
                     ├─► failed (permanent: 404, not HTML …; or max_attempts transient failures)
                     └─► known (its article was already archived under another URL: never requested)

A URL enters once (:meth:`Frontier.add`); a crawl asks for the URLs of a source that are due
(:meth:`Frontier.due`: queued, a transient failure to retry, a revisit whose time came) and reports
each visit (:meth:`Frontier.visited`). A URL whose visit was paused (its host showed a block) or
deferred (a long Retry-After) stays queued. An article deleted upstream after it was archived is the
state ``deleted``; its stored copy is never removed.

Identity (:mod:`scraper.identity`): a URL's identity key is known from the URL itself (WeChat
``/s?__biz=…``, Tencent News ids) or learned from the page (``/s/<short>``); a URL whose identity is
that of an archived article is ``known`` and never requested.

:class:`Frontier` is the interface the crawl uses; :class:`CatalogFrontier` keeps it in the catalog
(tables ``frontier`` and ``source_cursors``, see :mod:`archive.schema`). A shared implementation for
several crawling machines (issue 12) implements the same few methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from archive.catalog import Catalog, iso
from scraper.identity import split_key

QUEUED, ARCHIVED, NOT_ARTICLE, FAILED, DELETED, KNOWN = (
    "queued", "archived", "not_article", "failed", "deleted", "known",
)  # fmt: skip
STATES = (QUEUED, ARCHIVED, NOT_ARTICLE, FAILED, DELETED, KNOWN)


@dataclass(frozen=True)
class Discovered:
    """One URL a source listed, with what the listing said about it."""

    url: str
    title: str = ""
    identity: str | None = None


@dataclass(frozen=True)
class Entry:
    """One frontier row."""

    id: int
    url: str
    source: str
    title: str
    identity: str | None
    state: str
    first_seen: str
    last_visit: str | None
    next_visit: str | None
    attempts: int
    revisits: int
    error: str | None


class Frontier(Protocol):
    """What a crawl needs of its frontier (one implementation per storage)."""

    def add(self, source: str, found: Sequence[Discovered], now: datetime) -> list[str]:
        """Record the URLs not seen before (queued, due now); return them, in the given order."""
        ...

    def due(self, source: str, now: datetime) -> list[Entry]:
        """The URLs of ``source`` to visit now, oldest discovery first."""
        ...

    def get(self, url: str) -> Entry | None: ...

    def archived_identity(self, identity: str) -> str | None:
        """The URL under which the article ``identity`` was archived, if it was."""
        ...

    def visited(
        self,
        url: str,
        state: str,
        now: datetime,
        *,
        next_visit: datetime | None,
        identity: str | None = None,
        error: str | None = None,
        attempt: bool = False,
        revisit: bool = False,
    ) -> None:
        """Record the outcome of a visit: the new state, when it is due again (None: never), the
        identity learned from the page, the failure; ``attempt`` counts a visit that did not archive
        it, ``revisit`` a re-check of an archived article."""
        ...

    def cursor(self, source: str) -> dict[str, str]:
        """Where ``source`` stopped last time (its kind decides the keys)."""
        ...

    def save_cursor(self, source: str, values: dict[str, str], now: datetime) -> None:
        """Set these keys of the cursor (an empty value removes the key)."""
        ...

    def counts(self) -> dict[str, int]:
        """URLs per state (for summaries and ``stats``)."""
        ...


class CatalogFrontier:
    """The frontier in the archive's catalog (SQL of the subset SQLite and PostgreSQL share)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def add(self, source: str, found: Sequence[Discovered], now: datetime) -> list[str]:
        urls = list(dict.fromkeys(d.url for d in found))
        if not urls:
            return []
        known = self._existing(urls)
        first = {d.url: d for d in reversed(found)}
        new = [u for u in urls if u not in known]
        stamp = iso(now)
        with self.catalog.write() as c:
            for url in new:
                d = first[url]
                c.execute(
                    "INSERT INTO frontier (url, source, title, identity, state, first_seen, next_visit) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT (url) DO NOTHING",
                    (url, source, d.title, d.identity, QUEUED, stamp, stamp),
                )
        return new

    def _existing(self, urls: Iterable[str]) -> set[str]:
        out: set[str] = set()
        batch = list(urls)
        for i in range(0, len(batch), 500):  # why: SQLite's default limit on bound parameters
            part = batch[i : i + 500]
            marks = ",".join("?" for _ in part)
            out.update(
                r["url"]
                for r in self.catalog.query(f"SELECT url FROM frontier WHERE url IN ({marks})", tuple(part))
            )
        return out

    def due(self, source: str, now: datetime) -> list[Entry]:
        rows = self.catalog.query(
            "SELECT * FROM frontier WHERE source=? AND next_visit IS NOT NULL AND next_visit <= ? "
            "ORDER BY id",
            (source, iso(now)),
        )
        return [Entry(**dict(r)) for r in rows]

    def get(self, url: str) -> Entry | None:
        rows = self.catalog.query("SELECT * FROM frontier WHERE url=?", (url,))
        return Entry(**dict(rows[0])) if rows else None

    def archived_identity(self, identity: str) -> str | None:
        rows = self.catalog.query(
            "SELECT url FROM frontier WHERE identity=? AND state IN (?, ?) ORDER BY first_seen LIMIT 1",
            (identity, ARCHIVED, DELETED),
        )
        if rows:
            return str(rows[0]["url"])
        site, article_id = split_key(identity)  # archived before the crawl knew it (wxarchive archive URL)
        rows = self.catalog.query(
            "SELECT url FROM articles WHERE site=? AND article_id=? LIMIT 1", (site, article_id)
        )
        return str(rows[0]["url"]) if rows else None

    def visited(
        self,
        url: str,
        state: str,
        now: datetime,
        *,
        next_visit: datetime | None,
        identity: str | None = None,
        error: str | None = None,
        attempt: bool = False,
        revisit: bool = False,
    ) -> None:
        assert state in STATES, state
        with self.catalog.write() as c:
            c.execute(
                "UPDATE frontier SET state=?, last_visit=?, next_visit=?, identity=COALESCE(?, identity), "
                "error=?, attempts=attempts+?, revisits=revisits+? WHERE url=?",
                (
                    state,
                    iso(now),
                    iso(next_visit) if next_visit is not None else None,
                    identity,
                    error,
                    1 if attempt else 0,
                    1 if revisit else 0,
                    url,
                ),
            )

    def cursor(self, source: str) -> dict[str, str]:
        rows = self.catalog.query("SELECT key, value FROM source_cursors WHERE source=?", (source,))
        return {str(r["key"]): str(r["value"]) for r in rows}

    def save_cursor(self, source: str, values: dict[str, str], now: datetime) -> None:
        with self.catalog.write() as c:
            for key, value in values.items():
                if value:
                    c.execute(
                        "INSERT INTO source_cursors (source, key, value, updated_at) VALUES (?,?,?,?) "
                        "ON CONFLICT (source, key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                        (source, key, value, iso(now)),
                    )
                else:
                    c.execute("DELETE FROM source_cursors WHERE source=? AND key=?", (source, key))

    def counts(self) -> dict[str, int]:
        rows = self.catalog.query("SELECT state, COUNT(*) AS n FROM frontier GROUP BY state")
        return {str(r["state"]): int(r["n"]) for r in rows}
