"""Entries: what the archive shows for one article, however many sites published it.

An *entry* is an archived article together with its syndicated copies (:mod:`archive.syndication`
says which pages are one article). Every page written by the pipeline (archive, import, crawl,
reextract) passes through here twice:

1. :meth:`Entries.place`, before anything is written: is this page a copy of an entry already in
   the archive, and is it the one that should be the entry? The entry is the WeChat post when the
   group has one, else the copy published first (then the one archived first). A page that is
   already linked stays in its group (re-extraction keeps the links; a link is never undone by a
   rule change that moves a text a little).
2. :meth:`Entries.settle`, in the same catalog transaction as the page's row: its text goes into
   the search index, its sketch and buckets into the catalog, and the links are made. When the page
   is a copy, the entry's index.md gets the new ``syndicated`` list (:func:`archive.writer.restamp`);
   when it becomes the entry in place of a copy published earlier, that copy's bundle is retired.

With ``[archive] syndicated_copies = "link"`` (the default) a copy has no page bundle: its row in
``articles`` has status :data:`COPY` and the ``bundle_path`` it would have, and the entry redirects
that path with a Hugo ``aliases`` entry, so a link to the copy's page keeps working even when the
copy was published before the entry arrived. The copy's raw page stays in the raw store and its
text in the search index (a search that matches it shows the entry). With ``"bundle"`` the copies
keep pages of their own and the entry still lists them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from archive.catalog import Catalog, iso, utcnow
from archive.fsutil import read_bytes_nofollow, remove_file
from archive.search import SearchIndex
from archive.syndication import SCHEME, Sketch, normalise, similarity
from archive.writer import Bundle, existing_hash, restamp
from scraper.config import ArchiveConfig
from scraper.html import plain_text

log = logging.getLogger(__name__)

COPY = "copy"
"""``articles.status`` of a syndicated copy that has no page bundle of its own."""

_SOURCE_LINK = re.compile(r"\n\[[^\]\n]+\]\(\S+\)\s*$")


@dataclass(frozen=True)
class Member:
    """A page of a group, as the catalog knows it."""

    id: int
    site: str
    article_id: str
    url: str
    title: str
    published: str | None
    bundle_path: str
    status: str

    @property
    def url_path(self) -> str:
        return f"/{self.site}/{self.article_id}/"


@dataclass(frozen=True)
class Placement:
    """Where a page goes: alone, as the entry of a group, or as a copy of an entry."""

    members: tuple[Member, ...] = ()  # the group's other pages
    entry: Member | None = None  # the group's entry when it is not this page
    similarity: float = 0.0  # with the page it was matched with (0 when it was already linked)
    matched: int | None = None  # the page it was matched with
    sketch: Sketch | None = None
    syndicated: tuple[dict[str, str], ...] = ()  # this page's ``syndicated`` when it is the entry
    aliases: tuple[str, ...] = ()

    @property
    def is_copy(self) -> bool:
        return self.entry is not None


def _when(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published)
    except ValueError:
        return None


def _entry_key(site: str, published: str | None, row_id: int | None) -> tuple[int, float, float]:
    """The order in which pages deserve to be the entry: WeChat first, then the earliest published
    (an unknown date last), then the first archived (a page not yet archived last)."""
    when = _when(published)
    stamp = when.timestamp() if when is not None and when.tzinfo is not None else float("inf")
    return (0 if site == "wechat" else 1, stamp, float(row_id) if row_id is not None else float("inf"))


def copy_entry(copy: Member, entry_title: str) -> dict[str, str]:
    """One item of an entry's ``syndicated`` list."""
    item = {"site": copy.site, "url": copy.url, "published": copy.published or ""}
    if copy.title and copy.title != entry_title:
        item["title"] = copy.title
    return item


