"""Shared host state for cluster workers, in Redis: the politeness budget and the circuit breaker.

On one machine the fetcher keeps per-host politeness in memory and the crawl keeps host pauses in the
catalog. Workers on several machines must share both, or each would be polite alone and together
hammer a host. Every request a worker makes goes through :meth:`RedisHosts.slot`:

- **At most one request in flight per host**, across all workers: Dramatiq's
  :class:`~dramatiq.rate_limits.ConcurrentRateLimiter` of size 1 on the Redis rate-limit backend (a
  distributed mutex), keyed by host. Its TTL (the *lease*: the fetcher's whole-response deadline plus a
  margin) frees a host whose holder was killed mid-request.
- **The host's minimum delay between any two requests**: a Redis key holding the next allowed start
  (``next:<host>``), set when a request ends to its end plus the delay (so the host itself sees at least
  the delay between two requests, however long one took), read and set only by the mutex holder, on
  the Redis server's clock (``TIME``), so workers whose clocks differ still agree. Why not Dramatiq's ``WindowRateLimiter`` or
  ``BucketRateLimiter``: they count requests in whole-second buckets, so two requests can start just
  either side of a bucket edge (1.01 s apart under a 2 s window), and 0.2 s image delays cannot be
  expressed at all; the next-slot key is exact to the millisecond.
- **The circuit breaker** (a verification page, a 403/429 burst, a long ``Retry-After``): a pause per
  host (``pause:<host>``: until, reason, trips) that every worker checks before each request, inside
  the mutex, so once one worker has stored it no other request to that host begins. Pauses grow on
  repeats (doubling, capped, with jitter) like the single-machine crawl's; a success resets them.

:class:`GatedFetcher` is the ordinary :class:`scraper.fetch.Fetcher` with every request (each redirect
hop too) inside a slot; a paused host raises :class:`HostPaused`, a deferral, never retried in place.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from archive.hosts import Pause, block_pause
from scraper.config import CrawlConfig
from scraper.errors import TransientFetchError
from scraper.fetch import Fetcher

POLL_S = 0.01  # why: a host's turn is a few ms of Redis work; polling faster only loads Redis
LEASE_MARGIN_S = 5.0  # why: past the fetcher's own deadline, a held host is a dead holder's

BURST_WINDOW_S = 300  # why: [crawl] block_burst answers of 403/429 within 5 minutes are a burst, not bad luck


class HostPaused(TransientFetchError):
    """The host's breaker is open: the request was not sent. A deferral, not a failure."""

    def __init__(self, message: str, url: str, retry_after: float, host: str) -> None:
        super().__init__(message, url, retry_after)
        self.host = host


