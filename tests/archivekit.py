"""Shared helpers for the archive tests: configs pointed at the fixture web, hand-written pages.

The pages under ``tests/fixtures/archive/`` are written by hand for these tests (a WeChat-like article
with images on mmbiz.qpic.cn, a Tencent News article, a deleted-article page), never corpus copies.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import frontmatter

from scraper.config import Config, config_from_dict
from tests.fixtureweb import PLACEHOLDER_PNG, FixtureWeb, make_gif, make_jpeg, make_png

FIXTURES = Path(__file__).parent / "fixtures" / "archive"

WECHAT_URL = "https://mp.weixin.qq.com/s/Tst0ArchIveFixture0001"
QQ_URL = "https://new.qq.com/rain/a/20250213A06FMB00"
DELETED_URL = "https://mp.weixin.qq.com/s/Tst0DeletedFixture00001"

# The image URLs as the client must request them (tp=webp, wx_lazy, wx_co and #imgIndex dropped).
IMG_ONE = "https://mmbiz.qpic.cn/mmbiz_png/fixtureOne/640?wx_fmt=png&wxfrom=5"
IMG_TWO = "https://mmbiz.qpic.cn/mmbiz_jpg/fixtureTwo/640?wx_fmt=jpeg"
IMG_ONE_COPY = "https://mmbiz.qpic.cn/mmbiz_png/fixtureOneCopy/640?wx_fmt=png"
COVER_URLS = (
    "https://mmbiz.qpic.cn/mmbiz_jpg/fixtureCover/0?wx_fmt=jpeg",
    "https://mmbiz.qpic.cn/mmbiz_jpg/fixtureCover/640?wx_fmt=jpeg",
)
QQ_IMG = "https://inews.gtimg.com/om_bt/fixtureQqOne/641"

PNG_ONE = make_png(64, 48, (200, 30, 30))
JPEG_TWO = make_jpeg(80, 60, (30, 30, 200))
COVER_JPEG = make_jpeg(120, 90, (10, 160, 90))
QQ_PNG = make_png(50, 40, (90, 90, 10))
GIF_SMALL = make_gif()

WECHAT_REFERER = "https://mp.weixin.qq.com/"

SEED_KEYS = [
    "title", "date", "summary", "categories", "lang", "translations", "tags", "menu", "thumbnail", "lead",
    "comments", "authorbox", "pager", "toc", "mathjax", "sidebar", "widgets",
]  # fmt: skip
ARCHIVE_KEYS = [
    "author", "account", "source", "source_url", "canonical_url", "original_url", "fetched", "content_hash",
    "extractor_version", "article_id", "kind",
]  # fmt: skip


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_config(root: Path, web: FixtureWeb | None = None, **sections: dict[str, Any]) -> Config:
    """The packaged defaults with the archive at ``root`` and fetching through ``web`` (no delay)."""
    base = config_from_dict({})  # the packaged defaults only, whatever the environment says
    config = dataclasses.replace(base, archive=dataclasses.replace(base.archive, root=str(root)))
    if web is not None:
        config = dataclasses.replace(
            config, fetch=web.fetch_config(referers=dict(base.fetch.referers), retries=1)
        )
    for name, values in sections.items():
        config = dataclasses.replace(config, **{name: dataclasses.replace(getattr(config, name), **values)})
    return config


def serve_wechat(web: FixtureWeb, html: bytes | None = None, url: str = WECHAT_URL) -> None:
    """The WeChat fixture article and its images, the images behind mmbiz's Referer check."""
    web.add(url, html if html is not None else page("wechat-article.html"))
    for img_url, body, ctype in (
        (IMG_ONE, PNG_ONE, "image/png"),
        (IMG_TWO, JPEG_TWO, "image/jpeg"),
        (IMG_ONE_COPY, PNG_ONE, "image/png"),
        *((u, COVER_JPEG, "image/jpeg") for u in COVER_URLS),
    ):
        web.add(img_url, body, content_type=ctype, referer_prefix=WECHAT_REFERER, placeholder=PLACEHOLDER_PNG)


def serve_qq(web: FixtureWeb) -> None:
    web.add(QQ_URL, page("qq-article.html"))
    web.add(QQ_IMG, QQ_PNG, content_type="image/png")


def read_doc(path: Path) -> tuple[dict[str, Any], str, str]:
    """(metadata, body, raw text) of an index.md."""
    text = path.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    return dict(post.metadata), post.content, text


def front_keys(text: str) -> list[str]:
    """The top-level keys of a document's front matter, in file order."""
    block = text.split("\n---\n", 1)[0]
    return [ln.split(":", 1)[0] for ln in block.splitlines()[1:] if ln and not ln.startswith((" ", "-"))]


def tree_state(root: Path) -> dict[str, tuple[int, int, int]]:
    """path → (inode, mtime_ns, size) of every file under ``root`` (to prove nothing was rewritten)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def temp_files(root: Path) -> list[Path]:
    """Our temp files (``.wxa-tmp-*``) anywhere under ``root``."""
    return sorted(p for p in root.rglob(".wxa-tmp-*"))


def crashing_extract(body: bytes, url: str):  # type: ignore[no-untyped-def]
    """An extractor for the isolation tests: aborts the process (like a C-parser segfault) on a page
    containing ``CRASH-ME``, never returns on ``HANG-ME``, else is the real extractor."""
    import os
    import time

    from scraper import extract

    if b"CRASH-ME" in body:
        os.abort()
    if b"HANG-ME" in body:
        time.sleep(3600)
    return extract(body, url)


def serve_images(web: FixtureWeb, prefix: str, referer_prefix: str | None = None) -> None:
    """Serve a distinct generated PNG for every image URL under ``prefix`` (placeholder for a foreign
    Referer when ``referer_prefix`` is set, like mmbiz.qpic.cn): the pictures of real corpus pages."""
    import hashlib

    from tests.fixtureweb import Request, Response

    def handle(req: Request) -> Response:
        referer = req.headers.get("referer")
        if referer_prefix and referer is not None and not referer.startswith(referer_prefix):
            return Response(body=PLACEHOLDER_PNG, content_type="image/png")
        h = hashlib.sha256(req.url.encode()).digest()
        return Response(
            body=make_png(16 + h[0] % 50, 16 + h[1] % 50, (h[2], h[3], h[4])), content_type="image/png"
        )

    web.route(prefix, handle)
