"""What is archived, as data: the queries behind ``list``, ``show`` and ``search``.

Each function returns plain JSON-ready values (dicts, lists, strings, numbers), which ``--json``
prints as they are and :mod:`archive.present` lays out as tables on a terminal. All of them give
*entries* (:mod:`archive.entries`): an article once, with its syndicated copies, whichever of its
pages matched.

An entry's ``state``, from the latest outcome of its URL (the archived copy is kept whatever
happens upstream):

- ``archived``: the last visit archived it or found it unchanged;
- ``failed``: the last visit failed (fetch, extraction, robots.txt …);
- ``gone``: the last visit found no article there any more (deleted, removed, expired …);
- ``deferred``: the last visit was put off (a host asked for a pause).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from archive.catalog import Catalog
from archive.entries import COPY
from archive.fsutil import read_bytes_nofollow
from archive.search import SearchIndex, parse_query
from scraper.errors import WxArchiveError

STATES = ("archived", "failed", "gone", "deferred")
_STATE_OF_OUTCOME = {
    "archived": "archived",
    "unchanged": "archived",
    "reextracted": "archived",
    "not_article": "gone",
    "deferred": "deferred",
    "paused": "deferred",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class NotFound(WxArchiveError):
    """``show`` was given a URL or id the catalog does not know."""


def state_of(last_outcome: str | None) -> str:
    if last_outcome is None:
        return "archived"
    return _STATE_OF_OUTCOME.get(last_outcome, "failed")


_LAST_OUTCOME = "(SELECT o.outcome FROM outcomes o WHERE o.url = a.url ORDER BY o.id DESC LIMIT 1)"
_ENTRY_COLUMNS = (
    "a.id, a.url, a.site, a.article_id, a.title, a.account, a.published, a.bundle_path, a.status, a.kind, "
    f"a.updated_at, {_LAST_OUTCOME} AS last_outcome"
)


def _copies(catalog: Catalog, entries: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {e: [] for e in entries}
    ids = list(entries)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" for _ in chunk)
        rows = catalog.query(
            f"SELECT s.original, s.similarity, {_ENTRY_COLUMNS} FROM syndication s "
            f"JOIN articles a ON a.id = s.article WHERE s.original IN ({marks}) AND s.article != s.original "
            "ORDER BY a.published, a.id",
            tuple(chunk),
        )
        for r in rows:
            out[int(r["original"])].append(
                {
                    "id": r["id"],
                    "site": r["site"],
                    "url": r["url"],
                    "published": r["published"],
                    "title": r["title"],
                    "similarity": round(float(r["similarity"]), 3),
                    "page": r["status"] != COPY,
                }
            )
    return out


def _entry(row: Any, copies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "site": row["site"],
        "account": row["account"] or "",
        "published": row["published"],
        "title": row["title"],
        "url": row["url"],
        "state": state_of(row["last_outcome"]),
        "path": row["bundle_path"],
        "copies": copies,
    }


def list_entries(
    catalog: Catalog,
    *,
    site: str | None = None,
    account: str | None = None,
    since: str | None = None,
    state: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Entries newest first (by publish time; undated ones last). ``site`` matches the entry or one
    of its copies; ``since`` is a date (``2025``, ``2025-03`` or ``2025-03-05``, China time)."""
    if since is not None and not _DATE.match(since):
        raise ValueError(f"--since takes a date like 2025-03-05 (or 2025-03, 2025), not {since!r}.")
    if state is not None and state not in STATES:
        raise ValueError(f"--state must be one of {', '.join(STATES)}, not {state!r}.")
    where = ["NOT EXISTS (SELECT 1 FROM syndication s WHERE s.article = a.id AND s.original != a.id)"]
    params: list[Any] = []
    if site:
        where.append(
            "(a.site = ? OR EXISTS (SELECT 1 FROM syndication s JOIN articles c ON c.id = s.article "
            "WHERE s.original = a.id AND c.site = ?))"
        )
        params += [site, site]
    if account:
        where.append("a.account = ?")
        params.append(account)
    if since:
        where.append("a.published >= ?")
        params.append(since)
    rows = catalog.query(
        f"SELECT {_ENTRY_COLUMNS} FROM articles a WHERE {' AND '.join(where)} "
        "ORDER BY a.published IS NULL, a.published DESC, a.id DESC",
        tuple(params),
    )
    if state:
        rows = [r for r in rows if state_of(r["last_outcome"]) == state]
    if limit:
        rows = rows[:limit]
    copies = _copies(catalog, [int(r["id"]) for r in rows])
    return [_entry(r, copies[int(r["id"])]) for r in rows]


