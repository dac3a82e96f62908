"""Re-extraction: rebuild archived articles from the raw store with the current extractor and rules.

::

    plan (parent)          one streamed query: each page URL's newest record, what it was last built
        │                  into (page_builds) and its article; a page whose record, extractor and rules
        │                  all match what its bundle was built from is skipped without being read
        ▼
    build (N workers)      read the WARC record by file and offset, extract, join the article's other
        │                  pages, find its stored images, render index.md (writes nothing)
        ▼
    write (parent)         the one writer: an unchanged result only updates the catalog (in batches);
                           a changed one is published like any archived page, and reported with the
                           front-matter fields that changed and the lines added / removed

No network at all: pages come from the WARC files, images from what is already stored.

**What "nothing changed" means** (:mod:`archive.fingerprint`): the page URL's newest raw record is the
one last extracted (``page_builds.raw_digest``), it was extracted under today's extractor version and
effective rules (``page_builds.built_with``), and its article was built under today's fingerprint
(``articles.built_with``, which adds the account template) and its index.md still carries the content
hash the catalog has. Then the page is *skipped*: a few index lookups and one small file read, no
parsing. ``--force`` (or naming the URLs) rebuilds regardless; that is also how a corrupt WARC record
of a skipped page is noticed.

**Workers** (``--jobs N``, default one per core): spawned processes, each with the archive opened
read-only, importing the extractor once. A worker that dies (a parser segfault) or passes
``[archive] extract_timeout`` on a page is killed, that one URL fails with ``ExtractCrashed``, and a
fresh worker takes the next; the other pages queued for it are sent again. In-flight work is bounded
(:data:`QUEUE_DEPTH` pages per worker, the plan read lazily), so memory does not grow with the archive.
Workers ignore Ctrl-C and SIGTERM (:mod:`archive.signals`) and die with their parent; the parent
stops them and the command exits 130 (143).

**Syndicated copies** are placed by the worker (:meth:`archive.entries.Entries.place`); a placement
that a write of this same run may have changed (the page's sketch shares a bucket with a page written
since the work was handed out) is worked out again by the writer before it writes.

**Account templates** (:mod:`archive.accounts`): each post is built under its account's current
template. The writer records every rebuilt post's edge blocks and learns the accounts again; when an
account's template changed during the run, its posts built before that are built once more (by
fresh workers, which read the new template), so every post ends under the final one.

``--dry-run`` builds and reports everything and writes nothing: no bundle, no catalog row, no run.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from archive.accounts import rebuild_plan
from archive.catalog import PageBuild, RawRow, parse_iso
from archive.entries import COPY
from archive.fingerprint import template_key as fingerprint_key
from archive.isolate import ExtractCrashed, stop_worker
from archive.pipeline import Archive, Pipeline, Prepared, Result
from archive.progress import Event
from archive.signals import blocked, ignore_in_worker
from archive.writer import bundle_for, existing_hash, hash_in
from scraper.config import Config
from scraper.errors import StoreError, WxArchiveError
from scraper.models import Article

if TYPE_CHECKING:
    from archive.fingerprint import Fingerprints

log = logging.getLogger(__name__)

# why: a worker is replaced after this many pages, so that what a long-lived process accumulates (the
# caches of account templates and image hashes, the parser's own memory) cannot grow with the archive;
# a start costs about a second, ~1 % of what 2,000 pages take to build
TASKS_PER_WORKER = 2000
STARTUP_WAIT = 5.0  # seconds between checks while no worker has started up yet (a start is never timed)
QUEUE_DEPTH = 2  # why: one page being built and one waiting per worker keeps it busy while the writer writes
BATCH = 256  # why: unchanged pages are recorded in one transaction each this many (one fsync, not 256)
BATCH_SECONDS = 1.0  # … or this often, so that a slow run still commits its progress
KEPT = "kept"
"""``page_builds.outcome`` of a URL whose records give no article under today's rules while an earlier
bundle of it stays: nothing to do until a record or the rules change."""

# ---------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Task:
    """One page URL to build: its newest record, and what the plan knows of it."""

    seq: int
    url: str
    latest_id: int
    article_id: int | None  # the article whose bundle holds the URL (None: look it up by URL)
    probe: bool = True  # False: the newest record is known to be no article; build from the article's


@dataclass(frozen=True)
class PlanRow:
    """What the catalog knows of one page URL (the plan query's row)."""

    url: str
    latest_id: int
    digest: str
    b_digest: str | None = None
    b_built: str | None = None
    b_outcome: str | None = None
    b_article: int | None = None
    a_id: int | None = None
    a_raw: int | None = None
    a_built: str | None = None
    a_key: str = ""
    a_path: str | None = None
    a_hash: str | None = None
    a_status: str | None = None


PLAN_SQL = """
SELECT m.url AS url, r.id AS latest_id, r.digest AS digest,
       b.raw_digest AS b_digest, b.built_with AS b_built, b.outcome AS b_outcome, b.article AS b_article,
       a.id AS a_id, a.raw_id AS a_raw, a.built_with AS a_built, a.template_key AS a_key,
       a.bundle_path AS a_path, a.content_hash AS a_hash, a.status AS a_status
FROM (SELECT url, MAX(id) AS latest, MIN(id) AS first FROM raw_records
      WHERE kind = 'page' AND record_type <> 'metadata'{where} GROUP BY url) m
JOIN raw_records r ON r.id = m.latest
LEFT JOIN page_builds b ON b.url = m.url
LEFT JOIN articles a ON a.id = b.article
ORDER BY m.first
"""


def decide(row: PlanRow, fps: Fingerprints, bundle_ok: Callable[[PlanRow], bool]) -> Task | None:
    """The work a page URL needs, or None when it is current (skipped without reading the page).

    Pure but for ``bundle_ok`` (does the article's index.md still carry the catalog's content hash).
    """
    if row.b_digest != row.digest or row.b_built != fps.base:
        return Task(0, row.url, row.latest_id, row.b_article)  # a new record, or new rules: read it
    if row.b_outcome == KEPT:
        return None
    if row.b_outcome == "not_article" and (row.a_id is None or row.a_raw == row.latest_id):
        return None  # no article, or its own record is no article any more: the earlier bundle stays
    if row.a_id is None:
        return Task(0, row.url, row.latest_id, None)  # its article is gone from the catalog
    if row.a_built == fps.of(row.a_key) and bundle_ok(row):
        return None
    # the rules are the same but the article is not built with them (a template changed), or its
    # bundle is damaged: rebuild it from the record it comes from
    return Task(0, row.url, row.latest_id, row.a_id, probe=row.b_outcome != "not_article")


def bundle_matches(root: Path, row: PlanRow) -> bool:
    """The article's index.md is there and carries the content hash the catalog recorded (a syndicated
    copy has no bundle of its own: its row is enough)."""
    if row.a_status == COPY:
        return True
    if not row.a_path or not row.a_hash:
        return False
    try:
        return existing_hash(root / row.a_path) == row.a_hash
    except StoreError:
        return False


# ---------------------------------------------------------------------- building (in a worker)


@dataclass(frozen=True)
class Built:
    """What a worker made of one task: an article to write, or a result (a failure, no article)."""

    seq: int
    url: str
    prepared: Prepared | None = None
    result: Result | None = None
    no_article: PageBuild | None = None  # a record found to be no article, to remember
    sent_at: int = 0  # the writer's commit count when the task was handed out (set by the runner)


def build(pipe: Pipeline, task: Task) -> Built:
    """Build one page URL from the raw store, writing nothing (runs in a worker process).

    The URL's newest record is built, unless it is no article (a rate-limit page, a deletion notice
    fetched later) while an earlier record made the URL's bundle: then that record is rebuilt, and the
    earlier good archive is never forgotten.
    """
    catalog = pipe.catalog
    url = task.url
    latest = catalog.raw(task.latest_id)
    if latest is None:
        return Built(task.seq, url, result=pipe._failure(url, "reextract", _no_record(url)))
    article_row = catalog.article_by_id(task.article_id) if task.article_id else catalog.article_for_url(url)
    base = pipe.fingerprints.base
    earlier = article_row.id if article_row is not None else None
    fallback: RawRow | None = None
    if (
        article_row is not None
        and article_row.raw_id is not None
        and article_row.raw_id != latest.id
        and not (latest.status == 200 and latest.digest == article_row.raw_digest)
    ):
        fallback = catalog.raw(article_row.raw_id)
    newest = PageBuild(url, latest.id, latest.digest, base, "not_article", "not_article", earlier)
    note: PageBuild | None = newest
    if fallback is None or task.probe:
        got = _extract(pipe, url, latest)
        if isinstance(got, Article):
            return _finish(pipe, task, latest, got, None)  # a newer version of the article wins
        if got.outcome == "not_article":
            note = dataclasses.replace(newest, kind=got.kind or "not_article")
        else:
            note = None  # a failure (a corrupt record …): tried again next time
        if fallback is None:
            return Built(task.seq, url, result=got, no_article=note)
    assert fallback is not None
    got = _extract(pipe, url, fallback)
    if isinstance(got, Article):
        return _finish(pipe, task, fallback, got, note)
    if got.outcome == "not_article" and note is not None:
        note = dataclasses.replace(note, outcome=KEPT)  # no record of it is an article today
    return Built(task.seq, url, result=got, no_article=note)


def _no_record(url: str) -> StoreError:
    return StoreError(f"The raw store holds no page for {url}.", url)


def _extract(pipe: Pipeline, url: str, row: RawRow) -> Article | Result:
    try:
        raw = pipe.archive.rawstore.get(row)
    except WxArchiveError as exc:
        return pipe._failure(url, "store", exc)
    return pipe._build(url, raw, online=False)


def _finish(pipe: Pipeline, task: Task, row: RawRow, article: Article, note: PageBuild | None) -> Built:
    """``article`` (extracted from ``row``) prepared for writing; ``note`` is what to remember of the
    URL when ``row`` is an earlier record than its newest (which is no article)."""
    try:
        bundle = bundle_for(pipe.archive.root, pipe.archive.content_dir, article)
        prepared = pipe.publisher.prepare(
            task.url, article, bundle, row.digest, parse_iso(row.fetched_at), online=False, raw_id=row.id
        )
    except WxArchiveError as exc:
        return Built(task.seq, task.url, result=pipe._failure(task.url, "write", exc))
    if note is not None:
        prepared = dataclasses.replace(prepared, page=note)
    return Built(task.seq, task.url, prepared=slim(pipe, prepared))


def slim(pipe: Pipeline, p: Prepared) -> Prepared:
    """``p`` without what the writer does not need when the bundle already holds exactly this (the
    common case of a rebuild after a rule change: most pages come out the same). Checked here in the
    worker, in parallel: the catalog row's content hash and the hash in its index.md; the writer only
    checks the row again (a write of this run changes the row with the file). Left out: the rendered
    index.md, the plain text, and the article before its template when it is the article itself."""
    as_copy = p.place.is_copy and pipe.archive.entries.linking
    old = pipe.catalog.article(p.bundle.site, p.bundle.article_id)
    if not _row_holds(old, p.rendered.content_hash, as_copy):
        return p
    if not as_copy:
        try:
            on_disk = _read(p.bundle.index)
        except WxArchiveError:
            return p
        if on_disk is None or hash_in(on_disk) != p.rendered.content_hash:
            return p
    return dataclasses.replace(
        p,
        rendered=dataclasses.replace(p.rendered, text=""),
        text="",
        ruled=None if p.ruled == p.article else p.ruled,
        slim=True,
    )


def _row_holds(row: Any, content_hash: str, as_copy: bool) -> bool:
    """The catalog says the article's bundle holds ``content_hash`` (as a copy, or with a page)."""
    return row is not None and row.content_hash == content_hash and (row.status == COPY) == as_copy


def guarded_build(pipe: Pipeline, task: Task) -> Built:
    """:func:`build`, an unexpected exception (a bug) becoming the URL's failure."""
    try:
        return build(pipe, task)
    except Exception as exc:  # noqa: BLE001 - a bug on one page must not end the run
        log.error("unexpected error on %s", task.url, exc_info=True)
        message = (
            f"{task.url} failed on an unexpected {type(exc).__name__} ({exc}); the run went on. "
            "This is a wxarchive bug: please report it with this URL."
        )
        failed = Result(task.url, "failed", message=message, stage="internal", error_class=type(exc).__name__)
        return Built(task.seq, task.url, result=failed)


# ---------------------------------------------------------------------- worker processes


def _worker_main(conn: Connection, config: Config, root: str, target: str) -> None:  # pragma: no cover
    """A worker process: the archive opened read-only, the extractor imported once, tasks in a loop."""
    ignore_in_worker()  # why: Ctrl-C and SIGTERM are the parent's to handle, quietly (archive.signals)
    module, _, name = target.partition(":")
    extract_fn = getattr(importlib.import_module(module), name)
    with Archive(config, root, readonly=True) as archive:
        pipe = Pipeline(archive, download_images=False, command="reextract", extract=extract_fn)
        conn.send(READY)  # why: a page's time budget starts now, not while Python imports
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None:
                return
            conn.send(guarded_build(pipe, task))


READY = "ready"


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    queue: deque[tuple[Task, float]] = field(default_factory=deque)  # sent tasks, with when the head began
    ready: bool = False  # started up (its first task's time runs from then)
    sent: int = 0  # tasks given to it so far


class WorkerPool:
    """``jobs`` worker processes building tasks; a crash or a timeout costs one task."""

    def __init__(self, jobs: int, config: Config, root: Path, *, target: str, timeout: float) -> None:
        self.jobs = jobs
        self.config = config
        self.root = str(root)
        self.target = target
        self.timeout = timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    def _start(self, index: int | None = None) -> _Worker:
        """A new worker, in the pool at ``index`` (None: added). Registered before a pending Ctrl-C
        can interrupt this, so that closing the pool always finds it."""
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child, self.config, self.root, self.target),
            daemon=True,
            name="wxarchive-reextract",
        )
        worker = _Worker(proc, parent)
        with blocked():  # the worker ignores the stop signals from its first instruction
            proc.start()
            if index is None:
                self._workers.append(worker)
            else:
                self._workers[index] = worker
        child.close()
        return worker

    @property
    def pending(self) -> int:
        return sum(len(w.queue) for w in self._workers)

    def has_room(self) -> bool:
        return len(self._workers) < self.jobs or any(
            len(w.queue) < QUEUE_DEPTH if w.sent < TASKS_PER_WORKER else not w.queue for w in self._workers
        )

    def submit(self, task: Task) -> None:
        for index, worker in enumerate(self._workers):  # a worker that did its share is replaced
            if worker.sent >= TASKS_PER_WORKER and not worker.queue:
                self._stop(worker, kill=False)
                self._start(index)
        if len(self._workers) < self.jobs:  # why lazily: a run with nothing to build starts no process
            self._start()
        usable = [w for w in self._workers if w.sent < TASKS_PER_WORKER] or self._workers
        self._send(min(usable, key=lambda w: len(w.queue)), task)

    def _send(self, worker: _Worker, task: Task) -> None:
        worker.sent += 1
        worker.queue.append((task, time.monotonic() if worker.ready and not worker.queue else 0.0))
        try:
            worker.conn.send(task)
        except OSError:
            pass  # a dead worker: noticed by collect(), and the task is sent again

    def collect(self) -> list[Built]:
        """Wait for the next results (or a crash, or a page over its time budget)."""
        busy = [w for w in self._workers if w.queue]
        if not busy:
            return []
        now = time.monotonic()
        started = [w.queue[0][1] for w in busy if w.ready]
        deadline = min(started) + self.timeout if started else now + STARTUP_WAIT
        ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - now))
        out: list[Built] = []
        for worker in busy:
            if worker.conn in ready:
                try:
                    got = worker.conn.recv()
                except (EOFError, OSError):
                    out.append(self._lost(worker, timed_out=False))
                    continue
                if got == READY:
                    worker.ready = True
                else:
                    worker.queue.popleft()
                    out.append(got)
                if worker.queue:
                    task, _ = worker.queue.popleft()
                    worker.queue.appendleft((task, time.monotonic()))
            elif worker.ready and time.monotonic() - worker.queue[0][1] >= self.timeout:
                out.append(self._lost(worker, timed_out=True))
        return out

    def _lost(self, worker: _Worker, *, timed_out: bool) -> Built:
        """The worker died or hung on its current task: that task fails, the others go to a new one."""
        task, _ = worker.queue.popleft()
        rest = [t for t, _ in worker.queue]
        code = self._stop(worker, kill=True)
        fresh = self._start(self._workers.index(worker))
        for t in rest:
            self._send(fresh, t)
        if timed_out:
            message = f"Extracting {task.url} took longer than {self.timeout:g} s and was stopped."
        else:
            message = f"The extractor crashed on {task.url} (exit status {code}); the raw page is kept."
        exc = ExtractCrashed(message, task.url)
        return Built(task.seq, task.url, result=Result(task.url, "failed", message=message, stage="extract",
                                                       error_class=type(exc).__name__))  # fmt: skip

    @staticmethod
    def _stop(worker: _Worker, *, kill: bool) -> int | None:
        return stop_worker(worker.proc, worker.conn, kill=kill)

    def close(self, *, kill: bool = False) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            self._stop(worker, kill=kill)


