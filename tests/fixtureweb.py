"""A real local web for tests: an HTTP proxy on 127.0.0.1 that serves real ``http://`` and ``https://`` URLs.

wxarchive reaches it only through its proxy settings, exactly as it would reach a corporate proxy:

- ``http://`` URLs arrive as absolute-form requests (``GET http://host/path HTTP/1.1``);
- ``https://`` URLs arrive as ``CONNECT host:443``; the tunnel is then TLS-terminated with a leaf
  certificate for that host, issued on demand by a throw-away test CA (``trustme``), and the inner
  HTTP/1.1 requests are answered from the same route table.

So the client code under test runs its real proxy, TLS and HTTP machinery; nothing is mocked. Clients
trust ``ca_bundle`` (``FetchConfig(ca_bundle=…)`` or ``SSL_CERT_FILE``) and use ``proxy_url``
(``FetchConfig(proxy=…)`` or ``HTTP_PROXY``/``HTTPS_PROXY``; see :meth:`FixtureWeb.env`).

Routes::

    web.add("https://mp.weixin.qq.com/s/abc", html)                 # exact URL -> response
    web.add(img_url, png, content_type="image/png",
            referer_prefix="https://mp.weixin.qq.com/")             # anti-hotlink emulation
    web.route("https://faults.test/flaky", flaky(2))                # handler(Request) -> Response | None
    web.add_fault_routes("https://faults.test")                     # the ready-made fault routes

Unknown URLs get a 404. ``web.requests`` logs every HTTP request (not the CONNECTs, which go to
``web.tunnels``) with its absolute URL, case-insensitive headers and arrival time (``at``, monotonic).

Like a real server, an exact route whose headers carry ``ETag`` / ``Last-Modified`` answers a request
with a matching ``If-None-Match`` / ``If-Modified-Since`` with ``304 Not Modified`` and no body.
``web.latency`` (seconds, default 0) delays every answer, as a distant server would (benchmarks).

Fault handlers (ready-made, also usable one by one): :func:`hang_forever`, :func:`hang_after_headers`,
:func:`trickle`, :func:`underrun`, :func:`gzip_bomb`, :func:`infinite_chunked`, :func:`redirect`,
:func:`status`, :func:`flaky`. They are written against the raw socket (:class:`Wire`) because the
faults are about framing and timing that a well-behaved server library would refuse to produce.
"""

from __future__ import annotations

import http
import io
import select
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from PIL import Image, ImageDraw

HANG_LIMIT = 30.0  # why: a hanging route must end by itself if a buggy client never hangs up
INFINITE_LIMIT = 2_000_000_000  # why: "infinite" bodies stop after 2 GB even if nobody reads them


# --------------------------------------------------------------------------------------------------
# Values


class Headers(dict[str, str]):
    """A dict of request headers whose keys are case-insensitive (stored lower-case).

    ``seen.headers["Referer"]`` and ``seen.headers["referer"]`` both work; repeated headers are joined
    with ``", "`` as RFC 9110 allows.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in items:
            key = key.lower()
            super().__setitem__(key, f"{super().__getitem__(key)}, {value}" if key in self else value)

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class Seen:
    """One request as the fixture web saw it: method, absolute URL, headers (case-insensitive), and
    when it arrived (``time.monotonic()``)."""

    method: str
    url: str
    headers: dict[str, str]
    at: float = 0.0


@dataclass(frozen=True)
class Request:
    """What a route handler receives."""

    method: str
    url: str
    headers: Headers
    body: bytes = b""

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.url).query))


@dataclass
class Response:
    """A response from a route.

    ``headers`` are sent verbatim and in order. ``Content-Type`` is added from ``content_type`` (unless
    ``headers`` has one or it is None) and ``Content-Length`` from the body (unless ``headers`` already
    frame the body). ``raw``, when set, takes over the socket completely (fault routes): it receives a
    :class:`Wire` and writes the status line, headers and body bytes itself; the connection is closed
    afterwards.
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: Callable[[Wire], None] | None = None


