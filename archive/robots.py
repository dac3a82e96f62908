"""robots.txt for crawls, per RFC 9309: fetch once per origin, cache a day, obey, and fail closed.

Which commands obey it is a configuration choice, ``[fetch] obey_robots`` (see
:data:`scraper.config.ROBOTS_MODES`): by default ``crawl`` does and an on-demand ``archive URL`` does
not (a person asked for that page, as a browser would fetch it).

What a robots.txt answer means (RFC 9309 §2.3.1, and the StormCrawler #1042 lesson)::

    2xx                       rules: the first 500 KiB parsed (Protego, as Scrapy uses it)
    4xx (404, 403, 410 …)     "unavailable": everything may be crawled
    > max_redirects hops      "unavailable" too (§2.3.1.2)
    5xx, 429, timeout,        "unreachable": assume everything is disallowed for this run and try
    connection error …        again next run; never treated like a 404

The answer of each origin (``scheme://host[:port]``) is kept in the catalog's ``robots`` table with
its time, status and verdict. Rules and "unavailable" are reused for up to 24 hours (§2.4); an
"unreachable" verdict is recorded but only holds for the run that met it.

``Crawl-delay`` for our product token (``scraper.urls.product_token`` of the configured User-Agent)
raises that host's politeness delay in the fetcher, up to ``[fetch] max_crawl_delay`` (300 s, the
Heritrix cap). A host asking for more is skipped for the run with the reason recorded, rather than
stalling the whole crawl behind it.

Scope: the URLs a crawl asks for (feed and article URLs). Images of an allowed page are page
requisites, fetched like a browser would (under ``image_delay``), without asking their CDN's
robots.txt; a redirect during a page fetch is followed without asking the target host's robots.txt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from protego import Protego

from archive.catalog import Catalog, RobotsRow, parse_iso, utcnow
from scraper.config import FetchConfig
from scraper.errors import FetchError, HTTPStatusError, TooManyRedirects
from scraper.urls import product_token, robots_origin, robots_url

log = logging.getLogger(__name__)

ROBOTS_TTL = timedelta(hours=24)  # why: RFC 9309 §2.4, a cached robots.txt is not used for longer

RULES, ALLOW_ALL, DISALLOW_ALL = "rules", "allow_all", "disallow_all"


class RobotsDisallowed(FetchError):
    """robots.txt keeps a crawl from this URL (disallowed, unreachable robots.txt, or a Crawl-delay
    over the cap). Not retried within the run; the next run asks again."""


@dataclass(frozen=True)
class HostRules:
    """What one origin's robots.txt says, as obtained in this run or read from the catalog."""

    origin: str
    verdict: str  # rules | allow_all | disallow_all
    fetched_at: datetime
    status: int | None = None
    error: str | None = None
    parser: Any = None  # a Protego for verdict "rules"


def parse_robots(body: bytes) -> Any:
    """A Protego parser for a robots.txt body (UTF-8 per RFC 9309 §2.3; undecodable bytes replaced).

    A robots.txt Protego cannot read at all counts as empty (every line that cannot be parsed is
    ignored, RFC 9309 §2.2), so it allows everything rather than stopping the crawl of the site.
    """
    text = body.decode("utf-8", "replace").lstrip("\ufeff")
    try:
        return Protego.parse(text)
    except Exception:  # noqa: BLE001 - a parser bug on hostile input must not stop a crawl
        log.warning("robots.txt could not be parsed; treated as empty", exc_info=True)
        return Protego.parse("")


