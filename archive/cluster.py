"""Cluster mode: crawl, archive and re-extract on many workers, with Dramatiq on Redis.

::

    wxarchive crawl / archive / reextract ──enqueue──► Redis (Dramatiq queues)
                                                          │
          wxarchive worker (N processes, any machine) ◄───┘   fetch ─► raw store ─► extract ─► bundle
                 │  politeness slots + host pauses: Redis (archive.hostgate)
                 └─ catalog: PostgreSQL (archive.pgcatalog); raw/ and content/: a shared mount

Turned on by ``[cluster] broker = "redis://…"``. Three queues, one actor each:

- ``crawl``: ``crawl_source(name)`` lists a due source (its feed, its URLs) and enqueues its URLs;
- ``pages``: ``archive_page(url)`` is :meth:`archive.pipeline.Pipeline.archive_url` in a worker;
- ``reextract``: ``reextract_batch(urls)`` re-extracts a batch of stored pages (no network).

A command that waits (``archive``, ``reextract``) gives its messages a *batch* id; each worker pushes
the result of each URL to the Redis list ``<prefix>:results:<batch>`` and the command prints them as
the single-machine command would.

Crash safety: Dramatiq's Redis broker acknowledges a message only when its actor returns, and
delivers the unacknowledged messages of a worker whose heartbeat stopped (``[cluster] heartbeat``)
to another worker; every write is idempotent (a page archived again from the same bytes writes
nothing; bundles are published atomically under the article's row lock; a WARC record is committed
with its catalog row, and a torn tail is cut by the next writer of that file: a worker restarted after
a crash claims its old name back, :meth:`archive.catalog.Catalog.claim_writer`). A busy worker keeps
its heartbeat from a thread of its own, so a long message is never taken for a dead worker's.

Hosts: a paused host (its breaker is open, :mod:`archive.hostgate`) is never requested; its URLs are
queued again (Dramatiq's delayed messages) for when the pause ends: deferred, never failed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.hostgate import GatedFetcher, HostPaused, RedisHosts
from scraper.config import Config
from scraper.errors import ConfigError

log = logging.getLogger(__name__)

QUEUES = ("crawl", "pages", "reextract")
REEXTRACT_BATCH = 100  # why: big enough that a message's overhead is noise, small enough to spread evenly
RESULTS_TTL_S = 7 * 24 * 3600  # why: a command that stopped waiting can still be answered by `status`
MAX_RETRIES = 3  # why: the pipeline records a URL's failure itself; a retry is for a worker-level fault
HOST_BUSY_S = (
    0.05  # why: a host ready later than this is left for later: the worker takes another host's page
)
SHORT_PAUSE_S = 1.0  # why: a paused URL comes back at least this late (no busy loop on an ending pause)


def _redis(url: str) -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - the [cluster] extra is not installed
        raise ConfigError("Cluster mode needs redis and dramatiq: pip install 'wxarchive[cluster]'.") from exc
    return redis.Redis.from_url(url)


@dataclass(frozen=True)
class Outcome:
    """One URL's result as a worker reports it to the command waiting for it."""

    url: str
    outcome: str
    path: str | None = None
    message: str = ""
    stage: str = ""
    error_class: str | None = None
    kind: str | None = None
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("archived", "unchanged", "skipped")

    def result(self) -> Any:
        """The :class:`archive.pipeline.Result` the single-machine command would have printed."""
        from archive.pipeline import Result

        return Result(
            self.url,
            self.outcome,
            path=Path(self.path) if self.path else None,
            message=self.message,
            stage=self.stage,
            error_class=self.error_class,
            kind=self.kind,
        )


# ---------------------------------------------------------------------- the broker and the actors


