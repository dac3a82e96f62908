"""The fetcher against the real local fixture web: proxy, TLS, timeouts, caps, redirects, retries.

Every network test goes through real sockets (the fixture web is an HTTP proxy on 127.0.0.1 that
terminates TLS with a test CA). Sleeps are injected and recorded, so back-off and politeness are
asserted as numbers without waiting. Timeouts are short so the file runs in a few seconds.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpcore
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.config import FetchConfig
from scraper.errors import (
    BlockedURL,
    DeadlineExceeded,
    HTTPStatusError,
    NotHTML,
    PermanentFetchError,
    TooLarge,
    TooManyRedirects,
    TransientFetchError,
)
from scraper.fetch import (
    ACCEPT_ENCODING,
    DECODE_STEP,
    ROBOTS_MAX_BYTES,
    ContentDecoder,
    Fetcher,
    PinnedBackend,
    PinnedTransport,
    environment_proxies,
    parse_retry_after,
)
from scraper.urls import check_url, is_blocked_ip, parse_ip_host
from tests.fixtureweb import (
    FixtureWeb,
    Handler,
    Response,
    Wire,
    flaky,
    gzip_bomb_bytes,
    make_jpeg,
    make_png,
    redirect,
    status,
)

PAGE = "<!DOCTYPE html><html><head><title>标题</title></head><body><p>正文内容</p></body></html>"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class Waits:
    """An injected sleep that records the waits and advances a fake monotonic clock."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.t = 1000.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += seconds

    def clock(self) -> float:
        return self.t


def fetcher(web: FixtureWeb, waits: Waits | None = None, **overrides: object) -> Fetcher:
    """A Fetcher pointed at the fixture web; waits are recorded (no real sleeping, real clock)."""
    w = waits or Waits()
    return Fetcher(web.fetch_config(**overrides), sleep=w.sleep, now=lambda: NOW)


# --------------------------------------------------------------------------------------------------
# The happy path, proxy and trust


def test_fetch_https_page_through_proxy_config(web: FixtureWeb) -> None:
    url = "https://mp.weixin.qq.com/s/AbCdEf"
    web.add(url, PAGE, headers={"X-Trace": "1"})
    with fetcher(web, user_agent="wxarchive-test/1.0") as f:
        page = f.fetch(url + "#rd")
    assert page.url == url + "#rd" and page.final_url == url
    assert page.status == 200
    assert page.body == PAGE.encode()
    assert page.fetched_at == NOW
    assert page.header("content-type") == "text/html; charset=utf-8"
    assert ("X-Trace", "1") in page.headers
    assert page.text() == PAGE
    (seen,) = web.seen(url)
    assert seen.headers["User-Agent"] == "wxarchive-test/1.0"
    assert seen.headers["Accept-Encoding"] == ACCEPT_ENCODING == "gzip, deflate"
    assert "referer" not in seen.headers
    assert web.tunnels == ["mp.weixin.qq.com:443"]


