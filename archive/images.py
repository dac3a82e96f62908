"""Images: download every body image and the cover, prove each is a real picture, store it once.

For each image of an article (body images + cover, in order, duplicates once):

1. **Normalise the URL** (:func:`normalise_image_url`): no fragment (``#imgIndex=3``), and on WeChat's
   image hosts no ``tp=webp`` (a request for a WebP transcode: we want the original, and GIFs keep
   their animation) nor the lazy-loading flags; ``wx_fmt`` stays (the format is sniffed anyway).
2. **Reuse before download**: an image already stored (this bundle or another, same normalised URL,
   file present and its hash still right) is taken from disk. Re-archiving costs no image requests,
   and ``reextract`` works offline.
3. **Download** with the Referer the host expects (``[fetch.referers]``, longest host suffix wins;
   other hosts get the page's origin, as a browser would send).
4. **Never store an anti-hotlink placeholder.** mmbiz.qpic.cn answers a foreign Referer with a
   200 OK picture. Recognised by sha256 among the known placeholders (``[images] placeholders`` and
   those learned into the catalog), and learned by a probe: the first image of each hotlink-protected
   host (one with a ``[fetch.referers]`` entry) is requested once more with a deliberately foreign
   Referer, once a week at most (``host_probes`` in the catalog); if the answer differs,
   it is that host's placeholder (kept in the catalog). If the foreign Referer gets the *same* bytes,
   the bytes are either a placeholder or an unprotected host's real image: a request without Referer
   decides. A detected placeholder is retried once without Referer; if that is a placeholder too the
   image fails (``PlaceholderImage``).
5. **Verify with Pillow** (:func:`verify_image`): format sniffed from the bytes within an allow-list,
   the decompression-bomb warning turned into an error, every frame fully loaded (truncated files
   fail), SVG/HTML served as an image refused.
6. **Store by content**: ``<sha256[:16]>.<ext>`` in the bundle directory, written atomically; the
   same bytes under different URLs are one file.

An image that fails keeps its remote URL in the Markdown, gets a catalog row with the error, and never
fails the article; a full or read-only disk (``DiskFullError``) is not the image's failure and fails
the article instead (it is then not published, rather than published without its pictures).
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import struct
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from PIL import Image, ImageFile

from archive.catalog import Catalog, utcnow
from archive.fsutil import atomic_write, read_bytes_nofollow
from scraper.config import Config
from scraper.errors import DiskFullError, ImageError, PlaceholderImage, StoreError, WxArchiveError
from scraper.models import Article, RawPage

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "TIFF": "tif"}

LOCAL_NAME = re.compile(r"^[0-9a-f]{16}\.(?:jpg|png|gif|webp|bmp|tif)$")
"""The names this module gives to image files: only these are ever removed from a bundle."""

WECHAT_IMAGE_HOSTS = ("qpic.cn", "qlogo.cn")
WECHAT_DROP_PARAMS = frozenset({"tp", "wx_lazy", "wx_co"})  # why: transcode/lazy-load flags, not identity

MAX_FRAMES = 2000  # why: a real animated sticker has tens to a few hundred frames; more is a CPU bomb
PROBE_TTL = timedelta(days=7)  # why: placeholders change rarely; a weekly re-probe costs 2 requests per host
FRAME_BUDGET_FACTOR = 4  # why: all frames together may decode up to 4× the single-image pixel cap

_IMAGE_MD = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?")


class ImageFetcher(Protocol):
    def fetch(
        self, url: str, *, referer: str | None = None, kind: str = "page", max_bytes: int | None = None
    ) -> RawPage: ...


@dataclass(frozen=True)
class ImageResult:
    """What became of one image of an article (``remote_url`` as the article wrote it)."""

    remote_url: str
    fetch_url: str
    status: str  # stored | failed | placeholder | pending
    local_file: str | None = None
    sha256: str | None = None
    error: str | None = None
    # an offline collector's stored copy in another bundle (path from the archive root), to be copied
    # into this bundle by the writer (see copy_stored_images)
    copy_from: str | None = None
    origin: str = ""  # "saved": taken from the folder a browser saved beside the page (import)

    @property
    def ok(self) -> bool:
        return self.status == "stored" and self.local_file is not None


@dataclass(frozen=True)
class Verified:
    format: str
    width: int
    height: int
    frames: int

    @property
    def ext(self) -> str:
        return EXTENSIONS.get(self.format, self.format.lower())


# ---------------------------------------------------------------------- pure helpers


def normalise_image_url(url: str, base: str = "") -> str:
    """The URL we download: absolute, no fragment, WeChat transcode/lazy flags dropped.

    Raises ``ImageError`` for anything that is not http(s) (``data:``, ``file:``, ``javascript:``).
    """
    url = html.unescape((url or "").strip())
    if url.startswith("//"):
        url = "https:" + url
    elif base and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        from urllib.parse import urljoin

        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ImageError(f"The image URL {url[:200]} is not an http(s) URL; it was not downloaded.", url)
    query = parts.query
    host = parts.hostname.lower()
    if any(host == h or host.endswith("." + h) for h in WECHAT_IMAGE_HOSTS):
        pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in WECHAT_DROP_PARAMS]
        query = urlencode(pairs)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def referer_for(url: str, referers: dict[str, str], page_url: str = "") -> str | None:
    """The Referer to send for ``url``: the configured one of the longest matching host suffix, else
    the page's origin (what a browser's default referrer policy sends cross-origin), else none."""
    host = (urlsplit(url).hostname or "").lower()
    best = None
    for suffix, value in referers.items():
        suffix = suffix.lower().lstrip(".")
        if (host == suffix or host.endswith("." + suffix)) and (best is None or len(suffix) > len(best[0])):
            best = (suffix, value)
    if best is not None:
        return best[1] or None
    page = urlsplit(page_url)
    if page.scheme in ("http", "https") and page.netloc:
        return f"{page.scheme}://{page.netloc}/"
    return None


def protected_host(url: str, referers: dict[str, str]) -> str | None:
    """The configured host suffix when ``url``'s host is hotlink-protected (has a Referer entry)."""
    host = (urlsplit(url).hostname or "").lower()
    matches = [
        s.lower().lstrip(".")
        for s in referers
        if host == s.lower().lstrip(".") or host.endswith("." + s.lower().lstrip("."))
    ]
    return max(matches, key=len) if matches else None


