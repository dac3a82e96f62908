"""``clean --localize``: the remote pictures of an existing Markdown mirror, stored in its page bundle.

When: an older tool mirrored articles as Markdown whose pictures still point at the sites (hotlinks
that break or turn into anti-hotlink placeholders). ``clean --localize`` gets them the way
``archive`` gets an article's pictures (:class:`archive.images.ImageCollector`: the Referer each host
expects, the placeholder checks, Pillow's verification, one file per content hash, every response
kept in the raw store), writes them beside the page's ``index.md`` and links them there; the
thumbnail becomes the bundle's file in Mainroad's map form (:func:`archive.writer.thumbnail_value`).
A picture that cannot be had keeps its remote link, and the run says which and why.

The catalog and raw store are those of the archive root the file lives in (the nearest folder above
it that holds a catalog), else of ``--out`` / ``[archive] root``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.images import ImageCollector
from archive.writer import rewrite_images, thumbnail_value
from scraper.config import Config
from scraper.models import Article, ImageRef

_REMOTE_IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?(https?://[^)\s>]+)>?")


@dataclass(frozen=True)
class Localized:
    """What localizing one document found and did."""

    body: str
    cover: str  # the remote thumbnail ("" when the document has none, or a local one)
    page_url: str
    site: str
    bundle_dir: Path
    remote: tuple[str, ...]  # the remote picture URLs, body then cover, each once
    thumbnail: dict[str, Any] | None = None  # the new thumbnail value, when the cover was stored
    stored: int = 0
    failed: list[str] = field(default_factory=list)  # "URL: why"


def archive_root_of(path: Path, catalog: str = "catalog.sqlite") -> Path | None:
    """The nearest folder above ``path`` that holds an archive catalog, if any."""
    for parent in Path(path).resolve().parents:
        if (parent / catalog).is_file():
            return parent
    return None


def site_path(bundle_dir: Path, content_dir: str = "content") -> str:
    """The bundle's path from the site root, as ``thumbnail`` wants it (``qq/<id>/``).

    Below a ``content`` folder it is the path from there; elsewhere the folder is taken to be a
    section of one (``<parent>/<bundle>/``), which is where such a file is published once moved in."""
    parts = Path(bundle_dir).resolve().parts
    if content_dir in parts:
        inside = parts[len(parts) - 1 - parts[::-1].index(content_dir) + 1 :]
        return "/".join(inside) + "/" if inside else ""
    return "/".join(parts[-2:]) + "/"


class Localizer:
    """Stores the remote pictures of documents in their bundles; one instance per ``clean`` run."""

    def __init__(self, config: Config, root: Path, *, fetcher: Any = None) -> None:
        from archive.pipeline import Archive

        self.config = config
        self.archive = Archive(config, root)
        self._own_fetcher = fetcher is None
        if fetcher is None:
            from scraper.fetch import Fetcher

            fetcher = Fetcher(config.fetch)
        self.fetcher = fetcher
        self.collector = ImageCollector(
            config,
            self.archive.catalog,
            self.archive.root,
            fetcher=fetcher,
            rawstore=self.archive.rawstore,
            staging=self.archive.staging,
        )

    def close(self) -> None:
        if self._own_fetcher:
            self.fetcher.close()
        self.archive.close()

    def __enter__(self) -> Localizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def plan(body: str, cover: str, *, page_url: str, site: str, bundle_dir: Path) -> Localized:
        """What there is to localize in ``body`` and the thumbnail ``cover`` (no network)."""
        remote = dict.fromkeys(m.group(1) for m in _REMOTE_IMAGE.finditer(body))
        cover = cover if cover.startswith(("http://", "https://")) else ""
        if cover:
            remote.setdefault(cover, None)
        return Localized(body, cover, page_url, site, bundle_dir, tuple(remote))

    def fetch(self, plan: Localized) -> Localized:
        """Download the planned pictures into the bundle; the body and thumbnail linked to them."""
        plan.bundle_dir.mkdir(parents=True, exist_ok=True)
        article = Article(
            url=plan.page_url or "https://localhost/",
            site=plan.site or "web",
            kind="article",
            images=tuple(ImageRef(url) for url in plan.remote if url != plan.cover),
            cover=plan.cover or None,
        )
        results = self.collector.collect(article, plan.bundle_dir, plan.page_url)
        local = {url: r.local_file for url, r in results.items() if r.ok and r.local_file}
        failed = [
            f"{url}: {' '.join((r.error or r.status).split())}" for url, r in results.items() if not r.ok
        ]
        thumbnail = None
        if plan.cover and plan.cover in local:
            thumbnail = thumbnail_value(
                site_path(plan.bundle_dir, self.config.archive.content_dir) + local[plan.cover]
            )
        body = rewrite_images(plan.body, local)
        return dataclasses.replace(plan, body=body, thumbnail=thumbnail, stored=len(local), failed=failed)
