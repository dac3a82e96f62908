"""The write path: an extracted article becomes its page bundle, its catalog rows and its outcome.

::

    article ─► account template ─► place among copies ─► images ─► render ─► Prepared   (prepare)
    Prepared ─► publication (staged, moved in whole) + one catalog transaction ─► Result  (commit)
                                       └─► its account's template learned again

:class:`archive.pipeline.Pipeline` hands every article it archives, imports or crawls to
:meth:`Publisher.write`. A ``reextract`` worker process runs :meth:`Publisher.prepare` only (offline
it writes nothing) and the run's one writer commits what it prepared (:meth:`Publisher.write_prepared`).

Why a class composed into the pipeline rather than a mixin: its constructor names everything the write
path takes from the run (the archive's root, staging and entries, the catalog, the config, the image
collectors, the clock and the two outcome callbacks), so a reader sees the dependencies in one place
and mypy checks each of them, where a mixin would reach into ``Pipeline`` through attributes declared
twice. It owns what only writing changes: the account templates, what they learned this run, and the
run's fingerprints. ``Pipeline.publisher`` is the instance; ``Pipeline`` keeps thin methods under the
old names (``write_prepared``, ``record_posts``, ``relearn_account``, ``templates``, ``learned``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from archive.accounts import AccountTemplates, account_cuts, account_key
from archive.catalog import Catalog, ImageRow, PageBuild, iso
from archive.entries import COPY, Entries, Placement
from archive.fingerprint import Fingerprints
from archive.images import ImageCollector, ImageResult, copy_stored_images, image_urls
from archive.result import Result
from archive.saved import saved_note
from archive.staging import Publication
from archive.writer import Bundle, Rendered, render
from scraper.config import Config
from scraper.errors import DiskFullError
from scraper.html import plain_text
from scraper.models import Article
from scraper.templates import EdgeBlock


@dataclass(frozen=True)
class Prepared:
    """An article ready to be written (:meth:`Publisher.prepare`): picklable, so that a ``reextract``
    worker process can prepare it and the run's one writer commit it."""

    url: str
    article: Article
    bundle: Bundle
    rendered: Rendered
    images: dict[str, ImageResult]
    digest: str
    fetched: datetime
    raw_id: int | None
    template_key: str
    built_with: str  # archive.fingerprint: the article's fingerprint
    page: PageBuild  # what to remember of the page URL (its article id is filled in on commit)
    place: Placement  # among syndicated copies (archive.entries)
    text: str  # the body as plain text (for the search index)
    ruled: Article | None = None  # the article as the rules left it, before its account template
    blocks: tuple[EdgeBlock, ...] | None = None  # its edge blocks, what its account template learns from
    # a reextract worker found the bundle already holding exactly this (archive.reextract.slim):
    # the rendered text and the plain text were left out of the message to the writer
    slim: bool = False