@dataclass
class Cluster:
    """One connection to the cluster's Redis: the Dramatiq broker with our three actors, and our keys."""

    config: Config
    broker: Any
    redis: Any
    actors: dict[str, Any] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.config.cluster.queue_prefix

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def hosts(self, egress: str | None = None) -> RedisHosts:
        """The shared host state of one egress IP (``[cluster] egress``): hosts count requests and
        block per IP, so workers behind different IPs have budgets and pauses of their own."""
        name = self.config.cluster.egress if egress is None else egress
        lease = self.config.fetch.total_timeout + 5.0
        prefix = self.key("egress", name) if name else self.prefix
        return RedisHosts(self.redis, prefix, lease=lease, policy=self.config.crawl)

    def egresses(self) -> list[str]:
        """The egress names workers reported ("" is the default, shared one)."""
        names = {
            n.decode() if isinstance(n, bytes) else str(n) for n in self.redis.smembers(self.key("egresses"))
        }
        return sorted(names | {""})

    def close(self) -> None:
        self.broker.close()
        self.redis.close()

    # .................................................................. enqueueing
    def new_batch(self) -> str:
        return uuid.uuid4().hex

    def enqueue_pages(self, urls: Iterable[str], *, batch: str = "", crawling: bool = False) -> list[str]:
        """Queue ``urls`` for archiving, hosts taken in turn (a worker's next page is then most often
        on a host that is ready). A crawl skips URLs already queued (and not done yet)."""
        sent = []
        for url in interleave_hosts(dict.fromkeys(u.strip() for u in urls if u.strip())):
            if crawling and not self.redis.sadd(self.key("pending"), url):
                continue
            self.actors["archive_page"].send(url, crawling, batch)
            sent.append(url)
        return sent

    def enqueue_source(self, name: str, *, force: bool = False) -> bool:
        """Queue the listing of source ``name`` unless it is queued already (overlapping cron runs)."""
        if not self.redis.set(self.key("source-queued", name), "1", nx=True, ex=24 * 3600):
            return False
        self.actors["crawl_source"].send(name, force)
        return True

    def enqueue_reextract(self, urls: Sequence[str], batch: str, size: int = REEXTRACT_BATCH) -> int:
        """Queue ``urls`` for re-extraction in messages of ``size`` URLs; returns the messages sent."""
        count = 0
        for i in range(0, len(urls), size):
            self.actors["reextract_batch"].send(list(urls[i : i + size]), batch)
            count += 1
        return count

    # .................................................................. results
    def report(self, batch: str, outcome: Outcome) -> None:
        if not batch:
            return
        key = self.key("results", batch)
        with self.redis.pipeline() as pipe:
            pipe.rpush(key, json.dumps(asdict(outcome), ensure_ascii=False))
            pipe.expire(key, RESULTS_TTL_S)
            pipe.execute()

    def results(
        self, batch: str, expected: int, *, timeout: float | None = None, poll: float = 1.0
    ) -> Iterator[Outcome]:
        """The outcomes of ``batch`` as they arrive, until ``expected`` came (or ``timeout`` passed)."""
        key = self.key("results", batch)
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: set[str] = set()  # why: a message redelivered after a crash reports its URLs again
        got = 0
        while got < expected:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            wait = poll if left is None else max(0.01, min(poll, left))
            item = self.redis.blpop([key], timeout=wait)
            if item is None:
                continue
            outcome = Outcome(**json.loads(item[1]))
            if outcome.url in seen:
                continue
            seen.add(outcome.url)
            got += 1
            yield outcome

    # .................................................................. status
    def queue_depths(self) -> dict[str, dict[str, int]]:
        """Per queue: ready, delayed (paused hosts, retries), in progress, dead (gave up)."""
        ns = self.prefix
        out = {}
        for q in QUEUES:
            ready = int(self.redis.llen(f"{ns}:{q}"))
            total = int(self.redis.hlen(f"{ns}:{q}.msgs"))
            delayed = int(self.redis.hlen(f"{ns}:{q}.DQ.msgs"))
            dead = int(self.redis.hlen(f"{ns}:{q}.XQ.msgs"))
            out[q] = {"ready": ready, "delayed": delayed, "in_progress": max(0, total - ready), "dead": dead}
        return out

    def workers(self) -> list[dict[str, Any]]:
        """Every worker process that reported itself, newest report first, with ``alive``."""
        now = time.time()
        rows = []
        for name, raw in self.redis.hgetall(self.key("workers")).items():
            info = json.loads(raw)
            info["name"] = name.decode() if isinstance(name, bytes) else name
            recent = now - float(info.get("seen", 0)) < 3 * self.config.cluster.heartbeat
            info["alive"] = recent and not info.get("stopped", False)
            rows.append(info)
        return sorted(rows, key=lambda r: -float(r.get("seen", 0)))