# ---------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Change:
    """One article a re-extraction rewrote (or, with ``--dry-run``, would rewrite)."""

    url: str
    path: str  # index.md, relative to the archive root
    fields: tuple[str, ...]  # front-matter keys whose values changed ("new" for a new bundle)
    added: int  # body lines
    removed: int
    diff: str = ""  # the unified diff of index.md (--diff)
    new: bool = False

    def summary(self) -> str:
        if self.new:
            return "new bundle"
        body = f"body +{self.added} -{self.removed}"
        return f"{', '.join(self.fields)}; {body}" if self.fields else body

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "url": self.url, "path": self.path, "new": self.new, "fields": list(self.fields),
            "added": self.added, "removed": self.removed,
        }  # fmt: skip
        if self.diff:
            data["diff"] = self.diff
        return data


@dataclass
class Report:
    """The outcome of a re-extraction, as data: counts, and each changed or failed page."""

    changed: list[Change] = field(default_factory=list)
    failed: list[Result] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    not_article: int = 0
    dry_run: bool = False
    results: list[Result] | None = None  # every page's Result, when asked for (the library API)
    seconds: float = 0.0
    peak_rss_kb: dict[str, int] = field(default_factory=dict)  # the writer's and the largest worker's
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the writer's and all workers'
    again: Report | None = None  # the posts built once more under templates learned during the run

    @property
    def total(self) -> int:
        return len(self.changed) + len(self.failed) + self.unchanged + self.skipped + self.not_article

    def lines(self) -> list[str]:
        verb = "would change" if self.dry_run else "changed"
        parts = [
            f"{len(self.changed)} {verb}",
            f"{self.unchanged} unchanged",
            f"{self.skipped} skipped (current)",
        ]
        if self.not_article:
            parts.append(f"{self.not_article} not articles")
        parts.append(f"{len(self.failed)} failed")
        rate = f" in {self.seconds:.1f} s" if self.seconds else ""
        pages = f"{self.total} page" + ("" if self.total == 1 else "s")
        out = [f"reextract: {pages}{rate}: " + ", ".join(parts)]
        if self.again is not None:
            again = self.again
            out.append(
                f"reextract: {again.total} posts built again under the account templates learned meanwhile: "
                f"{len(again.changed)} changed, {again.unchanged} unchanged, {len(again.failed)} failed"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "summary",
            "dry_run": self.dry_run,
            "counts": {
                "changed": len(self.changed), "unchanged": self.unchanged, "skipped": self.skipped,
                "not_article": self.not_article, "failed": len(self.failed),
            },
            "changed": [c.to_json() for c in self.changed],
            "failed": [{"url": r.url, "stage": r.stage, "error": r.error_class, "message": r.message}
                       for r in self.failed],
            "seconds": round(self.seconds, 3),
            "peak_rss_kb": self.peak_rss_kb,
            "cpu_seconds": self.cpu_seconds,
            "again": self.again.to_json() if self.again is not None else None,
            "exit_status": 1 if self.failed or (self.again is not None and self.again.failed) else 0,
        }  # fmt: skip


