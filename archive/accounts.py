"""Account templates in an archive: what each account's posts repeat, kept in the catalog and applied
when its posts are archived, crawled or re-extracted (the learning itself is :mod:`scraper.templates`).

When: :meth:`AccountTemplates.apply` runs on every article after extraction, before it is written
(``archive``, ``import``, ``crawl``, ``reextract``); :meth:`AccountTemplates.record` keeps the edge
blocks of the article as the rules left it (before its template: what is learned must not depend on
what was cut) in the write transaction of the article; :meth:`AccountTemplates.relearn` then learns
the account's template again from all its archived posts. ``wxarchive extract FILE`` has no archive
and uses the rules alone.

Why relearn after every post: it is one query over the account's edge blocks (16 rows a post) and
the template follows the account's layout as it changes; a changed template does not rewrite the
earlier posts by itself (an ``archive`` run writes the posts it was asked for), ``reextract`` does,
and says so per post.

Accounts are keyed by :func:`account_key`: a WeChat account by its ``__biz`` (a renamed account stays
one account), any other by site and name (Tencent News / portal media names); an article with
neither has no template. Pictures are compared by the sha256 of their bytes when the image store
holds them (``images.sha256``), else by their normalised URL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from archive.catalog import Catalog, iso, utcnow
from archive.images import normalise_image_url
from scraper.errors import WxArchiveError
from scraper.models import Article
from scraper.templates import EdgeBlock, ImageKey, Template, apply, edges, learn

ACCOUNT_RULE = "account:"
"""Prefix of the removals a template makes (``account:<name>:head|tail``)."""


def account_key(article: Article) -> str:
    """The account ``article`` is filed under for templates ('' when it has none).

    Computable from the article alone (re-extraction fingerprints use it before any template exists).
    """
    wechat = article.extra.get("wechat") if isinstance(article.extra, Mapping) else None
    biz = wechat.get("biz") if isinstance(wechat, Mapping) else None
    if article.site == "wechat" and biz:
        return f"wechat:{biz}"
    if article.account:
        return f"{article.site}:{article.account}"
    return ""


def account_cuts(article: Article) -> int:
    """How many blocks an account template cut from ``article``."""
    return sum(1 for r in article.removed if r.rule.startswith(ACCOUNT_RULE))


class AccountTemplates:
    """The templates of one archive's catalog, read once per run and kept current as it learns."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._templates: dict[str, Template | None] = {}
        self._hashes: dict[str, str | None] = {}

    # ............................................................ reading
    def template(self, account: str) -> Template | None:
        """The learned template of ``account`` (None when it has learned nothing yet).

        Asked of the catalog every time (one indexed row): another process (a cluster worker, a
        crawl next to an archive) may have learned it again meanwhile; parsed again only then."""
        if not account:
            return None
        rows = self.catalog.query(
            "SELECT name, posts, fingerprint FROM account_templates WHERE account=?", (account,)
        )
        if not rows:
            self._templates.pop(account, None)
            return None
        cached = self._templates.get(account)
        row = rows[0]
        if cached is None or (cached.fingerprint, cached.posts, cached.name) != (
            row["fingerprint"],
            row["posts"],
            row["name"],
        ):
            blocks = self.catalog.query("SELECT blocks FROM account_templates WHERE account=?", (account,))
            cached = Template.from_json(account, row["name"], row["posts"], blocks[0]["blocks"])
            self._templates[account] = cached
        return cached

    def image_key(self, page_url: str) -> ImageKey:
        """The image-key function of :mod:`scraper.templates` for the pictures of one page: the sha256
        the image store holds for the picture's URL, else the normalised URL itself."""

        def key(url: str) -> str:
            try:
                fetch_url = normalise_image_url(url, page_url)
            except WxArchiveError:
                return "u:" + url
            if fetch_url not in self._hashes:
                self._hashes[fetch_url] = self._stored_hash(fetch_url)
            sha = self._hashes[fetch_url]
            return f"i:{sha}" if sha else f"u:{fetch_url}"

        return key

    def _stored_hash(self, fetch_url: str) -> str | None:
        """The sha256 of the picture at ``fetch_url`` as the archive stored it: from the images of the
        bundles, else from the raw store's image records (a picture a template cut from every bundle
        is still known there, so re-extraction cuts it again)."""
        rows = self.catalog.query(
            "SELECT sha256 FROM images WHERE fetch_url=? AND status='stored' AND sha256 IS NOT NULL "
            "ORDER BY updated_at DESC LIMIT 1",
            (fetch_url,),
        )
        if rows:
            return str(rows[0]["sha256"])
        rows = self.catalog.query(
            # two indexed lookups: with an OR of the two URL columns the planner scans every image row
            "SELECT id, digest FROM raw_records WHERE url=? AND kind='image' UNION "
            "SELECT id, digest FROM raw_records WHERE final_url=? AND kind='image' ORDER BY id DESC",
            (fetch_url, fetch_url),
        )
        placeholders = self.catalog.placeholders()
        for r in rows:
            digest = str(r["digest"]).removeprefix("sha256:")
            if digest not in placeholders:
                return digest
        return None

    # ............................................................ applying
    def apply(
        self, article: Article, page_url: str, hashes: Mapping[str, str | None] | None = None
    ) -> Article:
        """``article`` without its account's learned frame (the same article when there is none).

        ``hashes``: remote image URL → sha256 of the bytes just stored for it (a picture first seen
        in this post has no row in the store yet)."""
        template = self.template(account_key(article))
        if template is None:
            return article
        return apply(article, template, self._keys(page_url, hashes or {}))

    def _keys(self, page_url: str, hashes: Mapping[str, str | None]) -> ImageKey:
        known = self.image_key(page_url)

        def key(url: str) -> str:
            sha = hashes.get(url)
            return f"i:{sha}" if sha else known(url)

        return key

    # ............................................................ learning
    def record(
        self, article_row: int, article: Article, page_url: str, hashes: Mapping[str, str | None]
    ) -> None:
        """Keep the edge blocks of ``article`` (as the rules left it) for its account; call inside the
        write transaction of the article. ``hashes``: remote image URL → sha256 of what was stored."""
        for url, sha in hashes.items():  # what this run's lookups found missing is stored now
            if sha:
                try:
                    self._hashes[normalise_image_url(url, page_url)] = sha
                except WxArchiveError:
                    continue
        account = account_key(article)
        blocks = edges(article.body_markdown, self._keys(page_url, hashes)) if account else []
        with self.catalog.write() as c:
            c.execute("DELETE FROM account_blocks WHERE article=?", (article_row,))
            for b in blocks:
                c.execute(
                    "INSERT INTO account_blocks (article, account, edge, position, key, text) VALUES (?,?,?,?,?,?)",
                    (article_row, account, b.edge, b.position, b.key, b.text),
                )

    def relearn(self, account: str, name: str) -> Template | None:
        """Learn ``account``'s template again from every archived post of it; store it when it changed.

        Returns the new template when what it cuts changed (its fingerprint), else None."""
        if not account:
            return None
        rows = self.catalog.query(
            "SELECT article, edge, position, key, text FROM account_blocks WHERE account=? "
            "ORDER BY article, edge, position",
            (account,),
        )
        posts: dict[int, list[EdgeBlock]] = {}
        for r in rows:
            posts.setdefault(r["article"], []).append(
                EdgeBlock(r["edge"], r["position"], r["key"], r["text"])
            )
        old = self.template(account)
        name = name or (old.name if old else account)
        new = learn(account, name, posts.values())
        if old is not None and (old.fingerprint, old.posts, old.name) == (
            new.fingerprint,
            new.posts,
            new.name,
        ):
            return None
        with self.catalog.write() as c:
            c.execute(
                "INSERT INTO account_templates (account, name, posts, fingerprint, blocks, learned_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (account) DO UPDATE SET name=excluded.name, "
                "posts=excluded.posts, fingerprint=excluded.fingerprint, blocks=excluded.blocks, "
                "learned_at=excluded.learned_at",
                (account, new.name, new.posts, new.fingerprint, new.to_json(), iso(utcnow())),
            )
        self._templates[account] = new
        changed = old.fingerprint != new.fingerprint if old is not None else bool(new.blocks)
        return new if changed else None

    def articles_of(self, account: str) -> list[str]:
        """The URLs of the archived posts of ``account`` (those whose edge blocks were recorded)."""
        rows = self.catalog.query(
            "SELECT DISTINCT a.url, a.id FROM articles a JOIN account_blocks b ON b.article = a.id "
            "WHERE b.account=? ORDER BY a.id",
            (account,),
        )
        return [r["url"] for r in rows]