def connect(config: Config) -> Cluster:
    """The cluster of ``config`` (``[cluster] broker``), with its actors declared on a broker of its own."""
    cfg = config.cluster
    if not cfg.broker:
        raise ConfigError('Cluster mode needs [cluster] broker = "redis://host:6379/0" in the configuration.')
    client = _redis(cfg.broker)
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import AgeLimit, CurrentMessage, Retries, ShutdownNotifications, TimeLimit

    broker = RedisBroker(
        url=cfg.broker,
        namespace=cfg.queue_prefix,
        heartbeat_timeout=int(cfg.heartbeat * 1000),
        # why always: the dead-worker check is two small Redis range reads; without it a killed
        # worker's messages wait for the 1-in-1000 command that happens to run it
        maintenance_chance=1_000_000,
        middleware=[
            AgeLimit(),
            TimeLimit(
                time_limit=6 * 3600 * 1000
            ),  # why: a message is one page or one batch; hours mean stuck
            ShutdownNotifications(),
            CurrentMessage(),
            Retries(max_retries=MAX_RETRIES, min_backoff=1000, max_backoff=60_000),
        ],
    )
    cluster = Cluster(config, broker, client)
    _declare(cluster)
    return cluster


def _declare(cluster: Cluster) -> None:
    import dramatiq

    def archive_page(url: str, crawling: bool = False, batch: str = "") -> None:
        _worker_state().archive_page(url, crawling, batch)

    def crawl_source(name: str, force: bool = False) -> None:
        _worker_state().crawl_source(name, force)

    def reextract_batch(urls: list[str], batch: str = "") -> None:
        _worker_state().reextract_batch(urls, batch)

    work: tuple[tuple[Callable[..., None], str], ...] = (
        (crawl_source, "crawl"),
        (archive_page, "pages"),
        (reextract_batch, "reextract"),
    )
    for fn, queue in work:
        declare = dramatiq.actor(
            actor_name=fn.__name__, queue_name=queue, broker=cluster.broker, max_retries=MAX_RETRIES
        )
        cluster.actors[fn.__name__] = declare(fn)


# ---------------------------------------------------------------------- inside a worker process

_STATE: WorkerState | None = None
_STATE_LOCK = threading.Lock()


def _worker_state() -> WorkerState:
    if _STATE is None:  # pragma: no cover - an actor run outside `wxarchive worker`
        raise RuntimeError("wxarchive actors run inside `wxarchive worker` processes only.")
    return _STATE


