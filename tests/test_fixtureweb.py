"""The fixture web itself: a real proxy for http:// and https:// URLs, its routes, its fault routes.

These tests talk to it with plain httpx (not our Fetcher) so that a failure here points at the
fixture, not at wxarchive.
"""

from __future__ import annotations

import gzip
import io
import ssl
import time
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.fixtureweb import PLACEHOLDER_PNG, FixtureWeb, Headers, Response, make_gif, make_jpeg, make_png


def client(web: FixtureWeb, **kw: Any) -> httpx.Client:
    return httpx.Client(
        proxy=web.proxy_url,
        verify=ssl.create_default_context(cafile=web.ca_bundle),
        trust_env=False,
        timeout=3.0,
        **kw,
    )


def test_https_through_connect_with_test_ca(web: FixtureWeb) -> None:
    web.add("https://mp.weixin.qq.com/s/AbC_12", "<html><body>正文</body></html>")
    with client(web) as c:
        r = c.get("https://mp.weixin.qq.com/s/AbC_12")
    assert r.status_code == 200
    assert r.text == "<html><body>正文</body></html>"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert web.tunnels == ["mp.weixin.qq.com:443"]
    assert [s.url for s in web.requests] == ["https://mp.weixin.qq.com/s/AbC_12"]


def test_http_absolute_form_and_query_routing(web: FixtureWeb) -> None:
    web.add("http://news.qq.com/a?id=1&b=2", b"one")
    web.add("http://news.qq.com/a?id=2", b"two")
    with client(web) as c:
        assert c.get("http://news.qq.com/a?id=1&b=2").content == b"one"
        assert c.get("http://news.qq.com/a?id=2").content == b"two"
        assert c.get("http://news.qq.com/a").status_code == 404
    assert web.tunnels == []  # plain http is proxied without a tunnel


def test_non_ascii_path_and_fragment_route_like_the_client_sends_them(web: FixtureWeb) -> None:
    web.add("https://www.sohu.com/a/中文?x=中#frag", "ok")
    with client(web) as c:
        assert c.get("https://www.sohu.com/a/中文?x=中").text == "ok"


def test_untrusted_ca_fails_tls(web: FixtureWeb) -> None:
    web.add("https://new.qq.com/rain/a/X", "x")
    with httpx.Client(proxy=web.proxy_url, trust_env=False, timeout=3.0) as c:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            c.get("https://new.qq.com/rain/a/X")


def test_env_vars_reach_the_fixture_and_no_proxy_was_cleared(
    web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    assert not any(os.environ.get(v) for v in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"))
    web.add("https://mp.weixin.qq.com/s/env", "via env")
    for key, value in web.env().items():
        monkeypatch.setenv(key, value)
    with httpx.Client(trust_env=True, timeout=3.0) as c:  # proxy and CA both from the environment
        assert c.get("https://mp.weixin.qq.com/s/env").text == "via env"


def test_request_log_headers_are_case_insensitive(web: FixtureWeb) -> None:
    web.add("https://mp.weixin.qq.com/s/h", "x")
    with client(web) as c:
        c.get("https://mp.weixin.qq.com/s/h", headers={"Referer": "https://a.example/", "X-Two": "1"})
    (seen,) = web.seen("https://mp.weixin.qq.com/s/h")
    assert seen.method == "GET"
    assert seen.headers["referer"] == seen.headers["Referer"] == "https://a.example/"
    assert "X-TWO" in seen.headers
    assert Headers([("A", "1"), ("a", "2")]) == {"a": "1, 2"}


def test_referer_placeholder_emulates_mmbiz(web: FixtureWeb) -> None:
    real = make_jpeg(40, 30)
    url = "https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg"
    web.add(url, real, content_type="image/jpeg", referer_prefix="https://mp.weixin.qq.com/")
    with client(web) as c:
        own = c.get(url, headers={"Referer": "https://mp.weixin.qq.com/s/xyz"})
        foreign = c.get(url, headers={"Referer": "https://www.example.com/"})
        none = c.get(url)
    assert own.content == real and own.headers["content-type"] == "image/jpeg"
    assert foreign.status_code == 200  # a placeholder, not an error: that is the trap
    assert foreign.content == PLACEHOLDER_PNG and foreign.headers["content-type"] == "image/png"
    assert none.content == real


def test_generated_images_are_valid_and_distinct() -> None:
    for data, fmt, size in (
        (make_png(10, 7), "PNG", (10, 7)),
        (make_jpeg(9, 5), "JPEG", (9, 5)),
        (make_gif(4, 4), "GIF", (4, 4)),
        (PLACEHOLDER_PNG, "PNG", (300, 200)),
    ):
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            assert (im.format, im.size) == (fmt, size)
    assert make_png(10, 7, "red") != make_png(10, 7, "blue")
    with Image.open(io.BytesIO(PLACEHOLDER_PNG)) as im:
        assert "此图片来自微信公众平台" in im.info["Comment"]


def test_prefix_routes_longest_first_and_fallthrough(web: FixtureWeb) -> None:
    web.route("https://a.test/", lambda req: Response(body=b"short"))
    web.route("https://a.test/long/", lambda req: None if "skip" in req.url else Response(body=b"long"))
    with client(web) as c:
        assert c.get("https://a.test/long/x").content == b"long"
        assert c.get("https://a.test/long/skip").content == b"short"
        assert c.get("https://a.test/other").content == b"short"


def test_reset_forgets_routes_and_log(fixture_web: FixtureWeb) -> None:
    fixture_web.add("https://r.test/", "x")
    with client(fixture_web) as c:
        assert c.get("https://r.test/").status_code == 200
        fixture_web.reset()
        assert fixture_web.requests == []
        assert c.get("https://r.test/").status_code == 404


def test_fault_routes_behave_as_named(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    with client(web, follow_redirects=False) as c:
        assert c.get(urls["404"]).status_code == 404
        r = c.get(urls["429"] + "?after=12")
        assert (r.status_code, r.headers["retry-after"]) == (429, "12")
        assert [c.get(urls["503-then-200"]).status_code for _ in range(3)] == [503, 503, 200]
        assert c.get(urls["redirect-file"]).headers["location"] == "file:///etc/passwd"
        assert c.get(urls["redirect-loopback"]).headers["location"].startswith("http://127.0.0.1:")
        loop = c.get(urls["redirect-loop"]).headers["location"]
        assert c.get(loop).headers["location"] == urls["redirect-loop"]
        assert c.get(urls["redirect-chain"] + "?n=1").headers["location"].endswith("?n=0")
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(urls["underrun"])
        with c.stream("GET", urls["gzip-bomb"]) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip" and len(raw) < 300_000
        assert len(gzip.decompress(raw)) == 100_000_000
        with c.stream("GET", urls["infinite"]) as r:
            got = 0
            for chunk in r.iter_raw():
                got += len(chunk)
                if got > 1_000_000:
                    break
        assert got > 1_000_000


def test_hang_and_trickle_time_out_on_the_client(web: FixtureWeb) -> None:
    urls = web.add_fault_routes()
    with client(web) as c:
        t0 = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(urls["hang"], timeout=httpx.Timeout(2.0, read=0.3))
        with pytest.raises(httpx.ReadTimeout):
            c.get(urls["hang-after-headers"], timeout=httpx.Timeout(2.0, read=0.3))
        with c.stream("GET", urls["trickle"], timeout=httpx.Timeout(2.0, read=1.0)) as r:
            it = r.iter_raw()
            first = [next(it) for _ in range(3)]
        assert first == [b"<", b"h", b"t"]
    assert time.monotonic() - t0 < 3.0