def image_urls(article: Article) -> list[str]:
    """Every image URL of the article, in order of appearance, each once: body images, then the cover."""
    seen: dict[str, None] = {}
    for ref in article.images:
        if ref.url:
            seen.setdefault(ref.url, None)
    for m in _IMAGE_MD.finditer(article.body_markdown):
        seen.setdefault(m.group(1), None)
    if article.cover:
        seen.setdefault(article.cover, None)
    return list(seen)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_name(data: bytes, verified: Verified) -> str:
    return f"{sha256_hex(data)[:16]}.{verified.ext}"


_VERIFY_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    MemoryError,
    ValueError,
    NotImplementedError,
    OverflowError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
"""Pillow's fuzz-harness catch list plus the odd types its plugins raise on garbage."""


def verify_image(data: bytes, formats: Iterable[str], max_pixels: int, url: str = "") -> Verified:
    """Prove ``data`` is a complete picture in an allowed format; raise ``ImageError`` otherwise.

    The format comes from the bytes (Pillow's sniffing restricted to ``formats``), never from the URL
    or the Content-Type. Pixel counts above ``max_pixels`` fail (Pillow's bomb warning is an error
    here), every frame is decoded, and truncated data fails because LOAD_TRUNCATED_IMAGES stays off.
    """
    allowed = [f.upper() for f in formats]
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not data:
        raise ImageError(f"The image {url} is empty.", url)
    if head.startswith((b"<", b"{")) or b"<svg" in head or b"<html" in head:
        raise ImageError(f"The image {url} is markup (SVG/HTML/JSON), not a picture; refused.", url)
    saved_max, saved_trunc = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        Image.MAX_IMAGE_PIXELS = max_pixels
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=allowed) as im:
                fmt = (im.format or "").upper()
                if fmt not in allowed:
                    raise ImageError(
                        f"The image {url} is {fmt or 'of an unknown format'}, not one of {allowed}.", url
                    )
                width, height = im.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise ImageError(
                        f"The image {url} is {width}×{height} pixels, over the limit of {max_pixels}.", url
                    )
                frames = int(getattr(im, "n_frames", 1) or 1)
                if frames > MAX_FRAMES:
                    raise ImageError(
                        f"The image {url} has {frames} frames, over the limit of {MAX_FRAMES}.", url
                    )
                budget = max_pixels * FRAME_BUDGET_FACTOR
                decoded = 0
                for index in range(frames):
                    if index:
                        im.seek(index)
                    im.load()
                    decoded += im.size[0] * im.size[1]
                    if decoded > budget:
                        raise ImageError(
                            f"The animated image {url} decodes to more than {budget} pixels.", url
                        )
    except ImageError:
        raise
    except _VERIFY_ERRORS as exc:
        kind = type(exc).__name__
        raise ImageError(f"The image {url} is not a valid picture ({kind}: {exc}).", url) from exc
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = saved_max, saved_trunc
    return Verified(fmt, width, height, frames)