class WorkerState:
    """What one worker process holds: the cluster, its name, and one pipeline per worker thread."""

    def __init__(self, config: Config, cluster: Cluster, name: str | None = None) -> None:
        from archive.pipeline import Archive

        self.config = config
        self.cluster = cluster
        self.hosts = cluster.hosts()
        # why kept open: the claimed name is held by this catalog connection (PostgreSQL advisory
        # lock, or an OS file lock beside an SQLite catalog) for as long as the process lives
        self._claim = Archive(config)
        self.name = self._claim.catalog.claim_writer(name or _host_name())
        self._local = threading.local()
        self._pipes: list[Any] = []
        self.done = 0
        self.failed = 0

    def pipeline(self) -> Any:
        """This thread's pipeline (a catalog connection, a fetcher and an extractor of its own)."""
        pipe = getattr(self._local, "pipe", None)
        if pipe is None:
            from archive.pipeline import Archive, Pipeline

            archive = Archive(
                self.config, writer=self.name if not self._pipes else f"{self.name}.{len(self._pipes)}"
            )
            kwargs: dict[str, Any] = {}
            if self.config.archive.isolate_extraction:
                from archive.isolate import IsolatedExtractor

                kwargs["extract"] = IsolatedExtractor(timeout=self.config.archive.extract_timeout)
            fetcher = GatedFetcher(self.config.fetch, self.hosts)
            pipe = Pipeline(archive, fetcher=fetcher, command="worker", **kwargs)
            pipe._own_fetcher = True  # closed with the pipeline
            self._local.pipe = pipe
            self._pipes.append(pipe)
        return pipe

    def close(self) -> None:
        for pipe in self._pipes:
            try:
                pipe.close()
            finally:
                pipe.archive.close()
        self._pipes.clear()
        self._claim.close()

    # .................................................................. the actors' work
    def archive_page(self, url: str, crawling: bool, batch: str) -> None:
        from archive.pipeline import _host

        host = _host(url)
        pause = self.hosts.pause_of(host) if host else None
        if pause is not None:
            self._requeue(url, crawling, batch, pause.until, f"{host} is paused ({pause.reason})")
            return
        wait = self.hosts.ready_in(host) if host else 0.0
        if wait > HOST_BUSY_S:  # why: waiting here would idle this worker while other hosts' pages queue
            self.cluster.actors["archive_page"].send_with_options(
                args=(url, crawling, batch), delay=int(wait * 1000) + 1
            )
            return
        result = self._guarded(url, batch, lambda: self._visit(url, crawling))
        if result is None:
            return
        paused_until = self._judge(url, result)
        if paused_until is not None:
            self._requeue(url, crawling, batch, paused_until, result.message)
            return
        self.cluster.redis.srem(self.cluster.key("pending"), url)
        self._count(result.ok)
        self.cluster.report(batch, self._outcome(result))

    def _visit(self, url: str, crawling: bool) -> Any:
        """Archive ``url``: a crawl's URL as the crawl visits it (the frontier records the outcome, an
        article known under another URL is not fetched), any other as ``wxarchive archive`` does."""
        pipe = self.pipeline()
        if crawling:
            from archive.crawl import Crawl

            result = Crawl(pipe, hosts=self.hosts, lock=False).visit(url)
            if result is not None:
                return result
        return pipe.archive_url(url, crawling=crawling)

    def _judge(self, url: str, result: Any) -> datetime | None:
        """Open the host's breaker when ``result`` shows a block; return until when ``url`` waits
        (None: the URL is done, whatever its outcome). A pause already stored (by the crawl's own
        breaker, or another worker) is the one kept."""
        from archive.pipeline import _host

        host = _host(url)
        if not host:
            return None
        pause = self.hosts.pause_of(host)
        if result.error_class == HostPaused.__name__ or result.outcome == "paused":
            return pause.until if pause is not None else datetime.now(UTC)
        if result.kind == "rate_limited":
            return (pause or self.hosts.trip(host, f"a verification page answered {url}")).until
        if result.outcome == "deferred":
            if pause is not None:
                return pause.until
            until = _deferred_until(result.message)
            left = (until - datetime.now(UTC)).total_seconds() if until else self.config.fetch.retry_after_cap
            return self.hosts.trip(host, f"{host} asked for a pause (Retry-After)", seconds=left).until
        status = _http_status(result)
        if status in (403, 429):
            pause = self.hosts.strike(host, status, url)
            return pause.until if pause is not None else None
        if result.outcome in ("archived", "unchanged"):
            self.hosts.recovered(host)
        return None

    def _requeue(self, url: str, crawling: bool, batch: str, until: datetime, why: str) -> None:
        delay = max(SHORT_PAUSE_S, (until - datetime.now(UTC)).total_seconds())
        self.cluster.actors["archive_page"].send_with_options(
            args=(url, crawling, ""), delay=int(delay * 1000)
        )
        message = f"{url} was not archived now: {' '.join(why.split())} It is queued again for after {until:%Y-%m-%dT%H:%M:%SZ}."
        self.cluster.report(batch, Outcome(url, "deferred", message=message, stage="fetch", worker=self.name))

    def crawl_source(self, name: str, force: bool) -> None:
        from archive.crawl import Crawl

        pipe = self.pipeline()
        try:
            source = next((s for s in self.config.sources if s.name == name), None)
            if source is None:
                log.warning("source %s is not in this worker's configuration", name)
                return
            crawl = Crawl(pipe, hosts=self.hosts, lock=False)
            urls, results = discover(crawl, source, force=force)
            for r in results:
                self._count(r.ok)
            self.cluster.enqueue_pages(urls, crawling=True)
        finally:
            self.cluster.redis.delete(self.cluster.key("source-queued", name))

    def reextract_batch(self, urls: list[str], batch: str) -> None:
        """Re-extract a batch as the local command does (one call: an account template learned on
        the way rebuilds the batch's earlier posts of that account)."""
        pipe = self.pipeline()
        results = self._guarded(", ".join(urls[:3]), batch, lambda: pipe.reextract(urls), urls=urls)
        for result in results or ():
            self._count(result.ok)
            self.cluster.report(batch, self._outcome(result))

    # .................................................................. helpers
    def _guarded(self, url: str, batch: str, work: Callable[[], Any], urls: Sequence[str] = ()) -> Any:
        """``work()``; an exception that escapes the pipeline is retried by Dramatiq, and reported to
        the waiting command only when the retries are spent."""
        from dramatiq.middleware import CurrentMessage

        try:
            return work()
        except Exception as exc:
            message = CurrentMessage.get_current_message()
            retries = int(message.options.get("retries", 0)) if message is not None else MAX_RETRIES
            if retries >= MAX_RETRIES:
                for one in urls or [url]:
                    self._count(False)
                    text = f"{one} failed in worker {self.name}: {type(exc).__name__}: {exc}"
                    self.cluster.report(
                        batch, Outcome(one, "failed", message=text, stage="worker", worker=self.name)
                    )
                return None
            raise

    def _outcome(self, result: Any) -> Outcome:
        return Outcome(
            result.url,
            result.outcome,
            str(result.path) if result.path else None,
            result.message,
            result.stage,
            result.error_class,
            result.kind,
            self.name,
        )

    def _count(self, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1


def interleave_hosts(urls: Iterable[str]) -> list[str]:
    """``urls`` reordered round-robin by host, each host's URLs in their order: a.1 b.1 c.1 a.2 b.2 …"""
    from archive.pipeline import _host

    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(_host(url), []).append(url)
    out: list[str] = []
    queues = list(by_host.values())
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def discover(crawl: Any, source: Any, *, force: bool) -> tuple[list[str], list[Any]]:
    """The URLs of a due ``source`` still to be archived, and the results of listing it (a listing
    that failed, a source not due): the single-machine crawl's listing (every source kind, the
    frontier, conditional GET), without archiving (:meth:`archive.crawl.Crawl.list_source`)."""
    return crawl.list_source(source, force=force)  # type: ignore[no-any-return]


def _deferred_until(message: str) -> datetime | None:
    """When a deferred URL's host said it may be asked again (the pipeline's "… after <time>")."""
    import re

    m = re.search(r"after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", message)
    return datetime.fromisoformat(m.group(1).replace("Z", "+00:00")) if m else None


def _http_status(result: Any) -> int | None:
    import re

    if result.error_class not in ("HTTPStatusError", "TransientFetchError"):
        return None
    m = re.search(r"\b(403|429)\b", result.message or "")
    return int(m.group(1)) if m else None


def _host_name() -> str:
    import re

    name = re.sub(r"[^A-Za-z0-9._-]+", "-", socket.gethostname()).strip("-.") or "worker"
    return name[:40]


# ---------------------------------------------------------------------- `wxarchive worker`


def run_worker(config: Config, queues: Sequence[str], *, threads: int = 1, name: str | None = None) -> int:
    """Run one worker process until SIGTERM/SIGINT: consume ``queues``, keep its heartbeat and its
    entry in the worker list. Returns the exit status (0 after a clean stop)."""
    global _STATE
    import dramatiq

    logging.getLogger("dramatiq").setLevel(logging.WARNING)
    cluster = connect(config)
    with _STATE_LOCK:
        _STATE = state = WorkerState(config, cluster, name)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = dramatiq.Worker(cluster.broker, queues=set(queues), worker_threads=threads, worker_timeout=100)
    started = time.time()

    def note(stopped: bool = False) -> None:
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "queues": list(queues),
            "egress": config.cluster.egress,
            "started": started,
            "seen": time.time(),
            "done": state.done,
            "failed": state.failed,
            "stopped": stopped,
        }
        cluster.redis.hset(cluster.key("workers"), state.name, json.dumps(info))

    if config.cluster.egress:
        cluster.redis.sadd(cluster.key("egresses"), config.cluster.egress)
    worker.start()
    note()
    beat = max(
        0.2, config.cluster.heartbeat / 4
    )  # why: several beats per timeout, so one late beat is no death
    try:
        while not stop.wait(beat):
            for q in queues:  # any broker command refreshes this process's Dramatiq heartbeat
                cluster.broker.do_qsize(q)
            note()
    finally:
        worker.stop(timeout=int(max(10.0, config.fetch.total_timeout * 2) * 1000))
        note(stopped=True)  # why: `status` says at once that it left, not after 3 heartbeats of silence
        state.close()
        cluster.close()
    return 0