def _front(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        return {}, text
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        return {}, text
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(head, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        data = None
    return (data if isinstance(data, dict) else {}), body


IGNORED_FIELDS = frozenset({"content_hash"})  # it changes whenever anything does


def describe(url: str, path: str, old: str | None, new: str, *, with_diff: bool) -> Change:
    """What changed in an index.md: front-matter keys, body lines added and removed, the diff."""
    if old is None:
        return Change(url, path, (), len(new.splitlines()), 0, new=True)
    old_front, old_body = _front(old)
    new_front, new_body = _front(new)
    keys = list(dict.fromkeys([*new_front, *old_front]))
    fields = tuple(k for k in keys if k not in IGNORED_FIELDS and old_front.get(k) != new_front.get(k))
    if not fields and old_body == new_body:  # only the hash differed: the file on disk was not ours
        fields = tuple(k for k in keys if old_front.get(k) != new_front.get(k))
    added = removed = 0
    a, b = old_body.splitlines(), new_body.splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            removed += i2 - i1
        if op in ("replace", "insert"):
            added += j2 - j1
    diff = ""
    if with_diff:
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
            )
        )
    return Change(url, path, fields, added, removed, diff)


class Listener:
    """What a run tells as it goes (the CLI shows it; the default says nothing)."""

    def start(self, total: int | None) -> None:
        """The number of pages to look at (None: unknown)."""

    def done(self, outcome: str, n: int = 1) -> None:
        """``n`` more pages ended as ``outcome`` (changed, unchanged, skipped, not_article, failed)."""

    def changed(self, change: Change) -> None:
        """An article was rewritten (or would be, dry run)."""

    def failed(self, result: Result) -> None:
        """A page failed."""


