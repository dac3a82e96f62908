"""The crawl: the configured ``[[sources]]`` that are due, their new URLs archived, hosts side by side.

::

    due sources ─► discover (archive.sources: feed, sitemap, album, author list, list page, file)
                    └─► frontier (archive.frontier): each URL once, with its article identity
    due URLs ─► per-host queues ─► worker threads ─► fetch ─► Pipeline.archive_fetched (store,
                                                     extract, images, write) ─► frontier state

- **Incremental.** A URL already archived is not fetched again (nor one whose article identity is
  archived under another URL); a feed is fetched conditionally; an album or list page is read until it
  meets a URL the frontier has. ``[crawl] revisit_days`` re-checks archived articles (an article
  deleted upstream becomes the state ``deleted``; its copy stays).
- **Block-aware.** A verification page (``rate_limited``), a 403/429 burst, WeChat's ``freq
  control``, or a Retry-After over the cap opens the host's circuit breaker (:mod:`archive.hosts`):
  nothing more is requested from it in this run, the stored pause is respected by the next runs, and
  its URLs stay queued (outcome ``paused``/``deferred``, not failed).
- **Concurrent and polite.** ``[crawl] concurrency`` worker threads; a page host is given to one
  worker at a time (the host that is ready soonest first), and the fetcher keeps one request in
  flight per host with its delay (robots.txt Crawl-delay included), image hosts with their own
  ``image_delay``. The host is released as soon as its page is fetched, so extraction, images and
  writing overlap with the next page of the host. Extraction runs in ``extract_workers`` worker
  processes when isolated.
- **One at a time.** :class:`archive.runlock.RunLock` makes an overlapping run exit at once.
- **Stoppable.** :meth:`Crawl.stop` (SIGTERM in the CLI) lets the URLs in flight finish; the rest stay
  queued for the next run.

Every URL ends as one :class:`archive.pipeline.Result` (recorded in ``outcomes``) and one
:class:`archive.progress.Event`; outcomes of the crawl beyond the pipeline's: ``known`` (archived
before, not requested), ``paused`` (its host's breaker is open; queued).
"""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from archive import sources as source_kinds
from archive.catalog import iso
from archive.frontier import (
    ARCHIVED,
    DELETED,
    FAILED,
    KNOWN,
    NOT_ARTICLE,
    QUEUED,
    CatalogFrontier,
    Discovered,
    Entry,
    Frontier,
)
from archive.hosts import CatalogHostBook, HostBook, Pause
from archive.progress import Event, Progress
from archive.robots import RobotsDisallowed
from archive.runlock import RunLock
from scraper.config import Source
from scraper.errors import (
    Blocked,
    ConfigError,
    HTTPStatusError,
    PermanentFetchError,
    StoreError,
    TransientFetchError,
    WxArchiveError,
)
from scraper.identity import key_of
from scraper.models import RawPage

if TYPE_CHECKING:
    from archive.pipeline import Pipeline, Result

log = logging.getLogger(__name__)

BLOCK_STATUSES = frozenset({403, 429})
REVISIT_KINDS_GONE = frozenset({"deleted", "violation", "unavailable", "expired"})
"""Non-article kinds that, met on a revisit of an archived article, mean it is gone upstream."""


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


# ------------------------------------------------------------------------------------------------
# Per-host queues


@dataclass
class _Task:
    order: int
    host: str
    run: Callable[[Callable[[], None]], None]  # receives "release the host"
    url: str = ""
    entry: Entry | None = None


