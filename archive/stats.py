"""``wxarchive stats``: the archive in numbers, as a list of sections others can add to.

A section is a name, a title and a function ``(catalog, root) -> Table | None``; None leaves the
section out (the table it reads is not in this catalog yet, or there is nothing to say). To add
one, write the function beside the tables it reads and append a :class:`Section` to
:data:`SECTIONS` (or call :func:`register`); ``stats --json`` prints ``{name: {"columns": [...],
"rows": [[...], ...]}}`` in the order of the list, and the terminal shows one table per section.

The sections here: articles by site, by account and by month (entries and their copies), failures
by kind (the latest outcome of each URL that did not succeed), images and bytes stored, paused
hosts (the crawl's ``host_state``), articles deleted upstream (from the outcomes, plus the crawl
frontier's ``deleted`` URLs) and the crawl frontier by source and state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.accounts import stats_section
from archive.catalog import Catalog, iso, utcnow
from archive.entries import COPY

TOP_ACCOUNTS = 20  # why: an archive follows a few dozen accounts; the long tail is in `list --account`


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": list(self.columns), "rows": [list(r) for r in self.rows]}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    compute: Callable[[Catalog, Path], Table | None] = field(repr=False)


def _has_table(catalog: Catalog, name: str) -> bool:
    return name in catalog.backend.table_names(catalog.conn)


_IS_COPY = "EXISTS (SELECT 1 FROM syndication s WHERE s.article = a.id AND s.original != a.id)"


def by_site(catalog: Catalog, root: Path) -> Table:
    rows = catalog.query(
        f"SELECT a.site, SUM(CASE WHEN {_IS_COPY} THEN 0 ELSE 1 END) AS entries, "
        f"SUM(CASE WHEN {_IS_COPY} THEN 1 ELSE 0 END) AS copies, "
        f"SUM(CASE WHEN a.status = '{COPY}' THEN 0 ELSE 1 END) AS pages "
        "FROM articles a GROUP BY a.site ORDER BY entries DESC, a.site"
    )
    return Table(("site", "entries", "syndicated copies", "pages"), [tuple(r) for r in rows])


def by_account(catalog: Catalog, root: Path) -> Table:
    rows = catalog.query(
        f"SELECT COALESCE(a.account, '') AS account, COUNT(*) AS n, MIN(a.published) AS first, "
        f"MAX(a.published) AS last FROM articles a WHERE NOT {_IS_COPY} "
        "GROUP BY COALESCE(a.account, '') ORDER BY n DESC, account"
    )
    shown = [tuple(r) for r in rows[:TOP_ACCOUNTS]]
    note = f"{len(rows) - TOP_ACCOUNTS} more accounts" if len(rows) > TOP_ACCOUNTS else ""
    return Table(("account", "entries", "first published", "last published"), shown, note)


def by_month(catalog: Catalog, root: Path) -> Table:
    rows = catalog.query(
        "SELECT COALESCE(substr(a.published, 1, 7), '') AS month, COUNT(*) AS n FROM articles a "
        f"WHERE NOT {_IS_COPY} GROUP BY COALESCE(substr(a.published, 1, 7), '') ORDER BY month"
    )
    return Table(("month", "entries"), [tuple(r) for r in rows])


def failures(catalog: Catalog, root: Path) -> Table:
    """The URLs whose latest outcome is not a success, by outcome and error class."""
    rows = catalog.query(
        "SELECT o.outcome, COALESCE(o.error_class, '') AS kind, COUNT(*) AS n FROM outcomes o "
        "WHERE o.id = (SELECT MAX(p.id) FROM outcomes p WHERE p.url = o.url) "
        "AND o.outcome NOT IN ('archived', 'unchanged', 'skipped', 'reextracted', 'known') "
        "GROUP BY o.outcome, COALESCE(o.error_class, '') ORDER BY n DESC, o.outcome"
    )
    return Table(("outcome", "kind", "URLs"), [tuple(r) for r in rows])


def storage(catalog: Catalog, root: Path) -> Table:
    """Images (distinct pictures and the files of the bundles), pages, and bytes on disk."""
    stored = catalog.query(
        "SELECT COUNT(DISTINCT sha256) AS pictures, COUNT(*) AS refs FROM images WHERE status='stored'"
    )[0]
    failed = catalog.query("SELECT COUNT(*) AS n FROM images WHERE status != 'stored'")[0]["n"]
    files = catalog.query(
        "SELECT DISTINCT a.bundle_path, i.local_file FROM images i JOIN articles a ON a.id = i.article "
        "WHERE i.status='stored' AND i.local_file IS NOT NULL"
    )
    image_bytes = 0
    for r in files:
        try:
            image_bytes += (root / r["bundle_path"]).parent.joinpath(r["local_file"]).stat().st_size
        except OSError:
            continue
    raw_bytes = catalog.query("SELECT COALESCE(SUM(size), 0) AS n FROM warc_files")[0]["n"]
    pages = catalog.query(
        "SELECT COUNT(*) AS n FROM raw_records WHERE kind='page' AND record_type != 'revisit'"
    )
    catalog_bytes: int | None = None  # a PostgreSQL catalog's size is the server's business
    if isinstance(catalog.path, Path):
        catalog_bytes = sum(
            p.stat().st_size for p in catalog.path.parent.glob(catalog.path.name + "*") if p.is_file()
        )
    return Table(
        ("what", "count", "bytes"),
        [
            ("images stored (distinct pictures)", stored["pictures"], image_bytes),
            ("image references kept remote (not stored)", failed, None),
            ("raw page captures", pages[0]["n"], raw_bytes),
            ("catalog", None, catalog_bytes),
        ],
    )


def paused_hosts(catalog: Catalog, root: Path) -> Table | None:
    if not _has_table(catalog, "host_state"):
        return None
    rows = catalog.query(
        "SELECT host, paused_until, COALESCE(reason, '') AS reason, trips FROM host_state "
        "WHERE paused_until IS NOT NULL AND paused_until > ? ORDER BY paused_until",
        (iso(utcnow()),),
    )
    return Table(("host", "paused until", "why", "trips"), [tuple(r) for r in rows])


def deleted_upstream(catalog: Catalog, root: Path) -> Table:
    """Archived articles whose page is no longer there (deleted, removed, expired): from the crawl
    frontier when the catalog has one, else from the latest outcome of each archived URL."""
    rows = catalog.query(
        "SELECT a.site, COUNT(*) AS n FROM articles a WHERE "
        "(SELECT o.outcome FROM outcomes o WHERE o.url = a.url ORDER BY o.id DESC LIMIT 1) = 'not_article' "
        "GROUP BY a.site ORDER BY n DESC, a.site"
    )
    table = [("archived, gone upstream: " + r["site"], r["n"]) for r in rows]
    if _has_table(catalog, "frontier"):
        crawl = catalog.query("SELECT COUNT(*) AS n FROM frontier WHERE state='deleted'")[0]["n"]
        table.append(("crawl URLs found deleted", crawl))
    return Table(("what", "count"), table)


def frontier(catalog: Catalog, root: Path) -> Table | None:
    """The crawl frontier (:mod:`archive.frontier`): URLs per source and state, and how many are due."""
    if not _has_table(catalog, "frontier"):
        return None
    now = iso(utcnow())
    rows = catalog.query(
        "SELECT source, state, COUNT(*) AS n, SUM(CASE WHEN next_visit IS NOT NULL AND next_visit <= ? "
        "THEN 1 ELSE 0 END) AS due FROM frontier GROUP BY source, state ORDER BY source, n DESC, state",
        (now,),
    )
    return Table(("source", "state", "URLs", "due now"), [tuple(r) for r in rows])


SECTIONS: list[Section] = [
    Section("sites", "Articles by site", by_site),
    Section("accounts", "Articles by account", by_account),
    Section("templates", "What each account repeats (account templates)", stats_section),
    Section("months", "Articles by month published", by_month),
    Section("failures", "URLs whose last visit did not succeed", failures),
    Section("storage", "Stored", storage),
    Section("paused_hosts", "Paused hosts", paused_hosts),
    Section("deleted_upstream", "Deleted upstream", deleted_upstream),
    Section("frontier", "Crawl frontier", frontier),
]
"""The sections of ``stats``, in order."""


def register(section: Section, *, after: str | None = None) -> None:
    """Add a section (after the one named ``after``, else at the end); a name is used once."""
    if any(s.name == section.name for s in SECTIONS):
        raise ValueError(f"A stats section named {section.name!r} exists already.")
    names = [s.name for s in SECTIONS]
    SECTIONS.insert(names.index(after) + 1 if after in names else len(SECTIONS), section)


def stats(catalog: Catalog, root: Path, only: list[str] | None = None) -> dict[str, tuple[str, Table]]:
    """name → (title, table) of every section that has something to say (``only``: those named)."""
    out: dict[str, tuple[str, Table]] = {}
    for section in SECTIONS:
        if only and section.name not in only:
            continue
        table = section.compute(catalog, root)
        if table is not None:
            out[section.name] = (section.title, table)
    return out