class ProgressListener(Listener):
    """Shows a run on an :mod:`archive.progress` display: a bar on a terminal, and a line for each
    changed (``--diff``: its diff) or failed page; current and unchanged pages are only counted."""

    def __init__(self, progress: Any, *, dry_run: bool = False) -> None:
        self.progress = progress
        self.verb = "would change" if dry_run else "changed"

    def start(self, total: int | None) -> None:
        self.progress.phase("pages", total)

    def done(self, outcome: str, n: int = 1) -> None:
        self.progress.advance("pages", n)

    def changed(self, change: Change) -> None:
        self.progress.emit(Event(self.verb, change.url, message=change.summary(), path=change.path))
        if change.diff:
            self.progress.block(change.diff)

    def failed(self, result: Result) -> None:
        self.progress.emit(Event("failed", result.url, message=result.message, kind=result.error_class or ""))


# ---------------------------------------------------------------------- the run


class Reextract:
    """One re-extraction over ``pipe``'s archive (see the module docstring).

    ``jobs``: worker processes (0: build in this process, with ``pipe.extract_fn``; what tests and
    the library API use). ``target``: the extractor the workers import (``module:function``).
    ``force``: rebuild every page, current or not. ``collect``: keep every page's Result in the report.
    """

    def __init__(
        self,
        pipe: Pipeline,
        *,
        jobs: int = 0,
        dry_run: bool = False,
        force: bool = False,
        diff: bool = False,
        collect: bool = False,
        target: str = "scraper:extract",
        listener: Listener | None = None,
        again: bool = False,
    ) -> None:
        self.pipe = pipe
        self.catalog = pipe.catalog
        self.root = pipe.archive.root
        self.jobs = jobs
        self.dry_run = dry_run
        self.force = force
        self.with_diff = diff
        self.target = target
        self.listener = listener or Listener()
        self.again = again  # the second pass of a run (after templates were learned): no third
        self.report = Report(dry_run=dry_run, results=[] if collect else None)
        self._seq = 0
        self._commits = 0  # writes of this run, to know which placements may be stale
        self._touched: dict[int, int] = {}  # sketch bucket -> the commit count when last written
        self._in_flight: dict[int, int] = {}  # task seq -> the commit count when it was handed out
        # (result, page builds, build marks, template posts to write with it), recorded by _flush
        self._batch: list[
            tuple[Result, list[PageBuild], list[tuple[Any, ...]], list[tuple[int, Prepared]]]
        ] = []
        self._batch_since = time.monotonic()
        self._accounts: dict[str, str] = {}  # accounts of posts rebuilt unchanged -> name (to relearn)

    # .................................................................. planning
    def plan(self, urls: Iterable[str] | None) -> Iterator[Task | Result]:
        """Each page's task, or its Result when there is nothing to do (skipped) or it is unknown."""
        fps = self.pipe.fingerprints
        ok = functools.partial(bundle_matches, self.root)
        if urls is None:
            rows: Iterable[Any] = self.catalog.stream(PLAN_SQL.format(where=""))
            force = self.force
        else:
            rows = self._named(urls)
            force = True  # a page named on the command line is rebuilt
        for row in rows:
            if isinstance(row, Result):
                yield row
                continue
            got = PlanRow(**{k: row[k] for k in row.keys()})
            task = Task(0, got.url, got.latest_id, got.b_article) if force else decide(got, fps, ok)
            if task is None:
                yield Result(got.url, "skipped", message="current: built from this page under today's rules")
            else:
                self._seq += 1
                yield dataclasses.replace(task, seq=self._seq)

    def _named(self, urls: Iterable[str]) -> Iterator[Any]:
        for url in dict.fromkeys(u.strip() for u in urls):
            row = self.catalog.raw_for(url, kind="page")
            if row is None:
                yield self.pipe._failure(url, "reextract", _no_record(url))
                continue
            yield from self.catalog.query(PLAN_SQL.format(where=" AND url = ?"), (row.url,))

    def count(self, urls: list[str] | None) -> int:
        if urls is not None:
            return len(dict.fromkeys(urls))
        return int(
            self.catalog.scalar(
                "SELECT COUNT(*) FROM (SELECT url FROM raw_records WHERE kind = 'page' "
                "AND record_type <> 'metadata' GROUP BY url) AS pages"
            )
        )

    # .................................................................. running
    def run(self, urls: Iterable[str] | None = None) -> Report:
        started = time.monotonic()
        wanted = list(urls) if urls is not None else None
        self.pipe.learned.clear()
        self.listener.start(self.count(wanted))
        plan = self.plan(wanted)
        try:
            if self.jobs <= 0:
                for item in plan:
                    if isinstance(item, Task):
                        self._take(guarded_build(self.pipe, item))
                    else:
                        self._settle(item)
                    if self.pipe.disk_full is not None:
                        break
            else:
                self._run_pool(plan)
            self._flush()
            for account, name in self._accounts.items():  # why once: learning reads all its posts
                self.pipe.relearn_account(account, name)
            if self.pipe.learned and not self.again and self.pipe.disk_full is None:
                self._build_again()
        finally:
            self.report.seconds = time.monotonic() - started
        return self.report

    def _build_again(self) -> None:
        """The posts of accounts whose template changed during the run, built once more under it (by
        fresh workers: those of the first pass read the templates as they were)."""
        urls = rebuild_plan(self.pipe.templates, list(self.pipe.learned))
        again = Reextract(
            self.pipe, jobs=self.jobs, force=True, diff=self.with_diff, target=self.target,
            listener=self.listener, again=True, collect=self.report.results is not None,
        )  # fmt: skip
        self.report.again = again.run(urls)

    def _run_pool(self, plan: Iterator[Task | Result]) -> None:
        cfg = self.pipe.config.archive
        pool = WorkerPool(
            self.jobs, self.pipe.config, self.root, target=self.target, timeout=cfg.extract_timeout
        )
        done = False
        try:
            while True:
                while not done and pool.has_room() and self.pipe.disk_full is None:
                    item = next(plan, None)
                    if item is None:
                        done = True
                    elif isinstance(item, Task):
                        self._in_flight[item.seq] = self._commits
                        pool.submit(item)
                    else:
                        self._settle(item)
                if not pool.pending:
                    break
                for built in pool.collect():
                    self._take(built)
        except BaseException:
            pool.close(kill=True)
            raise
        pool.close()

    # .................................................................. writing
    def _take(self, built: Built) -> None:
        """Write what a worker built (the run's one writer)."""
        sent_at = self._in_flight.pop(built.seq, self._commits)
        if built.prepared is None:
            assert built.result is not None
            self._settle(built.result, built.no_article)
        elif self.pipe.disk_full is not None:
            self._settle(self.pipe._failure(built.url, "write", self.pipe.disk_full))
        else:
            prepared = built.prepared
            if self._may_be_misplaced(prepared, sent_at):
                prepared = self._prepare_again(prepared)
            self._write(prepared)

    def _may_be_misplaced(self, prepared: Prepared, sent_at: int) -> bool:
        """A write of this run since the page was handed out may have changed its place among
        syndicated copies (it touched one of the page's sketch buckets)."""
        sketch = prepared.place.sketch
        if sketch is None or sent_at >= self._commits:
            return False
        return any(self._touched.get(b, -1) > sent_at for b in sketch.buckets)

    def _prepare_again(self, p: Prepared) -> Prepared:
        """``p`` prepared once more by the writer: from the article as the rules left it (its account
        template is applied again, never twice)."""
        ruled = p.ruled or p.article
        again = self.pipe.publisher.prepare(
            p.url, ruled, p.bundle, p.digest, p.fetched, online=False, raw_id=p.raw_id
        )
        return dataclasses.replace(again, page=p.page)

    def _write(self, p: Prepared) -> None:
        bundle = p.bundle
        as_copy = p.place.is_copy and self.pipe.archive.entries.linking
        old_row = self.catalog.article(bundle.site, bundle.article_id)
        try:  # a slim one: its worker read the file (and the row, checked again below)
            old_bytes = None if as_copy or p.slim else _read(bundle.index)
        except StoreError as exc:
            self._settle(self.pipe._failure(p.url, "write", exc))
            return
        if old_row is not None and old_row.url != p.url and old_row.raw_id is not None:
            # why: two URLs of one article (/s/<short> and /s?__biz=…) would rewrite its bundle in turn;
            # it stays built from the URL it was archived from last, this one only notes where it is
            page = dataclasses.replace(p.page, raw_id=p.page.raw_id or p.raw_id, article=old_row.id)
            why = f"the same article as {old_row.url}, which its bundle is built from"
            self._queue(Result(p.url, "unchanged", path=bundle.index, message=why, stage="write"), [page])
            return
        new_hash = p.rendered.content_hash
        same = _row_holds(old_row, new_hash, as_copy) and (
            as_copy or p.slim or (old_bytes is not None and hash_in(old_bytes) == new_hash)
        )
        if same and old_row is not None:  # nothing to write: the catalog notes what it was built with
            page = dataclasses.replace(p.page, raw_id=p.page.raw_id or p.raw_id, article=old_row.id)
            mark = (old_row.id, p.built_with, p.template_key, p.raw_id, p.digest)
            result = Result(p.url, "unchanged", path=bundle.index, stage="write", kind=p.article.kind)
            self._queue(result, [page], [mark], [(old_row.id, p)])
            return
        if p.slim:  # the bundle changed since its worker looked (a write of this run): build it whole
            self._write(self._prepare_again(p))
            return
        old_text = old_bytes.decode("utf-8", errors="replace") if old_bytes is not None else None
        change = describe(p.url, bundle.relative_index, old_text, p.rendered.text, with_diff=self.with_diff)
        if self.dry_run:
            self._changed(change, Result(p.url, "archived", path=bundle.index, stage="write"))
            return
        self._flush()  # why: outcomes stay in order, and no batch holds the write lock meanwhile
        result = self.pipe.write_prepared(p)
        self._commits += 1
        if p.place.sketch is not None:
            for b in p.place.sketch.buckets:
                self._touched[b] = self._commits
            self._forget_old_buckets()
        if result.outcome == "archived":
            self._changed(change, result)
        elif result.outcome == "unchanged":
            self._tell("unchanged", result)
        else:
            self._tell("failed", result)

    def _forget_old_buckets(self) -> None:
        """Keep only what a page still in flight may need (memory must not grow with the run)."""
        if len(self._touched) > 4096:
            oldest = min(self._in_flight.values(), default=self._commits)
            self._touched = {b: n for b, n in self._touched.items() if n > oldest}

    def _settle(self, result: Result, note: PageBuild | None = None) -> None:
        """A page that ends without a write: skipped (current), no article, failed."""
        if result.outcome == "skipped":
            self._tell("skipped", result)
            return
        self._queue(result, [note] if note is not None else [])

    def _queue(
        self,
        result: Result,
        builds: list[PageBuild],
        marks: list[tuple[Any, ...]] | None = None,
        posts: list[tuple[int, Prepared]] | None = None,
    ) -> None:
        """Count ``result`` now; record it (with what to remember of its page) in the next batch."""
        self._tell(result.outcome, result)
        if self.dry_run:
            return
        self._batch.append((result, builds, marks or [], posts or []))
        if len(self._batch) >= BATCH or time.monotonic() - self._batch_since >= BATCH_SECONDS:
            self._flush()

    def _flush(self) -> None:
        """Write the queued bookkeeping in one transaction: outcomes, page builds, build marks."""
        batch, self._batch = self._batch, []
        self._batch_since = time.monotonic()
        if not batch or self.dry_run:
            return
        builds = [b for _, bs, _, _ in batch for b in bs]
        marks = [m for _, _, ms, _ in batch for m in ms]
        posts = [p for _, _, _, ps in batch for p in ps]

        def also() -> None:
            if marks:
                self.catalog.mark_built(marks)
            if builds:
                self.catalog.set_page_builds(builds)
            self.pipe.record_posts(posts)

        self.pipe.record_many([r for r, _, _, _ in batch], also)
        if self.pipe.config.archive.account_templates:
            for _, p in posts:  # their templates are learned again once, when the pass is done
                ruled = p.ruled or p.article
                key = fingerprint_key(ruled)
                if key:
                    self._accounts.setdefault(key, ruled.account or "")

    def _tell(self, outcome: str, result: Result) -> None:
        """Count one page's outcome in the report and tell the listener."""
        report = self.report
        if outcome == "failed":
            report.failed.append(result)
            self.listener.failed(result)
        elif outcome == "not_article":
            report.not_article += 1
        elif outcome == "skipped":
            report.skipped += 1
        else:
            report.unchanged += 1
            outcome = "unchanged"
        self.listener.done(outcome)
        if report.results is not None:
            report.results.append(result)

    def _changed(self, change: Change, result: Result) -> None:
        self.report.changed.append(change)
        self.listener.changed(change)
        self.listener.done("changed")
        if self.report.results is not None:
            self.report.results.append(result)