@dataclass
class HostQueues:
    """Tasks queued per host; :meth:`take` gives a task of a host no other worker holds.

    ``ready_in(host)`` (the fetcher's) orders the free hosts: the one that may be requested soonest
    goes first, so a worker rarely sleeps on a host's delay while another host is ready.
    """

    ready_in: Callable[[str], float]
    _queues: dict[str, deque[_Task]] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    _cv: threading.Condition = field(default_factory=threading.Condition)
    _stopped: bool = False
    _running: int = 0

    def put(self, task: _Task) -> None:
        with self._cv:
            self._queues.setdefault(task.host, deque()).append(task)
            self._cv.notify()

    def take(self) -> _Task | None:
        """The next task (its host now held), or None when everything is done or the run stops."""
        with self._cv:
            while True:
                if self._stopped:
                    return None
                free = [h for h, q in self._queues.items() if q and h not in self._busy]
                if free:
                    host = min(free, key=lambda h: (self.ready_in(h) if h else 0.0, h))
                    task = self._queues[host].popleft()
                    if host:  # why: tasks without a host (URL files) need no exclusivity
                        self._busy.add(host)
                    self._running += 1
                    return task
                if not self._running and not any(self._queues.values()):
                    self._cv.notify_all()
                    return None
                self._cv.wait(0.5)

    def release(self, host: str) -> None:
        with self._cv:
            self._busy.discard(host)
            self._cv.notify_all()

    def finished(self) -> None:
        with self._cv:
            self._running -= 1
            self._cv.notify_all()

    def drain(self, host: str) -> list[_Task]:
        """Remove and return the tasks still queued for ``host`` (its breaker opened)."""
        with self._cv:
            tasks = list(self._queues.pop(host, deque()))
            self._cv.notify_all()
            return tasks

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()

    def left(self) -> int:
        with self._cv:
            return sum(len(q) for q in self._queues.values())


# ------------------------------------------------------------------------------------------------
# The crawl


class _SourceFetch:
    """The :class:`archive.sources.Fetch` of one source: conditional GET from its cursor, robots.txt,
    the host's breaker, the raw store (kind ``feed``)."""

    def __init__(self, crawl: Crawl, source: Source, cursor: dict[str, str]) -> None:
        self.crawl = crawl
        self.source = source
        self.cursor = cursor
        self.requests = 0

    def __call__(self, url: str, *, conditional: bool = True) -> RawPage | None:
        crawl = self.crawl
        host = host_of(url)
        crawl._check_open(host, url)
        if crawl.pipe._obeys_robots(True):
            crawl.pipe.robots.check(url)
        self.requests += 1
        fetcher = crawl.pipe.fetcher
        etag = self.cursor.get(f"etag {url}", "") if conditional else ""
        modified = self.cursor.get(f"last_modified {url}", "") if conditional else ""
        try:
            if hasattr(fetcher, "fetch_if_changed"):
                got = fetcher.fetch_if_changed(url, etag=etag, last_modified=modified, kind="feed")
            else:  # a fetcher without conditional GET (tests' stand-ins)
                got = fetcher.fetch(url, kind="feed")
        except Blocked as exc:
            crawl._trip(exc.host or host, f"{exc}", None)
            raise
        except TransientFetchError as exc:
            crawl._transient(host, exc)
            raise
        except HTTPStatusError as exc:
            crawl._status_failure(host, exc.status, str(exc))
            raise
        if not isinstance(got, RawPage):
            return None  # NotModified
        crawl.pipe.archive.rawstore.put(got, kind="feed")
        return got

    def known(self, url: str) -> bool:
        return self.crawl.frontier.get(source_kinds.absolute(url, url) or url) is not None