def copy_stored_images(
    images: dict[str, ImageResult],
    bundle_dir: Path,
    root: Path,
    *,
    live: Path | None = None,
    staging: Path | None = None,
) -> None:
    """Copy into ``bundle_dir`` the stored images an offline collector found but did not copy: those
    in other bundles (``copy_from``) and, when ``bundle_dir`` is a staged folder, those of the live
    bundle folder ``live``.

    Each copy is checked against its hash again (the source may have changed since it was found);
    one that no longer matches raises ``StoreError`` and the article is not written.
    """
    root = Path(root).resolve()
    for result in images.values():
        if not result.ok or not result.local_file or (bundle_dir / result.local_file).exists():
            continue
        if result.copy_from:
            source = (root / result.copy_from).resolve()
        elif live is not None:
            source = (live / result.local_file).resolve()
        else:
            continue  # publishing refuses a page whose image is missing
        shown = source.relative_to(root) if source.is_relative_to(root) else None
        if shown is None:
            raise StoreError(f"The stored image {source} is outside the archive.")
        data = read_bytes_nofollow(source)
        if data is None or sha256_hex(data) != result.sha256:
            raise StoreError(
                f"The stored image {shown} changed or vanished while it was being copied to "
                f"{bundle_dir.name}; the article was not written (run again)."
            )
        atomic_write(bundle_dir / result.local_file, data, staging=staging)


# ---------------------------------------------------------------------- the collector


