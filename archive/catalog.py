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
    outcomes     the outcome history: stage, outcome, error class, message; the newest
                 ``[archive] outcome_history`` rows per URL are kept
    outcome_latest  the latest outcome of each URL at each stage (kept however old)
    page_builds  the last extraction of each page URL: record, rules fingerprint, what it gave
    sources      last crawl time of each configured crawl source
    robots       the robots.txt of each origin a crawl asked: when, HTTP status, verdict, body
    frontier     every URL a crawl source discovered: source, identity, state, next visit (archive.frontier)
    source_cursors  where each crawl source stopped: ETag/Last-Modified, album/list cursors
    host_state   hosts whose circuit breaker opened: paused until when, why, trips (archive.hosts)

Concurrency: WAL mode, a busy timeout, and every write in ``BEGIN IMMEDIATE`` (:meth:`Catalog.write`),
so two runs at once (cron overlap, crawl + on-demand archive) queue up instead of failing with
"database is locked". ``synchronous=FULL``: a committed row survives a power loss, which matters
because a row promises that the files it names are complete.

Creation: opening takes an OS file lock (``<catalog>.lock`` beside it, :func:`_open_lock`) around
creating, checking and migrating the file, so two runs started together on a new archive root do
not race: one creates, the other waits and then opens the finished catalog. A file left with no
table at all (a creator killed before its first commit) is created again, not called corrupt.

