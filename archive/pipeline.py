"""The pipelines: the few steps of the shape, wired together for each command.

::

    archive_url  fetch ─► raw store ─► extract ─► images ─► writer ─► catalog
    import_file  file  ─► raw store ─► extract ─► images ─► writer ─► catalog
    reextract          raw store ─► extract ─► (stored images only) ─► writer ─► catalog   (no network)
    crawl        (archive.crawl) the due sources ─► archive_url for each URL

Re-extraction lives in :mod:`archive.reextract` (``Pipeline.reextract`` hands over to it); the write
path (an extracted article's images, rendered bundle, catalog rows and account template) in
:mod:`archive.publish` (``Pipeline.publisher``); :class:`Result` in :mod:`archive.result`.

Every URL ends as one :class:`Result` and one ``outcomes`` row in the catalog (url, stage, outcome,
error class, message); a failure never stops a batch. Outcomes:

- ``archived``: the bundle was written (new or changed);
- ``unchanged``: the bundle already held exactly this (nothing written);
- ``not_article``: the page is a typed non-article (deleted, expired …); nothing written, an earlier
  good archive of it is kept;
- ``failed``: fetch, store, extraction or writing failed (the message says which and why); an
  earlier good archive of the URL is kept (a 404 today does not delete yesterday's copy);
- ``robots``: robots.txt keeps the crawl from this URL (disallowed, robots.txt unreachable, or a
  Crawl-delay over the cap; see :mod:`archive.robots`); nothing was requested;
- ``deferred``: the host asked for a pause longer than ``[fetch] retry_after_cap`` (``Retry-After``);
  the URL is left for a later run instead of being slept on, and the host's other URLs in this run
  are deferred without a request;
- ``skipped``: a crawl source that is not due yet.

robots.txt is obeyed by ``crawl`` (and by ``archive`` too when ``[fetch] obey_robots = "always"``).

Extraction may run in a worker process (:class:`archive.isolate.IsolatedExtractor`, the CLI's default):
a URL whose page crashes the extractor :data:`QUARANTINE_AFTER` times is not extracted again by
``archive``/``crawl`` until ``reextract`` names it.

Re-running on unchanged input is cheap: when the page's raw digest and the extractor version match
what the bundle was built from, and its images are all stored, the page is not even re-extracted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.accounts import AccountTemplates
from archive.catalog import Catalog, PageBuild, iso, parse_iso, utcnow
from archive.entries import COPY, Entries
from archive.fingerprint import Fingerprints
from archive.fsutil import clean_stale_temp, contained, os_error
from archive.images import ImageCollector
from archive.publish import Prepared, Publisher  # Prepared: reextract imports it from here
from archive.rawstore import RawStore
from archive.result import Result  # every command's callers import it from here
from archive.robots import RobotsDisallowed, RobotsPolicy
from archive.saved import local_images
from archive.site import ensure_site
from archive.staging import clean_stale_staging
from archive.writer import bundle_for, existing_hash
from scraper.config import Config
from scraper.errors import (
    BlockedURL,
    ConfigError,
    DiskFullError,
    ExtractError,
    FetchError,
    NotAnArticle,
    StoreError,
    TransientFetchError,
    WxArchiveError,
)
from scraper.html import plain_text
from scraper.models import Article, RawPage
from scraper.pagination import join as join_pages

log = logging.getLogger(__name__)

STAGING_DIR = ".staging"
QUARANTINE_AFTER = 3  # why: a page that crashed the extractor three times will crash it again; stop trying

ExtractFn = Callable[[bytes, str], Article]


def _default_extract(body: bytes, url: str) -> Article:
    from scraper import extract

    return extract(body, url)


class Archive:
    """An archive root opened for work: the catalog, the raw store and the content tree.

    Opening refuses a root whose catalog is missing or corrupt while WARC files or bundles exist
    (see :meth:`archive.catalog.Catalog.open`). ``writer`` names the WARC files this process appends
    to (a cluster worker's claimed name; "" on one machine).
    """

    def __init__(
        self,
        config: Config,
        root: str | Path | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        writer: str = "",
        readonly: bool = False,
    ) -> None:
        self.config = config
        self.root = Path(root or config.archive.root).expanduser()
        if readonly:
            self._open_readonly(clock)
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(
                exc,
                self.root,
                "the archive root",
                f"Could not create the archive root {self.root}: {exc.strerror or exc}.",
            ) from exc
        self.root = self.root.resolve()
        cfg = config.archive
        raw_dir = contained(self.root, cfg.raw_dir)
        content_dir = contained(self.root, cfg.content_dir)
        has_data = any(raw_dir.glob("*.warc.gz")) or any(content_dir.glob("*/*/index.md"))
        # why a server URL: workers of a cluster share one PostgreSQL catalog ([cluster] catalog)
        shared = config.cluster.catalog
        self.catalog = Catalog.connect(shared or contained(self.root, cfg.catalog), has_data=has_data)
        self.catalog.outcome_history = cfg.outcome_history
        self.staging = contained(self.root, STAGING_DIR)
        try:
            self.staging.mkdir(exist_ok=True)
        except OSError as exc:
            self.catalog.close()
            raise os_error(
                exc, self.staging, str(self.staging), f"Could not create {self.staging}: {exc}."
            ) from exc
        clean_stale_temp(self.staging)
        clean_stale_staging(self.staging)
        # why here: every command that writes a root opens it here; a root with no Hugo configuration
        # gets ours (and the minimal theme) so that `hugo` builds it as it is (archive.site)
        ensure_site(self.root, content_dir=cfg.content_dir, staging=self.staging)
        # why a writer name: a cluster worker appends to WARC files of its own (archive.cluster)
        self.rawstore = RawStore(
            raw_dir, self.catalog, max_bytes=cfg.warc_max_bytes, clock=clock, writer=writer
        )
        self.content_dir = cfg.content_dir
        self.entries = Entries(self.catalog, self.root, cfg)

    def _open_readonly(self, clock: Callable[[], datetime]) -> None:
        """An archive another process of the run holds open for writing, opened to read only (a
        ``reextract`` worker): nothing is created, cleaned or migrated, and the catalog refuses writes."""
        self.root = self.root.resolve()
        cfg = self.config.archive
        target = self.config.cluster.catalog or contained(self.root, cfg.catalog)
        self.catalog = Catalog.reader(target)
        self.staging = contained(self.root, STAGING_DIR)
        self.rawstore = RawStore(contained(self.root, cfg.raw_dir), self.catalog, clock=clock)
        self.content_dir = cfg.content_dir
        self.entries = Entries(self.catalog, self.root, cfg)

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reindex(self) -> int:
        """Rebuild the raw-record index from the WARC files (after a lost catalog)."""
        return self.rawstore.reindex()


class Pipeline:
    """Runs the commands over one :class:`Archive`. One instance is one run in the catalog.

    ``fetcher`` is anything with the ``scraper.fetch.Fetcher`` interface; when None, one is made from
    ``config.fetch`` the first time the network is needed (``reextract`` never needs it).
    ``download_images=False`` (``--no-images``) reuses stored images but downloads none.
    """

    def __init__(
        self,
        archive: Archive,
        *,
        fetcher: Any = None,
        download_images: bool = True,
        command: str = "archive",
        extract: ExtractFn = _default_extract,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.archive = archive
        self.config = archive.config
        self.catalog: Catalog = archive.catalog
        self._fetcher = fetcher
        self._own_fetcher = False
        self.download_images = download_images and archive.config.images.download
        self.command = command
        self.extract_fn = extract
        self.clock = clock
        self._run: int | None = None
        self._counts = {"ok": 0, "failed": 0}
        self._collector: ImageCollector | None = None
        self._offline_collector: ImageCollector | None = None
        self._robots: RobotsPolicy | None = None
        self._paused: dict[str, tuple[datetime, str]] = {}  # host -> (until, why): long Retry-After
        self._record_lock = threading.Lock()
        self.disk_full: DiskFullError | None = None  # set by the first full/read-only disk: the batch stops
        self.publisher = Publisher(
            root=archive.root,
            staging=archive.staging,
            entries=archive.entries,
            catalog=self.catalog,
            config=self.config,
            collector_for=self._collector_for,
            record=self._record,
            fail=self._fail,
            clock=clock,
        )

    # .................................................................. lifecycle
    @property
    def fetcher(self) -> Any:
        if self._fetcher is None:
            from scraper.fetch import Fetcher

            self._fetcher = Fetcher(self.config.fetch)
            self._own_fetcher = True
        return self._fetcher

    @property
    def fingerprints(self) -> Fingerprints:
        """What a bundle built by this run is built from (:mod:`archive.fingerprint`), read once."""
        return self.publisher.fingerprints

    @property
    def templates(self) -> AccountTemplates:
        """The account templates (:mod:`archive.accounts`) the run's articles are written under."""
        return self.publisher.templates

    @property
    def learned(self) -> dict[str, str]:
        """Account key -> template fingerprint, for each account whose template this run learned anew."""
        return self.publisher.learned

    @property
    def robots(self) -> RobotsPolicy:
        """This run's robots.txt policy (made on first use, with the run's fetcher)."""
        if self._robots is None:
            self._robots = RobotsPolicy(self.fetcher, self.catalog, self.config.fetch, now=self.clock)
        return self._robots

    def _obeys_robots(self, crawling: bool) -> bool:
        mode = self.config.fetch.obey_robots
        return mode == "always" or (mode == "crawl" and crawling)

    def close(self) -> None:
        if self._run is not None:
            run, self._run = self._run, None
            try:
                self.catalog.finish_run(run, self._counts["ok"], self._counts["failed"])
            except StoreError as exc:  # a full disk: every URL already has its line; the run row stays open
                log.warning("could not record the end of run %s: %s", run, exc)
        if self._own_fetcher and self._fetcher is not None:
            with contextlib.suppress(Exception):
                self._fetcher.close()
            self._fetcher = None
        closer = getattr(self.extract_fn, "close", None)
        if callable(closer):
            closer()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _collector_for(self, online: bool) -> ImageCollector:
        if online:
            if self._collector is None:
                self._collector = ImageCollector(
                    self.config,
                    self.catalog,
                    self.archive.root,
                    fetcher=self.fetcher,
                    rawstore=self.archive.rawstore,
                    staging=self.archive.staging,
                )
            return self._collector
        if self._offline_collector is None:
            self._offline_collector = ImageCollector(
                self.config, self.catalog, self.archive.root, fetcher=None, staging=self.archive.staging
            )
        return self._offline_collector

    # .................................................................. outcomes
    def _record(self, result: Result) -> Result:
        """Count ``result`` and record it in the catalog; a catalog that cannot take the row (a full
        disk) costs the row, never the result: the URL still gets its line."""
        self.record_many([result])
        return result

    def record_many(self, results: list[Result], also: Callable[[], None] | None = None) -> None:
        """Count and record ``results`` in one catalog transaction, with ``also`` (more writes that
        belong with them) inside it: a re-extraction records thousands of unchanged pages at a time."""
        with self._record_lock:  # why: a crawl records from several threads
            for result in results:
                self._counts["ok" if result.ok else "failed"] += 1
            first = results[0].url if results else ""
            try:
                if self._run is None:
                    self._run = self.catalog.start_run(self.command)
                run = self._run
                with self.catalog.write():
                    if also is not None:
                        also()
                    self.catalog.record_outcomes(
                        run, [(r.url, r.stage, r.outcome, r.error_class, r.message or None) for r in results]
                    )
            except DiskFullError as exc:
                self.disk_full = self.disk_full or exc
                log.warning("the outcome of %s was not recorded: %s", first, exc)
            except StoreError as exc:
                log.warning("the outcome of %s was not recorded: %s", first, exc)

    def _guarded(self, url: str, work: Callable[[], Result]) -> Result:
        """``work()`` for one URL; an unexpected exception (a bug) becomes that URL's failure.

        Why: a batch records failure as data and goes on; one page that trips a bug in the image,
        writer or catalog code must not end a crawl of a hundred. Expected failures are typed and
        handled inside ``work``; ``KeyboardInterrupt`` still stops the run.

        After a full or read-only disk (:class:`DiskFullError`) the batch stops cleanly: each URL left
        gets its failed line without being fetched, since every write would fail the same way.
        """
        if self.disk_full is not None:
            why = self.disk_full.for_url("")
            message = f"{url} was not tried: {str(why).rstrip('.')}. Free some space and run again."
            return self._record(
                Result(url, "failed", message=message, stage="store", error_class="DiskFullError")
            )
        try:
            return work()
        except ConfigError:
            raise  # the configuration is wrong for every URL: the command stops with a usage error
        except StoreError as exc:  # typed, not a bug: a full disk or a busy catalog met outside a stage
            return self._fail(url, "store", exc)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.error("unexpected error on %s", url, exc_info=True)
            message = (
                f"{url} failed on an unexpected {type(exc).__name__} ({exc}); the batch went on. "
                "This is a wxarchive bug: please report it with this URL."
            )
            return self._record(
                Result(url, "failed", message=message, stage="internal", error_class=type(exc).__name__)
            )

    def _failure(self, url: str, stage: str, exc: BaseException, *, note: str = "") -> Result:
        """The failed Result for ``exc`` (not recorded yet); a full disk also stops the batch."""
        if isinstance(exc, DiskFullError):
            exc = exc.for_url(url)
            self.disk_full = self.disk_full or exc
            note = note or self._kept_note(url)
        message = str(exc) or f"{type(exc).__name__} while processing {url}."
        if url not in message:
            message = f"{url}: {message}"
        message += note
        return Result(url, "failed", message=message, stage=stage, error_class=type(exc).__name__)

    def _fail(self, url: str, stage: str, exc: BaseException, *, note: str = "") -> Result:
        return self._record(self._failure(url, stage, exc, note=note))

    # .................................................................. commands
    def archive_url(self, url: str, *, crawling: bool = False) -> Result:
        """Fetch ``url``, keep the response, and archive the article it holds.

        ``crawling``: the URL comes from a crawl source, so robots.txt applies under the default
        ``obey_robots = "crawl"`` (an on-demand URL is fetched as a browser would).
        """
        url = url.strip()
        return self._guarded(url, lambda: self._archive_url(url, crawling))

    def _archive_url(self, url: str, crawling: bool) -> Result:
        fetcher = (
            self.fetcher
        )  # why here: a bad proxy/CA setting is a ConfigError for the run, not this URL's
        held = self._held_back(url, crawling)
        if held is not None:
            return held
        try:
            raw = fetcher.fetch(url, kind="page")
        except TransientFetchError as exc:
            if exc.retry_after is not None and exc.retry_after > self.config.fetch.retry_after_cap:
                return self._defer(url, exc)
            return self._fetch_failed(url, exc)
        except WxArchiveError as exc:
            return self._fetch_failed(url, exc)
        return self._store_and_process(url, raw, crawling)

    def archive_fetched(
        self,
        url: str,
        raw: RawPage,
        *,
        crawling: bool = False,
        on_extracted: Callable[[Article], None] | None = None,
    ) -> Result:
        """Keep a page fetched by the caller (the crawl fetches itself, to free the host early) in the
        raw store and archive the article it holds. ``on_extracted(article)`` is called right after
        extraction, before images are fetched (the crawl frees the page host there)."""
        return self._guarded(url, lambda: self._store_and_process(url, raw, crawling, on_extracted))

    def _store_and_process(
        self,
        url: str,
        raw: RawPage,
        crawling: bool,
        on_extracted: Callable[[Article], None] | None = None,
    ) -> Result:
        try:
            stored = self.archive.rawstore.put(raw)
        except WxArchiveError as exc:
            return self._fail(url, "store", exc)
        fetched = parse_iso(stored.row.fetched_at)
        return self._process(
            url,
            raw,
            stored.row.digest,
            fetched,
            online=True,
            crawling=crawling,
            raw_id=stored.row.id,
            on_extracted=on_extracted,
        )

    def import_file(self, path: str | Path, url: str) -> Result:
        """Archive a page saved from a browser as if fetched from ``url`` (no network for the page)."""
        url = url.strip()
        return self._guarded(url, lambda: self._import_file(Path(path), url))

    def _import_file(self, path: Path, url: str) -> Result:
        if self.download_images:
            _ = self.fetcher  # a bad proxy/CA setting is a ConfigError for the run, not this URL's
        if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
            blocked = BlockedURL(
                f"The URL {url!r} given for {path} is not an http(s) URL; nothing was imported.", url
            )
            return self._fail(url, "import", blocked)
        try:
            body = path.read_bytes()
        except OSError as exc:
            return self._fail(
                url, "import", StoreError(f"Could not read {path} (for {url}): {exc.strerror or exc}.", url)
            )
        fetched = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        try:
            stored = self.archive.rawstore.put_resource(url, body, "text/html", fetched)
            raw = self.archive.rawstore.get(stored.row)
        except WxArchiveError as exc:
            return self._fail(url, "store", exc)
        fetched = parse_iso(stored.row.fetched_at)
        self.publisher.saved = local_images(path, raw.text(), url)  # pictures the browser saved beside it
        try:
            return self._process(url, raw, stored.row.digest, fetched, online=True, raw_id=stored.row.id)
        finally:
            self.publisher.saved = {}

    def reextract(self, urls: Iterable[str] | None = None, *, force: bool = False) -> list[Result]:
        """Rebuild every article (or those of ``urls``) from the raw store, in this process; pages
        that are current are skipped unless ``force``: see :mod:`archive.reextract`."""
        from archive.reextract import reextract

        return reextract(self, urls, force=force)

    def crawl(self, names: Iterable[str] | None = None, *, force: bool = False) -> list[Result]:
        """Crawl the configured sources that are due (see :mod:`archive.crawl`)."""
        from archive.crawl import Crawl

        return Crawl(self).run(names, force=force)

    # .................................................................. internals
    def _held_back(self, url: str, crawling: bool) -> Result | None:
        """The result for a URL not to be requested now (host paused, robots.txt), else None."""
        host = _host(url)
        paused = self._paused.get(host) if host else None
        if paused is not None and self.clock() < paused[0]:
            until, why = paused
            message = f"{url} was not requested: {why} It is deferred to a run after {iso(until)}."
            return self._record(
                Result(url, "deferred", message=message, stage="fetch", error_class="Deferred")
            )
        if not self._obeys_robots(crawling):
            return None
        try:
            self.robots.check(url)
        except RobotsDisallowed as exc:
            return self._record(
                Result(url, "robots", message=str(exc), stage="robots", error_class=type(exc).__name__)
            )
        except WxArchiveError as exc:  # the catalog could not record the answer
            return self._fail(url, "robots", exc)
        return None

    def _defer(self, url: str, exc: TransientFetchError) -> Result:
        """A host asked for a pause longer than this run waits: leave its URLs for a later run."""
        assert exc.retry_after is not None
        until = self.clock() + timedelta(seconds=exc.retry_after)
        host = _host(url)
        if host:
            self._paused[host] = (
                until,
                f"{host} asked for a pause of {exc.retry_after:.0f} s (Retry-After).",
            )
        message = f"{' '.join(str(exc).split())} Deferred to a run after {iso(until)}."
        message += self._kept_note(url)
        return self._record(
            Result(url, "deferred", message=message, stage="fetch", error_class=type(exc).__name__)
        )

    def _kept_note(self, url: str) -> str:
        earlier = self.catalog.article_for_url(url)
        return f" The earlier archive {earlier.bundle_path} is kept." if earlier is not None else ""

    def _fetch_failed(self, url: str, exc: WxArchiveError) -> Result:
        """A failed page fetch; an earlier archive of the URL stays as it is, and the message says so."""
        return self._fail(url, "fetch", exc, note=self._kept_note(url) if isinstance(exc, FetchError) else "")

    def _unchanged(self, url: str, digest: str) -> Result | None:
        """The 'nothing to do' answer when this exact page was already archived from these bytes."""
        row = self.catalog.article_for_url(url)
        if (
            row is None
            or row.raw_digest != digest
            or row.built_with != self.fingerprints.of(row.template_key)
        ):
            return None  # why: another page, or built by another extractor or under other rules
        if row.status == COPY:  # a syndicated copy: no bundle of its own, its entry shows it
            return Result(
                url, "unchanged", path=self.archive.entries.entry_index(row.id), stage="write", kind=row.kind
            )
        if any(img.status != "stored" for img in self.catalog.images_of(row.id)):
            return None  # why: give failed images another chance
        index = self.archive.root / row.bundle_path
        try:
            if existing_hash(index) != row.content_hash:
                return None
        except StoreError:
            return None
        return Result(url, "unchanged", path=index, stage="write", kind=row.kind)

    def _process(
        self,
        url: str,
        raw: RawPage,
        digest: str,
        fetched: datetime,
        *,
        online: bool,
        force: bool = False,
        crawling: bool = False,
        raw_id: int | None = None,
        on_extracted: Callable[[Article], None] | None = None,
    ) -> Result:
        if not force:
            same = self._unchanged(url, digest)
            if same is not None:
                return self._record(same)
            crashes = self.catalog.query(
                "SELECT COUNT(*) FROM outcomes WHERE url=? AND error_class='ExtractCrashed'", (url,)
            )[0][0]
            if crashes >= QUARANTINE_AFTER:
                return self._fail(
                    url,
                    "extract",
                    ExtractError(
                        f"{url} is quarantined: it crashed the extractor {crashes} times. Once the extractor is "
                        f"fixed, run `wxarchive reextract {url}` (the raw page is kept).",
                        url,
                    ),
                )
        built = self._build(url, raw, online=online, crawling=crawling, on_extracted=on_extracted)
        if isinstance(built, Result):
            if built.outcome == "not_article":
                self.remember_not_article(url, raw_id, digest, built.kind or "not_article")
            return self._record(built)
        try:
            bundle = bundle_for(self.archive.root, self.archive.content_dir, built)
            online_images = online and self.download_images
            return self.publisher.write(
                url, built, bundle, digest, fetched, online=online_images, raw_id=raw_id
            )
        except WxArchiveError as exc:
            return self._fail(url, "write", exc)

    def _build(
        self,
        url: str,
        raw: RawPage,
        *,
        online: bool,
        crawling: bool = False,
        on_extracted: Callable[[Article], None] | None = None,
    ) -> Article | Result:
        """The article ``raw`` holds, with the rest of its pages; else the Result (not yet recorded)
        saying why there is none: extraction failed, the page is not an article, or it is empty.

        Pure but for reading the raw store (the other pages of an article, offline): it is what a
        ``reextract`` worker process runs (:mod:`archive.reextract`)."""
        try:
            article = self.extract_fn(raw.body, raw.final_url or url)
        except WxArchiveError as exc:
            return self._failure(url, "extract", exc)
        except Exception as exc:  # noqa: BLE001 - an extractor bug must not stop the batch
            return self._failure(
                url, "extract", ExtractError(f"Extracting {url} failed: {type(exc).__name__}: {exc}.", url)
            )
        if on_extracted is not None:
            on_extracted(article)
        if not article.is_article:
            message = (
                article.error or f"The page {url} is not an article ({article.kind})."
            ) + self._kept_note(url)
            return Result(
                url,
                "not_article",
                message=message,
                stage="extract",
                error_class=NotAnArticle.__name__,
                kind=article.kind,
            )
        if not plain_text(article.body_markdown) and not article.images:
            empty = ExtractError(f"The page {url} gave an empty article body; nothing was written.", url)
            return self._failure(url, "extract", empty)
        return self._with_pages(url, article, online=online, crawling=crawling)

    def remember_not_article(self, url: str, raw_id: int | None, digest: str, kind: str) -> None:
        """Note that ``url``'s record ``digest`` is no article under today's rules (so ``reextract``
        need not parse it again), and which earlier bundle of the URL, if any, stays its archive."""
        earlier = self.catalog.article_for_url(url)
        build = PageBuild(
            url, raw_id, digest, self.fingerprints.base, "not_article", kind, earlier.id if earlier else None
        )
        self.catalog.set_page_builds([build])

    def _with_pages(self, url: str, article: Article, *, online: bool, crawling: bool = False) -> Article:
        """``article`` with the rest of its text when it is split over pages: the one-page version
        when the page links one ("余下全文"), else the following pages, up to ``follow_pages``.

        Online the parts are fetched and kept in the raw store (kind ``part``); offline (reextract)
        they are read from there, and a part never fetched ends the article where it was.
        A part that fails, or is not an article, ends it too: the pages before it are kept.
        """
        limit = self.config.archive.follow_pages
        whole_url = article.extra.get("full_text_url")
        if limit <= 1 or not (whole_url or article.extra.get("next_page")):
            return article
        if whole_url:
            whole = self._part(str(whole_url), online=online, crawling=crawling)
            if whole is not None and len(plain_text(whole.body_markdown)) > len(
                plain_text(article.body_markdown)
            ):
                return dataclasses.replace(
                    article,
                    body_markdown=whole.body_markdown,
                    images=whole.images,
                    removed=whole.removed,
                    toc=whole.toc,
                    mathjax=whole.mathjax,
                    extra={**article.extra, "pages": [url, str(whole_url)]},
                )
        parts: list[Article] = []
        seen = {url}
        following = article.extra.get("next_page")
        while following and str(following) not in seen and len(parts) + 1 < limit:
            seen.add(str(following))
            part = self._part(str(following), online=online, crawling=crawling)
            if part is None:
                break
            parts.append(part)
            following = part.extra.get("next_page")
        return join_pages(article, parts)

    def _part(self, url: str, *, online: bool, crawling: bool = False) -> Article | None:
        """One more page of an article, as an Article; None when it cannot be had or is no article
        (robots.txt is asked for a part as for the page it continues)."""
        try:
            if online:
                if self._obeys_robots(crawling):
                    self.robots.check(url)
                raw = self.fetcher.fetch(url, kind="page")
                self.archive.rawstore.put(raw, kind="part")
            else:
                row = self.catalog.raw_for(url, kind="part")
                if row is None:
                    return None
                raw = self.archive.rawstore.get(row)
            part = self.extract_fn(raw.body, raw.final_url or url)
        except Exception as exc:  # noqa: BLE001 - a part that fails ends the article, never the batch
            log.info("page %s of a multi-page article not added: %s", url, exc)
            return None
        return part if part.is_article else None

    # .................................................................. the write path (archive.publish)
    def write_prepared(self, prepared: Prepared) -> Result:
        """:meth:`archive.publish.Publisher.write_prepared`: the run's one writer commits ``prepared``."""
        return self.publisher.write_prepared(prepared)

    def record_posts(self, posts: list[tuple[int, Prepared]]) -> None:
        """:meth:`archive.publish.Publisher.record_posts`, inside the caller's write transaction."""
        self.publisher.record_posts(posts)

    def relearn_account(self, account: str, name: str) -> Any:
        """:meth:`archive.publish.Publisher.relearn_account`."""
        return self.publisher.relearn_account(account, name)


def _host(url: str) -> str:
    """The lower-case host of ``url`` ('' when it has none), as the fetcher's politeness keys it."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""