def test_proxy_and_ca_from_environment_variables(web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://new.qq.com/rain/a/20240501A00001"
    web.add(url, PAGE)
    monkeypatch.setenv("HTTPS_PROXY", web.proxy_url)
    monkeypatch.setenv("SSL_CERT_FILE", web.ca_bundle)
    with Fetcher(FetchConfig(delay=0, read_timeout=2, connect_timeout=2)) as f:  # proxy="" ca_bundle=""
        page = f.fetch(url)
    assert page.body == PAGE.encode()
    assert [s.url for s in web.requests] == [url]


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_from_the_other_tools_variables(
    web: FixtureWeb, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    url = "https://new.qq.com/rain/a/20240501A00002"
    web.add(url, PAGE)
    monkeypatch.setenv("HTTPS_PROXY", web.proxy_url)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, web.ca_bundle)
    with Fetcher(FetchConfig(delay=0, read_timeout=2, connect_timeout=2)) as f:
        assert f.fetch(url).body == PAGE.encode()


def test_plain_http_proxy_from_environment(web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    web.add("http://news.sina.com.cn/c/doc-1.shtml", PAGE)
    web.add("https://www.sohu.com/a/1", PAGE)
    monkeypatch.setenv("http_proxy", web.proxy_url)  # lower-case form, as curl and wget read it
    monkeypatch.setenv("ALL_PROXY", web.proxy_url)  # https falls back to ALL_PROXY
    with Fetcher(FetchConfig(delay=0, ca_bundle=web.ca_bundle, read_timeout=2, connect_timeout=2)) as f:
        assert f.fetch("http://news.sina.com.cn/c/doc-1.shtml").body == PAGE.encode()
        assert f.fetch("https://www.sohu.com/a/1").body == PAGE.encode()
    assert web.tunnels == ["www.sohu.com:443"]


def test_config_proxy_wins_over_no_proxy(web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://mp.weixin.qq.com/s/np"
    web.add(url, PAGE)
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "mp.weixin.qq.com,.qq.com")
    with fetcher(web) as f:
        assert f.fetch(url).status == 200
    assert len(web.seen(url)) == 1


def test_config_ca_bundle_wins_over_ssl_cert_file(web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://mp.weixin.qq.com/s/ca"
    web.add(url, PAGE)
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem")
    with fetcher(web) as f:
        assert f.fetch(url).status == 200


def test_untrusted_certificate_is_permanent_and_not_retried(
    web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://mp.weixin.qq.com/s/tls"
    web.add(url, PAGE)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    waits = Waits()
    with fetcher(web, waits, ca_bundle="", retries=3) as f:
        with pytest.raises(PermanentFetchError, match="certificate") as info:
            f.fetch(url)
    assert not isinstance(info.value, TransientFetchError)
    assert url in str(info.value)
    assert web.requests == [] and len(web.tunnels) == 1 and waits.waits == []


def test_environment_proxies_follow_httpx_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,10.0.0.1,.internal.example,::1")
    assert environment_proxies() == {
        "https://": "http://proxy.example:3128",
        "all://localhost": None,
        "all://10.0.0.1": None,
        "all://*.internal.example": None,
        "all://[::1]": None,
    }
    monkeypatch.setenv("NO_PROXY", "*")
    assert environment_proxies() == {}


# --------------------------------------------------------------------------------------------------
# Content decoding and size caps


@pytest.mark.parametrize(
    "encoding, compress",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as many servers send it
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
    ],
)
def test_compressed_body_is_decoded_and_headers_kept_as_received(
    web: FixtureWeb, encoding: str, compress: object
) -> None:
    url = "https://www.163.com/dy/article/ABC.html"
    raw = compress(PAGE.encode())  # type: ignore[operator]
    web.add(url, raw, headers={"Content-Encoding": encoding})
    with fetcher(web) as f:
        page = f.fetch(url)
    assert page.body == PAGE.encode()
    assert page.header("content-encoding") == encoding
    assert page.header("content-length") == str(len(raw))


def test_gzip_bomb_stops_near_the_cap_while_streaming(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    cap = 1_000_000
    gzip_bomb_bytes()  # build the fixture outside the measured window
    with fetcher(web, max_bytes=cap) as f:
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge, match="cap") as info:
                f.fetch(urls["gzip-bomb"])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert urls["gzip-bomb"] in str(info.value)
    assert peak < 8 * cap, f"decompression was not stopped early: peak {peak:,} bytes"


def test_decoder_stops_within_one_step_of_the_cap() -> None:
    bomb = gzip_bomb_bytes()  # 100 MB of zeros in ~100 KB
    decoder = ContentDecoder("gzip", "https://x.test/")
    cap = 1_000_000
    got = 0
    for piece in decoder.feed(bomb):
        assert len(piece) <= DECODE_STEP
        got += len(piece)
        if got > cap:
            break
    assert decoder.produced == got
    assert cap < decoder.produced <= cap + DECODE_STEP  # stopped early: 100 MB were available


def test_decoder_handles_concatenated_gzip_and_rejects_unknown_codings() -> None:
    data = gzip.compress(b"one ") + gzip.compress(b"two")
    decoder = ContentDecoder("gzip", "https://x.test/")
    assert b"".join([*decoder.feed(data), *decoder.flush()]) == b"one two"
    with pytest.raises(PermanentFetchError, match="br"):
        ContentDecoder("br", "https://x.test/")
    assert b"".join(ContentDecoder("identity", "u").feed(b"plain")) == b"plain"


def test_honest_content_length_over_cap_is_refused_before_download(web: FixtureWeb) -> None:
    url = "https://mmbiz.qpic.cn/big.png"

    def run(wire: Wire) -> None:  # promises 50 MB and sends nothing: downloading would time out
        wire.head(200, [("Content-Type", "image/png"), ("Content-Length", "50000000")])
        wire.hang(5)

    web.route(url, lambda req: Response(raw=run))
    started = time.monotonic()
    with fetcher(web, max_image_bytes=10_000_000, read_timeout=4.0) as f:
        with pytest.raises(TooLarge, match="Content-Length"):
            f.fetch(url, kind="image")
    assert time.monotonic() - started < 3.0  # reading the body would have waited for the 4 s read timeout


def test_infinite_chunked_body_stops_at_the_cap(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    with fetcher(web, max_bytes=500_000) as f:
        with pytest.raises(TooLarge, match=r"stopped after [\d,]+ decompressed bytes"):
            f.fetch(urls["infinite"])


def test_truncated_gzip_is_transient_and_false_gzip_is_permanent(web: FixtureWeb) -> None:
    whole = gzip.compress(PAGE.encode() * 50)
    web.add("https://t.test/truncated", whole[: len(whole) // 2], headers={"Content-Encoding": "gzip"})
    web.add("https://t.test/false", PAGE, headers={"Content-Encoding": "gzip"})
    with fetcher(web, retries=1) as f:
        with pytest.raises(TransientFetchError, match="ended before the end"):
            f.fetch("https://t.test/truncated")
        with pytest.raises(PermanentFetchError, match="not valid gzip"):
            f.fetch("https://t.test/false")


def test_image_kind_uses_the_image_cap_and_max_bytes_overrides(web: FixtureWeb) -> None:
    png = make_png(300, 300)
    web.add("https://mmbiz.qpic.cn/a.png", png, content_type="image/png")
    web.add("https://site.test/page", "<html>" + "x" * 5000 + "</html>")
    with fetcher(web, max_bytes=1000, max_image_bytes=len(png)) as f:
        assert f.fetch("https://mmbiz.qpic.cn/a.png", kind="image").body == png
        with pytest.raises(TooLarge):
            f.fetch("https://site.test/page")
        assert len(f.fetch("https://site.test/page", max_bytes=10_000).body) == 5013
        with pytest.raises(TooLarge):
            f.fetch("https://mmbiz.qpic.cn/a.png", kind="image", max_bytes=100)


def test_robots_kind_truncates_at_500_kib_instead_of_refusing(web: FixtureWeb) -> None:
    text = b"User-agent: *\nDisallow: /a\n" + b"# filler\n" * 80_000  # ~720 KB
    web.add("https://site.test/robots.txt", text, content_type="text/plain")
    web.add(
        "https://gz.test/robots.txt",
        gzip.compress(text),
        content_type="text/plain",
        headers={"Content-Encoding": "gzip"},
    )
    web.add("https://bin.test/robots.txt", b"\x00\xff binary", content_type="application/octet-stream")
    with fetcher(web, max_bytes=1000) as f:
        for url in ("https://site.test/robots.txt", "https://gz.test/robots.txt"):
            raw = f.fetch(url, kind="robots")
            assert raw.body == text[:ROBOTS_MAX_BYTES] and len(raw.body) == 500 * 1024
        assert (
            f.fetch("https://bin.test/robots.txt", kind="robots").body == b"\x00\xff binary"
        )  # no HTML checks
        with pytest.raises(TooLarge):  # the page kind still refuses
            f.fetch("https://site.test/robots.txt", kind="page")
    assert web.seen("https://site.test/robots.txt")[0].headers["Accept"].startswith("text/plain")


@pytest.mark.parametrize(
    "body, content_type, code, ok",
    [
        (make_png(), "image/png", 200, False),
        (b"\x00\x01binary", "application/octet-stream", 200, False),
        (b"", "text/html; charset=utf-8", 200, False),
        (b"   \n", "text/html", 200, False),
        (b"", "text/html", 204, False),
        (b"just words, no markup", "text/plain", 200, False),
        (b"{}", "application/json", 200, False),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "text/plain; charset=utf-8", 200, True),
        (b"\xef\xbb\xbf<html><body>hi</body></html>", "", 200, True),
        (b"<html><body>hi</body></html>", "application/xhtml+xml", 200, True),
    ],
)
def test_page_kind_refuses_what_is_not_html(
    web: FixtureWeb, body: bytes, content_type: str, code: int, ok: bool
) -> None:
    url = "https://www.sohu.com/a/123"
    web.route(url, lambda req: Response(status=code, body=body, content_type=content_type or None))
    with fetcher(web) as f:
        if ok:
            assert f.fetch(url).body == body
        else:
            with pytest.raises(NotHTML) as info:
                f.fetch(url)
            assert url in str(info.value)


# --------------------------------------------------------------------------------------------------
# Timeouts and data loss (real sockets)


def test_hang_before_headers_times_out_then_gives_up(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    waits = Waits()
    started = time.monotonic()
    with fetcher(web, waits, read_timeout=0.3, retries=2) as f:
        with pytest.raises(TransientFetchError, match=r"read timeout.*Gave up after 2 attempts"):
            f.fetch(urls["hang"])
    assert time.monotonic() - started < 2.5  # two 0.3 s read timeouts, not the 2 s defaults
    assert len(waits.waits) == 1 and len(web.seen(urls["hang"])) == 2


def test_hang_after_headers_times_out(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    started = time.monotonic()
    with fetcher(web, read_timeout=0.3, retries=1) as f:
        with pytest.raises(TransientFetchError, match="read timeout"):
            f.fetch(urls["hang-after-headers"])
    assert time.monotonic() - started < 2.0


def test_trickle_hits_the_total_deadline(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()  # 1 byte every 0.3 s: each read is within the read timeout
    started = time.monotonic()
    with fetcher(web, read_timeout=1.0, total_timeout=0.8, retries=1) as f:
        with pytest.raises(DeadlineExceeded, match="0.8 s in all") as info:
            f.fetch(urls["trickle"])
    elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 2.5  # the body alone would take 30 s
    assert isinstance(info.value, TransientFetchError)


def test_content_length_underrun_is_data_loss_and_retried(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    waits = Waits()
    with fetcher(web, waits, retries=3) as f:
        with pytest.raises(TransientFetchError, match="closed before the whole response") as info:
            f.fetch(urls["underrun"])
    assert "Gave up after 3 attempts" in str(info.value)
    assert len(web.seen(urls["underrun"])) == 3 and len(waits.waits) == 2


def test_pool_exhaustion_is_a_clear_busy_error(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    web.add("https://mp.weixin.qq.com/s/second", PAGE)
    ctx = ssl.create_default_context(cafile=web.ca_bundle)
    client = httpx.Client(
        proxy=web.proxy_url, verify=ctx, trust_env=False, limits=httpx.Limits(max_connections=1)
    )
    held = client.send(client.build_request("GET", urls["hang-after-headers"]), stream=True)  # occupies it
    try:
        cfg = web.fetch_config(connect_timeout=0.2, retries=1)
        with Fetcher(cfg, client=client) as f:
            with pytest.raises(TransientFetchError, match="busy"):
                f.fetch("https://mp.weixin.qq.com/s/second")
    finally:
        held.close()
        client.close()


# --------------------------------------------------------------------------------------------------
# Redirects


def test_redirect_chain_followed_to_the_final_url(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    with fetcher(web, max_redirects=3) as f:
        page = f.fetch(urls["redirect-chain"] + "?n=3")
        assert page.final_url == urls["redirect-chain"] + "?n=0"
        assert page.url == urls["redirect-chain"] + "?n=3"
        assert b"End of the chain" in page.body
        with pytest.raises(TooManyRedirects, match="more than 3 times"):
            f.fetch(urls["redirect-chain"] + "?n=4")


def test_redirect_loop_relative_location_and_hostile_targets(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    web.route("https://r.test/rel", redirect("../final?x=1"))
    web.add("https://r.test/final?x=1", PAGE)
    web.route("https://r.test/js", redirect("javascript:alert(1)"))
    web.route("https://r.test/meta", redirect("http://169.254.169.254/latest/meta-data/"))
    with fetcher(web) as f:
        with pytest.raises(TooManyRedirects, match="loop"):
            f.fetch(urls["redirect-loop"])
        assert f.fetch("https://r.test/rel").final_url == "https://r.test/final?x=1"
        for name in ("redirect-file", "redirect-loopback"):
            with pytest.raises(BlockedURL, match="refused"):
                f.fetch(urls[name])
        for url in ("https://r.test/js", "https://r.test/meta"):
            with pytest.raises(BlockedURL):
                f.fetch(url)
    assert not any("127.0.0.1" in s.url or "169.254" in s.url for s in web.requests)


def test_credentials_dropped_on_origin_change(web: FixtureWeb) -> None:
    web.route("https://a.test/start", redirect("https://a.test/same"))
    web.route("https://a.test/same", redirect("http://a.test/plain"))  # scheme change = other origin
    web.route("http://a.test/plain", redirect("https://b.test/other"))
    web.add("https://b.test/other", PAGE)
    ctx = ssl.create_default_context(cafile=web.ca_bundle)
    secret = {"Authorization": "Bearer secret", "Cookie": "sid=abc"}
    with httpx.Client(proxy=web.proxy_url, verify=ctx, trust_env=False, headers=secret) as client:
        with Fetcher(web.fetch_config(), client=client) as f:
            assert f.fetch("https://a.test/start").final_url == "https://b.test/other"
    by_url = {s.url: s.headers for s in web.requests}
    for url in ("https://a.test/start", "https://a.test/same"):
        assert by_url[url]["authorization"] == "Bearer secret" and by_url[url]["cookie"] == "sid=abc"
    for url in ("http://a.test/plain", "https://b.test/other"):
        assert "authorization" not in by_url[url] and "cookie" not in by_url[url]


# --------------------------------------------------------------------------------------------------
# Retries


def test_503_then_200_recovers_with_jittered_backoff(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    waits = Waits()
    with fetcher(web, waits, retries=3, backoff_base=1.0, backoff_max=30.0) as f:
        page = f.fetch(urls["503-then-200"])
    assert page.status == 200 and b"Recovered" in page.body
    assert len(waits.waits) == 2
    assert 0.5 <= waits.waits[0] <= 1.0 and 1.0 <= waits.waits[1] <= 2.0  # base·2^n, half of it jittered


def test_backoff_is_capped_at_backoff_max(web: FixtureWeb) -> None:
    web.route("https://b.test/down", status(502))
    waits = Waits()
    with fetcher(web, waits, retries=4, backoff_base=10.0, backoff_max=3.0) as f:
        with pytest.raises(TransientFetchError, match=r"HTTP 502.*Gave up after 4 attempts"):
            f.fetch("https://b.test/down")
    assert len(waits.waits) == 3 and all(1.5 <= w <= 3.0 for w in waits.waits)
    assert len(web.seen("https://b.test/down")) == 4


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504, 522, 524])
def test_transient_statuses_are_retried(web: FixtureWeb, code: int) -> None:
    web.route("https://s.test/x", flaky(1, code=code))
    waits = Waits()
    with fetcher(web, waits, retries=2) as f:
        assert f.fetch("https://s.test/x").status == 200
    assert len(waits.waits) == 1


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 451, 501])
def test_permanent_statuses_are_not_retried(web: FixtureWeb, code: int) -> None:
    web.route("https://s.test/gone", status(code))
    waits = Waits()
    with fetcher(web, waits, retries=3) as f:
        with pytest.raises(HTTPStatusError) as info:
            f.fetch("https://s.test/gone")
    assert info.value.status == code and f"HTTP {code}" in str(info.value)
    assert "https://s.test/gone" in str(info.value)
    assert waits.waits == [] and len(web.seen("https://s.test/gone")) == 1


def test_retry_after_seconds_is_honoured(web: FixtureWeb) -> None:
    web.route("https://q.test/x", flaky(1, code=429, headers=[("Retry-After", "7")]))
    waits = Waits()
    with fetcher(web, waits, retries=3) as f:
        assert f.fetch("https://q.test/x").status == 200
    assert waits.waits == [7.0]


def test_retry_after_http_date_is_honoured(web: FixtureWeb) -> None:
    when = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    web.route("https://q.test/d", flaky(1, code=503, headers=[("Retry-After", when)]))
    waits = Waits()
    with fetcher(web, waits, retries=3) as f:
        assert f.fetch("https://q.test/d").status == 200
    assert waits.waits == [42.0]


def test_retry_after_over_the_cap_defers_instead_of_sleeping(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    waits = Waits()
    with fetcher(web, waits, retries=3, retry_after_cap=120.0) as f:
        with pytest.raises(TransientFetchError, match="86400 s") as info:
            f.fetch(urls["429"] + "?after=86400")
    assert info.value.retry_after == 86400.0
    assert waits.waits == [] and len(web.requests) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(format_datetime(NOW + timedelta(minutes=2), usegmt=True), NOW) == 120.0
    assert parse_retry_after(format_datetime(NOW - timedelta(minutes=2), usegmt=True), NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_retry_classification_without_sockets() -> None:
    """Pure classification (MockTransport is enough here): which httpx errors are retried."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if "pool" in str(request.url):
            raise httpx.PoolTimeout("pool", request=request)
        if "reset" in str(request.url):
            raise httpx.ReadError("connection reset by peer", request=request)
        raise httpx.RemoteProtocolError("illegal header line", request=request)

    waits = Waits()
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client, Fetcher(FetchConfig(delay=0, retries=2), client=client, sleep=waits.sleep) as f:
        with pytest.raises(TransientFetchError, match="busy.*Gave up after 2 attempts"):
            f.fetch("https://x.test/pool")
        with pytest.raises(TransientFetchError, match="reset"):
            f.fetch("https://x.test/reset")
        with pytest.raises(PermanentFetchError, match="malformed") as info:
            f.fetch("https://x.test/bad")
    assert not isinstance(info.value, TransientFetchError)
    assert calls.count("https://x.test/bad") == 1 and calls.count("https://x.test/reset") == 2


# --------------------------------------------------------------------------------------------------
# Referer and politeness


def test_image_referer_comes_from_config_and_beats_the_placeholder(web: FixtureWeb) -> None:
    real = make_jpeg(50, 40)
    url = "https://mmbiz.qpic.cn/mmbiz_jpg/xyz/640?wx_fmt=jpeg"
    web.add(url, real, content_type="image/jpeg", referer_prefix="https://mp.weixin.qq.com/")
    with fetcher(web, referers={"qpic.cn": "https://mp.weixin.qq.com/"}) as f:
        assert f.referer_for(url) == "https://mp.weixin.qq.com/"
        assert f.fetch(url, kind="image").body == real
        assert (
            f.fetch(url, kind="image", referer="https://elsewhere.example/").header("content-type")
            == "image/png"
        )
        f.fetch(url, kind="image", referer="")
        f.fetch(url, kind="image", referer="https://mp.weixin.qq.com/s/abc")
    referers = [s.headers.get("referer") for s in web.seen(url)]
    assert referers == [
        "https://mp.weixin.qq.com/",
        "https://elsewhere.example/",
        None,
        "https://mp.weixin.qq.com/s/abc",
    ]


def test_politeness_delay_per_host(web: FixtureWeb) -> None:
    for path in ("a", "b", "c"):
        web.add(f"https://one.test/{path}", PAGE)
    web.add("https://two.test/a", PAGE)
    waits = Waits()
    f = Fetcher(web.fetch_config(delay=2.0), sleep=waits.sleep, clock=waits.clock)
    with f:
        f.fetch("https://one.test/a")
        f.fetch("https://two.test/a")  # another host: no wait
        f.fetch("https://one.test/b")  # same host, no time passed: waits the full delay
        waits.t += 5.0  # time passes
        f.fetch("https://one.test/c")  # long enough ago: no wait
    assert waits.waits == [2.0]


def test_image_hosts_wait_image_delay_and_page_hosts_keep_delay(web: FixtureWeb) -> None:
    png = make_png(8, 8)
    for n in range(4):
        web.add(f"https://mmbiz.qpic.cn/mmbiz_png/p{n}/640", png, content_type="image/png")
    for path in ("a", "b"):
        web.add(f"https://one.test/{path}", PAGE)
    waits = Waits()
    f = Fetcher(web.fetch_config(delay=2.0, image_delay=0.2), sleep=waits.sleep, clock=waits.clock)
    with f:
        f.fetch("https://one.test/a")
        for n in range(4):  # four images on one CDN, no time passing between them
            f.fetch(f"https://mmbiz.qpic.cn/mmbiz_png/p{n}/640", kind="image")
        f.fetch("https://one.test/b")  # the page host still waits its full delay
    assert waits.waits == pytest.approx([0.2, 0.2, 0.2, 1.4])  # 2.0 s after /a began, 0.6 s already slept
    assert f.delay_for("mmbiz.qpic.cn", "image") == 0.2 and f.delay_for("one.test", "page") == 2.0


def test_a_host_delay_raises_every_kind_and_never_shortens(web: FixtureWeb) -> None:
    web.add("https://slow.test/a", PAGE)
    web.add("https://slow.test/i.png", make_png(8, 8), content_type="image/png")
    waits = Waits()
    f = Fetcher(web.fetch_config(delay=2.0, image_delay=0.2), sleep=waits.sleep, clock=waits.clock)
    with f:
        f.set_host_delay("SLOW.test", 7.0)
        f.set_host_delay("fast.test", 0.5)
        f.fetch("https://slow.test/a")
        f.fetch("https://slow.test/i.png", kind="image")
    assert waits.waits == [7.0]
    assert f.delay_for("fast.test", "page") == 2.0 and f.delay_for("fast.test", "image") == 0.5


# --------------------------------------------------------------------------------------------------
# URL safety


HOSTILE = [
    "file:///etc/passwd",
    "\x01 file:///etc/passwd",
    "ftp://example.com/",
    "data:text/html,<script>alert(1)</script>",
    "gopher://example.com/",
    "javascript:alert(1)",
    "http://127.0.0.1/",
    "http://localhost/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/",
    "http://10.1.2.3/",
    "http://192.168.1.1/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://169.254.43518/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://user@evil@internal/",
    "http://[evil.com]/",
    "http://user:pass@example.com/",
    "http://intranet/",
    "http://printer.local/",
    "http://1.2.3.4.5/",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_blocked_before_any_io(web: FixtureWeb, url: str) -> None:
    with fetcher(web) as f:
        with pytest.raises(BlockedURL):
            f.fetch(url)
    assert web.requests == [] and web.tunnels == []


def test_check_url_normalises() -> None:
    assert (
        check_url(" \x00https://MP.Weixin.QQ.com:443/s/abc?x=1#rd\n") == "https://mp.weixin.qq.com/s/abc?x=1"
    )
    assert check_url("http://1572395042/") == "http://93.184.216.34/"
    assert check_url("https://例子.测试/路径") == "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84"
    assert check_url("http://127.0.0.1:8080/x", allow_private=True) == "http://127.0.0.1:8080/x"
    assert parse_ip_host("0x7f.1") == parse_ip_host("127.0.0.1")
    assert parse_ip_host("mp.weixin.qq.com") is None


@settings(max_examples=100, deadline=None)
@given(
    host=st.one_of(
        st.from_regex(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,3}", fullmatch=True),
        st.integers(0, 2**32 - 1).map(str),
        st.integers(0, 2**32 - 1).map(hex),
        st.ip_addresses(v=4).map(str),
        st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
    ),
    path=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
def test_check_url_is_idempotent_and_never_passes_a_private_ip(host: str, path: str) -> None:
    url = f"http://{host}/{path}"
    try:
        once = check_url(url)
    except BlockedURL:
        return
    assert check_url(once) == once
    ip = parse_ip_host(httpx.URL(once).host)
    assert ip is None or not is_blocked_ip(ip)


# --------------------------------------------------------------------------------------------------
# Direct connections (no proxy): resolve once, check every answer, connect to the checked address


class RecordingBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.targets: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: object, **kw: object) -> httpcore.NetworkStream:
        self.targets.append((host, port))
        raise httpcore.ConnectError("recorded only")


def fake_resolver(answers: list[list[str]]):  # type: ignore[no-untyped-def]
    calls = iter(answers)

    def resolve(host: str, port: int, **kw: object) -> list[tuple[object, ...]]:
        return [(None, None, None, "", (addr, port)) for addr in next(calls)]

    return resolve


def test_pinned_backend_refuses_mixed_and_private_answers() -> None:
    for answers in (["93.184.216.34", "127.0.0.1"], ["10.0.0.5"], ["::1"], ["::ffff:169.254.169.254"]):
        backend = PinnedBackend(resolver=fake_resolver([answers]), inner=RecordingBackend())
        with pytest.raises(BlockedURL, match="non-public"):
            backend.connect_tcp("news.example.com", 443)


def test_pinned_backend_connects_to_the_address_it_checked() -> None:
    inner = RecordingBackend()  # a rebinding resolver: public first, loopback on the second lookup
    backend = PinnedBackend(resolver=fake_resolver([["93.184.216.34"], ["127.0.0.1"]]), inner=inner)
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("rebind.example.com", 80)
    assert inner.targets == [("93.184.216.34", 80)]


def test_direct_fetch_through_pinned_transport_uses_our_resolution(web: FixtureWeb) -> None:
    """A real socket, no proxy: the name resolves (by our resolver) to the fixture web's address."""
    url = f"http://site.example:{web.port}/article"
    web.add(url, PAGE)
    ctx = ssl.create_default_context(cafile=web.ca_bundle)

    def resolver(host: str, port: int, **kw: object) -> list[tuple[object, ...]]:
        return [(None, None, None, "", ("127.0.0.1", port))]

    allowed = PinnedTransport(ctx, PinnedBackend(resolver=resolver, allow_private=True))
    with (
        httpx.Client(transport=allowed) as client,
        Fetcher(FetchConfig(delay=0, allow_private_hosts=True), client=client) as f,
    ):
        assert f.fetch(url).body == PAGE.encode()
    refused = PinnedTransport(ctx, PinnedBackend(resolver=resolver))
    with httpx.Client(transport=refused) as client, Fetcher(FetchConfig(delay=0), client=client) as f:
        with pytest.raises(BlockedURL, match="non-public address 127.0.0.1") as info:
            f.fetch(url)
    assert url in str(info.value)
    assert len(web.seen(url)) == 1


def test_thread_safety_of_one_fetcher(web: FixtureWeb) -> None:
    for i in range(8):
        web.add(f"https://t{i}.test/p", f"<html><body>{i}</body></html>")
    results: dict[int, bytes] = {}
    with fetcher(web) as f:
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, f.fetch(f"https://t{i}.test/p").body))
            for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
    assert results == {i: f"<html><body>{i}</body></html>".encode() for i in range(8)}


# --------------------------------------------------------------------------------------------------
# Malformed responses (wpull badapp-style): typed errors, never a crash, never a short page


def _raw_route(data: bytes, reset: bool = False) -> Handler:
    def run(wire: Wire) -> None:
        wire.write(data)
        if reset:  # close with an RST instead of a FIN
            wire._conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return lambda req: Response(raw=run)


_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


@pytest.mark.parametrize(
    "name, data, error",
    [
        ("cl-and-chunked", _HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n<html>\r\n0\r\n\r\n",
         PermanentFetchError),
        ("negative-cl", _HEAD + b"Content-Length: -5\r\n\r\n<html>", PermanentFetchError),
        ("bad-cl", _HEAD + b"Content-Length: 3-\r\n\r\n<html>", PermanentFetchError),
        ("bad-chunk-size", _HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n<html>\r\n0\r\n\r\n", PermanentFetchError),
        ("no-last-chunk", _HEAD + b"Transfer-Encoding: chunked\r\n\r\n6\r\n<html>\r\n", TransientFetchError),
        ("rst-after-status", b"HTTP/1.1 200 OK\r\n", TransientFetchError),
        ("huge-header", _HEAD + b"X-Big: " + b"a" * 1_000_000 + b"\r\nContent-Length: 6\r\n\r\n<html>",
         PermanentFetchError),
        ("not-http", b"SSH-2.0-OpenSSH_9.6\r\n\r\n", PermanentFetchError),
    ],
)  # fmt: skip
def test_malformed_responses_are_typed_errors(web: FixtureWeb, name: str, data: bytes, error: type) -> None:
    url = f"https://bad.test/{name}"
    web.route(url, _raw_route(data, reset=name == "rst-after-status"))
    with fetcher(web, retries=1, read_timeout=1.0) as f:
        with pytest.raises(error) as info:
            f.fetch(url)
    assert url in str(info.value)
    if error is PermanentFetchError:
        assert not isinstance(info.value, TransientFetchError)


def test_raw_headers_are_kept_as_received(web: FixtureWeb) -> None:
    url = "https://bad.test/headers"
    data = _HEAD + b"X-Name: caf\xe9\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 6\r\n\r\n<html>"
    web.route(url, _raw_route(data))
    with fetcher(web) as f:
        page = f.fetch(url)
    assert page.headers == (
        ("Content-Type", "text/html"),
        ("X-Name", "caf\xe9"),  # non-UTF-8 header bytes survive (latin-1), no crash
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", "6"),
    )


def test_overrun_keeps_the_declared_length_and_close_delimited_bodies_are_whole(web: FixtureWeb) -> None:
    web.route("https://bad.test/overrun", _raw_route(_HEAD + b"Content-Length: 10\r\n\r\n<html>0123456789"))
    web.route("https://bad.test/close", _raw_route(_HEAD + b"\r\n<html>until the connection closes"))
    with fetcher(web) as f:
        assert f.fetch("https://bad.test/overrun").body == b"<html>0123"
        assert f.fetch("https://bad.test/close").body == b"<html>until the connection closes"
