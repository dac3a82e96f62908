"""The catalog: one SQLite database inside the archive root that remembers everything we did.

Tables (the migrations of :mod:`archive.schema`)::

    meta         key/value: schema version, creation time
    raw_records  one row per WARC record of the raw store (url, final url, digest, file, offset …)
    warc_files   each WARC file and the end of its last committed record
    articles     one row per page bundle (site, article id, bundle path, content hash, outcome …)
    images       one row per (article, remote image URL): sha256, local file, status, error
    placeholders anti-hotlink placeholder pictures learned per host (sha256, size, dimensions)
    host_probes  when each Referer-checked host was last probed with a foreign Referer, and the verdict
    runs         one row per command run
    outcomes     one row per URL per run: stage, outcome, error class, message
    sources      last crawl time of each configured crawl source
    robots       the robots.txt of each origin a crawl asked: when, HTTP status, verdict, body
    frontier     every URL a crawl source discovered: source, identity, state, next visit (archive.frontier)
    source_cursors  where each crawl source stopped: ETag/Last-Modified, album/list cursors
    host_state   hosts whose circuit breaker opened: paused until when, why, trips (archive.hosts)

Concurrency: WAL mode, a busy timeout, and every write in ``BEGIN IMMEDIATE`` (:meth:`Catalog.write`),
so two runs at once (cron overlap, crawl + on-demand archive) queue up instead of failing with
"database is locked". ``synchronous=FULL``: a committed row survives a power loss, which matters
because a row promises that the files it names are complete.

Corruption: a catalog that cannot be read is a ``StoreError`` with recovery advice. A missing catalog
beside existing WARC files or bundles is refused too: starting empty would re-publish everything and
forget what failed (``wxarchive reindex`` rebuilds it from the WARC files).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from scraper.errors import StoreError

BUSY_TIMEOUT_S = 60.0  # why: a concurrent run holds the write lock for one record or one bundle, not minutes


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, second precision (the WARC-Date form)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class RawRow:
    id: int
    url: str
    final_url: str
    kind: str
    record_type: str
    status: int
    content_type: str
    digest: str
    length_payload: int
    warc_file: str
    warc_offset: int
    warc_length: int
    refers_to: int | None
    fetched_at: str
    last_seen_at: str


@dataclass(frozen=True)
class ArticleRow:
    id: int
    url: str
    canonical_url: str | None
    site: str
    article_id: str
    bundle_path: str
    content_hash: str
    extractor_version: str
    title: str
    published: str | None
    kind: str
    status: str
    error: str | None
    raw_id: int | None
    raw_digest: str | None
    updated_at: str


@dataclass(frozen=True)
class RobotsRow:
    origin: str
    fetched_at: str
    status: int | None
    verdict: str
    body: bytes | None
    error: str | None


@dataclass(frozen=True)
class ImageRow:
    article: int
    remote_url: str
    fetch_url: str
    sha256: str | None
    local_file: str | None
    status: str
    error: str | None
    updated_at: str


class Catalog:
    """The SQLite catalog of one archive root. Open with :meth:`open`; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path, *, create: bool = True, has_data: bool = False) -> Catalog:
        """Open (or create) the catalog at ``path``.

        ``has_data`` says the archive root already holds WARC files or bundles: then a missing or
        empty catalog is an error, never a fresh start.
        """
        path = Path(path)
        existed = path.is_file() and path.stat().st_size > 0
        if not existed and (has_data or not create):
            raise StoreError(
                f"The catalog {path} is missing (or empty) but the archive root holds archived data. "
                f"Refusing to start empty: run `wxarchive reindex --out {path.parent}` to rebuild it from the "
                f"WARC files, then `wxarchive reextract --out {path.parent}`."
            )
        try:
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"Could not open the catalog {path}: {exc}.") from exc
        cat = cls(conn, path)
        try:
            cat._setup(existed)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"The catalog {path} is corrupt ({exc}). Your archived files are untouched. Move it aside "
                f"(mv {path} {path}.broken), then run `wxarchive reindex --out {path.parent}` to rebuild it "
                f"from the WARC files and `wxarchive reextract --out {path.parent}` to re-list the articles."
            ) from exc
        return cat

    def _setup(self, existed: bool) -> None:
        c = self.conn
        c.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if existed:
            # why quick_check: it reads every page, so a truncated or overwritten file fails here, at
            # startup, instead of halfway through a batch. The catalog is small (one row per URL).
            problems = [r[0] for r in c.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("; ".join(problems[:3]))
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                existed = (
                    False  # why: a run killed while creating the catalog leaves a file with no table yet
                )
            elif "meta" not in tables:
                raise sqlite3.DatabaseError("it is an SQLite file but not a wxarchive catalog")
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - e.g. a filesystem without shared memory
            raise StoreError(
                f"The catalog {self.path} cannot use WAL mode (got {mode}); is it on a network drive?"
            )
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        if existed and self._schema_current():
            return  # why: opening must not need the write lock, or it would queue behind a running crawl
        with self.write():
            c.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            current = int(row[0]) if row is not None else 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"The catalog {self.path} was written by a newer wxarchive (schema {current}); upgrade wxarchive."
                )
            for migration in MIGRATIONS:
                if migration.version > current:
                    for statement in migration.statements():
                        c.execute(statement)
            if row is None:
                c.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (iso(utcnow()),))
            c.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _schema_current(self) -> bool:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not set(TABLES) <= tables:
            return False
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"The catalog {self.path} was written by a newer wxarchive (schema {row[0]}); upgrade wxarchive."
            )
        return row is not None and int(row[0]) == SCHEMA_VERSION

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with ``BEGIN IMMEDIATE`` (re-entrant within one process).

        Other processes wait up to the busy timeout for the lock. Whatever the caller does inside
        (append to a WARC file, publish a bundle) is therefore serialised with other runs too.
        """
        with self._lock:
            outer = self._depth == 0
            if outer:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    raise StoreError(
                        f"The catalog {self.path} is busy (another run holds it): {exc}."
                    ) from exc
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self.conn.execute("ROLLBACK")
                    raise StoreError(f"Could not commit to the catalog {self.path}: {exc}.") from exc

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of ``sql`` read by column name. Under the catalog's lock: a crawl's threads share the
        connection, and a read must not interleave with another thread's open write transaction."""
        with self._lock:
            cur = self.conn.execute(sql, params)
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    # ------------------------------------------------------------------ raw records
    def add_raw(self, **fields: Any) -> int:
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self.write() as c:
            cur = c.execute(f"INSERT INTO raw_records ({cols}) VALUES ({marks})", tuple(fields.values()))
            return int(cur.lastrowid or 0)

    def touch_raw(self, raw_id: int, when: datetime) -> None:
        with self.write() as c:
            c.execute("UPDATE raw_records SET last_seen_at=? WHERE id=?", (iso(when), raw_id))

    def raw(self, raw_id: int) -> RawRow | None:
        rows = self.query("SELECT * FROM raw_records WHERE id=?", (raw_id,))
        return RawRow(**dict(rows[0])) if rows else None

    def raw_for(self, url: str, digest: str | None = None, kind: str | None = None) -> RawRow | None:
        """The latest record fetched for ``url`` (as requested or as final URL), optionally with ``digest``."""
        sql = "SELECT * FROM raw_records WHERE (url=? OR final_url=?)"
        params: list[Any] = [url, url]
        if digest is not None:
            sql += " AND digest=?"
            params.append(digest)
        if kind is not None:
            sql += " AND kind=?"
            params.append(kind)
        rows = self.query(sql + " AND record_type != 'metadata' ORDER BY id DESC LIMIT 1", tuple(params))
        return RawRow(**dict(rows[0])) if rows else None

    def raw_with_payload(self, digest: str) -> RawRow | None:
        """The first record that holds the payload with ``digest`` itself (not a revisit)."""
        rows = self.query(
            "SELECT * FROM raw_records WHERE digest=? AND record_type IN ('response','resource') ORDER BY id LIMIT 1",
            (digest,),
        )
        return RawRow(**dict(rows[0])) if rows else None

    def page_urls(self) -> list[str]:
        """Every page URL of the raw store, in the order first fetched."""
        rows = self.query(
            "SELECT url, MIN(id) AS first FROM raw_records WHERE kind='page' AND record_type != 'metadata' "
            "GROUP BY url ORDER BY first"
        )
        return [r["url"] for r in rows]

    def warc_end(self, warc_file: str) -> int:
        """Where the last committed record of ``warc_file`` ends (0 when it has none)."""
        row = self.conn.execute(
            "SELECT MAX(warc_offset + warc_length) FROM raw_records WHERE warc_file=?", (warc_file,)
        ).fetchone()
        return int(row[0] or 0)

    def latest_warc_file(self) -> str | None:
        row = self.conn.execute("SELECT warc_file FROM raw_records ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ articles
    def article(self, site: str, article_id: str) -> ArticleRow | None:
        rows = self.query("SELECT * FROM articles WHERE site=? AND article_id=?", (site, article_id))
        return ArticleRow(**dict(rows[0])) if rows else None

    def article_for_url(self, url: str) -> ArticleRow | None:
        rows = self.query(
            "SELECT * FROM articles WHERE url=? OR canonical_url=? ORDER BY updated_at DESC LIMIT 1",
            (url, url),
        )
        return ArticleRow(**dict(rows[0])) if rows else None

    def articles(self) -> list[ArticleRow]:
        return [ArticleRow(**dict(r)) for r in self.query("SELECT * FROM articles ORDER BY id")]

    def upsert_article(self, **fields: Any) -> int:
        """Insert or update the row of (site, article_id); returns its id."""
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        updates = ", ".join(f"{k}=excluded.{k}" for k in fields if k not in ("site", "article_id"))
        with self.write() as c:
            c.execute(
                f"INSERT INTO articles ({cols}) VALUES ({marks}) "
                f"ON CONFLICT(site, article_id) DO UPDATE SET {updates}",
                tuple(fields.values()),
            )
            row = c.execute(
                "SELECT id FROM articles WHERE site=? AND article_id=?",
                (fields["site"], fields["article_id"]),
            ).fetchone()
            return int(row[0])

    # ------------------------------------------------------------------ images
    def images_of(self, article: int) -> list[ImageRow]:
        return [ImageRow(**dict(r)) for r in self.query("SELECT * FROM images WHERE article=?", (article,))]

    def stored_image(self, fetch_url: str) -> list[ImageRow]:
        """Rows where the image at ``fetch_url`` was stored (any article), newest first."""
        rows = self.query(
            "SELECT * FROM images WHERE fetch_url=? AND status='stored' ORDER BY updated_at DESC",
            (fetch_url,),
        )
        return [ImageRow(**dict(r)) for r in rows]

    def set_images(self, article: int, rows: list[ImageRow]) -> None:
        """Replace the image rows of ``article`` (one per remote URL it references)."""
        with self.write() as c:
            c.execute("DELETE FROM images WHERE article=?", (article,))
            c.executemany(
                "INSERT OR REPLACE INTO images (article, remote_url, fetch_url, sha256, local_file, status, error, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        article,
                        r.remote_url,
                        r.fetch_url,
                        r.sha256,
                        r.local_file,
                        r.status,
                        r.error,
                        r.updated_at,
                    )
                    for r in rows
                ],
            )

    # ------------------------------------------------------------------ placeholders
    def placeholders(self, host: str | None = None) -> set[str]:
        if host is None:
            return {r[0] for r in self.conn.execute("SELECT sha256 FROM placeholders")}
        return {r[0] for r in self.conn.execute("SELECT sha256 FROM placeholders WHERE host=?", (host,))}

    def learn_placeholder(
        self, host: str, sha256: str, size: int, width: int | None, height: int | None
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO placeholders (host, sha256, size, width, height, learned_at) "
                "VALUES (?,?,?,?,?,?)",
                (host, sha256, size, width, height, iso(utcnow())),
            )

    def host_probed_at(self, host: str) -> datetime | None:
        row = self.conn.execute("SELECT probed_at FROM host_probes WHERE host=?", (host,)).fetchone()
        return parse_iso(row[0]) if row else None

    def set_host_probe(self, host: str, protected: bool, when: datetime) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO host_probes (host, protected, probed_at) VALUES (?,?,?) "
                "ON CONFLICT(host) DO UPDATE SET protected=excluded.protected, probed_at=excluded.probed_at",
                (host, int(protected), iso(when)),
            )

    # ------------------------------------------------------------------ runs and outcomes
    def start_run(self, command: str) -> int:
        with self.write() as c:
            cur = c.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, iso(utcnow())))
            return int(cur.lastrowid or 0)

    def finish_run(self, run: int, ok: int, failed: int) -> None:
        with self.write() as c:
            c.execute(
                "UPDATE runs SET finished_at=?, ok=?, failed=? WHERE id=?", (iso(utcnow()), ok, failed, run)
            )

    def record_outcome(
        self,
        run: int | None,
        url: str,
        stage: str,
        outcome: str,
        error_class: str | None = None,
        message: str | None = None,
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO outcomes (run, url, stage, outcome, error_class, message, at) VALUES (?,?,?,?,?,?,?)",
                (run, url, stage, outcome, error_class, message, iso(utcnow())),
            )

    def outcomes(self, run: int | None = None) -> list[sqlite3.Row]:
        if run is None:
            return self.query("SELECT * FROM outcomes ORDER BY id")
        return self.query("SELECT * FROM outcomes WHERE run=? ORDER BY id", (run,))

    # ------------------------------------------------------------------ robots.txt
    def robots(self, origin: str) -> RobotsRow | None:
        rows = self.query("SELECT * FROM robots WHERE origin=?", (origin,))
        return RobotsRow(**dict(rows[0])) if rows else None

    def set_robots(
        self,
        origin: str,
        when: datetime,
        status: int | None,
        verdict: str,
        body: bytes | None,
        error: str | None,
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO robots (origin, fetched_at, status, verdict, body, error) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(origin) DO UPDATE SET fetched_at=excluded.fetched_at, status=excluded.status, "
                "verdict=excluded.verdict, body=excluded.body, error=excluded.error",
                (origin, iso(when), status, verdict, body, error),
            )

    # ------------------------------------------------------------------ crawl sources
    def last_crawled(self, name: str) -> datetime | None:
        row = self.conn.execute("SELECT last_crawled_at FROM sources WHERE name=?", (name,)).fetchone()
        return parse_iso(row[0]) if row else None

    def set_crawled(self, name: str, when: datetime) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO sources (name, last_crawled_at) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET last_crawled_at=excluded.last_crawled_at",
                (name, iso(when)),
            )