class Entries:
    """The entries of one archive: search index, sketches and syndication links in the catalog."""

    def __init__(self, catalog: Catalog, root: Path, config: ArchiveConfig) -> None:
        self.catalog = catalog
        self.root = Path(root)
        self.config = config
        self.search = SearchIndex(catalog)

    @property
    def linking(self) -> bool:
        """True when copies get no page of their own (``syndicated_copies = "link"``)."""
        return self.config.syndicated_copies == "link"

    # .................................................................. reading the groups
    def member(self, row_id: int) -> Member | None:
        rows = self.catalog.query(
            "SELECT id, site, article_id, url, title, published, bundle_path, status FROM articles WHERE id=?",
            (row_id,),
        )
        return Member(**dict(rows[0])) if rows else None

    def _find(self, site: str, article_id: str) -> int | None:
        rows = self.catalog.query("SELECT id FROM articles WHERE site=? AND article_id=?", (site, article_id))
        return int(rows[0]["id"]) if rows else None

    def entry_of(self, row_id: int) -> int:
        """The entry of a page: the original it is a copy of, else itself."""
        rows = self.catalog.query("SELECT original FROM syndication WHERE article=?", (row_id,))
        return int(rows[0]["original"]) if rows else row_id

    def copies_of(self, entry: int) -> list[Member]:
        rows = self.catalog.query(
            "SELECT a.id, a.site, a.article_id, a.url, a.title, a.published, a.bundle_path, a.status "
            "FROM syndication s JOIN articles a ON a.id = s.article WHERE s.original=? AND s.article != ?",
            (entry, entry),
        )
        members = [Member(**dict(r)) for r in rows]
        return sorted(members, key=lambda m: (_entry_key("", m.published, m.id)[1:], m.site))

    def group_of(self, row_id: int) -> list[Member]:
        """Every page of the group ``row_id`` belongs to (entry first), itself included."""
        entry = self.member(self.entry_of(row_id))
        return ([entry] if entry is not None else []) + self.copies_of(self.entry_of(row_id))

    def front_matter(self, entry: Member, copies: list[Member]) -> tuple[list[dict[str, str]], list[str]]:
        """``syndicated`` and ``aliases`` of an entry with these copies."""
        copies = sorted(copies, key=lambda m: (_entry_key("", m.published, m.id)[1:], m.site))
        syndicated = [copy_entry(c, entry.title) for c in copies]
        aliases = [c.url_path for c in copies] if self.linking else []
        return syndicated, aliases

    # .................................................................. placing a page
    def place(
        self, site: str, article_id: str, url: str, title: str, published: str | None, text: str
    ) -> Placement:
        """Where the page (site, article_id) with this body text goes. Reads the catalog only."""
        me_id = self._find(site, article_id)
        me = Member(me_id or 0, site, article_id, url, title, published, "", "")
        norm = normalise(text)
        sketch = Sketch.of(norm) if len(norm) >= self.config.syndication_min_chars else None
        group: list[Member] = []
        score, matched = 0.0, None
        if me_id is not None and (self.entry_of(me_id) != me_id or self.copies_of(me_id)):
            group = [m for m in self.group_of(me_id) if m.id != me_id]  # already linked: stays so
        elif sketch is not None:
            found = self._match(me_id, norm, sketch)
            if found is not None:
                matched, score = found
                group = [m for m in self.group_of(matched) if m.id != me_id]
        if not group:
            return Placement(sketch=sketch)
        key = _entry_key(site, published, me_id)
        best = min(group, key=lambda m: _entry_key(m.site, m.published, m.id))
        if _entry_key(best.site, best.published, best.id) < key:
            return Placement(tuple(group), best, score, matched, sketch)
        syndicated, aliases = self.front_matter(me, group)
        return Placement(tuple(group), None, score, matched, sketch, tuple(syndicated), tuple(aliases))

    def _match(self, me_id: int | None, norm: str, sketch: Sketch) -> tuple[int, float] | None:
        """The archived page most similar to this text, when similar enough: candidates from the
        buckets (an indexed lookup), then the estimate, then the true similarity of the texts."""
        marks = ",".join("?" for _ in sketch.buckets)
        rows = self.catalog.query(
            f"SELECT DISTINCT k.article, k.signature FROM sketch_buckets b JOIN sketches k ON k.article = b.article "
            f"WHERE b.bucket IN ({marks}) AND k.scheme = ?",
            (*sketch.buckets, SCHEME),
        )
        threshold = self.config.syndication_threshold
        best: tuple[int, float] | None = None
        for r in rows:
            other = int(r["article"])
            if other == me_id or sketch.estimate(bytes(r["signature"])) < threshold - 0.15:
                continue
            body = self.catalog.query("SELECT body FROM article_text WHERE article=?", (other,))
            if not body:
                continue
            s = similarity(norm, normalise(body[0]["body"]), min_chars=self.config.syndication_min_chars)
            if s >= threshold and (best is None or s > best[1]):
                best = (other, s)
        return best

    # .................................................................. after the write
    def settle(self, row_id: int, title: str, text: str, placement: Placement, *, staging: Path) -> None:
        """Index the page just written as ``row_id`` and make its links (inside the caller's write)."""
        with self.catalog.write() as c:
            self.search.put(row_id, title, text)
            self._keep_sketch(row_id, placement.sketch)
            now = iso(utcnow())
            if placement.entry is not None:  # a copy
                self._link(row_id, placement.entry.id, placement.similarity, now)
                if self.linking:
                    self._retire(row_id)
                self.restamp_entry(placement.entry.id, staging=staging)
            elif placement.members:  # the entry of a group
                c.execute("DELETE FROM syndication WHERE article=?", (row_id,))
                for m in placement.members:
                    score = placement.similarity if m.id == placement.matched else None
                    self._link(m.id, row_id, score, now)
                    if self.linking:
                        self._retire(m.id)
                    else:
                        restamp_bundle = self._bundle(m)
                        if restamp_bundle is not None:
                            restamp(restamp_bundle, syndicated=[], aliases=[], staging=staging)
            elif placement.sketch is not None and self._shares_a_bucket(row_id, placement.sketch):
                # why: place() looked before this run held the write lock; a copy committed by another
                # run since then is visible now (SQLite serialises writers), so look once more — when
                # any other page shares a bucket with it (one indexed lookup; mostly none does)
                self.relink(row_id, staging=staging)

    def _shares_a_bucket(self, row_id: int, sketch: Sketch) -> bool:
        marks = ",".join("?" for _ in sketch.buckets)
        return bool(
            self.catalog.query(
                f"SELECT 1 FROM sketch_buckets WHERE bucket IN ({marks}) AND article <> ? LIMIT 1",
                (*sketch.buckets, row_id),
            )
        )

    def relink(self, row_id: int, *, staging: Path) -> bool:
        """Link a page that is in no group yet to its near-duplicates, as if it had just been
        archived (``reindex``: pages archived before syndication was detected, or under another
        threshold). The bundles change as they would have: copies retired (link mode), the entry's
        ``syndicated`` written. True when it joined a group."""
        if self.entry_of(row_id) != row_id or self.copies_of(row_id):
            return False
        m = self.member(row_id)
        rows = self.catalog.query("SELECT body FROM article_text WHERE article=?", (row_id,))
        if m is None or not rows:
            return False
        place = self.place(m.site, m.article_id, m.url, m.title, m.published, rows[0]["body"])
        if not place.members:
            return False
        with self.catalog.write():
            self.settle(row_id, m.title, rows[0]["body"], place, staging=staging)
            if place.entry is None:
                self.restamp_entry(row_id, staging=staging)
        return True

    def _keep_sketch(self, row_id: int, sketch: Sketch | None) -> None:
        with self.catalog.write() as c:
            c.execute("DELETE FROM sketch_buckets WHERE article=?", (row_id,))
            c.execute("DELETE FROM sketches WHERE article=?", (row_id,))
            if sketch is None:
                return
            c.execute(
                "INSERT INTO sketches (article, scheme, signature, length) VALUES (?,?,?,?)",
                (row_id, SCHEME, sketch.signature, sketch.length),
            )
            c.executemany(
                "INSERT INTO sketch_buckets (bucket, article) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(b, row_id) for b in sketch.buckets],
            )

    def _link(self, copy: int, original: int, score: float | None, now: str) -> None:
        with self.catalog.write() as c:
            if score is None:
                c.execute(
                    "INSERT INTO syndication (article, original, similarity, linked_at) VALUES (?,?,0,?) "
                    "ON CONFLICT (article) DO UPDATE SET original=excluded.original",
                    (copy, original, now),
                )
            else:
                c.execute(
                    "INSERT INTO syndication (article, original, similarity, linked_at) VALUES (?,?,?,?) "
                    "ON CONFLICT (article) DO UPDATE SET original=excluded.original, "
                    "similarity=excluded.similarity, linked_at=excluded.linked_at",
                    (copy, original, score, now),
                )

    def _bundle(self, m: Member) -> Bundle | None:
        parts = Path(m.bundle_path).parts
        if len(parts) < 4:
            return None
        return Bundle(self.root, str(Path(*parts[:-3])), m.site, m.article_id)

    def _retire(self, row_id: int) -> None:
        """A copy loses its page bundle (index.md first, so Hugo never sees a bundle half gone; then
        its images); its row stays, with status :data:`COPY`. Its raw page and images stay in the
        raw store."""
        m = self.member(row_id)
        if m is None:
            return
        bundle = self._bundle(m)
        if bundle is not None and bundle.directory.is_dir():
            remove_file(bundle.index)
            for entry in sorted(bundle.directory.iterdir()):
                if entry.is_file() or entry.is_symlink():
                    remove_file(entry)
            try:
                bundle.directory.rmdir()
            except OSError as exc:  # something we did not write is in it: leave the directory
                log.info("bundle directory %s kept: %s", bundle.directory, exc)
        with self.catalog.write() as c:
            c.execute("UPDATE articles SET status=? WHERE id=?", (COPY, row_id))
            c.execute("DELETE FROM images WHERE article=?", (row_id,))  # the files went with the bundle

    def restamp_entry(self, entry_id: int, *, staging: Path) -> bool:
        """Write the entry's current ``syndicated`` and ``aliases`` into its index.md."""
        entry = self.member(entry_id)
        if entry is None:
            return False
        bundle = self._bundle(entry)
        if bundle is None:
            return False
        syndicated, aliases = self.front_matter(entry, self.copies_of(entry_id))
        written = restamp(bundle, syndicated=syndicated, aliases=aliases, staging=staging)
        if written:
            with self.catalog.write() as c:
                c.execute(
                    "UPDATE articles SET content_hash=?, updated_at=? WHERE id=?",
                    (existing_hash(bundle.index) or "", iso(utcnow()), entry_id),
                )
        return written

    def entry_index(self, row_id: int) -> Path | None:
        """The index.md that shows this page: its entry's (its own when it is the entry)."""
        entry = self.member(self.entry_of(row_id))
        return self.root / entry.bundle_path if entry is not None else None