def run_workers(
    config: Config, queues: Sequence[str], *, processes: int, threads: int = 1, restart_delay: float = 1.0
) -> int:
    """Run ``processes`` worker processes and keep them running (a crashed one is started again) until
    SIGTERM/SIGINT, which stops each after its current message."""
    import multiprocessing

    if processes <= 1:
        return run_worker(config, queues, threads=threads)
    ctx = multiprocessing.get_context("spawn")  # why: the parent may hold threads and sockets
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    children: list[Any] = [None] * processes

    def start(i: int) -> Any:
        p = ctx.Process(
            target=run_worker, args=(config, list(queues)), kwargs={"threads": threads}, daemon=False
        )
        p.start()
        return p

    for i in range(processes):
        children[i] = start(i)
    while not stop.wait(restart_delay):
        for i, p in enumerate(children):
            if not p.is_alive() and not stop.is_set():
                log.warning("worker process %s exited with %s; starting another", p.pid, p.exitcode)
                children[i] = start(i)
    for p in children:
        if p.is_alive():
            os.kill(p.pid, signal.SIGTERM)
    for p in children:
        p.join()
    return 0


# ---------------------------------------------------------------------- the commands, in cluster mode


def archive_command(config: Config, urls: Sequence[str], *, wait: bool = True) -> Iterator[Any]:
    """``wxarchive archive URL…`` with a broker: queue the URLs; with ``wait``, yield each one's
    :class:`~archive.pipeline.Result` as the workers finish it (else nothing: they are queued)."""
    cluster = connect(config)
    try:
        batch = cluster.new_batch() if wait else ""
        sent = cluster.enqueue_pages(urls, batch=batch)
        if wait:
            for outcome in cluster.results(batch, len(sent)):
                yield outcome.result()
    finally:
        cluster.close()


