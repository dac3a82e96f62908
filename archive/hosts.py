"""Host state for crawls: circuit breakers whose pauses outlive the run.

A host that shows a block — WeChat's verification page (the typed ``rate_limited`` non-article,
环境异常), a burst of 403/429 answers, WeChat's ``freq control`` JSON, a verification status in an
album answer — or asks for a ``Retry-After`` longer than ``[fetch] retry_after_cap`` is *tripped*:

- in this run, no further request goes to it (the crawl keeps an open-breaker set);
- a pause is stored, so the next runs send nothing to it before the pause ends. A block's pause is
  ``pause_minutes`` doubled for each block in a row (``trips``), capped at ``pause_max_hours``, with
  ±``pause_jitter`` random spread; a Retry-After pause is what the host asked, unchanged;
- a successful request after the pause (:meth:`HostBook.recovered`) sets ``trips`` back to 0.

Per-host politeness (one request in flight, a minimum delay, robots.txt Crawl-delay) is the
fetcher's (:meth:`scraper.fetch.Fetcher.ready_in`, ``set_host_delay``): it is where requests happen.

:class:`HostBook` is the interface; :class:`CatalogHostBook` keeps the pauses in the catalog's
``host_state`` table (a shared implementation for several machines implements the same methods).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from archive.catalog import Catalog, iso, parse_iso
from scraper.config import CrawlConfig


@dataclass(frozen=True)
class Pause:
    """A host not to be requested before ``until``, and why."""

    host: str
    until: datetime
    reason: str
    trips: int = 1


class HostBook(Protocol):
    """What a crawl needs to know and record about hosts."""

    def pause_of(self, host: str, now: datetime) -> Pause | None:
        """The pause in force for ``host`` at ``now``, else None."""
        ...

    def trip(self, host: str, reason: str, now: datetime, *, seconds: float | None = None) -> Pause:
        """Open the breaker of ``host``: store and return its pause (``seconds`` when the host named
        one, Retry-After; else the growing, jittered pause of a block)."""
        ...

    def recovered(self, host: str) -> None:
        """A request to ``host`` succeeded: the next block starts again from the first pause."""
        ...

    def paused(self, now: datetime) -> list[Pause]:
        """Every pause in force at ``now``."""
        ...


def block_pause(config: CrawlConfig, trips: int, rng: random.Random) -> timedelta:
    """The pause after the ``trips``-th block in a row: doubled each time, capped, jittered."""
    base = config.pause_minutes * 60 * 2 ** max(0, trips - 1)
    seconds = min(base, config.pause_max_hours * 3600)
    seconds *= 1 + rng.uniform(-config.pause_jitter, config.pause_jitter)
    return timedelta(seconds=max(1.0, seconds))


class CatalogHostBook:
    """Host pauses in the catalog (table ``host_state``)."""

    def __init__(self, catalog: Catalog, config: CrawlConfig, rng: random.Random | None = None) -> None:
        self.catalog = catalog
        self.config = config
        self.rng = rng or random.Random()

    def pause_of(self, host: str, now: datetime) -> Pause | None:
        rows = self.catalog.query("SELECT * FROM host_state WHERE host=?", (host.lower(),))
        if not rows or not rows[0]["paused_until"]:
            return None
        until = parse_iso(rows[0]["paused_until"])
        if until <= now:
            return None
        return Pause(host.lower(), until, rows[0]["reason"] or "", int(rows[0]["trips"]))

    def trip(self, host: str, reason: str, now: datetime, *, seconds: float | None = None) -> Pause:
        host = host.lower()
        with self.catalog.write() as c:
            row = c.execute("SELECT trips, paused_until FROM host_state WHERE host=?", (host,)).fetchone()
            trips = (int(row[0]) if row else 0) + 1
            if seconds is not None:
                until = now + timedelta(seconds=seconds)
            else:
                until = now + block_pause(self.config, trips, self.rng)
            if row and row[1] and parse_iso(row[1]) > until:
                until = parse_iso(row[1])  # why: never shorten a pause already stored (another run's)
            c.execute(
                "INSERT INTO host_state (host, paused_until, reason, trips, last_trip) VALUES (?,?,?,?,?) "
                "ON CONFLICT (host) DO UPDATE SET paused_until=excluded.paused_until, reason=excluded.reason, "
                "trips=excluded.trips, last_trip=excluded.last_trip",
                (host, iso(until), reason, trips, iso(now)),
            )
        return Pause(host, until, reason, trips)

    def recovered(self, host: str) -> None:
        with self.catalog.write() as c:
            c.execute("UPDATE host_state SET trips=0 WHERE host=? AND trips > 0", (host.lower(),))

    def paused(self, now: datetime) -> list[Pause]:
        rows = self.catalog.query(
            "SELECT * FROM host_state WHERE paused_until IS NOT NULL AND paused_until > ? ORDER BY host",
            (iso(now),),
        )
        return [
            Pause(r["host"], parse_iso(r["paused_until"]), r["reason"] or "", int(r["trips"])) for r in rows
        ]