def template_fingerprints(catalog: Catalog) -> dict[str, str]:
    """The fingerprint of every learned template, by :func:`account_key` (one query; for the build
    fingerprints of re-extraction: a post is current only under its account's current template)."""
    rows = catalog.query("SELECT account, fingerprint FROM account_templates WHERE fingerprint != ''")
    return {r["account"]: r["fingerprint"] for r in rows}


def template_fingerprint(catalog: Catalog, account: str) -> str:
    """The fingerprint of one account's template ('' when it has none)."""
    rows = catalog.query("SELECT fingerprint FROM account_templates WHERE account=?", (account,))
    return rows[0]["fingerprint"] if rows else ""


@dataclasses.dataclass(frozen=True)
class LearnedRow:
    account: str
    name: str
    posts: int
    head: int
    tail: int
    examples: str
    learned_at: str


def learned(catalog: Catalog) -> list[LearnedRow]:
    """What every account has learned, most blocks first (for ``wxarchive stats``)."""
    out = []
    for r in catalog.query("SELECT account, name, posts, blocks, learned_at FROM account_templates"):
        template = Template.from_json(r["account"], r["name"], r["posts"], r["blocks"])
        if not template.blocks:
            continue
        texts = [b.text for b in template.blocks if not b.text.startswith("[image]")]
        pictures = len(template.blocks) - len(texts)
        examples = " | ".join(texts[:3]) + (f" (+{pictures} pictures)" if pictures else "")
        out.append(
            LearnedRow(
                r["account"],
                template.name,
                template.posts,
                len(template.keys("head")),
                len(template.keys("tail")),
                examples,
                r["learned_at"],
            )
        )
    out.sort(key=lambda row: (-(row.head + row.tail), row.name))
    return out


STATS_COLUMNS = (
    "account",
    "posts learned from",
    "head blocks",
    "tail blocks",
    "what it repeats",
    "learned at",
)


def stats_rows(catalog: Catalog, root: Path | None = None) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """Columns and rows of what every account learned (no rows when nothing was)."""
    rows = learned(catalog)
    return STATS_COLUMNS, [(r.name, r.posts, r.head, r.tail, r.examples, r.learned_at) for r in rows]


def stats_section(catalog: Catalog, root: Path) -> Any:
    """The ``wxarchive stats`` section "templates" (an :class:`archive.stats.Table`; None when no
    account has learned anything)."""
    from archive.stats import Table

    columns, rows = stats_rows(catalog, root)
    return Table(columns, rows) if rows else None


def rebuild_plan(templates: AccountTemplates, accounts: Iterable[str]) -> list[str]:
    """The URLs ``reextract`` must build again after ``accounts`` learned new templates."""
    urls: list[str] = []
    for account in accounts:
        urls.extend(templates.articles_of(account))
    return list(dict.fromkeys(urls))