Handler = Callable[[Request], "Response | None"]


class Wire:
    """The raw connection given to fault handlers: write bytes, wait, notice a client hanging up."""

    def __init__(self, conn: socket.socket, wfile: Any, stopping: threading.Event) -> None:
        self._conn = conn
        self._wfile = wfile
        self.stopping = stopping

    def write(self, data: bytes) -> None:
        """Send bytes now (raises ``OSError`` once the client has gone)."""
        self._wfile.write(data)
        self._wfile.flush()

    def head(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Send a status line and headers, nothing else."""
        phrase = _phrase(status)
        lines = [f"HTTP/1.1 {status} {phrase}"] + [f"{k}: {v}" for k, v in headers]
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False as soon as the client hung up or the server is stopping."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if self.stopping.is_set() or self._client_gone(min(left, 0.05)):
                return False

    def hang(self, limit: float = HANG_LIMIT) -> None:
        """Say nothing until the client hangs up, the server stops, or ``limit`` seconds pass."""
        self.pause(limit)

    def _client_gone(self, timeout: float) -> bool:
        try:
            readable, _, _ = select.select([self._conn], [], [], timeout)
        except (OSError, ValueError):
            return True
        if not readable:
            return False
        try:
            return self._conn.recv(4096) == b""
        except ssl.SSLWantReadError:
            return False
        except OSError:
            return True


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Status"


# --------------------------------------------------------------------------------------------------
# Generated images


def make_png(w: int = 64, h: int = 48, color: tuple[int, int, int] | str = (200, 30, 30)) -> bytes:
    """A valid PNG of ``w``×``h`` pixels filled with ``color`` (deterministic bytes)."""
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, format="PNG")
    return buf.getvalue()


def make_jpeg(
    w: int = 64, h: int = 48, color: tuple[int, int, int] | str = (30, 30, 200), quality: int = 85
) -> bytes:
    """A valid baseline JPEG of ``w``×``h`` pixels filled with ``color``."""
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def make_gif(w: int = 32, h: int = 32, color: tuple[int, int, int] | str = (30, 200, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, format="GIF")
    return buf.getvalue()


def _placeholder_png() -> bytes:
    """The stand-in for mmbiz.qpic.cn's "此图片来自微信公众平台 未经允许不可引用" picture.

    A grey 300×200 image with a diagonal hatch and the sentence in a PNG text chunk: distinctive
    bytes, a valid image (so only content checks, not Pillow, can tell it from a real picture).
    """
    from PIL import PngImagePlugin

    img = Image.new("RGB", (300, 200), (236, 236, 236))
    draw = ImageDraw.Draw(img)
    for x in range(-200, 300, 12):
        draw.line([(x, 200), (x + 200, 0)], fill=(210, 210, 210), width=2)
    draw.rectangle([40, 80, 260, 120], fill=(190, 190, 190))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Comment", "此图片来自微信公众平台 未经允许不可引用")
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


PLACEHOLDER_PNG: bytes = _placeholder_png()
"""The anti-hotlink placeholder picture served for a foreign Referer (see ``FixtureWeb.add``)."""


# --------------------------------------------------------------------------------------------------
# Fault handlers


def hang_forever() -> Handler:
    """Accept the request, never send a byte (tests the read timeout before headers)."""

    def run(wire: Wire) -> None:
        wire.hang()

    return lambda req: Response(raw=run)


def hang_after_headers(content_length: int = 1000) -> Handler:
    """Send a 200 with ``Content-Length`` and then nothing (tests the read timeout in the body)."""

    def run(wire: Wire) -> None:
        wire.head(
            200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(content_length))]
        )
        wire.hang()

    return lambda req: Response(raw=run)


def trickle(body: bytes = b"<html>" + b"x" * 94, interval: float = 0.3) -> Handler:
    """Send ``body`` one byte every ``interval`` seconds: each read is quick, the whole is slow."""

    def run(wire: Wire) -> None:
        wire.head(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        for i in range(len(body)):
            wire.write(body[i : i + 1])
            if not wire.pause(interval):
                return

    return lambda req: Response(raw=run)


def underrun(declared: int = 100, sent: int = 50) -> Handler:
    """Promise ``declared`` bytes, send ``sent``, close: a data-loss that must not pass as a page."""

    def run(wire: Wire) -> None:
        wire.head(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(declared))])
        wire.write(b"<html>" + b"u" * max(0, sent - 6))

    return lambda req: Response(raw=run)


@lru_cache(maxsize=4)
def gzip_bomb_bytes(size: int = 100_000_000) -> bytes:
    """``size`` zero bytes gzip-compressed (100 MB → about 100 KB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1_000_000)
    parts = []
    left = size
    while left > 0:
        parts.append(comp.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(comp.flush())
    return b"".join(parts)


def gzip_bomb(size: int = 100_000_000, content_type: str = "text/html; charset=utf-8") -> Handler:
    """A small gzip body (Content-Encoding: gzip) that inflates to ``size`` bytes."""
    data = gzip_bomb_bytes(size)
    return lambda req: Response(body=data, content_type=content_type, headers=[("Content-Encoding", "gzip")])


def infinite_chunked(chunk: bytes = b"<p>" + b"z" * 16_000 + b"</p>") -> Handler:
    """A chunked body that never ends (until the client hangs up or 2 GB are sent)."""

    def run(wire: Wire) -> None:
        wire.head(200, [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")])
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent = 0
        while sent < INFINITE_LIMIT and not wire.stopping.is_set():
            wire.write(frame)
            sent += len(chunk)

    return lambda req: Response(raw=run)


def redirect(location: str, status: int = 302) -> Handler:
    """Answer with a redirect to ``location`` (sent verbatim, may be relative or hostile)."""
    return lambda req: Response(status=status, content_type=None, headers=[("Location", location)])


def status(code: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> Handler:
    """Answer every request with ``code`` (e.g. 404, or 429 with ``Retry-After``)."""
    return lambda req: Response(status=code, body=body, headers=list(headers or []))


def flaky(
    fail_times: int,
    code: int = 503,
    then: Response | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Handler:
    """Answer ``code`` to the first ``fail_times`` requests, then ``then`` (a small HTML page)."""
    count = {"n": 0}
    lock = threading.Lock()
    ok = then or Response(body=b"<html><body><p>Recovered.</p></body></html>")

    def handle(req: Request) -> Response:
        with lock:
            count["n"] += 1
            n = count["n"]
        if n <= fail_times:
            return Response(status=code, body=b"busy", content_type="text/plain", headers=list(headers or []))
        return ok

    return handle


def retry_after_route(req: Request) -> Response:
    """429 with ``Retry-After`` taken from the query (``?after=7`` or an HTTP-date)."""
    return Response(
        status=429,
        body=b"slow down",
        content_type="text/plain",
        headers=[("Retry-After", req.query.get("after", "7"))],
    )


# --------------------------------------------------------------------------------------------------
# The server


def normalise_url(url: str) -> str:
    """The route key of ``url``: lower-case scheme and host, no default port, no fragment, path "/"
    when empty, non-ASCII percent-encoded the way HTTP clients send it."""
    import httpx

    u = httpx.URL(url)
    port = f":{u.port}" if u.port is not None else ""
    host = f"[{u.host}]" if ":" in u.host else u.host
    return f"{u.scheme}://{host}{port}{u.raw_path.decode('ascii')}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    web: FixtureWeb

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return  # why: a client that exits with idle keep-alive connections is no server error
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel: str | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    # CONNECT host:port -> TLS with a certificate for host, then serve the inner requests.
    def do_CONNECT(self) -> None:
        web = self.server.web
        host, _, port_s = self.path.rpartition(":")
        host = host.strip("[]")
        try:
            port = int(port_s)
        except ValueError:
            self.send_error(400, "CONNECT needs host:port")
            return
        web.tunnels.append(self.path)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = web._tls_context(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb", buffering=0)  # type: ignore[assignment]
        shown = f"[{host}]" if ":" in host else host
        self.tunnel = shown if port == 443 else f"{shown}:{port}"
        self.close_connection = False

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.tunnel is not None:
                try:
                    self.connection.close()
                except OSError:
                    pass

    def _absolute_url(self) -> str:
        if self.tunnel is not None:
            return f"https://{self.tunnel}{self.path}"
        if self.path.startswith(("http://", "https://")):
            return self.path
        return f"http://{self.headers.get('Host', 'localhost')}{self.path}"

    def _serve(self) -> None:
        web = self.server.web
        url = self._absolute_url()
        headers = Headers(self.headers.items())
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            key = normalise_url(url)
        except Exception:  # noqa: BLE001 - a hostile URL must still get an answer
            key = url
        web._log(Seen(self.command, key, headers, time.monotonic()))
        if web.latency > 0:
            time.sleep(web.latency)
        resp = web._dispatch(Request(self.command, key, headers, body))
        try:
            self._send(resp)
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _send(self, resp: Response) -> None:
        if resp.raw is not None:
            self.close_connection = True
            resp.raw(Wire(self.connection, self.wfile, self.server.web._stopping))
            return
        names = {k.lower() for k, _ in resp.headers}
        self.send_response(resp.status)
        if resp.content_type is not None and "content-type" not in names:
            self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers:
            self.send_header(key, value)
        framed = "content-length" in names or "transfer-encoding" in names
        if not framed and resp.status not in (204, 304) and resp.status >= 200:
            self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD" and resp.status not in (204, 304):
            self.wfile.write(resp.body)
        self.wfile.flush()


@dataclass
class _Exact:
    body: bytes
    status: int
    content_type: str
    headers: list[tuple[str, str]]
    referer_prefix: str | None
    placeholder: bytes | None


class FixtureWeb:
    """The local web: a threaded HTTP proxy on 127.0.0.1 serving a route table (see module doc)."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.tunnels: list[str] = []
        self._exact: dict[str, _Exact] = {}
        self._prefix: list[tuple[str, Handler]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ca = trustme.CA()
        self._tls: dict[str, ssl.SSLContext] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="wxarchive-fixtureweb-")
        self.ca_bundle: str = str(Path(self._dir.name) / "fixture-ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_bundle)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.proxy_url: str = ""
        self.latency: float = 0.0  # seconds added before every answer

    # ---- lifecycle
    def start(self) -> FixtureWeb:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.web = self
        self._server = server
        self.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fixture-web", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        """Stop and delete the CA file."""
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return int(self.proxy_url.rsplit(":", 1)[1])

    # ---- routes
    def add(
        self,
        url: str,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        referer_prefix: str | None = None,
        placeholder: bytes | None = None,
    ) -> None:
        """Serve ``body`` at exactly ``url`` (scheme + host + path + query).

        With ``referer_prefix``, a request whose ``Referer`` does not start with it gets 200 +
        ``placeholder`` (default :data:`PLACEHOLDER_PNG`) as ``image/png`` instead, the way
        mmbiz.qpic.cn answers hotlinking; a request without any Referer gets the real body.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        entry = _Exact(data, status, content_type, list((headers or {}).items()), referer_prefix, placeholder)
        with self._lock:
            self._exact[normalise_url(url)] = entry

    def route(self, url_prefix: str, handler: Handler) -> None:
        """Answer every URL starting with ``url_prefix`` with ``handler(request)``; the longest prefix
        wins; a handler returning None falls through to the next one, then to 404."""
        with self._lock:
            self._prefix.append((url_prefix, handler))
            self._prefix.sort(key=lambda item: len(item[0]), reverse=True)

    def reset(self) -> None:
        """Forget every route and the request log (the CA and the port stay)."""
        with self._lock:
            self._exact.clear()
            self._prefix.clear()
            self.requests.clear()
            self.tunnels.clear()
            self.latency = 0.0

    def add_fault_routes(self, base: str = "https://faults.test") -> dict[str, str]:
        """Register the ready-made fault routes under ``base`` and return name -> URL.

        ==================== ==========================================================
        hang                 accepts, never answers
        hang-after-headers   200 + Content-Length: 1000, then silence
        trickle              100-byte body, 1 byte every 0.3 s
        underrun             Content-Length: 100, 50 bytes, close
        gzip-bomb            ~100 KB gzip that inflates to 100 MB
        infinite             chunked body that never ends
        redirect-loop        /redirect-loop -> /redirect-loop-b -> /redirect-loop
        redirect-chain       /redirect-chain?n=N: N hops, then 200
        redirect-file        302 to file:///etc/passwd
        redirect-loopback    302 to http://127.0.0.1:<port>/secret
        429                  429 + Retry-After from ?after= (default 7)
        503-then-200         503 twice, then 200 (counter per registration)
        404                  404
        ==================== ==========================================================
        """
        base = base.rstrip("/")
        urls = {
            name: f"{base}/{name}"
            for name in (
                "hang",
                "hang-after-headers",
                "trickle",
                "underrun",
                "gzip-bomb",
                "infinite",
                "redirect-loop",
                "redirect-chain",
                "redirect-file",
                "redirect-loopback",
                "429",
                "503-then-200",
                "404",
            )
        }
        self.route(urls["hang"], hang_forever())
        self.route(urls["hang-after-headers"], hang_after_headers())
        self.route(urls["trickle"], trickle())
        self.route(urls["underrun"], underrun())
        self.route(urls["gzip-bomb"], gzip_bomb())
        self.route(urls["infinite"], infinite_chunked())
        self.route(urls["redirect-loop"] + "-b", redirect(urls["redirect-loop"]))
        self.route(urls["redirect-loop"], redirect(urls["redirect-loop"] + "-b"))
        self.route(urls["redirect-chain"], _chain(urls["redirect-chain"]))
        self.route(urls["redirect-file"], redirect("file:///etc/passwd"))
        self.route(urls["redirect-loopback"], redirect(f"http://127.0.0.1:{self.port}/secret"))
        self.route(urls["429"], retry_after_route)
        self.route(urls["503-then-200"], flaky(2))
        self.route(urls["404"], status(404, body=b"<html><body>Not here.</body></html>"))
        return urls

    # ---- helpers for consumers
    def env(self) -> dict[str, str]:
        """Environment variables that point a client (e.g. the CLI in a subprocess) at this web."""
        return {
            "HTTP_PROXY": self.proxy_url,
            "HTTPS_PROXY": self.proxy_url,
            "http_proxy": self.proxy_url,
            "https_proxy": self.proxy_url,
            "SSL_CERT_FILE": self.ca_bundle,
            "NO_PROXY": "",
            "no_proxy": "",
        }

    def fetch_config(self, **overrides: Any) -> Any:
        """A ``FetchConfig`` using this web's proxy and CA, no politeness delays, short timeouts."""
        from scraper.config import FetchConfig

        values: dict[str, Any] = {
            "proxy": self.proxy_url,
            "ca_bundle": self.ca_bundle,
            "delay": 0.0,
            "image_delay": 0.0,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "total_timeout": 5.0,
        }
        values.update(overrides)
        return FetchConfig(**values)

    def seen(self, url: str) -> list[Seen]:
        """The logged requests for ``url`` (normalised like the routes)."""
        key = normalise_url(url)
        return [s for s in list(self.requests) if s.url == key]

    # ---- internals
    def _log(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def _dispatch(self, req: Request) -> Response:
        with self._lock:
            exact = self._exact.get(req.url)
            prefixes = list(self._prefix)
        if exact is not None:
            referer = req.headers.get("referer")
            if (
                exact.referer_prefix is not None
                and referer is not None
                and not referer.startswith(exact.referer_prefix)
            ):
                return Response(body=exact.placeholder or PLACEHOLDER_PNG, content_type="image/png")
            if exact.status == 200 and _not_modified(req.headers, exact.headers):
                validators = [(k, v) for k, v in exact.headers if k.lower() in ("etag", "last-modified")]
                return Response(status=304, content_type=None, headers=validators)
            return Response(exact.status, exact.body, exact.content_type, list(exact.headers))
        for prefix, handler in prefixes:
            if req.url.startswith(prefix):
                resp = handler(req)
                if resp is not None:
                    return resp
        return Response(status=404, body=f"<html><body>No route for {req.url}</body></html>".encode())

    def _tls_context(self, host: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._tls.get(host)
            if ctx is None:
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                self._ca.issue_cert(host).configure_cert(ctx)
                self._tls[host] = ctx
            return ctx


def _not_modified(request: Headers, headers: list[tuple[str, str]]) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; both compare with the route's validators."""
    mine = {k.lower(): v for k, v in headers}
    tag, since = request.get("if-none-match"), request.get("if-modified-since")
    if tag is not None and "etag" in mine:
        return mine["etag"] in [t.strip() for t in tag.split(",")] or tag.strip() == "*"
    if since is not None and "last-modified" in mine:
        import email.utils

        try:
            return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(
                mine["last-modified"]
            )
        except (TypeError, ValueError):
            return False
    return False


def _chain(base: str) -> Handler:
    def handle(req: Request) -> Response:
        n = int(req.query.get("n", "3"))
        if n <= 0:
            return Response(body=b"<html><body><p>End of the chain.</p></body></html>")
        return Response(status=302, content_type=None, headers=[("Location", f"{base}?n={n - 1}")])

    return handle


# --------------------------------------------------------------------------------------------------
# List APIs with the real response shapes (crawl sources)


def wechat_album(items: list[dict[str, str]], page_size: int = 20, block: str = "") -> Handler:
    """WeChat's album API (``/mp/appmsgalbum?action=getalbum&…&f=json``) over ``items`` (newest first,
    each ``{title, url, msgid, itemidx}``): pages of ``min(count, page_size)`` from the item after
    ``begin_msgid``/``begin_itemidx``, ``continue_flag`` "1" while older ones follow, ``article_list``
    an object when the page has one item. ``block`` answers ``base_resp.ret`` 200013 with that errmsg."""
    import json

    def handle(req: Request) -> Response | None:
        q = req.query
        if q.get("action") != "getalbum" or q.get("f") != "json":
            return None
        if block:
            data: dict[str, Any] = {"base_resp": {"ret": 200013, "errmsg": block}}
            return Response(body=json.dumps(data).encode(), content_type="application/json")
        start = 0
        if "begin_msgid" in q:
            keys = [(i["msgid"], i["itemidx"]) for i in items]
            position = (q["begin_msgid"], q.get("begin_itemidx", "1"))
            start = keys.index(position) + 1 if position in keys else len(items)
        count = min(int(q.get("count", "10")), page_size)
        page = [dict(i, create_time="1740000000", cover_img_1_1="") for i in items[start : start + count]]
        more = start + count < len(items)
        data = {
            "base_resp": {"ret": 0, "errmsg": "ok", "cookie_count": 0},
            "getalbum_resp": {
                "article_list": page[0] if len(page) == 1 else page,
                "continue_flag": "1" if more else "0",
                "base_info": {"title": "合集", "article_count": str(len(items))},
            },
        }
        return Response(body=json.dumps(data, ensure_ascii=False).encode(), content_type="application/json")

    return handle


def qq_author_list(items: list[dict[str, str]]) -> Handler:
    """Tencent News' ``getSubNewsMixedList``: ``{"ret": 0, "newslist": [{title, url, timestamp, articletype}]}``."""
    import json

    def handle(req: Request) -> Response:
        data = {"ret": 0, "msg": "", "newslist": items, "hasMore": 0}
        return Response(body=json.dumps(data, ensure_ascii=False).encode(), content_type="application/json")

    return handle
