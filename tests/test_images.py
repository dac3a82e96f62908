"""Images: URL normalisation, Referer choice, Pillow verification, placeholder detection through the
fixture web (mmbiz's 200 OK placeholder emulated with referer_prefix), content-hash storage."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from archive.catalog import Catalog
from archive.images import (
    ImageCollector,
    copy_stored_images,
    image_urls,
    normalise_image_url,
    referer_for,
    verify_image,
)
from archive.rawstore import RawStore
from scraper.errors import ImageError
from scraper.fetch import Fetcher
from scraper.models import Article, ImageRef
from tests.archivekit import WECHAT_REFERER, make_config
from tests.fixtureweb import PLACEHOLDER_PNG, FixtureWeb, Response, make_gif, make_jpeg, make_png

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
PLACEHOLDER_SHA = hashlib.sha256(PLACEHOLDER_PNG).hexdigest()
PAGE = "https://mp.weixin.qq.com/s/imgtest"
REFERERS = {
    "qpic.cn": "https://mp.weixin.qq.com/",
    "gtimg.com": "https://new.qq.com/",
    "inews.gtimg.com": "https://x/",
}


# ---------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "https://mmbiz.qpic.cn/mmbiz_png/abc/640?wx_fmt=png&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1#imgIndex=3",
            "https://mmbiz.qpic.cn/mmbiz_png/abc/640?wx_fmt=png&wxfrom=5",
        ),
        ("https://mmbiz.qpic.cn/a/0?wx_fmt=other&amp;tp=webp", "https://mmbiz.qpic.cn/a/0?wx_fmt=other"),
        ("//mmbiz.qpic.cn/a/0?wx_fmt=gif", "https://mmbiz.qpic.cn/a/0?wx_fmt=gif"),
        ("  HTTPS://Inews.GTIMG.com/om_bt/X/641?tp=webp#f", "https://inews.gtimg.com/om_bt/X/641?tp=webp"),
        ("/img/a.png", "https://mp.weixin.qq.com/img/a.png"),
    ],
)
def test_image_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_image_url(given, PAGE) == expected


@pytest.mark.parametrize(
    "bad", ["data:image/svg+xml,%3Csvg%3E", "file:///etc/passwd", "javascript:alert(1)", "ftp://x/a.png", ""]
)
def test_non_http_image_urls_are_refused(bad: str) -> None:
    with pytest.raises(ImageError):
        normalise_image_url(bad)


def test_referer_by_longest_host_suffix_else_page_origin() -> None:
    assert referer_for("https://mmbiz.qpic.cn/a", REFERERS) == "https://mp.weixin.qq.com/"
    assert referer_for("https://inews.gtimg.com/a", REFERERS) == "https://x/"
    assert referer_for("https://mat1.gtimg.com/a", REFERERS) == "https://new.qq.com/"
    assert (
        referer_for("https://cdn.example.com/a.png", REFERERS, "https://news.163.com/a/b.html")
        == "https://news.163.com/"
    )
    assert referer_for("https://cdn.example.com/a.png", REFERERS) is None


def test_image_urls_lists_body_images_then_cover_once() -> None:
    a = Article(
        url=PAGE,
        site="wechat",
        kind="article",
        body_markdown="![a](https://i/1.png)\n\n![b](https://i/2.png)\n\n![c](https://i/1.png)",
        images=(ImageRef("https://i/1.png"),),
        cover="https://i/cover.jpg",
    )
    assert image_urls(a) == ["https://i/1.png", "https://i/2.png", "https://i/cover.jpg"]


def webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buf, format="WEBP")
    return buf.getvalue()


def animated_gif(frames: int, size: tuple[int, int] = (40, 40)) -> bytes:
    imgs = [Image.new("RGB", size, (i * 4 % 256, 255 - i * 4 % 256, i * 7 % 256)) for i in range(frames)]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=10, disposal=2)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt", "ext"),
    [
        (make_png(), "PNG", "png"),
        (make_jpeg(), "JPEG", "jpg"),
        (make_gif(), "GIF", "gif"),
        (webp(), "WEBP", "webp"),
    ],
)
def test_valid_images_pass_with_their_sniffed_format(data: bytes, fmt: str, ext: str) -> None:
    v = verify_image(data, FORMATS, 89_478_485)
    assert (v.format, v.ext) == (fmt, ext)


def bmp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="BMP")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (make_jpeg(200, 200)[:-400], "truncated"),
        (make_png(200, 200)[:-30], "truncated"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "svg"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html><body>not an image</body></html>", "html"),
        (b'<?xml version="1.0"?><svg/>', "xml"),
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 10, "garbage"),
        (bmp(), "not allowed"),
        (make_png(300, 300), "over the pixel cap"),
        (animated_gif(60, (100, 100)), "frames over the budget"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_images_are_refused(data: bytes, why: str) -> None:
    if why == "frames over the budget":
        assert Image.open(io.BytesIO(data)).n_frames == 60  # each frame 10 000 px: under the cap alone
    with pytest.raises(ImageError):
        verify_image(data, FORMATS, 50_000)


def test_pillow_globals_are_restored_after_verification() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError):
        verify_image(make_png(300, 300), FORMATS, 1000)
    assert Image.MAX_IMAGE_PIXELS == before


def test_a_real_decompression_bomb_header_is_refused_without_decoding() -> None:
    # a PNG whose header claims 30000×30000 pixels: the bomb check fires before any pixel is decoded
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="limit|pixels|Decompression"):
        verify_image(png, FORMATS, 89_478_485)


# ---------------------------------------------------------------------- through the fixture web


@pytest.fixture
def setup(tmp_path: Path, web: FixtureWeb):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path / "site", web)
    catalog = Catalog.open(tmp_path / "site.sqlite")
    store = RawStore(tmp_path / "raw", catalog)
    fetcher = Fetcher(config.fetch)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    yield config, catalog, store, fetcher, bundle
    fetcher.close()
    catalog.close()


def wechat_article(*urls: str, cover: str | None = None) -> Article:
    body = "\n\n".join(f"正文 ![]({u})" for u in urls)
    return Article(
        url=PAGE,
        site="wechat",
        kind="article",
        body_markdown=body,
        images=tuple(ImageRef(u) for u in urls),
        cover=cover,
    )


def test_images_are_fetched_with_the_hosts_referer_and_stored_by_content(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    png, jpg = make_png(30, 20), make_jpeg(40, 30)
    one = "https://mmbiz.qpic.cn/mmbiz_png/one/640?wx_fmt=png"
    same = "https://mmbiz.qpic.cn/mmbiz_png/same-bytes/640?wx_fmt=png"
    cover = "https://mmbiz.qpic.cn/mmbiz_jpg/cover/0?wx_fmt=jpeg"
    for url, data, ctype in ((one, png, "image/png"), (same, png, "image/png"), (cover, jpg, "image/jpeg")):
        web.add(url, data, content_type=ctype, referer_prefix=WECHAT_REFERER)
    collector = ImageCollector(config, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    results = collector.collect(wechat_article(one + "&tp=webp#imgIndex=0", same, cover=cover), bundle, PAGE)

    assert all(r.ok for r in results.values()), results
    names = sorted(p.name for p in bundle.iterdir())
    assert len(names) == 2  # identical bytes under two URLs: one file
    assert {r.local_file for r in results.values()} == set(names)
    assert (bundle / results[cover].local_file).read_bytes() == jpg  # type: ignore[operator]
    for seen in web.seen(one):
        assert "tp=webp" not in seen.url
    normal = [s for s in web.requests if s.headers.get("referer") == WECHAT_REFERER]
    assert len(normal) == 3
    # the first image of the protected host was probed once with a foreign Referer: placeholder learned
    probes = [s for s in web.requests if s.headers.get("referer") == config.images.foreign_referer]
    assert len(probes) == 1
    assert catalog.placeholders("qpic.cn") == {PLACEHOLDER_SHA}
    # image responses are in the raw store as metadata
    meta = catalog.query("SELECT url, record_type FROM raw_records WHERE kind='image'")
    assert {r["record_type"] for r in meta} == {"metadata"} and len(meta) >= 3


def test_a_wrong_referer_gets_the_placeholder_which_is_never_stored(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    real = make_png(33, 33, (9, 99, 199))
    url = "https://mmbiz.qpic.cn/mmbiz_png/wrongref/640?wx_fmt=png"
    web.add(url, real, content_type="image/png", referer_prefix=WECHAT_REFERER)
    # misconfigured: mmbiz gets a foreign Referer; the placeholder is known as data
    bad = dataclasses.replace(
        config,
        fetch=dataclasses.replace(config.fetch, referers={"qpic.cn": "https://evil.example/"}),
        images=dataclasses.replace(config.images, placeholders=(PLACEHOLDER_SHA,)),
    )
    collector = ImageCollector(bad, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    result = collector.collect(wechat_article(url), bundle, PAGE)[url]
    assert result.ok, result
    assert (bundle / result.local_file).read_bytes() == real  # type: ignore[operator]
    # first with the configured Referer (placeholder), then once without any Referer (real image)
    assert [s.headers.get("referer") for s in web.seen(url)] == ["https://evil.example/", None]
    assert PLACEHOLDER_PNG not in [p.read_bytes() for p in bundle.iterdir()]


def test_an_unknown_placeholder_is_caught_by_the_foreign_referer_trick(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    real = make_png(21, 21, (1, 200, 1))
    url = "https://mmbiz.qpic.cn/mmbiz_png/trick/640?wx_fmt=png"
    web.add(url, real, content_type="image/png", referer_prefix=WECHAT_REFERER)
    # wrong Referer and no placeholder known as data: the first answer is the placeholder…
    bad = dataclasses.replace(
        config, fetch=dataclasses.replace(config.fetch, referers={"qpic.cn": "https://evil.example/"})
    )
    collector = ImageCollector(bad, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    result = collector.collect(wechat_article(url), bundle, PAGE)[url]
    # …the foreign Referer gets the same bytes, no Referer gets other bytes: so the first was a placeholder
    assert result.ok and (bundle / result.local_file).read_bytes() == real  # type: ignore[operator]
    assert PLACEHOLDER_SHA in catalog.placeholders("qpic.cn")


def test_repeated_bytes_on_a_protected_host_are_caught_after_a_clean_probe(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    # the first image is served to anyone (so the weekly probe finds the host unprotected) …
    free = "https://mmbiz.qpic.cn/mmbiz_jpg/free/640?wx_fmt=jpeg"
    web.add(free, make_jpeg(20, 20, (5, 5, 5)), content_type="image/jpeg")
    # … but the next two answer our (here misconfigured) Referer with the placeholder
    two = [f"https://mmbiz.qpic.cn/mmbiz_png/guarded{i}/640?wx_fmt=png" for i in (1, 2)]
    reals = [make_png(12 + i, 12, (i * 40, 0, 0)) for i in (1, 2)]
    for url, data in zip(two, reals, strict=True):
        web.add(url, data, content_type="image/png", referer_prefix="https://only.this.example/")
    collector = ImageCollector(config, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    results = collector.collect(wechat_article(free, *two), bundle, PAGE)
    assert all(r.ok for r in results.values()), results
    stored = {p.read_bytes() for p in bundle.iterdir()}
    assert PLACEHOLDER_PNG not in stored
    # the second guarded image repeats the first one's bytes: recognised, both fetched again without
    # Referer, and the placeholder file written for the first one is gone from the bundle
    assert stored == {make_jpeg(20, 20, (5, 5, 5)), *reals}
    assert PLACEHOLDER_SHA in catalog.placeholders("qpic.cn")


def test_placeholder_everywhere_fails_the_image_not_the_article(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    url = "https://mmbiz.qpic.cn/mmbiz_png/always/640?wx_fmt=png"
    ok = "https://mmbiz.qpic.cn/mmbiz_png/fine/640?wx_fmt=png"
    web.route(url, lambda req: Response(body=PLACEHOLDER_PNG, content_type="image/png"))
    web.add(ok, make_png(10, 10), content_type="image/png", referer_prefix=WECHAT_REFERER)
    known = dataclasses.replace(
        config,
        images=dataclasses.replace(config.images, placeholders=(PLACEHOLDER_SHA,)),
    )
    collector = ImageCollector(known, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    results = collector.collect(wechat_article(url, ok), bundle, PAGE)
    assert results[url].status == "placeholder" and results[url].local_file is None
    assert "placeholder" in (results[url].error or "") and url in (results[url].error or "")
    assert results[ok].ok
    assert [p.read_bytes() for p in bundle.iterdir()] == [make_png(10, 10)]


def test_failures_are_per_image_with_a_message(setup, web: FixtureWeb) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    missing = "https://inews.gtimg.com/om_bt/missing/641"
    html = "https://inews.gtimg.com/om_bt/html/641"
    svg = "https://inews.gtimg.com/om_bt/svg/641"
    good = "https://inews.gtimg.com/om_bt/good/641"
    web.add(html, b"<html><body>login</body></html>", content_type="image/png")
    web.add(svg, b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/jpeg")
    web.add(good, make_jpeg(), content_type="image/jpeg")

    collector = ImageCollector(config, catalog, bundle.parent, fetcher=fetcher, rawstore=store)
    a = wechat_article(missing, html, svg, good, "data:image/png;base64,AAAA")
    results = collector.collect(a, bundle, "https://new.qq.com/rain/a/X")
    assert results[good].ok
    for url in (missing, html, svg):
        assert results[url].status == "failed" and url in (results[url].error or ""), results[url]
    assert results["data:image/png;base64,AAAA"].status == "failed"
    assert len(list(bundle.iterdir())) == 1


def test_stored_images_are_reused_without_the_network(setup, web: FixtureWeb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, catalog, store, fetcher, bundle = setup
    from archive.catalog import ImageRow

    url = "https://inews.gtimg.com/om_bt/reuse/641"
    data = make_jpeg(12, 12)
    web.add(url, data, content_type="image/jpeg")
    root = bundle.parent
    first = ImageCollector(config, catalog, root, fetcher=fetcher).collect(wechat_article(url), bundle, PAGE)[
        url
    ]
    art = catalog.upsert_article(
        url=PAGE, site="wechat", article_id="x", bundle_path="bundle/index.md", content_hash="h",
        extractor_version="1", kind="article", status="archived", updated_at="2025-01-01T00:00:00Z",
    )  # fmt: skip
    catalog.set_images(art, [ImageRow(art, url, url, first.sha256, first.local_file, "stored", None, "t")])
    web.reset()
    other = tmp_path / "other-bundle"
    other.mkdir()
    offline = ImageCollector(config, catalog, root, fetcher=None)
    again = offline.collect(wechat_article(url), other, PAGE)[url]
    # offline, nothing is written: the copy is left to the writer (a reextract worker writes nothing)
    assert again.ok and again.copy_from == f"bundle/{first.local_file}" and not any(other.iterdir())
    copy_stored_images({url: again}, other, root)
    assert (other / again.local_file).read_bytes() == data  # type: ignore[operator]
    assert web.requests == []
    # a stored copy whose bytes changed on disk is not trusted
    (bundle / first.local_file).write_bytes(b"tampered")  # type: ignore[operator]
    (other / again.local_file).unlink()  # type: ignore[operator]
    third = tmp_path / "third"
    third.mkdir()
    assert offline.collect(wechat_article(url), third, PAGE)[url].status == "pending"