class ImageCollector:
    """Gets the images of articles into their bundles; one instance per run (it remembers probes)."""

    def __init__(
        self,
        config: Config,
        catalog: Catalog,
        root: Path,
        *,
        fetcher: ImageFetcher | None = None,
        rawstore: Any = None,
        staging: Path | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.root = Path(root).resolve()
        self.fetcher = fetcher  # None: offline (reextract, --no-images): reuse only
        self.rawstore = rawstore
        self.staging = staging
        self._probed: set[str] = set()
        # (host, sha256) -> first URL that answered those bytes, for protected hosts in this run
        self._seen_bytes: dict[tuple[str, str], str] = {}
        self._saved: Mapping[str, Path] = {}

    # .................................................................. public
    def collect(
        self,
        article: Article,
        bundle_dir: Path,
        page_url: str,
        previous: dict[str, Any] | None = None,
        saved: Mapping[str, Path] | None = None,
    ) -> dict[str, ImageResult]:
        """Get every image of ``article`` into ``bundle_dir``; return results keyed by remote URL.

        ``previous`` maps remote URL → the catalog's earlier ``ImageRow`` for this article (used to
        carry an earlier failure forward when running offline). ``saved`` maps normalised URL → the
        file a browser saved beside the page (``archive.saved``): such a picture is read from it,
        not downloaded, even offline. Never raises for a single image.
        """
        self._saved = saved or {}
        results: dict[str, ImageResult] = {}
        by_fetch: dict[str, ImageResult] = {}
        for remote in image_urls(article):
            try:
                fetch_url = normalise_image_url(remote, page_url)
            except ImageError as exc:
                results[remote] = ImageResult(remote, remote, "failed", error=str(exc))
                continue
            if fetch_url in by_fetch:
                done = by_fetch[fetch_url]
                results[remote] = ImageResult(
                    remote, fetch_url, done.status, done.local_file, done.sha256, done.error, done.copy_from
                )
                continue
            try:
                result = self._one(remote, fetch_url, bundle_dir, page_url, (previous or {}).get(remote))
            except PlaceholderImage as exc:
                result = ImageResult(remote, fetch_url, "placeholder", error=str(exc))
            except DiskFullError:
                raise  # why: the disk's fault, not the image's: the article fails whole, not degraded
            except WxArchiveError as exc:
                result = ImageResult(remote, fetch_url, "failed", error=str(exc))
            except Exception as exc:  # noqa: BLE001 - an image never fails the article
                result = ImageResult(
                    remote,
                    fetch_url,
                    "failed",
                    error=f"The image {fetch_url} failed: {type(exc).__name__}: {exc}.",
                )
            by_fetch[fetch_url] = result
            results[remote] = result
        if self.fetcher is not None:
            self._repair_placeholders(results, bundle_dir)
        return results

    def _repair_placeholders(self, results: dict[str, ImageResult], bundle_dir: Path) -> None:
        """Fetch again, without Referer, images stored before their bytes were learned as a placeholder.

        Why: the placeholder is only recognised once a second image of the host answers the same bytes
        (or a probe learns it), by which time the first one is already in the bundle.
        """
        learned = self.catalog.placeholders()
        for remote, result in list(results.items()):
            if result.status != "stored" or result.sha256 not in learned:
                continue
            try:
                data, verified = self._without_referer(result.fetch_url, None)
                name = local_name(data, verified)
                atomic_write(bundle_dir / name, data, staging=self.staging)
                fixed = ImageResult(remote, result.fetch_url, "stored", name, sha256_hex(data))
            except DiskFullError:
                raise
            except WxArchiveError as exc:
                fixed = ImageResult(remote, result.fetch_url, "placeholder", error=str(exc))
            results[remote] = fixed
            if result.local_file and all(r.local_file != result.local_file for r in results.values()):
                (bundle_dir / result.local_file).unlink(missing_ok=True)

    # .................................................................. one image
    def _one(
        self, remote: str, fetch_url: str, bundle_dir: Path, page_url: str, previous: Any
    ) -> ImageResult:
        reused = self._reuse(fetch_url, bundle_dir)
        if reused is not None:
            name, digest, source = reused
            origin = self._origin(fetch_url)
            return ImageResult(remote, fetch_url, "stored", name, digest, copy_from=source, origin=origin)
        if fetch_url in self._saved:
            stored = self._from_saved(remote, fetch_url, bundle_dir)
            if stored is not None:
                return stored
        if self.fetcher is None:
            if previous is not None and previous.status != "stored":
                return ImageResult(remote, fetch_url, previous.status, error=previous.error)
            return ImageResult(
                remote, fetch_url, "pending", error=f"The image {fetch_url} was not downloaded (offline run)."
            )
        data, verified = self._download(fetch_url, page_url)
        name = local_name(data, verified)
        atomic_write(bundle_dir / name, data, staging=self.staging)
        return ImageResult(remote, fetch_url, "stored", name, sha256_hex(data))

    def _origin(self, fetch_url: str) -> str:
        return "saved" if fetch_url in self._saved else ""

    def _from_saved(self, remote: str, fetch_url: str, bundle_dir: Path) -> ImageResult | None:
        """The picture from the file a browser saved for it, checked as a download is; None when the
        file cannot be read, is no picture or is a placeholder (then it is downloaded as usual)."""
        path = self._saved[fetch_url]
        try:
            if path.stat().st_size > self.config.fetch.max_image_bytes:
                return None
            data = path.read_bytes()
            verified = verify_image(
                data, self.config.images.formats, self.config.images.max_pixels, fetch_url
            )
        except (OSError, ImageError):
            return None
        if self._is_placeholder(data, fetch_url):
            return None
        name = local_name(data, verified)
        bundle_dir.mkdir(parents=True, exist_ok=True)  # why: an import without downloads is an offline run
        atomic_write(bundle_dir / name, data, staging=self.staging)
        raw = RawPage(fetch_url, fetch_url, 200, (), data, utcnow())
        self._meta(raw, "stored", f"read from {path.parent.name}/{path.name}, saved beside the page")
        return ImageResult(remote, fetch_url, "stored", name, sha256_hex(data), origin="saved")

    def _reuse(self, fetch_url: str, bundle_dir: Path) -> tuple[str, str, str | None] | None:
        """An already stored copy of ``fetch_url`` (checked by hash): (name, sha256, source).

        A copy in another bundle is copied into this one now when online; offline (``fetcher`` None,
        a ``reextract`` that may run in a worker process or write nothing at all) it is left to the
        writer, and ``source`` names it (a path from the archive root; None when already here).
        """
        rows = self.catalog.query(
            "SELECT i.local_file, i.sha256, a.bundle_path FROM images i JOIN articles a ON a.id = i.article "
            "WHERE i.fetch_url=? AND i.status='stored' ORDER BY i.updated_at DESC",
            (fetch_url,),
        )
        for row in rows:
            name, digest, bundle_path = row["local_file"], row["sha256"], row["bundle_path"]
            if not name or not digest or not LOCAL_NAME.match(name):
                continue
            source_dir = (self.root / bundle_path).parent
            try:
                source_dir.resolve().relative_to(self.root)
                data = read_bytes_nofollow(source_dir / name)
            except (ValueError, StoreError):
                continue
            if data is None or sha256_hex(data) != digest:
                continue
            if source_dir.resolve() == bundle_dir.resolve():
                return name, digest, None
            if self.fetcher is None:
                return name, digest, str((source_dir / name).resolve().relative_to(self.root))
            atomic_write(bundle_dir / name, data, staging=self.staging)
            return name, digest, None
        found = self._reuse_from_raw(fetch_url, bundle_dir)
        return (*found, None) if found is not None else None

    def _reuse_from_raw(self, fetch_url: str, bundle_dir: Path) -> tuple[str, str] | None:
        """A copy already in this bundle, found through the raw store's image metadata (URL → sha256).

        This is what lets ``reindex`` + ``reextract`` rebuild a lost catalog without dropping images:
        the WARC metadata records survive, and the files are named by their hash.
        """
        rows = self.catalog.query(  # two indexed lookups: an OR of the two URL columns would scan
            "SELECT digest FROM raw_records WHERE url=? AND kind='image' UNION "
            "SELECT digest FROM raw_records WHERE final_url=? AND kind='image'",
            (fetch_url, fetch_url),
        )
        placeholders = self.catalog.placeholders() | {h.lower() for h in self.config.images.placeholders}
        for row in rows:
            digest = str(row["digest"]).removeprefix("sha256:")
            if digest in placeholders:
                continue
            for ext in sorted(set(EXTENSIONS.values())):
                name = f"{digest[:16]}.{ext}"
                try:
                    data = read_bytes_nofollow(bundle_dir / name)
                except StoreError:
                    continue
                if data is not None and sha256_hex(data) == digest:
                    return name, digest
        return None

    def _download(self, url: str, page_url: str) -> tuple[bytes, Verified]:
        assert self.fetcher is not None
        referers = dict(self.config.fetch.referers)
        referer = referer_for(url, referers, page_url)
        raw = self._get(url, referer)
        if self._is_placeholder(raw.body, url):
            self._meta(raw, "placeholder", f"known placeholder with Referer {referer}")
            return self._without_referer(url, referer)
        verified = self._verify(raw)
        host = protected_host(url, referers)
        if host is not None:
            first = self._seen_bytes.setdefault((host, raw.digest), url)
            if first != url:
                # why: two different images of one protected host answering the very same bytes is the
                # signature of a placeholder, even when the weekly probe found the host unprotected
                bare = self._get(url, "")
                if bare.digest != raw.digest:
                    self._learn(host, raw)
                    self._meta(raw, "placeholder", f"same bytes as {first} with Referer {referer}")
                    verified = self._verify(bare)
                    self._meta(bare, "stored", "after retry without Referer")
                    return bare.body, verified
        if host is not None and self._needs_probe(host):
            self._probed.add(host)
            probe = self._get(url, self.config.images.foreign_referer)
            if probe.digest != raw.digest:
                self._learn(host, probe)
                self.catalog.set_host_probe(host, True, utcnow())
            else:
                bare = self._get(url, "")
                if bare.digest != raw.digest:
                    # the host answers these bytes to anyone with a Referer: they are its placeholder
                    self._learn(host, raw)
                    self.catalog.set_host_probe(host, True, utcnow())
                    self._meta(raw, "placeholder", f"same bytes for Referer {referer} and a foreign one")
                    verified = self._verify(bare)
                    self._meta(bare, "stored")
                    return bare.body, verified
                self.catalog.set_host_probe(host, False, utcnow())
        self._meta(raw, "stored")
        return raw.body, verified

    def _needs_probe(self, host: str) -> bool:
        """Probe a Referer-checked host once per run at most, and only when its last probe is stale."""
        if host in self._probed:
            return False
        last = self.catalog.host_probed_at(host)
        return last is None or utcnow() - last > PROBE_TTL

    def _without_referer(self, url: str, referer: str | None) -> tuple[bytes, Verified]:
        raw = self._get(url, "")
        if self._is_placeholder(raw.body, url):
            self._meta(raw, "placeholder", "placeholder without Referer too")
            raise PlaceholderImage(
                f"The image {url} is answered with an anti-hotlink placeholder (Referer {referer}, and without "
                f"Referer); it was not stored.",
                url,
            )
        verified = self._verify(raw)
        self._meta(raw, "stored", "after retry without Referer")
        return raw.body, verified

    def _get(self, url: str, referer: str | None) -> RawPage:
        """One image request; ``referer`` None or "" sends no Referer at all."""
        assert self.fetcher is not None
        raw = self.fetcher.fetch(
            url, referer=referer or "", kind="image", max_bytes=self.config.fetch.max_image_bytes
        )
        if raw.status != 200:
            raise ImageError(f"The image {url} answered HTTP {raw.status}.", url)
        return raw

    def _verify(self, raw: RawPage) -> Verified:
        try:
            return verify_image(raw.body, self.config.images.formats, self.config.images.max_pixels, raw.url)
        except ImageError as exc:
            self._meta(raw, "rejected", str(exc))
            raise

    def _is_placeholder(self, data: bytes, url: str) -> bool:
        digest = sha256_hex(data)
        known = {h.lower() for h in self.config.images.placeholders}
        return digest in known or digest in self.catalog.placeholders()

    def _learn(self, host: str, raw: RawPage) -> None:
        width: int | None = None
        height: int | None = None
        try:
            v = verify_image(raw.body, self.config.images.formats, self.config.images.max_pixels, raw.url)
            width, height = v.width, v.height
        except ImageError:
            pass
        self.catalog.learn_placeholder(host, sha256_hex(raw.body), len(raw.body), width, height)
        self._meta(raw, "placeholder", f"answer to the foreign Referer {self.config.images.foreign_referer}")

    def _meta(self, raw: RawPage, outcome: str, detail: str = "") -> None:
        if self.rawstore is not None:
            self.rawstore.put_image_meta(raw, outcome, detail)