class Publisher:
    """Writes the articles of one :class:`archive.pipeline.Pipeline` run into its archive.

    ``collector_for(online)`` is the run's image collector (downloading, or only looking up stored
    images); ``record(result)`` counts and records an outcome, ``fail(url, stage, exc)`` records a
    failure. ``saved`` maps the pictures a browser saved beside an imported page (normalised URL ->
    file); the pipeline sets it for the length of one import.
    """

    def __init__(
        self,
        *,
        root: Path,
        staging: Path,
        entries: Entries,
        catalog: Catalog,
        config: Config,
        collector_for: Callable[[bool], ImageCollector],
        record: Callable[[Result], Result],
        fail: Callable[[str, str, BaseException], Result],
        clock: Callable[[], datetime],
    ) -> None:
        self.root = root
        self.staging = staging
        self.entries = entries
        self.catalog = catalog
        self.config = config
        self.clock = clock
        self._collector_for = collector_for
        self._record = record
        self._fail = fail
        self._fingerprints: Fingerprints | None = None
        self.templates = AccountTemplates(catalog)
        self.saved: dict[str, Path] = {}  # import: normalised image URL -> the file saved beside the page
        self.learned: dict[str, str] = {}  # account key -> template fingerprint, learned this run

    @property
    def fingerprints(self) -> Fingerprints:
        """What a bundle built by this run is built from (:mod:`archive.fingerprint`), read once."""
        if self._fingerprints is None:
            self._fingerprints = Fingerprints.load(self.config, self.catalog)
        return self._fingerprints

    def write(
        self,
        url: str,
        article: Article,
        bundle: Bundle,
        digest: str,
        fetched: datetime,
        *,
        online: bool,
        raw_id: int | None = None,
    ) -> Result:
        """Write ``article`` (as the rules left it) under its account's template."""
        ruled, article = article, self._framed(article, url)

        def work() -> Result:
            place = self._place(url, article, bundle)
            with self._publication(bundle, place) as pub:
                directory = pub.directory if pub is not None else None
                prepared = self.prepare(
                    url,
                    article,
                    bundle,
                    digest,
                    fetched,
                    online=online,
                    raw_id=raw_id,
                    place=place,
                    directory=directory,
                    ruled=ruled,
                )
                return self._commit(prepared, pub)

        return self._named_disk_full(url, bundle, work)

    def _framed(self, ruled: Article, url: str, hashes: dict[str, str | None] | None = None) -> Article:
        """``ruled`` without its account's learned frame (:mod:`archive.accounts`), when templates are on."""
        if not self.config.archive.account_templates:
            return ruled
        return self.templates.apply(ruled, url, hashes)

    def write_prepared(self, prepared: Prepared) -> Result:
        """Write an article prepared elsewhere (a ``reextract`` worker process): the run's one writer."""

        def work() -> Result:
            with self._publication(prepared.bundle, prepared.place) as pub:
                return self._commit(prepared, pub)

        return self._named_disk_full(prepared.url, prepared.bundle, work)

    def _named_disk_full(self, url: str, bundle: Bundle, work: Callable[[], Result]) -> Result:
        try:
            return work()
        except DiskFullError as exc:  # name the file by where it lives, not by its staging path
            where = Path(exc.what) if exc.what.startswith("/") else None
            if where is not None and where.is_relative_to(self.staging):
                home = bundle.relative_index.rsplit("/", 1)[0]
                return self._fail(url, "write", exc.writing(f"{home}/{where.name}"))
            if where is not None and where.is_relative_to(self.root):
                return self._fail(url, "write", exc.writing(str(where.relative_to(self.root))))
            raise

    @contextlib.contextmanager
    def _publication(self, bundle: Bundle, place: Placement) -> Iterator[Publication | None]:
        """The bundle's :class:`archive.staging.Publication` (None for a syndicated copy, which gets
        no page of its own): a new bundle is staged and moved in whole; any failure inside (a full
        disk, a refused COMMIT, Ctrl-C) leaves content/ as it was."""
        if place.is_copy and self.entries.linking:
            yield None
            return
        with Publication(bundle, self.staging) as pub:
            yield pub

    def _place(self, url: str, article: Article, bundle: Bundle, text: str | None = None) -> Placement:
        """Where the page goes among syndicated copies (:meth:`archive.entries.Entries.place`);
        ``text``: the body as plain text, when the caller has it already."""
        published = article.published.isoformat() if article.published else None
        if text is None:
            text = plain_text(article.body_markdown)
        return self.entries.place(bundle.site, bundle.article_id, url, article.title, published, text)

    def prepare(
        self,
        url: str,
        article: Article,
        bundle: Bundle,
        digest: str,
        fetched: datetime,
        *,
        online: bool,
        raw_id: int | None = None,
        place: Placement | None = None,
        directory: Path | None = None,
        ruled: Article | None = None,
    ) -> Prepared:
        """Everything :meth:`_commit` writes, worked out: the page's place among syndicated copies,
        its images and the rendered index.md.

        Online, images are downloaded into ``directory`` (the bundle's publication). Offline they are
        only looked up (in ``directory``, else the bundle as it is), copies from other bundles left to
        the commit: then nothing is written, so that a ``reextract`` worker process can run it.
        """
        text = plain_text(article.body_markdown)
        if place is None:
            place = self._place(url, article, bundle, text)
        as_copy = place.is_copy and self.entries.linking  # a syndicated copy gets no page
        prev_row = self.catalog.article(bundle.site, bundle.article_id)
        previous = {r.remote_url: r for r in self.catalog.images_of(prev_row.id)} if prev_row else {}
        if ruled is None:
            ruled, article = article, self._framed(article, url)
        images: dict[str, ImageResult] = {}
        if not as_copy:
            where = directory if directory is not None else bundle.directory
            images = self._collector_for(online).collect(article, where, url, previous, self.saved)
        if images and self.config.archive.account_templates:
            # pictures first seen in this post are known by their bytes now: a re-uploaded banner is too
            hashes = {r.remote_url: r.sha256 for r in images.values() if r.status == "stored"}
            refined = self._framed(ruled, url, hashes)
            if refined.body_markdown != article.body_markdown:
                article, text = refined, plain_text(refined.body_markdown)
                images = {k: v for k, v in images.items() if k in set(image_urls(article))}
        rendered = render(
            article,
            bundle,
            page_url=url,
            fetched=fetched,
            fm=self.config.frontmatter,
            images=images,
            syndicated=place.syndicated,
            aliases=place.aliases,
        )
        key, built_with = self.fingerprints.for_article(article)
        page = PageBuild(url, raw_id, digest, self.fingerprints.base, "article", article.kind, None)
        blocks = None
        if self.config.archive.account_templates:  # what its account's template learns from
            stored = {r.remote_url: r.sha256 for r in images.values() if r.status == "stored"}
            blocks = tuple(self.templates.edge_blocks(ruled, url, stored))
        return Prepared(
            url,
            article,
            bundle,
            rendered,
            images,
            digest,
            fetched,
            raw_id,
            key,
            built_with,
            page,
            place,
            text,
            ruled,
            blocks,
        )

    def _commit(self, prepared: Prepared, pub: Publication | None) -> Result:
        """Write a prepared article through its publication (None: a syndicated copy): stored images
        copied in, index.md published, its catalog rows, search text and links in one transaction;
        then its outcome."""
        url, article, bundle, images = prepared.url, prepared.article, prepared.bundle, prepared.images
        entries = self.entries
        place, rendered = prepared.place, prepared.rendered
        if pub is not None:
            copy_stored_images(images, pub.directory, self.root, live=bundle.directory, staging=self.staging)
        raw_id = prepared.raw_id
        if raw_id is None:
            raw_row = self.catalog.raw_for(url, prepared.digest)
            raw_id = raw_row.id if raw_row else None
        now = iso(self.clock())
        with self.catalog.write():
            # why: one writer per article across cluster workers (PostgreSQL row lock), so the bundle
            # on disk and its catalog row always come from the same writer
            self.catalog.lock_article(bundle.site, bundle.article_id)
            if pub is None:
                prev_row = self.catalog.article(bundle.site, bundle.article_id)
                written = prev_row is None or (prev_row.status, prev_row.content_hash) != (
                    COPY,
                    rendered.content_hash,
                )
            else:
                written = pub.publish(rendered)
            article_row = self.catalog.upsert_article(
                url=url,
                canonical_url=article.canonical_url,
                site=bundle.site,
                article_id=bundle.article_id,
                bundle_path=bundle.relative_index,
                content_hash=rendered.content_hash,
                extractor_version=str(article.extractor_version),
                title=article.title,
                published=article.published.isoformat() if article.published else None,
                kind=article.kind,
                status="archived" if pub is not None else COPY,
                error=None,
                raw_id=raw_id,
                raw_digest=prepared.digest,
                updated_at=now,
                account=article.account or None,
                built_with=prepared.built_with,
                template_key=prepared.template_key,
                canonical_claim=article.extra.get("canonical_claim"),
            )
            self.catalog.set_images(
                article_row,
                [
                    ImageRow(
                        article_row, r.remote_url, r.fetch_url, r.sha256, r.local_file, r.status, r.error, now
                    )
                    for r in images.values()
                ],
            )
            page = prepared.page
            if page.raw_id is None:
                page = dataclasses.replace(page, raw_id=raw_id)
            self.catalog.set_page_builds([dataclasses.replace(page, article=article_row)])
            entries.settle(article_row, article.title, prepared.text, place, staging=self.staging)
            if self.config.archive.account_templates:  # what the account's template is learned from
                hashes = {r.remote_url: r.sha256 for r in images.values() if r.status == "stored"}
                blocks = list(prepared.blocks) if prepared.blocks is not None else None
                self.templates.record(article_row, prepared.ruled or article, url, hashes, blocks)
        outcome = "archived" if written else "unchanged"
        message = self._learn(prepared.ruled or article, article, written=written)
        if pub is None and place.entry is not None:
            path = entries.entry_index(article_row)
            note = f"a syndicated copy of {place.entry.url}, listed in its entry"
            return self._record(
                Result(url, outcome, path=path, message=note, stage="write", kind=article.kind)
            )
        failed = [r for r in images.values() if not r.ok]
        notes = [saved_note(images, self.saved)]
        if failed:
            notes.append(f"{len(failed)} image(s) kept their remote URL.")
        claim = article.extra.get("canonical_claim")
        if claim:
            notes.append(f"Its canonical URL {claim} is on another site: archived under its own URL.")
        message = " ".join(filter(None, (*notes, message)))
        return self._record(
            Result(
                url,
                outcome,
                path=bundle.index,
                message=message,
                stage="write",
                kind=article.kind,
                images=images,
            )
        )

    def _learn(self, ruled: Article, article: Article, *, written: bool) -> str:
        """Learn the account's template again after one of its posts was written; what to tell."""
        if not self.config.archive.account_templates:
            return ""
        notes = []
        cuts = account_cuts(article)
        if cuts and written:
            name = article.account or account_key(article)
            notes.append(f"The account template of {name} cut {cuts} block(s).")
        new = self.relearn(ruled)
        if new is not None and new.blocks:
            notes.append(
                f"The account template of {new.name} now has {len(new.blocks)} block(s), learned from "
                f"{new.posts} posts; `wxarchive reextract` applies it to the earlier ones."
            )
        return " ".join(notes)

    def relearn(self, ruled: Article) -> Any:
        """Learn the template of ``ruled``'s account again; the new template when it changed."""
        return self.relearn_account(account_key(ruled), ruled.account or "")

    def relearn_account(self, account: str, name: str) -> Any:
        """Learn the template of ``account`` (:func:`archive.accounts.account_key`) again."""
        new = self.templates.relearn(account, name)
        if new is not None:
            self.learned[account] = new.fingerprint
            if self._fingerprints is not None:  # later posts of this run are built under the new one
                templates = {**self._fingerprints.templates, account: new.fingerprint}
                self._fingerprints = dataclasses.replace(self._fingerprints, templates=templates)
        return new

    def record_posts(self, posts: list[tuple[int, Prepared]]) -> None:
        """Keep the edge blocks of posts rebuilt without a change to their bundle (their accounts'
        templates learn from them too); inside the caller's write transaction."""
        if not self.config.archive.account_templates:
            return
        for article_row, p in posts:
            hashes = {r.remote_url: r.sha256 for r in p.images.values() if r.status == "stored"}
            blocks = list(p.blocks) if p.blocks is not None else None
            self.templates.record(article_row, p.ruled or p.article, p.url, hashes, blocks)
