"""The fetcher: one URL in, one ``RawPage`` (the response as received, body decompressed) out.

Contract::

    with Fetcher(config) as f:                          # config: scraper.config.FetchConfig
        page = f.fetch(url, referer=None, kind="page")  # or "image", "robots", "feed"; max_bytes=… overrides the cap
        got = f.fetch_if_changed(url, etag=…, last_modified=…)  # RawPage, or NotModified after a 304

``fetch`` raises only the typed errors of :mod:`scraper.errors` (never an httpx or tenacity error):

==========================  ==================================================================
TransientFetchError         connect error, timeout, data loss (Content-Length under-run,
                            truncated gzip), 408/429/500/502/503/504/522/524, pool busy;
                            ``.retry_after`` set when the server asked for a pause
DeadlineExceeded            the response took longer than ``total_timeout`` in all
HTTPStatusError             other 4xx/5xx (404, 410, 451 …), ``.status``; never retried
TooLarge                    honest Content-Length or decompressed body over the cap
TooManyRedirects            more than ``max_redirects`` hops, or a loop
BlockedURL                  scheme/host refused (see :mod:`scraper.urls`), for every hop
NotHTML                     kind="page" answered with an image, octet-stream, empty body, 204 …
PermanentFetchError         protocol errors, corrupt compressed body, unverifiable TLS certificate
==========================  ==================================================================

Why each bound exists (see ``../shared/reference/reliability.md``):

- httpx's read timeout is *per chunk*: a server trickling one byte every few seconds never trips it,
  so every response also has a wall-clock deadline checked while streaming.
- httpx decompresses without any size limit, so we read the raw stream and decompress ourselves, at
  most 64 KiB of output per step, counting the cap *after* decompression: a gzip bomb stops within
  one step of the cap. We advertise only ``gzip, deflate`` because we have no capped br/zstd decoder.
- Redirects are followed by hand so each hop is re-validated (scheme, private addresses) and
  credentials are dropped on any origin change.
- Retries are finite (``retries`` attempts in all), jittered, exponential, honour ``Retry-After`` up
  to ``retry_after_cap``; a longer pause is not slept through: the error surfaces with
  ``retry_after`` so the caller can defer the URL.
- ``kind="robots"`` (a robots.txt) is read up to ``ROBOTS_MAX_BYTES`` and *truncated* there instead
  of refused (RFC 9309 §2.5: parse at least the first 500 KiB); what the status or error means for
  the crawl is decided by :mod:`archive.robots`.
- ``kind="feed"`` (RSS/Atom, sitemaps, JSON list APIs) sends a feed ``Accept`` header and is not
  checked for HTML; it has the page cap. :meth:`Fetcher.fetch_if_changed` sends ``If-None-Match`` /
  ``If-Modified-Since`` and turns a 304 into a :class:`NotModified` value, not an error: a source
  that did not change costs one small request.
- Per-host politeness: at most one request in flight per host (a per-host lock held for the whole
  request, so threads sharing the fetcher queue up), and at least ``delay`` seconds before a page request to a host whose previous
  request began less than that ago; ``image_delay`` (much shorter) for image requests, because an
  article's 30 pictures on one CDN would otherwise take a minute. A host's robots.txt ``Crawl-delay``
  raises its delay for every kind (:meth:`Fetcher.set_host_delay`).

Proxy and trust: ``config.proxy`` if set (every request goes through it), else the standard
``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` variables. CA: ``config.ca_bundle`` if set,
else ``SSL_CERT_FILE``, else the system store. When a request goes through a proxy the proxy resolves
names; a direct request resolves the host once, refuses non-public answers (unless
``allow_private_hosts``) and connects to the address it checked (no DNS-rebinding window).

Everything that waits is injected (``sleep``, ``clock``, ``now``) so tests run instantly.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from scraper.config import FetchConfig
from scraper.errors import (
    BlockedURL,
    ConfigError,
    DeadlineExceeded,
    FetchError,
    HTTPStatusError,
    NotHTML,
    PermanentFetchError,
    TooLarge,
    TooManyRedirects,
    TransientFetchError,
)
from scraper.models import RawPage
from scraper.urls import check_addresses, check_url, host_matches, origin

log = logging.getLogger(__name__)

KINDS = ("page", "image", "robots", "feed")
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})  # Scrapy's RETRY_HTTP_CODES
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
ACCEPT_ENCODING = "gzip, deflate"  # why: br/zstd have no output-capped decoder here (bomb risk)
ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "image": "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.5",
    "robots": "text/plain,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
    "application/json;q=0.8,*/*;q=0.5",
}
ROBOTS_MAX_BYTES = 500 * 1024  # why: RFC 9309 §2.5 asks crawlers to parse at least the first 500 KiB
ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.5"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
SNIFF_TYPES = frozenset({"", "text/plain"})  # why: misconfigured servers send HTML under these; sniff
DECODE_STEP = 64 * 1024  # why: bounds what one compressed chunk may expand to before the cap is checked
POOL_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=8, keepalive_expiry=30.0)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<!--", b"<script")


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------------
# Decompression with a bounded output per step


class _ZlibStage:
    """One gzip or deflate layer; yields output in pieces of at most ``DECODE_STEP`` bytes."""

    def __init__(self, coding: str, url: str) -> None:
        self.coding = coding
        self.url = url
        self._wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._d = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._d.eof:
                if self._wbits < 16 + zlib.MAX_WBITS or not data.strip(b"\0"):
                    return  # why: bytes after the end of a deflate stream (or gzip NUL padding) are ignored
                self._d = zlib.decompressobj(self._wbits)  # concatenated gzip members
            try:
                out = self._d.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._started and self._wbits > 0:
                    self._wbits = (
                        -zlib.MAX_WBITS
                    )  # why: many servers send raw deflate without the zlib header
                    self._d = zlib.decompressobj(self._wbits)
                    continue
                raise PermanentFetchError(
                    f"The body of {self.url} is declared {self.coding}-compressed but is not valid "
                    f"{self.coding} data ({exc}).",
                    self.url,
                ) from exc
            self._started = True
            data = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
            if out:
                yield out

    def flush(self) -> Iterator[bytes]:
        if not self._started:
            return  # an empty body is not a truncated one
        out = self._d.flush()
        if out:
            yield out
        if not self._d.eof:
            raise TransientFetchError(
                f"The {self.coding}-compressed body of {self.url} ended before the end of its stream "
                "(truncated transfer); it was not kept.",
                self.url,
            )


class ContentDecoder:
    """Undo ``Content-Encoding`` (gzip, deflate, identity, stacked) lazily, step by step.

    ``feed``/``flush`` are generators: the consumer stops pulling as soon as the cap is reached, so
    no more than one ``DECODE_STEP`` beyond the cap is ever inflated. ``produced`` counts the bytes
    handed out (the decompressed size so far).
    """

    SUPPORTED = frozenset({"gzip", "x-gzip", "deflate"})

    def __init__(self, content_encoding: str | None, url: str) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        unsupported = [c for c in codings if c not in self.SUPPORTED]
        if unsupported:
            raise PermanentFetchError(
                f"{url} answered with Content-Encoding {', '.join(unsupported)}, which wxarchive does not "
                "decode (it asks only for gzip or deflate).",
                url,
            )
        self._stages = [_ZlibStage(c, url) for c in reversed(codings)]  # last applied, first undone
        self.produced = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        for i, stage in enumerate(self._stages):
            for piece in stage.flush():
                yield from self._through(i + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                self.produced += len(data)
                yield data
            return
        for piece in self._stages[index].feed(data):
            yield from self._through(index + 1, piece)


# --------------------------------------------------------------------------------------------------
# Transport: trust, proxies, pinned direct connections


# why: users behind a re-signing proxy have usually set one of these for other tools already
CA_FILE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def ssl_context(config: FetchConfig) -> ssl.SSLContext:
    """The TLS trust: ``config.ca_bundle``, else the first of ``$SSL_CERT_FILE``, ``$REQUESTS_CA_BUNDLE``,
    ``$CURL_CA_BUNDLE`` that is set, else ``$SSL_CERT_DIR``, else the system store."""
    where, cafile = "ca_bundle", config.ca_bundle
    if not cafile:
        where, cafile = next(((v, os.environ[v]) for v in CA_FILE_VARIABLES if os.environ.get(v)), ("", ""))
    if cafile:
        if not os.path.isfile(cafile):
            raise ConfigError(f"The CA bundle {cafile} ({where}) does not exist.")
        return ssl.create_default_context(cafile=cafile)
    capath = os.environ.get("SSL_CERT_DIR", "")
    if capath and os.path.isdir(capath):
        return ssl.create_default_context(capath=capath)
    ctx = ssl.create_default_context()
    if not ctx.cert_store_stats().get("x509_ca") and not os.environ.get("SSL_CERT_DIR"):
        import certifi  # why: a minimal container may ship no system store; certifi comes with httpx

        ctx.load_verify_locations(cafile=certifi.where())
    return ctx


def environment_proxies() -> dict[str, str | None]:
    """httpx mount patterns from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` (either case).

    The same rules as httpx's ``trust_env`` (a ``None`` value means "direct"), rebuilt here because
    our direct transport is a custom one and httpx ignores the environment when given a transport.
    """
    info = urllib.request.getproxies_environment()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        value = info.get(scheme)
        if value:
            mounts[f"{scheme}://"] = value if "://" in value else f"http://{value}"
    for host in (h.strip() for h in info.get("no", "").split(",")):
        if not host:
            continue
        if host == "*":
            return {}
        if "://" in host:
            mounts[host] = None
        elif ":" in host and not host.startswith("["):
            mounts[f"all://[{host}]"] = None
        elif host.lower() == "localhost" or host.replace(".", "").isdigit():
            mounts[f"all://{host}"] = None
        else:
            mounts[f"all://*{host}"] = None
    return mounts


Resolver = Callable[..., list[Any]]


class PinnedBackend(httpcore.NetworkBackend):
    """Direct connections only to public addresses: resolve once, check every answer, connect to it.

    Why here and not before the request: checking a name and then letting the connection resolve it
    again leaves a DNS-rebinding window; here the address checked is the address connected to (TLS
    SNI and Host still carry the name).
    """

    def __init__(
        self,
        resolver: Resolver = socket.getaddrinfo,
        allow_private: bool = False,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = inner or httpcore.SyncBackend()

    def resolve(self, host: str, port: int) -> list[str]:
        try:
            infos = self._resolver(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
                raise PermanentFetchError(f"The host {host} does not exist (DNS: {exc}).", "") from exc
            raise TransientFetchError(
                f"The host {host} could not be resolved right now ({exc}).", ""
            ) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        return check_addresses(host, addresses, self._allow_private)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.resolve(host, port):
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise BlockedURL(f"Unix socket {path} is not a web address.", "")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connection pool uses :class:`PinnedBackend`."""

    def __init__(
        self, verify: ssl.SSLContext, backend: PinnedBackend, limits: httpx.Limits = POOL_LIMITS
    ) -> None:
        super().__init__(verify=verify, limits=limits)
        # why: HTTPTransport has no network_backend parameter; the pool is rebuilt with the same limits
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


def build_client(config: FetchConfig) -> httpx.Client:
    """The httpx client for ``config``: trust, proxy routing, pool limits; redirects off (we follow)."""
    verify = ssl_context(config)
    common: dict[str, Any] = {"follow_redirects": False, "trust_env": False, "limits": POOL_LIMITS}
    if config.proxy:
        try:
            return httpx.Client(proxy=config.proxy, verify=verify, **common)
        except (ValueError, ImportError, httpx.InvalidURL) as exc:
            raise ConfigError(f"The proxy {config.proxy!r} cannot be used: {exc}.") from exc
    direct: httpx.BaseTransport = (
        httpx.HTTPTransport(verify=verify, limits=POOL_LIMITS)
        if config.allow_private_hosts
        else PinnedTransport(verify, PinnedBackend())
    )
    mounts: dict[str, httpx.BaseTransport | None] = {}
    for pattern, proxy in environment_proxies().items():
        try:
            mounts[pattern] = (
                None if proxy is None else httpx.HTTPTransport(proxy=proxy, verify=verify, limits=POOL_LIMITS)
            )
        except (ValueError, ImportError, httpx.InvalidURL) as exc:
            raise ConfigError(f"The proxy {proxy!r} from the environment cannot be used: {exc}.") from exc
    return httpx.Client(transport=direct, mounts=mounts, verify=verify, **common)


# --------------------------------------------------------------------------------------------------
# Helpers


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes of a body read as an HTML document (for text/plain or missing types)."""
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    return text.startswith(_HTML_STARTS)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class _BodyFull(Exception):
    """Internal: a truncating read reached its cap (never leaves :meth:`Fetcher._read`)."""


@dataclass(frozen=True)
class NotModified:
    """The answer to a conditional request when the resource did not change (HTTP 304)."""

    url: str
    final_url: str
    headers: tuple[tuple[str, str], ...]
    fetched_at: datetime

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


class _Redirect:
    __slots__ = ("status", "location")

    def __init__(self, status: int, location: str) -> None:
        self.status = status
        self.location = location


# --------------------------------------------------------------------------------------------------
# The fetcher


class Fetcher:
    """Fetches pages and images under the bounds of a ``FetchConfig`` (see the module docstring).

    ``client``: an httpx client to use instead of the one built from the config (tests, shared pools);
    it must not follow redirects. ``sleep``/``clock`` (monotonic) drive back-off, politeness and the
    deadline; ``now`` (aware UTC) stamps ``RawPage.fetched_at`` and resolves HTTP-date Retry-After.
    Thread-safe: one Fetcher can serve several threads.
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._own_client = client is None
        self._client = client if client is not None else build_client(config)
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._rng = rng or random.Random()
        self._last_start: dict[str, float] = {}  # host -> when its latest request began (or will)
        self._host_delay: dict[str, float] = {}  # host -> a longer delay it asked for (Crawl-delay)
        self._host_locks: dict[str, threading.RLock] = {}  # host -> held while a request to it is in flight
        self._lock = threading.Lock()

    # ---- public
    def fetch(
        self,
        url: str,
        *,
        referer: str | None = None,
        kind: str = "page",
        max_bytes: int | None = None,
        conditional: dict[str, str] | None = None,
    ) -> RawPage:
        """Fetch ``url`` and return the final response as received (body decompressed).

        ``referer``: None sends the configured Referer for images (``config.referers`` by host
        suffix) and none for pages; ``""`` sends none. ``kind="image"`` uses ``max_image_bytes`` and
        skips the HTML checks; ``kind="robots"`` skips them too and truncates the body at
        ``ROBOTS_MAX_BYTES``. ``RawPage.url`` is ``url`` as given; ``final_url`` is the normalised
        URL after redirects.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        cfg = self.config
        start = check_url(url, allow_private=cfg.allow_private_hosts)
        default_cap = {"image": cfg.max_image_bytes, "robots": ROBOTS_MAX_BYTES}.get(kind, cfg.max_bytes)
        # "feed" has the page cap and, like "image", no HTML check
        cap = max_bytes if max_bytes is not None else default_cap
        if referer is None and kind == "image":
            referer = self.referer_for(start)
        attempts = 0

        def attempt() -> RawPage:
            nonlocal attempts
            attempts += 1
            return self._follow(url, start, referer or None, kind, cap, conditional or {})

        retrying = Retrying(
            stop=stop_after_attempt(max(1, cfg.retries)),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except TransientFetchError as exc:
            plural = "attempt" if attempts == 1 else "attempts"
            exc.args = (f"{exc.args[0]} Gave up after {attempts} {plural}.",)
            raise

    def fetch_if_changed(
        self, url: str, *, etag: str = "", last_modified: str = "", kind: str = "feed"
    ) -> RawPage | NotModified:
        """Fetch ``url`` unless it is unchanged since the response that carried ``etag`` /
        ``last_modified`` (sent as ``If-None-Match`` / ``If-Modified-Since``); a 304 gives
        :class:`NotModified`. Without validators this is a plain :meth:`fetch`."""
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        raw = self.fetch(url, kind=kind, conditional=conditional)
        if raw.status == 304:
            return NotModified(raw.url, raw.final_url, raw.headers, raw.fetched_at)
        return raw

    def referer_for(self, url: str) -> str | None:
        """The configured Referer for an image URL (longest matching host suffix), else None."""
        host = httpx.URL(url).host
        best = None
        for suffix, value in self.config.referers.items():
            if host_matches(host, suffix) and (best is None or len(suffix) > len(best[0])):
                best = (suffix, value)
        return best[1] if best else None

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- retry policy
    def _retryable(self, exc: BaseException) -> bool:
        if not isinstance(exc, TransientFetchError):
            return False
        return exc.retry_after is None or exc.retry_after <= self.config.retry_after_cap

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one (already ≤ the cap), else jittered exponential back-off.

        Why "equal jitter" (half fixed, half random) rather than full jitter: a random wait near zero
        would turn an error into a faster request.
        """
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(max(0.0, float(retry_after)), self.config.retry_after_cap)
        ceiling = min(self.config.backoff_max, self.config.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("attempt %d failed (%s); retrying in %.1f s", state.attempt_number, exc, wait)

    # ---- politeness
    def set_host_delay(self, host: str, seconds: float) -> None:
        """Make requests of any kind to ``host`` wait at least ``seconds`` apart (robots.txt Crawl-delay).

        Never shortens the configured delays: the larger one applies.
        """
        with self._lock:
            self._host_delay[host.lower()] = max(0.0, float(seconds))

    def delay_for(self, host: str, kind: str) -> float:
        """Seconds a ``kind`` request to ``host`` waits after the previous request to it began."""
        base = self.config.image_delay if kind == "image" else self.config.delay
        return max(base, self._host_delay.get(host.lower(), 0.0))

    def ready_in(self, host: str, kind: str = "page") -> float:
        """Seconds before a ``kind`` request to ``host`` may begin (0 when it may begin now); a
        scheduler picks the host that is ready soonest."""
        host = host.lower()
        with self._lock:
            last = self._last_start.get(host)
            if last is None:
                return 0.0
            return max(0.0, last + self.delay_for(host, kind) - self._clock())

    def _host_lock(self, host: str) -> threading.RLock:
        with self._lock:
            lock = self._host_locks.get(host)
            if lock is None:
                lock = self._host_locks[host] = threading.RLock()
            return lock

    def _polite(self, host: str, kind: str) -> None:
        """Wait until :meth:`delay_for` has passed since the last request to ``host`` began.

        Called with the host's lock held (:meth:`_one`): one request in flight per host, and the
        next one begins ``delay`` after the previous one began.
        """
        host = host.lower()
        with self._lock:
            now = self._clock()
            last = self._last_start.get(host)
            slot = now if last is None else max(now, last + self.delay_for(host, kind))
            self._last_start[host] = slot
        if slot > now:
            self._sleep(slot - now)

    # ---- one attempt: the redirect chain
    def _follow(
        self, given: str, start: str, referer: str | None, kind: str, cap: int, conditional: dict[str, str]
    ) -> RawPage:
        cfg = self.config
        current = start
        seen = {current}
        strip_credentials = False
        for hop in range(cfg.max_redirects + 1):
            result = self._one(given, current, referer, kind, cap, strip_credentials, conditional)
            if isinstance(result, RawPage):
                return result
            if hop == cfg.max_redirects:
                raise TooManyRedirects(
                    f"{given} redirected more than {cfg.max_redirects} times (last hop: {current}).", given
                )
            try:
                target = str(httpx.URL(current).join(result.location.strip()))
            except (httpx.InvalidURL, ValueError) as exc:
                raise BlockedURL(
                    f"{current} redirected to the invalid address {result.location!r}; not followed.", given
                ) from exc
            try:
                target = check_url(target, allow_private=cfg.allow_private_hosts)
            except BlockedURL as exc:
                raise BlockedURL(f"{current} redirected to a refused address: {exc}", given) from exc
            if target in seen:
                raise TooManyRedirects(f"{given} redirects in a loop (back to {target}).", given)
            seen.add(target)
            if origin(target) != origin(current):
                strip_credentials = True  # why: never hand a cookie/token for one origin to another
            current = target
        raise AssertionError("unreachable")  # pragma: no cover

    def _headers(self, kind: str, referer: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.config.user_agent,
            "Accept": ACCEPT[kind],
            "Accept-Language": ACCEPT_LANGUAGE,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if referer:
            headers["Referer"] = referer
        return headers

    def _timeout(self) -> httpx.Timeout:
        cfg = self.config
        read = min(cfg.read_timeout, cfg.total_timeout)  # why: one silent read must not outlast the deadline
        return httpx.Timeout(
            connect=min(cfg.connect_timeout, cfg.total_timeout),
            read=read,
            write=read,
            pool=cfg.connect_timeout,
        )

    def _one(
        self,
        given: str,
        url: str,
        referer: str | None,
        kind: str,
        cap: int,
        strip_credentials: bool,
        conditional: dict[str, str],
    ) -> RawPage | _Redirect:
        """One request/response: a finished page, or the redirect to follow (one in flight per host)."""
        host = httpx.URL(url).host.lower()
        with self._host_lock(host):
            self._polite(host, kind)
            try:
                return self._request(given, url, referer, kind, cap, strip_credentials, conditional)
            finally:
                # why: the delay counts from the end of the response (as Heritrix does), so the next
                # request reaches the host at least ``delay`` after this one, whatever the latency
                with self._lock:
                    self._last_start[host] = max(self._last_start.get(host, 0.0), self._clock())

    def _request(
        self,
        given: str,
        url: str,
        referer: str | None,
        kind: str,
        cap: int,
        strip_credentials: bool,
        conditional: dict[str, str],
    ) -> RawPage | _Redirect:
        deadline = self._clock() + self.config.total_timeout
        try:
            headers = self._headers(kind, referer)
            headers.update(conditional)
            request = self._client.build_request("GET", url, headers=headers, timeout=self._timeout())
            if strip_credentials:
                for name in CREDENTIAL_HEADERS:
                    request.headers.pop(name, None)
            response = self._client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise self._mapped(exc, url) from exc
        except httpx.InvalidURL as exc:  # why: httpx pre-builds the next request from any Location header
            raise BlockedURL(
                f"{url} redirected to a Location that is not a valid http(s) URL ({exc}); not followed.",
                given,
            ) from exc
        except BlockedURL as exc:
            raise BlockedURL(f"{url} cannot be fetched: {exc}", given) from exc
        except FetchError as exc:  # raised by PinnedBackend (DNS), without the URL
            raise type(exc)(f"{url} cannot be fetched: {exc}", given) from exc
        try:
            return self._response(given, url, response, kind, cap, deadline, bool(conditional))
        except httpx.HTTPError as exc:
            raise self._mapped(exc, url) from exc
        finally:
            response.close()

    def _response(
        self,
        given: str,
        url: str,
        response: httpx.Response,
        kind: str,
        cap: int,
        deadline: float,
        conditional: bool = False,
    ) -> RawPage | _Redirect:
        cfg = self.config
        status = response.status_code
        fetched_at = self._now()
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
        if status == 304 and conditional:
            return RawPage(
                url=given, final_url=url, status=304, headers=headers, body=b"", fetched_at=fetched_at
            )
        if status in REDIRECT_STATUSES and response.headers.get("location"):
            return _Redirect(status, response.headers["location"])
        if status in TRANSIENT_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"), fetched_at)
            if retry_after is not None and retry_after > cfg.retry_after_cap:
                raise TransientFetchError(
                    f"{url} answered HTTP {status} and asked to wait {retry_after:.0f} s (Retry-After), more than "
                    f"the {cfg.retry_after_cap:.0f} s this run will wait; try it again later.",
                    url,
                    retry_after=retry_after,
                    status=status,
                )
            raise TransientFetchError(
                f"{url} answered HTTP {status} (temporary failure).",
                url,
                retry_after=retry_after,
                status=status,
            )
        if status >= 300:
            reason = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise HTTPStatusError(f"{url} answered HTTP {status}{reason}.", url, status)
        if "content-length" in response.headers and "transfer-encoding" in response.headers:
            raise PermanentFetchError(  # why: RFC 9112 §6.3, a response-splitting/smuggling signature
                f"{url} answered with both Content-Length and Transfer-Encoding; the response was refused.",
                url,
            )
        media = _media_type(response.headers.get("content-type"))
        if kind == "page":
            if status in (204, 205):
                raise NotHTML(f"{url} answered HTTP {status} with no content, not an HTML page.", url)
            if media not in HTML_TYPES and media not in SNIFF_TYPES:
                raise NotHTML(f"{url} is {media}, not an HTML page.", url)
        length = response.headers.get("content-length", "")
        truncate = kind == "robots"  # why: a robots.txt longer than the cap is parsed up to the cap
        if not truncate and length.strip().isdigit() and int(length) > cap:
            raise TooLarge(
                f"{url} is {int(length):,} bytes (Content-Length), over the {cap:,}-byte cap.", url
            )
        body = self._read(url, response, cap, deadline, truncate=truncate)
        if kind == "page":
            if not body.strip():
                raise NotHTML(f"{url} answered an empty body, not an HTML page.", url)
            if media in SNIFF_TYPES and not looks_like_html(body):
                raise NotHTML(f"{url} is {media or 'untyped'} content that does not look like HTML.", url)
        return RawPage(
            url=given,
            final_url=url,
            status=status,
            headers=headers,
            body=body,
            fetched_at=fetched_at,
        )

    def _read(
        self, url: str, response: httpx.Response, cap: int, deadline: float, *, truncate: bool = False
    ) -> bytes:
        """The decompressed body, streamed under the size cap and the wall-clock deadline.

        Over the cap: ``TooLarge``, or with ``truncate`` the first ``cap`` bytes (reading stops there).
        """
        decoder = ContentDecoder(response.headers.get("content-encoding"), url)
        body = bytearray()

        def take(pieces: Iterator[bytes]) -> None:
            for piece in pieces:
                body.extend(piece)
                if len(body) > cap:
                    if truncate:
                        del body[cap:]
                        raise _BodyFull
                    raise TooLarge(
                        f"{url} is over the {cap:,}-byte cap (stopped after {len(body):,} decompressed bytes).",
                        url,
                    )

        def check_deadline() -> None:
            if self._clock() > deadline:
                raise DeadlineExceeded(
                    f"{url} took longer than {self.config.total_timeout:g} s in all and was abandoned "
                    f"after {len(body):,} bytes.",
                    url,
                )

        check_deadline()
        try:
            for chunk in response.iter_raw():
                take(decoder.feed(chunk))
                check_deadline()
            take(decoder.flush())
        except _BodyFull:
            pass
        return bytes(body)

    def _mapped(self, exc: httpx.HTTPError, url: str) -> FetchError:
        """The typed wxarchive error for an httpx error (full sentence, names the URL)."""
        cfg = self.config
        text = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.PoolTimeout):
            return TransientFetchError(
                f"wxarchive is busy: every connection was in use for {cfg.connect_timeout:g} s, so {url} was not "
                "requested; try again shortly.",
                url,
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return TransientFetchError(
                f"Connecting for {url} timed out after {cfg.connect_timeout:g} s.", url
            )
        if isinstance(exc, httpx.ReadTimeout):
            return TransientFetchError(
                f"{url} sent nothing for {min(cfg.read_timeout, cfg.total_timeout):g} s (read timeout).", url
            )
        if isinstance(exc, httpx.TimeoutException):
            return TransientFetchError(f"Sending the request for {url} timed out.", url)
        if isinstance(exc, httpx.ProxyError):
            return TransientFetchError(f"The proxy failed to reach {url}: {text}.", url)
        if isinstance(exc, httpx.ConnectError):
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
                return PermanentFetchError(
                    f"The TLS certificate for {url} could not be verified ({text}); set ca_bundle or SSL_CERT_FILE "
                    "if a trusted proxy re-signs traffic.",
                    url,
                )
            return TransientFetchError(f"Could not connect for {url}: {text}.", url)
        if isinstance(exc, httpx.RemoteProtocolError):
            lowered = text.lower()
            if "location header" in lowered:
                return BlockedURL(f"{url} redirected to an invalid Location; not followed ({text}).", url)
            if "peer closed" in lowered or "disconnected" in lowered or "incomplete" in lowered:
                return TransientFetchError(
                    f"The connection for {url} closed before the whole response arrived ({text}); "
                    "the partial body was discarded.",
                    url,
                )
            return PermanentFetchError(f"{url} answered with a malformed HTTP response ({text}).", url)
        if isinstance(exc, httpx.NetworkError):
            return TransientFetchError(f"The connection for {url} failed: {text}.", url)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return BlockedURL(f"{url} cannot be requested: {text}.", url)
        return PermanentFetchError(f"Fetching {url} failed: {text}.", url)