def _read(path: Path) -> bytes | None:
    from archive.fsutil import read_bytes_nofollow

    return read_bytes_nofollow(path)


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def reextract(pipe: Pipeline, urls: Iterable[str] | None = None, *, force: bool = False) -> list[Result]:
    """Rebuild every article (or those of ``urls``) in this process; every page's Result, in order."""
    report = Reextract(pipe, collect=True, force=force).run(list(urls) if urls else None)
    assert report.results is not None
    results = report.results
    if report.again is not None and report.again.results:  # built once more under a new template
        by_url = {r.url: i for i, r in enumerate(results)}
        for second in report.again.results:
            if second.url in by_url and second.outcome not in ("unchanged", "skipped"):
                results[by_url[second.url]] = second
    return results


def run_cli(
    pipe: Pipeline,
    urls: list[str] | None,
    *,
    jobs: int | None,
    dry_run: bool,
    diff: bool,
    force: bool,
    as_json: bool,
) -> Report:
    """``wxarchive reextract``: the run with its display; returns the report (already printed)."""
    import json
    import resource
    import sys

    from archive.progress import Progress, make_progress

    workers = jobs or pipe.config.archive.jobs or default_jobs()
    progress: Progress | None = None
    if not as_json:  # a bar and a line per change on a terminal; lines only in a pipe or under cron
        progress = make_progress("auto", sys.stdout)
    elif sys.stderr.isatty():  # why: stdout is the JSON document; the bar goes to the terminal
        progress = make_progress("rich", sys.stderr)
    listener = ProgressListener(progress, dry_run=dry_run) if progress is not None else Listener()
    run = Reextract(pipe, jobs=workers, dry_run=dry_run, force=force, diff=diff, listener=listener)
    try:
        report = run.run(urls)
    finally:
        if progress is not None:
            progress.close(summary=False)  # why: the report below is the summary
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # Linux: kB; the largest process, not a sum (what bench/reextract.py reads)
    report.peak_rss_kb = {"writer": own.ru_maxrss, "worker": kids.ru_maxrss}
    report.cpu_seconds = {
        "writer": round(own.ru_utime + own.ru_stime, 2),
        "workers": round(kids.ru_utime + kids.ru_stime, 2),
    }
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            print(line)
    return report