def bundle_text(index: Path) -> str | None:
    """The plain text of a bundle's body (the source link line left out), for indexing an article
    archived before the search index existed; None when the bundle is gone."""
    data = read_bytes_nofollow(index)
    if data is None:
        return None
    text = data.decode("utf-8", errors="replace")
    if text.startswith("---\n"):
        _, _, text = text[4:].partition("\n---\n")
    return plain_text(_SOURCE_LINK.sub("", text.rstrip() + "\n").replace("\u200b", ""))


def reindex(
    catalog: Catalog, root: Path, config: ArchiveConfig | None = None, *, staging: Path | None = None
) -> dict[str, int]:
    """``wxarchive reindex``: rebuild the search index and the sketches from what the archive holds,
    and link the syndicated copies not linked yet.

    Articles archived before these existed get their text (and account) from their bundle; every
    text gets its sketch and buckets again (a new sketch scheme needs that too); the engine's index
    is built anew; then every article in no group is matched (:meth:`Entries.relink`), so an archive
    made before syndication was detected gets one entry per article. Links already made are kept.
    Returns counts: texts read from bundles, sketches, articles indexed, copies newly linked.
    """
    index = SearchIndex(catalog)
    missing = index.missing()
    read = 0
    for article in missing:
        rows = catalog.query("SELECT title, bundle_path, account FROM articles WHERE id=?", (article,))
        body = bundle_text(root / rows[0]["bundle_path"])
        if body is None:
            continue
        with catalog.write() as c:
            c.execute(
                "INSERT INTO article_text (article, title, body, tokenizer, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (article) DO NOTHING",
                (article, rows[0]["title"], body, "", iso(utcnow())),
            )
            if rows[0]["account"] is None:
                account = _bundle_account(root / rows[0]["bundle_path"])
                c.execute("UPDATE articles SET account=? WHERE id=?", (account, article))
        read += 1
    sketched = 0
    entries = Entries(catalog, root, config or ArchiveConfig())
    for r in catalog.query("SELECT article, body FROM article_text ORDER BY article"):
        norm = normalise(r["body"])
        sketch = Sketch.of(norm) if len(norm) >= entries.config.syndication_min_chars else None
        entries._keep_sketch(int(r["article"]), sketch)
        sketched += sketch is not None
    indexed = index.rebuild_engine()
    staging = staging or root / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    copies = "SELECT COUNT(*) AS n FROM syndication"
    before = int(catalog.query(copies)[0]["n"])
    for r in catalog.query("SELECT id FROM articles ORDER BY id"):
        entries.relink(int(r["id"]), staging=staging)
    linked = int(catalog.query(copies)[0]["n"]) - before
    return {"texts_from_bundles": read, "sketches": sketched, "indexed": indexed, "linked": linked}


def _bundle_account(index: Path) -> str | None:
    data = read_bytes_nofollow(index)
    if data is None or not data.startswith(b"---\n"):
        return None
    try:
        front = yaml.safe_load(data[4:].partition(b"\n---\n")[0].decode("utf-8", "replace"))
    except yaml.YAMLError:
        return None
    account = front.get("account") if isinstance(front, dict) else None
    return str(account) if account else None
