"""Extraction in a worker process: a parser crash or a runaway page costs one URL, not the run.

Why: selectolax/lexbor is C code that has segfaulted on hostile input (selectolax #5, #91, #217), and a
segfault cannot be caught in Python. ``IsolatedExtractor`` keeps one long-lived child process (spawned,
not forked: the parent may run threads) that imports the extractor once and answers
``(body, url) -> Article`` over a pipe. When the child dies or exceeds the time budget it is killed,
the URL gets an ``ExtractCrashed`` error, and the next URL starts a fresh child. The raw page stays in
the raw store, so it can be re-extracted once the extractor is fixed. The pipeline quarantines a URL
after :data:`archive.pipeline.QUARANTINE_AFTER` crashes instead of crashing on it forever.

Signals: the worker ignores Ctrl-C and SIGTERM from its start and dies with its parent; the parent
ends it (:mod:`archive.signals`). A Ctrl-C while a page is being extracted kills it at once.
"""

from __future__ import annotations

import importlib
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from archive.signals import blocked, ignore_in_worker
from scraper.errors import ExtractError
from scraper.models import Article


class ExtractCrashed(ExtractError):
    """The extractor process died (signal, abort) or ran past its time budget on this page."""


def _worker(conn: Connection, target: str) -> None:  # pragma: no cover - runs in the child process
    ignore_in_worker()  # Ctrl-C and SIGTERM are the parent's to act on (archive.signals)
    module, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module), name)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent has gone
        if message is None:
            return
        body, url = message
        try:
            reply: tuple[Any, ...] = ("ok", fn(body, url))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as data
            reply = ("error", type(exc).__name__, str(exc))
        try:
            conn.send(reply)
        except OSError:
            return  # the parent has gone


class IsolatedExtractor:
    """Callable like ``scraper.extract`` (bytes, url) → Article, but run in a child process.

    ``target`` is ``"module:function"`` (importable in the child); ``timeout`` is the budget per page
    in seconds, the child's start-up included.
    """

    def __init__(self, target: str = "scraper:extract", timeout: float = 60.0) -> None:
        self.target = target
        self.timeout = timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker, args=(child, self.target), daemon=True, name="wxarchive-extract"
        )
        with (
            blocked()
        ):  # why: the child starts with Ctrl-C blocked, so not even its start-up can be interrupted
            proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def _stop(self, kill: bool) -> int | None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            if conn is not None:
                conn.close()
            return None
        return stop_worker(proc, conn, kill=kill)

    def __call__(self, body: bytes, url: str) -> Article:
        try:
            return self._extract(body, url)
        except BaseException as exc:
            if not isinstance(exc, Exception):  # Ctrl-C or SIGTERM mid-page: the worker's answer is no
                self._stop(kill=True)  # longer wanted, and it must not outlive the run
            raise

    def _extract(self, body: bytes, url: str) -> Article:
        if self._proc is None or not self._proc.is_alive():
            self._stop(kill=True)
            self._start()
        assert self._conn is not None
        try:
            self._conn.send((body, url))
            ready = self._conn.poll(self.timeout)
        except OSError:
            ready = False
        if not ready:
            code = self._stop(kill=True)
            if code is not None and code != -9:
                raise ExtractCrashed(
                    f"The extractor crashed on {url} (exit status {code}); the raw page is kept.", url
                )
            raise ExtractCrashed(
                f"Extracting {url} took longer than {self.timeout:g} s and was stopped.", url
            )
        try:
            reply = self._conn.recv()
        except (EOFError, OSError):
            code = self._stop(kill=True)
            raise ExtractCrashed(
                f"The extractor crashed on {url} (exit status {code}); the raw page is kept.", url
            ) from None
        if reply[0] == "ok":
            return reply[1]  # type: ignore[no-any-return]
        raise ExtractError(f"Extracting {url} failed: {reply[1]}: {reply[2]}", url)

    def close(self) -> None:
        self._stop(kill=False)

    def __enter__(self) -> IsolatedExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ExtractorPool:
    """Several :class:`IsolatedExtractor` processes shared by threads: callable like one.

    Why: one worker process answers one page at a time over its pipe; a crawl's threads would queue
    behind it (or, without a lock, interleave on the pipe). ``first`` is the run's extractor (kept
    open, since its owner closes it); ``size - 1`` more are started on first use.
    """

    def __init__(self, first: IsolatedExtractor, size: int) -> None:
        import queue

        self._free: queue.Queue[IsolatedExtractor] = queue.Queue()
        self._extra = [IsolatedExtractor(first.target, first.timeout) for _ in range(max(0, size - 1))]
        for extractor in (first, *self._extra):
            self._free.put(extractor)

    def __call__(self, body: bytes, url: str) -> Article:
        extractor = self._free.get()
        try:
            return extractor(body, url)
        finally:
            self._free.put(extractor)

    def close_extra(self) -> None:
        """Stop the processes this pool started (not ``first``)."""
        for extractor in self._extra:
            extractor.close()


def stop_worker(proc: Any, conn: Connection | None, *, kill: bool) -> int | None:
    """End a worker process (this module's, or a ``reextract`` one) and return its exit code:
    asked to stop (``None`` sent) and waited for, or, with ``kill``, killed at once."""
    if conn is not None:
        if not kill:
            try:
                conn.send(None)
            except OSError:
                pass
        conn.close()
    if kill and proc.is_alive():
        proc.kill()
    proc.join(timeout=10)
    if proc.is_alive():  # pragma: no cover - a child that ignores SIGKILL
        proc.kill()
        proc.join()
    code = proc.exitcode
    proc.close()
    return code  # type: ignore[no-any-return]