def crawl_command(config: Config, names: Sequence[str], *, force: bool = False) -> list[tuple[str, bool]]:
    """``wxarchive crawl`` with a broker: queue the listing of each source (workers list it, skip it
    when it is not due, and queue its URLs). Returns (source, queued now) for each."""
    wanted = list(names) or [s.name for s in config.sources if s.enabled]
    known = {s.name for s in config.sources}
    missing = [n for n in wanted if n not in known]
    if missing:
        raise ConfigError(f"No crawl source named {', '.join(missing)} in the configuration.")
    cluster = connect(config)
    try:
        return [(name, cluster.enqueue_source(name, force=force)) for name in wanted]
    finally:
        cluster.close()


def crawl_every(
    config: Config,
    names: Sequence[str],
    *,
    force: bool = False,
    every: float | None = None,
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """``wxarchive crawl [--every …]`` with a broker: queue the sources now and, with ``every``, again
    every ``every`` seconds (jittered as the single-machine crawl's) until ``stop``. Exit status 0."""
    import random

    from archive.crawl import EVERY_JITTER

    stop = stop or threading.Event()
    rng = random.Random()
    while True:
        for name, queued in crawl_command(config, names, force=force):
            echo(f"queued source {name}" if queued else f"source {name} is queued already")
        if every is None or stop.wait(every * (1 + rng.uniform(-EVERY_JITTER, EVERY_JITTER))):
            return 0


def reextract_command(
    config: Config, urls: Sequence[str] | None = None, *, force: bool = False
) -> Iterator[Any]:
    """``wxarchive reextract`` with a broker: the stored pages that are not current (or ``urls``, or
    every page with ``force``) in batches of :data:`REEXTRACT_BATCH`, one message each, in raw-store
    order; yields each page's result. A current page (:mod:`archive.reextract`) is not sent."""
    from archive.pipeline import Archive, Pipeline
    from archive.reextract import Reextract, Task

    with Archive(config) as archive:
        if urls:
            targets = list(urls)
        else:
            with Pipeline(archive, command="reextract") as pipe:
                plan = Reextract(pipe, force=force).plan(None)
                targets = [item.url for item in plan if isinstance(item, Task)]
    cluster = connect(config)
    try:
        batch = cluster.new_batch()
        cluster.enqueue_reextract(targets, batch)
        for outcome in cluster.results(batch, len(targets)):
            yield outcome.result()
    finally:
        cluster.close()


def status(config: Config, *, failures: int = 10) -> dict[str, Any]:
    """What ``wxarchive status`` shows: queue depths, workers seen, paused hosts, recent failures."""
    from archive.pipeline import Archive

    cluster = connect(config)
    try:
        out: dict[str, Any] = {
            "queues": cluster.queue_depths(),
            "workers": cluster.workers(),
            "paused": [
                {
                    "host": p.host,
                    "egress": egress,
                    "until": p.until.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "reason": p.reason,
                    "trips": p.trips,
                }
                for egress in cluster.egresses()
                for p in cluster.hosts(egress).paused()
            ],
        }
    finally:
        cluster.close()
    with Archive(config) as archive:
        rows = archive.catalog.query(
            "SELECT url, stage, error_class, message, at FROM outcomes WHERE outcome='failed' "
            "ORDER BY id DESC LIMIT ?",
            (failures,),
        )
        out["failures"] = [dict(r) for r in rows]
    return out