class RedisHosts:
    """Politeness slots and host pauses shared by every worker through one Redis.

    Also the crawl's :class:`archive.hosts.HostBook` (pause_of, trip, recovered, paused), so a crawl
    listing or visiting in a worker pauses hosts for every worker; the pauses grow as the crawl's
    do (:func:`archive.hosts.block_pause`, the ``[crawl]`` pause settings).
    """

    def __init__(
        self,
        client: Any,
        prefix: str,
        *,
        lease: float = 60.0 + LEASE_MARGIN_S,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        policy: CrawlConfig | None = None,
    ) -> None:
        from dramatiq.rate_limits.backends import RedisBackend

        self.policy = policy or CrawlConfig()
        self.client = client
        self.prefix = prefix
        self.lease_ms = int(lease * 1000)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.backend = RedisBackend(client=client)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def now(self) -> float:
        """The Redis server's clock (seconds since the epoch): one clock for every worker."""
        seconds, micros = self.client.time()
        return float(seconds) + micros / 1e6

    # ------------------------------------------------------------------ politeness
    @contextmanager
    def slot(self, host: str, delay: float, url: str = "") -> Iterator[None]:
        """Hold ``host``'s one request slot, ``delay`` seconds after the previous request began.

        Raises :class:`HostPaused` (nothing sent) when the host's breaker is open.
        """
        from dramatiq.rate_limits import ConcurrentRateLimiter

        host = host.lower()
        mutex = ConcurrentRateLimiter(self.backend, self.key("inflight", host), limit=1, ttl=self.lease_ms)
        while True:
            self._raise_if_paused(host, url)
            with mutex.acquire(raise_on_failure=False) as held:
                if held:
                    self._wait_turn(host, delay, url)
                    try:
                        yield
                    finally:
                        # why from the end: the host then sees its delay between any two requests,
                        # however long one took to arrive or answer (Heritrix counts from the end too)
                        self._set_next(host, self.now() + delay, delay)
                    return
            self.sleep(POLL_S)

    def ready_in(self, host: str) -> float:
        """Seconds before a request to ``host`` could begin (0: now; a guess while one is in flight).

        A scheduler hands a worker another host's work instead of letting it wait (:mod:`archive.cluster`)."""
        host = host.lower()
        due, busy = self.client.mget(self.key("next", host), self.key("inflight", host))
        left = float(due or 0.0) - self.now()
        if busy and int(busy) > 0:
            return max(left, POLL_S * 5)
        return max(0.0, left)

    def _wait_turn(self, host: str, delay: float, url: str) -> None:
        key = self.key("next", host)
        while True:
            now = self.now()
            due = float(self.client.get(key) or 0.0)
            if now >= due:
                break
            self.sleep(due - now)
        self._raise_if_paused(host, url)  # why: a pause stored while this worker waited its turn
        self._set_next(host, now + delay, delay)

    def _set_next(self, host: str, when: float, delay: float) -> None:
        self.client.set(self.key("next", host), repr(when), px=max(int(delay * 1000) * 2, 60_000))

    def _raise_if_paused(self, host: str, url: str) -> None:
        pause = self.pause_of(host)
        if pause is not None:
            left = max(0.0, (pause.until - self._dt(self.now())).total_seconds())
            raise HostPaused(
                f"{url or host} was not requested: {host} is paused until {pause.until:%Y-%m-%dT%H:%M:%SZ} "
                f"({pause.reason}).",
                url,
                left,
                host,
            )

    # ------------------------------------------------------------------ circuit breaker
    def pause_of(self, host: str, now: datetime | None = None) -> Pause | None:
        """The pause in force for ``host`` (at ``now``, default the Redis clock), else None."""
        raw = self.client.get(self.key("pause", host.lower()))
        if not raw:
            return None
        data = json.loads(raw)
        until = self._dt(float(data["until"]))
        if until <= (now or self._dt(self.now())):
            return None
        return Pause(host.lower(), until, data.get("reason", ""), int(data.get("trips", 1)))

    def trip(
        self, host: str, reason: str, now: datetime | None = None, *, seconds: float | None = None
    ) -> Pause:
        """Open ``host``'s breaker for every worker: ``seconds`` when the host named a pause (Retry-After),
        else the growing pause of a block. A longer pause already stored is kept."""
        host = host.lower()
        key = self.key("pause", host)
        start = now.timestamp() if now is not None else self.now()
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key, self.key("trips", host))
                    old = pipe.get(key)
                    if old and seconds is not None and start + seconds <= float(json.loads(old)["until"]):
                        pipe.reset()  # why: a pause already covers it (another worker's): not a new block
                        data = json.loads(old)
                        return Pause(host, self._dt(float(data["until"])), data["reason"], int(data["trips"]))
                    trips = int(pipe.get(self.key("trips", host)) or 0) + 1
                    if seconds is None:
                        seconds = block_pause(self.policy, trips, self.rng).total_seconds()
                    until = start + seconds
                    if old:
                        until = max(until, float(json.loads(old)["until"]))
                    data = json.dumps({"until": until, "reason": reason, "trips": trips, "at": start})
                    pipe.multi()
                    ttl = max(1, int(until - start) + 3600)
                    pipe.set(key, data, ex=ttl)
                    pipe.set(
                        self.key("trips", host), trips, ex=int(self.policy.pause_max_hours * 3600 * 4) + 60
                    )
                    pipe.zadd(self.key("paused"), {host: until})
                    pipe.execute()
                    break
                except Exception as exc:  # redis.WatchError: another worker tripped it first; retry
                    if type(exc).__name__ != "WatchError":
                        raise
        return Pause(host, self._dt(until), reason, trips)

    def recovered(self, host: str) -> None:
        """A request to ``host`` succeeded: the next block starts again from the first pause."""
        self.client.delete(self.key("trips", host.lower()), self.key("strikes", host.lower()))

    def strike(self, host: str, status: int, url: str) -> Pause | None:
        """Count a 403/429 answer; the ``[crawl] block_burst``-th within the window opens the breaker."""
        key = self.key("strikes", host.lower())
        with self.client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, BURST_WINDOW_S)
            count = int(pipe.execute()[0])
        if count >= self.policy.block_burst:
            self.client.delete(key)
            return self.trip(host, f"{count} answers of HTTP {status} in a row (last: {url})")
        return None

    def paused(self, now: datetime | None = None) -> list[Pause]:
        """Every pause in force."""
        moment = now.timestamp() if now is not None else self.now()
        hosts = [
            h.decode() if isinstance(h, bytes) else str(h)
            for h in self.client.zrangebyscore(self.key("paused"), moment, "+inf")
        ]
        out = [p for p in (self.pause_of(h, self._dt(moment)) for h in sorted(hosts)) if p is not None]
        self.client.zremrangebyscore(self.key("paused"), 0, moment)
        return out

    @staticmethod
    def _dt(epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, UTC)


class GatedFetcher(Fetcher):
    """A :class:`~scraper.fetch.Fetcher` whose every request waits for its host's shared slot.

    The fetcher's own per-process spacing is replaced by the shared one (same delays: ``delay``,
    ``image_delay``, a robots.txt Crawl-delay); a paused host is never retried in place.
    """

    def __init__(self, config: Any, hosts: RedisHosts, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.hosts = hosts

    def _polite(self, host: str, kind: str) -> None:
        """The shared slot (:meth:`_one`) already spaced this request."""

    def _one(self, given: str, url: str, referer: str | None, kind: str, *rest: Any) -> Any:
        import httpx

        host = httpx.URL(url).host.lower()
        with self.hosts.slot(host, self.delay_for(host, kind), given):
            return super()._one(given, url, referer, kind, *rest)

    def _retryable(self, exc: BaseException) -> bool:
        return not isinstance(exc, HostPaused) and super()._retryable(exc)