class RobotsPolicy:
    """Answers "may this crawl fetch URL?" for one run; remembers each origin's rules for the run.

    ``fetcher`` is the run's fetcher (same proxy, CA, User-Agent, politeness); ``catalog`` keeps the
    answers across runs; ``now`` gives aware UTC times.
    """

    def __init__(
        self,
        fetcher: Any,
        catalog: Catalog,
        config: FetchConfig,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.fetcher = fetcher
        self.catalog = catalog
        self.config = config
        self.now = now
        self.token = product_token(config.user_agent)
        self._rules: dict[str, HostRules] = {}
        self._delays_set: set[str] = set()

    # .................................................................. public
    def check(self, url: str) -> None:
        """Return when a crawl may fetch ``url``; raise :class:`RobotsDisallowed` (naming it) if not.

        A URL that cannot even be parsed passes: the fetcher refuses it with the precise reason.
        """
        try:
            origin = robots_origin(url)
        except Exception:  # noqa: BLE001 - httpx.InvalidURL and friends: the fetcher will say why
            return
        rules = self.rules_for(origin)
        if rules.verdict == DISALLOW_ALL:
            raise RobotsDisallowed(
                f"{url} was not fetched: the robots.txt of {origin} could not be read ({rules.error}), and "
                "RFC 9309 says to assume everything is disallowed then; it is asked again next run.",
                url,
            )
        if rules.verdict == ALLOW_ALL:
            return
        parser = rules.parser
        if not parser.can_fetch(url, self.token):
            raise RobotsDisallowed(
                f"The robots.txt of {origin} disallows {url} for {self.token}; it was not fetched.", url
            )
        delay = parser.crawl_delay(self.token)
        if delay is None:
            return
        delay = float(delay)
        if delay > self.config.max_crawl_delay:
            raise RobotsDisallowed(
                f"{url} was not fetched: the robots.txt of {origin} asks for a Crawl-delay of {delay:g} s, "
                f"more than the {self.config.max_crawl_delay:g} s wxarchive honours ([fetch] max_crawl_delay); "
                "the host is skipped for this run.",
                url,
            )
        if origin not in self._delays_set:
            self._delays_set.add(origin)
            self.fetcher.set_host_delay(httpx.URL(origin).host, delay)

    def rules_for(self, origin: str) -> HostRules:
        """The rules of ``origin``: this run's, else the catalog's if fresh, else fetched now."""
        known = self._rules.get(origin)
        if known is not None:
            return known
        rules = self._cached(origin) or self._fetch(origin)
        self._rules[origin] = rules
        return rules

    # .................................................................. internals
    def _cached(self, origin: str) -> HostRules | None:
        row: RobotsRow | None = self.catalog.robots(origin)
        if row is None or row.verdict == DISALLOW_ALL:
            return None  # why: an unreachable robots.txt only holds for the run that met it
        fetched = parse_iso(row.fetched_at)
        age = self.now() - fetched
        if age > ROBOTS_TTL or age < -ROBOTS_TTL:  # why: a clock set back must not pin a copy forever
            return None
        parser = parse_robots(row.body or b"") if row.verdict == RULES else None
        return HostRules(origin, row.verdict, fetched, row.status, row.error, parser)

    def _fetch(self, origin: str) -> HostRules:
        url = robots_url(origin)
        when = self.now()
        try:
            raw = self.fetcher.fetch(url, kind="robots")
        except TooManyRedirects as exc:
            rules = HostRules(origin, ALLOW_ALL, when, None, f"unavailable: {exc}")
        except HTTPStatusError as exc:
            if exc.status < 500:  # why: 4xx (and a 3xx without Location) mean "unavailable"
                rules = HostRules(origin, ALLOW_ALL, when, exc.status, f"unavailable: HTTP {exc.status}")
            else:
                rules = HostRules(origin, DISALLOW_ALL, when, exc.status, f"HTTP {exc.status}")
        except FetchError as exc:  # 5xx, 429, timeouts, connection errors, refused addresses …
            rules = HostRules(origin, DISALLOW_ALL, when, None, " ".join(str(exc).split()))
        else:
            if 200 <= raw.status < 300:
                rules = HostRules(origin, RULES, when, raw.status, None, parse_robots(raw.body))
                self.catalog.set_robots(origin, when, raw.status, RULES, raw.body, None)
                return rules
            rules = HostRules(origin, ALLOW_ALL, when, raw.status, f"unavailable: HTTP {raw.status}")
        if rules.verdict == DISALLOW_ALL:
            log.warning(
                "robots.txt of %s unreachable (%s): nothing of it is crawled this run", origin, rules.error
            )
        self.catalog.set_robots(origin, when, rules.status, rules.verdict, None, rules.error)
        return rules