Errors: every SQLite error leaves :class:`Catalog` as a typed error: ``DiskFullError`` (the disk is
full or read-only), ``CatalogBusy`` (another run held the lock past the busy timeout) or
``StoreError``. A failed statement or COMMIT rolls back only when SQLite has not already done so
(after "database or disk is full" it usually has: a second ROLLBACK would fail with "cannot rollback
- no transaction is active" and hide the real error).

Backends: SQLite (this module, the default: one file in the archive root, no server) and PostgreSQL
(:mod:`archive.pgcatalog`, for ``[cluster] catalog = "postgresql://…"``, where workers on several
machines share one catalog). Both run the same schema and the same queries: SQL is written once, in the
subset both share, with ``?`` placeholders; the small :class:`Backend` object holds the few things that
differ (how a write transaction begins, how rows are read, how tables are listed, row locks, how a
driver error becomes a typed error).

Corruption: only a catalog that SQLite finds malformed (or that is not a wxarchive catalog) is
reported as corrupt, with recovery advice; "database is locked" is a busy catalog, never corrupt.
A missing catalog beside existing WARC files or bundles is refused: starting empty would re-publish
everything and forget what failed (``wxarchive reindex`` rebuilds it from the WARC files).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from scraper.errors import CatalogBusy, DiskFullError, StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no creation lock (SQLite's own locks still apply)
    fcntl = None  # type: ignore[assignment]

DEFAULT_OUTCOME_HISTORY = 20  # outcomes kept per URL; the archive sets [archive] outcome_history
BUSY_TIMEOUT_S = 60.0  # why: a concurrent run holds the write lock for one record or one bundle, not minutes
LOCK_POLL_S = 0.02  # why: creating a catalog takes milliseconds; a waiter need not sleep longer

# SQLite's primary result codes (the low byte of ``sqlite_errorcode``)
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


class _Corrupt(Exception):
    """Raised by the open checks: the file is malformed or not a wxarchive catalog."""


@contextmanager
def _open_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive OS lock on ``<catalog>.lock`` while the catalog is created/checked/migrated.

    Why a separate file: SQLite's own locks cannot cover the moment before the file has a schema
    (a second opener then sees an empty or half-made file). The lock dies with its process, so a
    creator killed by kill -9 never blocks the next run.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        from archive.fsutil import os_error

        raise os_error(
            exc, lock, "the catalog", f"Could not open the catalog lock {lock}: {exc.strerror or exc}."
        ) from exc
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CatalogBusy(
                        f"The catalog {path} is being created or upgraded by another run that did not finish "
                        f"within {BUSY_TIMEOUT_S:.0f} s; try again."
                    ) from None
                time.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(fd)  # releases the lock


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
    account: str | None = None
    built_with: str | None = None  # archive.fingerprint: what the bundle was built under (None: unknown)
    template_key: str = ""
    canonical_claim: str | None = None  # a canonical URL the page named but may not speak for


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


@dataclass(frozen=True)
class PageBuild:
    """The last extraction of one page URL (``page_builds``)."""

    url: str
    raw_id: int | None
    raw_digest: str
    built_with: str
    outcome: str  # article | not_article
    kind: str
    article: int | None


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that can never write to the catalog (a worker's, a long read's)."""
    try:
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    except sqlite3.Error as exc:
        raise StoreError(f"Could not open the catalog {path} for reading: {exc}.") from exc
    return conn


class Backend:
    """What differs between catalog databases; this one is SQLite's (see :mod:`archive.pgcatalog`)."""

    name = "sqlite"
    error: tuple[type[Exception], ...] = (sqlite3.Error,)  # the driver's error base classes
    begin_sql = "BEGIN IMMEDIATE"  # why: take the write lock at once, so writers queue instead of deadlocking

    def rows(self, cursor: Any) -> list[Any]:
        """Every row of ``cursor``, each readable by column name and by position."""
        cursor.row_factory = sqlite3.Row
        return list(cursor.fetchall())

    def table_names(self, conn: Any) -> set[str]:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def in_transaction(self, conn: Any) -> bool:
        return bool(conn.in_transaction)

    def typed(self, exc: Exception, where: Any, what: str, *, committing: bool = False) -> StoreError:
        """The typed error (``DiskFullError``, ``CatalogBusy``, ``StoreError``) for a driver error."""
        assert isinstance(exc, sqlite3.Error)
        return _typed(exc, Path(where), what, committing=committing)

    def ddl(self, statement: str) -> str:
        """A schema statement of :mod:`archive.schema` in this database's dialect (SQLite: as written)."""
        return statement

    def migration_lock(self, conn: Any) -> None:
        """Make this transaction the only one changing the schema (SQLite: BEGIN IMMEDIATE already is)."""

    def lock_article(self, conn: Any, site: str, article_id: str) -> None:
        """Make this transaction the only writer of the article (SQLite: BEGIN IMMEDIATE already is)."""

    def try_claim(self, catalog: Catalog, name: str) -> Any:
        """Hold the name ``name`` for this process until it exits (None when another process holds it).
        SQLite: an OS lock on a file beside the catalog, which dies with its process."""
        if fcntl is None:  # pragma: no cover - not POSIX
            return object()
        lock = Path(f"{catalog.path}.writer-{name}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd


SQLITE = Backend()


class Catalog:
    """The catalog of one archive root. Open with :meth:`open` (SQLite) or :meth:`connect` (SQLite path
    or PostgreSQL URL); use as a context manager."""

    def __init__(self, conn: Any, path: Path | str, backend: Backend = SQLITE) -> None:
        self.conn = conn
        self.path = path
        self.backend = backend
        self._claims: list[Any] = []  # writer names held (claim_writer) until this process exits
        self._lock = threading.RLock()
        self._depth = 0
        self.outcome_history = DEFAULT_OUTCOME_HISTORY

    # ------------------------------------------------------------------ opening
    @classmethod
    def connect(cls, target: str | Path, *, create: bool = True, has_data: bool = False) -> Catalog:
        """Open the catalog named by ``target``: a ``postgresql://`` URL, else an SQLite file path."""
        if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
            from archive.pgcatalog import open_postgres

            return open_postgres(cls, target, create=create, has_data=has_data)
        return cls.open(Path(target), create=create, has_data=has_data)

    @classmethod
    def open(cls, path: Path, *, create: bool = True, has_data: bool = False) -> Catalog:
        """Open (or create) the catalog at ``path``.

        ``has_data`` says the archive root already holds WARC files or bundles: then a missing or
        empty catalog is an error, never a fresh start. Safe to call from several processes at once
        on a root that has no catalog yet (:func:`_open_lock`).
        """
        path = Path(path)
        with _open_lock(path):
            existed = path.is_file() and path.stat().st_size > 0
            if existed and not _has_tables(path):
                existed = False  # a creator died before its first commit: nothing was ever recorded
            if not existed and (has_data or not create):
                raise StoreError(
                    f"The catalog {path} is missing (or empty) but the archive root holds archived data. "
                    f"Refusing to start empty: run `wxarchive reindex --out {path.parent}` to rebuild it from "
                    f"the WARC files, then `wxarchive reextract --out {path.parent}`."
                )
            try:
                conn = sqlite3.connect(
                    path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise _typed(exc, path, "opening the catalog") from exc
            cat = cls(conn, path)
            try:
                cat._setup(existed)
            except _Corrupt as exc:
                conn.close()
                raise cat._corrupt(str(exc)) from exc
            except sqlite3.Error as exc:
                conn.close()
                code = _code(exc)
                if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
                    raise cat._corrupt(str(exc)) from exc
                raise _typed(exc, path, "the catalog") from exc
            except BaseException:
                conn.close()
                raise
        return cat

    @classmethod
    def reader(cls, target: str | Path) -> Catalog:
        """Open an existing, current catalog to read only (a worker process of a run that holds it open
        for writing): no checks, no migrations; on SQLite any write fails."""
        if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
            return cls.connect(target, create=False)
        return cls(_connect_readonly(Path(target)), Path(target))

    def _corrupt(self, why: str) -> StoreError:
        path = Path(self.path)
        return StoreError(
            f"The catalog {path} is corrupt ({why}). Your archived files are untouched. Move it aside "
            f"(mv {path} {path}.broken), then run `wxarchive reindex --out {path.parent}` to rebuild it "
            f"from the WARC files and `wxarchive reextract --out {path.parent}` to re-list the articles."
        )

    def _setup(self, existed: bool) -> None:
        c = self.conn
        c.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if existed:
            # why quick_check: it reads every page, so a truncated or overwritten file fails here, at
            # startup, instead of halfway through a batch. The catalog is small (one row per URL).
            problems = [r[0] for r in c.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise _Corrupt("; ".join(problems[:3]))
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" not in tables:
                raise _Corrupt("it is an SQLite file but not a wxarchive catalog")
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - e.g. a filesystem without shared memory
            raise StoreError(
                f"The catalog {self.path} cannot use WAL mode (got {mode}); is it on a network drive?"
            )
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        if existed and self._schema_current():
            return  # why: opening must not need the write lock, or it would queue behind a running crawl
        self._migrate()

    def _migrate(self) -> None:
        """Apply the migrations this catalog lacks, in one write transaction (backend-neutral SQL)."""
        c = self.conn
        with self.write():
            self.backend.migration_lock(c)
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
                        c.execute(self.backend.ddl(statement))
            if row is None:
                c.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (iso(utcnow()),))
            c.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _schema_current(self) -> bool:
        tables = self.backend.table_names(self.conn)
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
    def write(self) -> Iterator[Any]:
        """A write transaction taken with ``BEGIN IMMEDIATE`` (re-entrant within one process).

        Other processes wait up to the busy timeout for the lock. Whatever the caller does inside
        (append to a WARC file, publish a bundle) is therefore serialised with other runs too.
        A SQLite error inside or at COMMIT leaves as a typed error (``DiskFullError`` for a full or
        read-only disk), after a rollback when SQLite has not rolled back by itself.
        """
        with self._lock:
            outer = self._depth == 0
            if outer:
                try:
                    self.conn.execute(self.backend.begin_sql)
                except self.backend.error as exc:
                    self._rollback()
                    raise self.backend.typed(exc, self.path, "the catalog") from exc
            self._depth += 1
            try:
                yield self.conn
            except BaseException as exc:
                self._depth -= 1
                if outer:
                    self._rollback()
                if isinstance(exc, self.backend.error):
                    raise self.backend.typed(exc, self.path, "the catalog") from exc
                raise
            self._depth -= 1
            if outer:
                try:
                    self.conn.execute("COMMIT")
                except self.backend.error as exc:
                    self._rollback()
                    raise self.backend.typed(exc, self.path, "the catalog", committing=True) from exc

    def _rollback(self) -> None:
        """ROLLBACK when a transaction is still open: after SQLITE_FULL or an I/O error SQLite has
        often rolled back already, and a second ROLLBACK would raise over the real error."""
        if self.backend.in_transaction(self.conn):
            with contextlib.suppress(*self.backend.error):
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of ``sql`` (``?`` placeholders), each readable by column name and by position."""
        with self._lock:
            try:
                return self.backend.rows(self.conn.execute(sql, params))
            except self.backend.error as exc:
                raise self.backend.typed(exc, self.path, "the catalog") from exc

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row of ``sql`` (None when there is no row)."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def claim_writer(self, base: str) -> str:
        """A writer name ``<base>-<n>`` no other live process holds (the lowest free ``n``), held until
        this process exits. A cluster worker names its WARC files with it: a worker restarted after
        a crash takes its old name back, and so continues (and first repairs) its own files."""
        for n in range(1, 10_000):
            name = f"{base}-{n}"
            handle = self.backend.try_claim(self, name)
            if handle is not None:
                self._claims.append(handle)
                return name
        raise StoreError(f"No free writer name {base}-<n> in the catalog {self.path}.")  # pragma: no cover

    def lock_article(self, site: str, article_id: str) -> None:
        """Inside :meth:`write`: make this transaction the one writer of the article (site, article_id)
        until it ends. PostgreSQL takes the article's row lock (``SELECT … FOR UPDATE``), creating the
        row if needed, so two workers never publish one bundle at once; SQLite's write lock already is."""
        assert self._depth > 0, "lock_article() belongs inside catalog.write()"
        self.backend.lock_article(self.conn, site, article_id)

    # ------------------------------------------------------------------ raw records
    def add_raw(self, **fields: Any) -> int:
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self.write() as c:
            cur = c.execute(
                f"INSERT INTO raw_records ({cols}) VALUES ({marks}) RETURNING id", tuple(fields.values())
            )
            return int(cur.fetchone()[0])

    def touch_raw(self, raw_id: int, when: datetime) -> None:
        with self.write() as c:
            c.execute("UPDATE raw_records SET last_seen_at=? WHERE id=?", (iso(when), raw_id))

    def raw(self, raw_id: int) -> RawRow | None:
        rows = self.query("SELECT * FROM raw_records WHERE id=?", (raw_id,))
        return RawRow(**dict(rows[0])) if rows else None

    def raw_for(self, url: str, digest: str | None = None, kind: str | None = None) -> RawRow | None:
        """The latest record fetched for ``url`` (as requested or as final URL), optionally with ``digest``.

        Two indexed lookups (by requested URL, by final URL) joined with UNION ALL: an ``OR`` of the
        two would let the planner scan the table.
        """
        cond = " AND record_type <> 'metadata'"
        params: list[Any] = []
        if digest is not None:
            cond += " AND digest=?"
            params.append(digest)
        if kind is not None:
            cond += " AND kind=?"
            params.append(kind)
        sql = (
            "SELECT * FROM raw_records WHERE id = (SELECT MAX(id) FROM ("
            f"SELECT id FROM raw_records WHERE url=?{cond} UNION ALL "
            f"SELECT id FROM raw_records WHERE final_url=?{cond}) AS found)"
        )
        rows = self.query(sql, (url, *params, url, *params))
        return RawRow(**dict(rows[0])) if rows else None

    def raw_with_payload(self, digest: str) -> RawRow | None:
        """The first record that holds the payload with ``digest`` itself (not a revisit)."""
        rows = self.query(
            "SELECT * FROM raw_records WHERE digest=? AND record_type IN ('response','resource') ORDER BY id LIMIT 1",
            (digest,),
        )
        return RawRow(**dict(rows[0])) if rows else None

    def page_urls(self) -> list[str]:
        """Every page URL of the raw store, in the order first fetched (one scan of an index)."""
        rows = self.query(
            "SELECT url, MIN(id) AS first FROM raw_records WHERE kind='page' AND record_type <> 'metadata' "
            "GROUP BY url ORDER BY first"
        )
        return [r["url"] for r in rows]

    def warc_end(self, warc_file: str) -> int:
        """Where the last committed record of ``warc_file`` ends (0 when it has none)."""
        end = self.scalar(
            "SELECT MAX(warc_offset + warc_length) FROM raw_records WHERE warc_file=?", (warc_file,)
        )
        return int(end or 0)

    def latest_warc_file(self) -> str | None:
        name = self.scalar("SELECT warc_file FROM raw_records ORDER BY id DESC LIMIT 1")
        return str(name) if name is not None else None

    # ------------------------------------------------------------------ articles
    def article(self, site: str, article_id: str) -> ArticleRow | None:
        rows = self.query("SELECT * FROM articles WHERE site=? AND article_id=?", (site, article_id))
        return ArticleRow(**dict(rows[0])) if rows else None

    def article_for_url(self, url: str) -> ArticleRow | None:
        rows = self.query(
            "SELECT * FROM articles WHERE id IN (SELECT id FROM articles WHERE url=? UNION "
            "SELECT id FROM articles WHERE canonical_url=?) ORDER BY updated_at DESC, id DESC LIMIT 1",
            (url, url),
        )
        return ArticleRow(**dict(rows[0])) if rows else None

    def article_by_id(self, article: int) -> ArticleRow | None:
        rows = self.query("SELECT * FROM articles WHERE id=?", (article,))
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
                "INSERT INTO images (article, remote_url, fetch_url, sha256, local_file, status, error, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (article, remote_url) DO UPDATE SET "
                "fetch_url=excluded.fetch_url, sha256=excluded.sha256, local_file=excluded.local_file, "
                "status=excluded.status, error=excluded.error, updated_at=excluded.updated_at",
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
            return {r[0] for r in self.query("SELECT sha256 FROM placeholders")}
        return {r[0] for r in self.query("SELECT sha256 FROM placeholders WHERE host=?", (host,))}

    def learn_placeholder(
        self, host: str, sha256: str, size: int, width: int | None, height: int | None
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO placeholders (host, sha256, size, width, height, learned_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (host, sha256) DO NOTHING",
                (host, sha256, size, width, height, iso(utcnow())),
            )

    def host_probed_at(self, host: str) -> datetime | None:
        when = self.scalar("SELECT probed_at FROM host_probes WHERE host=?", (host,))
        return parse_iso(when) if when else None

    def set_host_probe(self, host: str, protected: bool, when: datetime) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO host_probes (host, protected, probed_at) VALUES (?,?,?) "
                "ON CONFLICT(host) DO UPDATE SET protected=excluded.protected, probed_at=excluded.probed_at",
                (host, int(protected), iso(when)),
            )

    # ------------------------------------------------------------------ page builds
    def set_page_builds(self, rows: Iterable[PageBuild]) -> None:
        """Remember what each page URL's newest record gave under which rules (one transaction)."""
        with self.write() as c:
            for b in rows:
                c.execute(
                    "INSERT INTO page_builds (url, raw_id, raw_digest, built_with, outcome, kind, article, at) "
                    "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (url) DO UPDATE SET raw_id=excluded.raw_id, "
                    "raw_digest=excluded.raw_digest, built_with=excluded.built_with, outcome=excluded.outcome, "
                    "kind=excluded.kind, article=excluded.article, at=excluded.at",
                    (
                        b.url,
                        b.raw_id,
                        b.raw_digest,
                        b.built_with,
                        b.outcome,
                        b.kind,
                        b.article,
                        iso(utcnow()),
                    ),
                )

    def mark_built(self, rows: Iterable[tuple[int, str, str, int | None, str]]) -> None:
        """Note ``(article, built_with, template_key, raw_id, raw_digest)``: the article was rebuilt
        under these rules from this record and came out as its bundle already is (nothing written)."""
        with self.write() as c:
            c.executemany(
                "UPDATE articles SET built_with=?, template_key=?, raw_id=?, raw_digest=? WHERE id=?",
                [(built, key, raw_id, digest, article) for article, built, key, raw_id, digest in rows],
            )

    def page_build(self, url: str) -> PageBuild | None:
        rows = self.query(
            "SELECT url, raw_id, raw_digest, built_with, outcome, kind, article FROM page_builds WHERE url=?",
            (url,),
        )
        return PageBuild(**dict(rows[0])) if rows else None

    def stream(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[Any]:
        """Rows of a long read, one at a time, from a snapshot taken when it starts.

        SQLite: read on a second, read-only connection, so that the caller can write through this one
        while it iterates (the writes are not seen by the iteration) and memory does not grow with the
        rows. PostgreSQL: the rows are read at once (a server-side cursor would keep memory flat).
        """
        if self.backend is not SQLITE:
            yield from self.query(sql, params)
            return
        reader = _connect_readonly(Path(self.path))
        try:
            cur = reader.execute(sql, params)
            cur.row_factory = sqlite3.Row
            yield from cur
        finally:
            reader.close()

    # ------------------------------------------------------------------ runs and outcomes
    def start_run(self, command: str) -> int:
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?) RETURNING id", (command, iso(utcnow()))
            )
            return int(cur.fetchone()[0])

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
        self.record_outcomes(run, [(url, stage, outcome, error_class, message)])

    def record_outcomes(
        self, run: int | None, rows: Iterable[tuple[str, str, str, str | None, str | None]]
    ) -> None:
        """Record outcomes ``(url, stage, outcome, error_class, message)`` in one transaction.

        Each becomes the latest outcome of its (URL, stage) in ``outcome_latest`` and joins the URL's
        history in ``outcomes``, which keeps the newest :attr:`outcome_history` rows per URL (the
        older are deleted as the new one arrives, so the table stays bounded by URLs × history).
        """
        now = iso(utcnow())
        with self.write() as c:
            for url, stage, outcome, error_class, message in rows:
                c.execute(
                    "INSERT INTO outcomes (run, url, stage, outcome, error_class, message, at) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (run, url, stage, outcome, error_class, message, now),
                )
                c.execute(
                    "INSERT INTO outcome_latest (url, stage, run, outcome, error_class, message, at) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT (url, stage) DO UPDATE SET run=excluded.run, "
                    "outcome=excluded.outcome, error_class=excluded.error_class, message=excluded.message, "
                    "at=excluded.at",
                    (url, stage, run, outcome, error_class, message, now),
                )
                c.execute(
                    "DELETE FROM outcomes WHERE url=? AND id <= (SELECT id FROM outcomes WHERE url=? "
                    "ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (url, url, self.outcome_history),
                )

    def outcomes(self, run: int | None = None) -> list[Any]:
        """The outcome history (the newest :attr:`outcome_history` per URL), of one run or all."""
        if run is None:
            return self.query("SELECT * FROM outcomes ORDER BY id")
        return self.query("SELECT * FROM outcomes WHERE run=? ORDER BY id", (run,))

    def latest_outcomes(self, url: str) -> list[Any]:
        """The latest outcome of ``url`` at each stage it reached, newest first."""
        return self.query("SELECT * FROM outcome_latest WHERE url=? ORDER BY at DESC, stage", (url,))

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
        when = self.scalar("SELECT last_crawled_at FROM sources WHERE name=?", (name,))
        return parse_iso(when) if when else None

    def set_crawled(self, name: str, when: datetime) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO sources (name, last_crawled_at) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET last_crawled_at=excluded.last_crawled_at",
                (name, iso(when)),
            )


# ---------------------------------------------------------------------- SQLite errors → typed errors


def _code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code of ``exc`` (-1 when unknown)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return _SQLITE_BUSY
    if "disk is full" in text:
        return _SQLITE_FULL
    return -1


def _typed(exc: sqlite3.Error, path: Path, what: str, *, committing: bool = False) -> StoreError:
    """The typed error for a SQLite error on the catalog at ``path``."""
    from archive.fsutil import filesystem_full, mount_point

    code = _code(exc)
    if code == _SQLITE_FULL:
        return DiskFullError(device=str(mount_point(path)), what=what)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return CatalogBusy(
            f"The catalog {path} is busy: another run held it longer than {BUSY_TIMEOUT_S:.0f} s ({exc}); "
            "nothing was lost, try again."
        )
    if code in (_SQLITE_IOERR, _SQLITE_READONLY, _SQLITE_CANTOPEN):
        full = filesystem_full(path)
        if full is not None:
            return DiskFullError(device=full.device, what=what, readonly=full.readonly)
    verb = "commit to" if committing else "use"
    return StoreError(f"Could not {verb} the catalog {path}: {exc}.")


def _has_tables(path: Path) -> bool:
    """Whether the SQLite file at ``path`` has any table (read-only peek; True when unsure)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return True
    try:
        return conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.Error:
        return True  # why: unreadable is for the full checks to judge (corrupt, busy), not a new file
    finally:
        conn.close()