class Crawl:
    """One crawl over the sources of ``pipeline``'s configuration (see the module docstring).

    ``progress`` receives one event per outcome (default: a silent one); ``frontier`` / ``hosts``
    default to the catalog's; ``rng`` drives the jitter of pauses.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        progress: Progress | None = None,
        frontier: Frontier | None = None,
        hosts: HostBook | None = None,
        rng: random.Random | None = None,
        lock: bool = True,
    ) -> None:
        import io

        self.pipe = pipeline
        self.config = pipeline.config
        self.catalog = pipeline.catalog
        self.progress = progress if progress is not None else Progress(io.StringIO())
        self.frontier: Frontier = frontier if frontier is not None else CatalogFrontier(self.catalog)
        self.hosts: HostBook = (
            hosts if hosts is not None else CatalogHostBook(self.catalog, self.config.crawl, rng)
        )
        self.lock = lock
        self._open: dict[str, Pause] = {}  # host -> its pause: no request to it for the rest of the run
        self._claimed: dict[str, str] = {}  # identity -> the URL archiving it in this run
        self._bursts: dict[str, int] = {}  # host -> 403/429 answers in a row
        self._state = threading.Lock()
        self._results: list[tuple[int, Result]] = []
        self._queues: HostQueues | None = None
        self._stop = threading.Event()
        self._order = 0

    # .................................................................. public
    def stop(self) -> None:
        """Finish the URLs in flight and stop; the others stay queued (SIGTERM)."""
        self._stop.set()
        if self._queues is not None:
            self._queues.stop()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self, names: Iterable[str] | None = None, *, force: bool = False) -> list[Result]:
        """Crawl the configured sources that are due (``interval_minutes`` since their last crawl).

        Raises :class:`archive.runlock.AlreadyRunning` when another crawl holds this archive.
        """
        wanted = list(names or [])
        known = {s.name for s in self.config.sources}
        missing = [n for n in wanted if n not in known]
        if missing:
            raise ConfigError(f"No crawl source named {', '.join(missing)} in the configuration.")
        sources = [s for s in self.config.sources if (s.name in wanted if wanted else s.enabled)]
        lock = RunLock(self.pipe.archive.root)
        if self.lock:
            lock.acquire()
        try:
            return self._run(sources, force)
        finally:
            lock.release()

    def list_source(self, source: Source, *, force: bool = False) -> tuple[list[str], list[Result]]:
        """List one source without archiving (cluster workers, :mod:`archive.cluster`): its due URLs
        that still need a visit, and the results of listing it (not due, a listing that failed). The
        frontier, the cursor and the identities are kept as in a full run; a due URL whose article is
        archived already is marked so here and not returned."""
        queues = self._queues = HostQueues(ready_in=self._ready_in)
        self._plan_source(source, force, self.pipe.clock())
        tasks = [t for q in list(queues._queues.values()) for t in q]
        queues._queues.clear()
        for task in tasks:  # the listing itself (there is at most one)
            if task.entry is None:
                task.run(lambda: None)
        urls = []
        for task in [t for q in list(queues._queues.values()) for t in q]:
            entry = task.entry
            if entry is None:
                continue
            known = self._known_elsewhere(entry)
            if known is None:
                urls.append(entry.url)
            else:
                now = self.pipe.clock()
                if known == entry.url:
                    self.frontier.visited(
                        entry.url, ARCHIVED, now, next_visit=self._revisit_time(entry, now),
                        identity=self._identity_of(entry.url),
                    )  # fmt: skip
                else:
                    self.frontier.visited(entry.url, KNOWN, now, next_visit=None)
        queues._queues.clear()
        return urls, [r for _, r in sorted(self._results, key=lambda item: item[0])]

    def visit(self, url: str) -> Result | None:
        """Visit one URL of the frontier as a full run would (cluster workers, :mod:`archive.cluster`):
        the article known under another URL, the fetch, the breaker, the frontier's record of the
        outcome. None when ``url`` is not in the frontier."""
        entry = self.frontier.get(url)
        if entry is None:
            return None
        before = len(self._results)
        self._visit(entry, 0, lambda: None)
        return self._results[-1][1] if len(self._results) > before else None

    # .................................................................. the run
    def _run(self, sources: list[Source], force: bool) -> list[Result]:
        pipe = self.pipe
        if sources:
            _ = pipe.fetcher  # a bad proxy/CA setting is a ConfigError for the run, not one URL's
            _ = pipe.robots
            pipe._collector_for(pipe.download_images)
        now = pipe.clock()
        for pause in self.hosts.paused(now):
            self._open[pause.host] = pause
            self.progress.pause(pause.host, iso(pause.until), pause.reason)
        queues = self._queues = HostQueues(ready_in=self._ready_in)
        if self._stop.is_set():
            queues.stop()
        self.progress.phase("sources", total=len(sources))
        self.progress.phase("urls", total=0)
        for source in sources:
            self._plan_source(source, force, now)
        restore = self._parallel_extraction()
        try:
            workers = [
                threading.Thread(target=self._work, name=f"wxarchive-crawl-{i}", daemon=True)
                for i in range(max(1, self.config.crawl.concurrency))
            ]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
        finally:
            restore()
        if self._stop.is_set() and queues.left():
            self.progress.note(f"stopped: {queues.left()} URL(s) left queued for the next run")
        return [r for _, r in sorted(self._results, key=lambda item: item[0])]

    def _ready_in(self, host: str) -> float:
        ready = getattr(self.pipe.fetcher, "ready_in", None)
        return float(ready(host)) if callable(ready) else 0.0

    def _next_order(self) -> int:
        with self._state:
            self._order += 1
            return self._order

    def _work(self) -> None:
        assert self._queues is not None
        queues = self._queues
        while True:
            if getattr(self.pipe, "disk_full", None) is not None:
                self.stop()  # why: a full or read-only disk fails every URL after it; the batch stops cleanly
            task = queues.take()
            if task is None:
                return
            released = False

            def release(task: _Task = task) -> None:
                nonlocal released
                if not released:
                    released = True
                    queues.release(task.host)

            try:
                task.run(release)
            except Exception:  # noqa: BLE001 - a bug in one task must not end the crawl
                log.error("crawl task for %s failed", task.url or task.host, exc_info=True)
            finally:
                release()
                queues.finished()

    def _add_result(self, order: int, result: Result, event: Event | None = None) -> Result:
        self._results.append((order, result))
        self.progress.emit(event or _event(result))
        return result

    # .................................................................. sources
    def _plan_source(self, source: Source, force: bool, now: datetime) -> None:
        from archive.pipeline import Result

        order = self._next_order()
        last = self.catalog.last_crawled(source.name)
        if not force and last is not None and now - last < timedelta(minutes=source.interval_minutes):
            due = last + timedelta(minutes=source.interval_minutes)
            message = f"The source {source.name} is not due before {iso(due)}."
            self._add_result(
                order,
                self.pipe._record(Result(f"source:{source.name}", "skipped", message=message, stage="crawl")),
            )
            self.progress.advance("sources")
            return
        kind = source_kinds.kind_of(source)
        host = host_of(source_kinds.entry_url(source)) if kind not in ("file", "urls") else ""
        assert self._queues is not None
        self._queues.put(
            _Task(order, host, lambda release: self._discover(source, order, now, release), url=source.name)
        )

    def _discover(self, source: Source, order: int, now: datetime, release: Callable[[], None]) -> None:
        from archive.pipeline import Result

        cursor = self.frontier.cursor(source.name)
        fetch = _SourceFetch(self, source, cursor)
        label = source_kinds.entry_url(source) or f"source:{source.name}"
        discovery = None
        try:
            discovery = source_kinds.discover(source, fetch, cursor)
        except _HostOpen as exc:
            self._add_result(
                order, self.pipe._record(Result(label, "paused", message=str(exc), stage="feed"))
            )
        except Blocked as exc:  # a block in a listing's answer (freq control, verify_status)
            blocked = exc.host or host_of(label)
            pause = self._trip(blocked, f"{blocked} answered a block: {exc}", None)
            message = (
                f"{exc} {blocked} is paused until {iso(pause.until)}; the source is tried again after that."
            )
            self._add_result(order, self.pipe._record(
                Result(label, "paused", message=message, stage="feed", error_class="Blocked")))  # fmt: skip
        except ConfigError:
            raise
        except RobotsDisallowed as exc:
            self._add_result(
                order,
                self.pipe._record(
                    Result(label, "robots", message=str(exc), stage="robots", error_class="RobotsDisallowed")
                ),
            )
        except TransientFetchError as exc:
            if exc.retry_after is not None and exc.retry_after > self.config.fetch.retry_after_cap:
                self._add_result(order, self.pipe._defer(label, exc))
            else:
                self._add_result(order, self.pipe._fail(label, "feed", exc))
        except WxArchiveError as exc:
            self._add_result(order, self.pipe._fail(label, "feed", exc))
        except Exception as exc:  # noqa: BLE001 - a parser bug on one source must not end the crawl
            log.error("source %s failed", source.name, exc_info=True)
            self._add_result(order, self.pipe._fail(label, "feed", WxArchiveError(
                f"The source {source.name} ({label}) failed on an unexpected {type(exc).__name__} ({exc}); "
                "this is a wxarchive bug.", label)))  # fmt: skip
        finally:
            release()
        if discovery is None:  # the listing failed: its fixed URLs and what earlier runs queued go on
            self.frontier.add(source.name, source_kinds.fixed_urls(source), self.pipe.clock())
            self._queue_due(source, self.pipe.clock())
            self.progress.advance("sources")
            return
        found = discovery.entries
        if source.follow_albums:
            found = found + self._followed_albums(source, fetch, cursor)
        new = self.frontier.add(source.name, found, self.pipe.clock())
        self.frontier.save_cursor(source.name, discovery.cursor, self.pipe.clock())
        if discovery.not_modified:
            self.progress.emit(Event("not_modified", f"source:{source.name}", message=discovery.note))
        elif not new:
            why = discovery.note or f"all {len(found)} listed URL(s) are known"
            self.progress.note(f"source {source.name}: nothing new ({why})")
        elif discovery.note:
            self.progress.note(f"source {source.name}: {discovery.note}")
        queued = self._queue_due(source, self.pipe.clock())
        if not self.stopped:
            try:
                self.catalog.set_crawled(source.name, now)
            except (
                StoreError
            ) as exc:  # a full disk: the URLs have their lines; the source is simply due again
                self._add_result(order, self.pipe._fail(f"source:{source.name}", "crawl", exc))
        log.info("source %s: %d listed, %d new, %d due, %d request(s)", source.name, len(found), len(new),
                 queued, fetch.requests)  # fmt: skip
        self.progress.advance("sources")

    def _followed_albums(
        self, source: Source, fetch: _SourceFetch, cursor: dict[str, str]
    ) -> list[Discovered]:
        """The newest articles of the albums named in this source's archived WeChat articles
        (``follow_albums``): the newest page of each, read until it meets a known URL."""
        from archive.sources import wechat_album

        out: list[Discovered] = []
        for key, album in sorted(cursor.items()):
            if not key.startswith("album "):
                continue
            try:
                out.extend(wechat_album.discover(replace(source, url=album, max_pages=1), fetch, {}).entries)
            except WxArchiveError as exc:  # one album failing does not lose the others
                self.progress.note(f"source {source.name}: the album {album} was not read ({exc})")
        return out

    def _note_albums(self, entry: Entry) -> None:
        """Remember the albums a newly archived WeChat article names, for ``follow_albums``."""
        source = next((s for s in self.config.sources if s.name == entry.source), None)
        if source is None or not source.follow_albums or host_of(entry.url) != "mp.weixin.qq.com":
            return
        from archive.sources import wechat_album

        row = self.catalog.raw_for(entry.url, kind="page")
        if row is None:
            return
        try:
            body = self.pipe.archive.rawstore.get(row).body
        except WxArchiveError:
            return
        albums = wechat_album.albums_in(body.decode("utf-8", "replace"))
        if albums:
            keys = {f"album {dict(parse_qsl(urlsplit(a).query))['album_id']}": a for a in albums}
            self.frontier.save_cursor(entry.source, keys, self.pipe.clock())

    def _queue_due(self, source: Source, now: datetime) -> int:
        due = self.frontier.due(source.name, now)
        assert self._queues is not None
        for entry in due:
            order = self._next_order()
            self._queues.put(
                _Task(order, host_of(entry.url), self._visit_task(entry, order), url=entry.url, entry=entry)
            )
        self.progress.grow("urls", len(due))
        return len(due)

    # .................................................................. URLs
    def _visit_task(self, entry: Entry, order: int) -> Callable[[Callable[[], None]], None]:
        return lambda release: self._visit(entry, order, release)

    def _visit(self, entry: Entry, order: int, release: Callable[[], None]) -> None:
        from archive.pipeline import Result

        pipe, url, host = self.pipe, entry.url, host_of(entry.url)
        try:
            known = self._known_elsewhere(entry)
            if known == url:  # archived by an earlier run that stopped before noting it (or by `archive`)
                now = pipe.clock()
                self.frontier.visited(
                    url,
                    ARCHIVED,
                    now,
                    next_visit=self._revisit_time(entry, now),
                    identity=self._identity_of(url),
                )
                message = f"{url} was not requested: it is archived already."
                self._add_result(order, pipe._record(Result(url, "known", message=message, stage="crawl")))
                return
            if known is not None:
                self.frontier.visited(url, KNOWN, pipe.clock(), next_visit=None)
                message = f"{url} was not requested: its article was archived from {known}."
                self._add_result(order, pipe._record(Result(url, "known", message=message, stage="crawl")))
                return
            pause = self._open.get(host)
            if pause is not None:
                self._paused_result(order, url, pause)
                return
            held = pipe._held_back(url, crawling=True)
            if held is not None:
                self._after(entry, order, held)
                return
            try:
                raw = pipe.fetcher.fetch(url, kind="page")
            except TransientFetchError as exc:
                if exc.retry_after is not None and exc.retry_after > self.config.fetch.retry_after_cap:
                    result = pipe._defer(url, exc)  # recorded before the URLs it holds back
                else:
                    result = pipe._fetch_failed(url, exc)
                self._transient(host, exc)  # why before release: the breaker opens before the host is free
                release()
                self._after(entry, order, result, transient=True)
                return
            except HTTPStatusError as exc:
                result = pipe._fetch_failed(url, exc)
                self._status_failure(host, exc.status, str(exc))
                release()
                self._after(entry, order, result)
                return
            except WxArchiveError as exc:
                release()
                self._after(
                    entry,
                    order,
                    pipe._fetch_failed(url, exc),
                    transient=not isinstance(exc, PermanentFetchError),
                )
                return

            def extracted(article: Any) -> None:
                # why here: the host is held until its page is known not to be a block, so no request
                # goes to it after a verification page; images and writing then overlap its next page.
                # The article's identity is claimed first, so another URL of it waiting for the host
                # is known without a request.
                identity = key_of(article.site, article.article_id) if article.is_article else None
                if identity:
                    with self._state:
                        self._claimed.setdefault(identity, url)
                if article.kind == "rate_limited":
                    self._trip(host, f"{host} answered a verification / rate-limit page for {url}.", None)
                release()

            result = pipe.archive_fetched(url, raw, crawling=True, on_extracted=extracted)
            self._after(entry, order, result)
        finally:
            self.progress.advance("urls")

    def _known_elsewhere(self, entry: Entry) -> str | None:
        """The URL the article of ``entry`` was archived from, when that is another URL (or this URL
        was archived outside the crawl); None when it must be visited."""
        if entry.state == ARCHIVED:
            return None  # a revisit
        if entry.identity:
            with self._state:
                claimed = self._claimed.get(entry.identity)
            if claimed is not None and claimed != entry.url:
                return claimed
            other = self.frontier.archived_identity(entry.identity)
            if other is not None:
                return other
        row = self.catalog.article_for_url(entry.url)
        return row.url if row is not None else None

    def _after(self, entry: Entry, order: int, result: Result, *, transient: bool = False) -> None:
        """Record what the visit of ``entry`` came to, in the frontier, the hosts and the progress."""
        now = self.pipe.clock()
        url, host = entry.url, host_of(entry.url)
        revisit = entry.state == ARCHIVED
        if result.outcome in ("archived", "unchanged"):
            self.frontier.visited(
                url, ARCHIVED, now, next_visit=self._revisit_time(entry, now), identity=self._identity_of(url),
                revisit=revisit,
            )  # fmt: skip
            with self._state:
                self._bursts.pop(host, None)
            self.hosts.recovered(host)
            if result.outcome == "archived":
                self._note_albums(entry)
            self._add_result(order, result)
            return
        if result.outcome == "not_article" and result.kind == "rate_limited":
            pause = self._trip(host, f"{host} answered a verification / rate-limit page for {url}.", None)
            self.frontier.visited(url, entry.state, now, next_visit=now, error=result.message)
            message = f"{result.message} The host is paused until {iso(pause.until)}; the URL stays queued."
            self._add_result(order, replace(result, outcome="paused", message=message))
            return
        if result.outcome == "deferred":
            self.frontier.visited(url, entry.state, now, next_visit=now, error=result.message)
            self._add_result(order, result)
            return
        if result.outcome == "not_article":
            gone = revisit and result.kind in REVISIT_KINDS_GONE
            self.frontier.visited(url, DELETED if gone else NOT_ARTICLE, now, next_visit=None, error=result.message,
                                  revisit=revisit)  # fmt: skip
            self._add_result(order, result)
            return
        if result.outcome == "robots":
            self.frontier.visited(url, QUEUED, now, next_visit=now, error=result.message, attempt=True)
            self._add_result(order, result)
            return
        # failed
        if revisit:
            gone = "HTTP 404" in result.message or "HTTP 410" in result.message
            self.frontier.visited(url, DELETED if gone else ARCHIVED, now,
                                  next_visit=None if gone else self._revisit_time(entry, now), error=result.message)  # fmt: skip
        elif transient and entry.attempts + 1 < self.config.crawl.max_attempts:
            self.frontier.visited(url, QUEUED, now, next_visit=now, error=result.message, attempt=True)
        else:
            self.frontier.visited(url, FAILED, now, next_visit=None, error=result.message, attempt=True)
        self._add_result(order, result)

    def _identity_of(self, url: str) -> str | None:
        row = self.catalog.article_for_url(url)
        return key_of(row.site, row.article_id) if row is not None else None

    def _revisit_time(self, entry: Entry, now: datetime) -> datetime | None:
        days = self.config.crawl.revisit_days
        done = entry.revisits + (1 if entry.state == ARCHIVED else 0)
        if done >= len(days):
            return None
        return now + timedelta(days=float(days[done]))

    # .................................................................. hosts
    def _check_open(self, host: str, url: str) -> None:
        pause = self._open.get(host)
        if pause is not None:
            raise _HostOpen(
                f"{url} was not requested: {host} is paused until {iso(pause.until)} ({pause.reason})", url
            )

    def _paused_result(self, order: int, url: str, pause: Pause) -> None:
        from archive.pipeline import Result

        if "Retry-After" in pause.reason:  # the host asked for the pause: a deferral, as the pipeline says it
            message = (
                f"{url} was not requested: {pause.reason} It is deferred to a run after {iso(pause.until)}."
            )
            outcome = "deferred"
        else:
            # why no reason here: the summary's "paused <host> until …: why" line says it once for all
            message = (
                f"{url} was not requested: {pause.host} is paused until {iso(pause.until)}; it stays queued."
            )
            outcome = "paused"
        result = self.pipe._record(
            Result(url, outcome, message=message, stage="fetch", error_class="HostPaused")
        )
        self._add_result(order, result)

    def _trip(self, host: str, reason: str, seconds: float | None) -> Pause:
        """Open ``host``'s breaker: stored pause, no more requests this run, its queued URLs paused."""
        with self._state:
            pause = self._open.get(host)
            if pause is None:
                pause = self.hosts.trip(host, reason, self.pipe.clock(), seconds=seconds)
                self._open[host] = pause
                fresh = True
            else:
                fresh = False
        if fresh:
            self.progress.pause(host, iso(pause.until), reason)
            if self._queues is not None:
                for task in self._queues.drain(host):
                    if task.entry is not None:
                        self._paused_result(task.order, task.url, pause)
                        self.progress.advance("urls")
                    else:
                        task.run(lambda: None)  # a source: it reports itself paused
        return pause

    def _transient(self, host: str, exc: TransientFetchError) -> None:
        if exc.retry_after is not None and exc.retry_after > self.config.fetch.retry_after_cap:
            self._trip(
                host, f"{host} asked for a pause of {exc.retry_after:.0f} s (Retry-After).", exc.retry_after
            )
        elif exc.status in BLOCK_STATUSES:
            self._status_failure(host, exc.status, str(exc))

    def _status_failure(self, host: str, status: int | None, message: str) -> None:
        if status not in BLOCK_STATUSES:
            with self._state:
                self._bursts.pop(host, None)
            return
        with self._state:
            self._bursts[host] = count = self._bursts.get(host, 0) + 1
        if count >= self.config.crawl.block_burst:
            self._trip(host, f"{host} answered HTTP {status} {count} times in a row.", None)

    # .................................................................. extraction
    def _parallel_extraction(self) -> Callable[[], None]:
        """Give the crawl's threads ``extract_workers`` isolated extractors instead of one."""
        from archive.isolate import ExtractorPool, IsolatedExtractor

        current: Any = self.pipe.extract_fn
        if not isinstance(current, IsolatedExtractor) or self.config.crawl.extract_workers <= 1:
            return lambda: None
        pool = ExtractorPool(current, self.config.crawl.extract_workers)
        self.pipe.extract_fn = pool

        def restore() -> None:
            self.pipe.extract_fn = current
            pool.close_extra()

        return restore