def find(catalog: Catalog, ref: str) -> int:
    """The article row for ``ref``: a catalog id, an article id (bundle directory name or the site's
    id), or a URL (as archived, canonical, or final after redirects)."""
    ref = ref.strip()
    if ref.isdigit():
        rows = catalog.query("SELECT id FROM articles WHERE id=?", (int(ref),))
        if rows:
            return int(rows[0]["id"])
    like = ref.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"
    rows = (
        catalog.query(  # the site's id, as written or as the bundle name (lower case, maybe a -hash suffix)
            "SELECT id FROM articles WHERE url=? OR canonical_url=? OR article_id=? OR article_id=? "
            "OR article_id LIKE ? ESCAPE '\\' ORDER BY id",
            (ref, ref, ref, ref.lower(), like),
        )
    )
    if not rows and ref.startswith(("http://", "https://")):
        rows = catalog.query(
            "SELECT a.id FROM articles a JOIN raw_records r ON r.id = a.raw_id WHERE r.final_url=? OR r.url=?",
            (ref, ref),
        )
    if not rows:
        raise NotFound(f"The catalog has no article {ref!r} (give a URL, an article id or a catalog id).")
    return int(rows[0]["id"])


def _entry_id(catalog: Catalog, article: int) -> int:
    rows = catalog.query("SELECT original FROM syndication WHERE article=?", (article,))
    return int(rows[0]["original"]) if rows else article


def _raw(catalog: Catalog, url: str) -> list[dict[str, Any]]:
    rows = catalog.query(
        "SELECT id, url, final_url, kind, record_type, status, digest, length_payload, warc_file, warc_offset, "
        "fetched_at FROM raw_records WHERE url=? OR final_url=? ORDER BY id",
        (url, url),
    )
    return [dict(r) for r in rows]


def _front_matter(root: Path, bundle_path: str) -> dict[str, Any] | None:
    data = read_bytes_nofollow(root / bundle_path)
    if data is None:
        return None
    text = data.decode("utf-8", errors="replace")
    if not text.startswith("---\n"):
        return None
    head = text[4:].partition("\n---\n")[0]
    try:
        loaded = yaml.safe_load(head)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _files(root: Path, bundle_path: str) -> list[dict[str, Any]]:
    directory = (root / bundle_path).parent
    if not directory.is_dir():
        return []
    out = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.is_file(follow_symlinks=False):
            out.append({"name": entry.name, "bytes": entry.stat(follow_symlinks=False).st_size})
    return out


def show(catalog: Catalog, root: Path, ref: str, *, outcomes: int = 20) -> dict[str, Any]:
    """Everything the archive knows of the entry of ``ref``: its row, front matter, files, raw
    captures, latest outcomes, images, and its syndicated copies (each with its raw captures)."""
    requested = find(catalog, ref)
    entry = _entry_id(catalog, requested)
    row = catalog.query(f"SELECT {_ENTRY_COLUMNS}, a.canonical_url, a.content_hash, a.extractor_version, "
                        "a.raw_digest FROM articles a WHERE a.id=?", (entry,))[0]  # fmt: skip
    copies = _copies(catalog, [entry])[entry]
    for copy in copies:
        copy["raw"] = _raw(catalog, copy["url"])
    out = _entry(row, copies)
    out.update(
        {
            "requested": requested,
            "article_id": row["article_id"],
            "kind": row["kind"],
            "canonical_url": row["canonical_url"],
            "content_hash": row["content_hash"],
            "extractor_version": row["extractor_version"],
            "raw_digest": row["raw_digest"],
            "updated_at": row["updated_at"],
            "front_matter": _front_matter(root, row["bundle_path"]),
            "files": _files(root, row["bundle_path"]),
            "raw": _raw(catalog, row["url"]),
            "outcomes": [
                dict(r)
                for r in catalog.query(
                    "SELECT at, run, stage, outcome, error_class, message FROM outcomes WHERE url=? "
                    "ORDER BY id DESC LIMIT ?",
                    (row["url"], outcomes),
                )
            ],
            "images": [
                dict(r)
                for r in catalog.query(
                    "SELECT remote_url, status, local_file, sha256, error FROM images WHERE article=? "
                    "ORDER BY remote_url",
                    (entry,),
                )
            ],
        }
    )
    return out


def unindexed(catalog: Catalog) -> int:
    """Archived articles whose text is not in the search index (archived before it existed)."""
    return len(SearchIndex(catalog).missing())


def search(catalog: Catalog, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Entries matching ``query`` best first, each with its highlighted passage."""
    q = parse_query(query)
    if q.empty:
        raise ValueError(f"The query {query!r} has no letters or digits to search for.")
    hits = SearchIndex(catalog).search(q, limit=limit)
    if not hits:
        return []
    ids = [h.article for h in hits]
    marks = ",".join("?" for _ in ids)
    rows = {
        int(r["id"]): r
        for r in catalog.query(f"SELECT {_ENTRY_COLUMNS} FROM articles a WHERE a.id IN ({marks})", tuple(ids))
    }
    copies = _copies(catalog, ids)
    out = []
    for h in hits:
        if h.article not in rows:
            continue
        item = _entry(rows[h.article], copies[h.article])
        item.update(
            {
                "score": round(h.score, 4),
                "title_spans": [list(s) for s in h.title_spans],
                "passage": h.passage.to_json(),
                "matched": h.matched,
            }
        )
        out.append(item)
    return out