class _HostOpen(WxArchiveError):
    """Internal: a request was about to go to a host whose breaker is open."""


def _event(result: Result) -> Event:
    path = ""
    if result.path is not None:
        import os

        try:
            rel = os.path.relpath(result.path)
            path = rel if not rel.startswith("..") else str(result.path)
        except ValueError:
            path = str(result.path)
    kind = result.kind if result.outcome == "not_article" else (result.error_class or "")
    return Event(result.outcome, result.url, message=result.message, path=path, kind=kind or "")


# ------------------------------------------------------------------------------------------------
# The command: one run, or one every INTERVAL until stopped


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EVERY_JITTER = 0.1  # why: ±10 % so that many archives on one schedule do not hit a site in step


def parse_interval(text: str) -> float:
    """Seconds of ``30m``, ``2h``, ``90s``, ``1d`` (a bare number is minutes)."""
    value = text.strip().lower()
    unit = value[-1:] if value[-1:] in _UNITS else "m"
    number = value[:-1] if value[-1:] in _UNITS else value
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise ConfigError(f"--every {text!r} is not an interval such as 30m, 2h or 90s.") from None
    if seconds < 1:
        raise ConfigError(f"--every {text!r} must be at least one second.")
    return seconds


def run_command(
    open_pipeline: Callable[[], tuple[Any, Pipeline]],
    names: Iterable[str],
    *,
    force: bool = False,
    every: float | None = None,
    progress_mode: str = "auto",
    stop: threading.Event | None = None,
    out: Any = None,
    rng: random.Random | None = None,
) -> int:
    """Crawl once (or every ``every`` seconds, jittered, until ``stop`` is set); the exit status.

    ``open_pipeline()`` opens the archive and its pipeline for one run. The status is 0 when the
    only non-successes are deferrals and pauses, and when another crawl holds the archive (this one
    then does nothing and says so).
    """
    import sys

    from archive.progress import make_progress
    from archive.runlock import AlreadyRunning

    stop = stop or threading.Event()
    rng = rng or random.Random()
    out = out if out is not None else sys.stdout
    code = 0
    while True:
        archive, pipe = open_pipeline()
        progress = make_progress(progress_mode, out)
        crawl = Crawl(pipe, progress=progress)
        watcher = threading.Thread(target=_stop_when, args=(stop, crawl), daemon=True)
        watcher.start()
        try:
            with archive, pipe:
                crawl.run(list(names), force=force)
        except AlreadyRunning as exc:
            progress.close(summary=False)
            sys.stderr.write(f"{' '.join(str(exc).split())}\n")
            return 0
        except BaseException:
            progress.close(summary=False)
            raise
        code = progress.close().exit_status()
        if every is None or stop.is_set():
            return code
        if stop.wait(every * (1 + rng.uniform(-EVERY_JITTER, EVERY_JITTER))):
            return code


def _stop_when(stop: threading.Event, crawl: Crawl) -> None:
    stop.wait()
    crawl.stop()
