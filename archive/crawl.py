"""The crawl: the configured ``[[sources]]`` that are due, each URL archived by the pipeline.

::

    crawl   feed/urls of each due source ─► Pipeline.archive_url for each

A source is crawled when ``interval_minutes`` have passed since its last crawl (kept in the
catalog's ``sources`` table) or when ``force`` is given. Every URL ends as one
:class:`archive.pipeline.Result`, recorded like any other; a feed that fails is one failed result and
the source's fixed URLs are still crawled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from archive.catalog import iso
from scraper.config import Source
from scraper.errors import ConfigError, ExtractError, StoreError, TransientFetchError, WxArchiveError
from scraper.models import RawPage

if TYPE_CHECKING:
    from archive.pipeline import Pipeline, Result  # noqa: F401


class Crawl:
    """One crawl over the sources of ``pipeline``'s configuration."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipe = pipeline
        self.config = pipeline.config
        self.catalog = pipeline.catalog

    def run(self, names: Iterable[str] | None = None, *, force: bool = False) -> list[Result]:
        """Crawl the configured sources that are due (``interval_minutes`` since their last crawl)."""
        wanted = list(names or [])
        known = {s.name for s in self.config.sources}
        missing = [n for n in wanted if n not in known]
        if missing:
            raise ConfigError(f"No crawl source named {', '.join(missing)} in the configuration.")
        sources = [s for s in self.config.sources if (s.name in wanted if wanted else s.enabled)]
        if sources:
            _ = self.pipe.fetcher  # a bad proxy/CA setting is a ConfigError for the run, not one URL's
        results: list[Result] = []
        for source in sources:
            results.extend(self._crawl_source(source, force=force))
        return results

    def _crawl_source(self, source: Source, *, force: bool) -> list[Result]:
        now = self.pipe.clock()
        last = self.catalog.last_crawled(source.name)
        from archive.pipeline import Result

        label = f"source:{source.name}"
        if not force and last is not None and now - last < timedelta(minutes=source.interval_minutes):
            due = last + timedelta(minutes=source.interval_minutes)
            return [
                self.pipe._record(
                    Result(
                        label,
                        "skipped",
                        message=f"The source {source.name} is not due before {iso(due)}.",
                        stage="crawl",
                    )
                )
            ]
        results: list[Result] = []
        urls: list[str] = []
        if source.feed:
            held = self.pipe._held_back(source.feed, crawling=True)
            if held is not None:
                results.append(held)
            else:
                try:
                    urls.extend(self._feed_entries(source))
                except TransientFetchError as exc:
                    long_pause = (
                        exc.retry_after is not None and exc.retry_after > self.config.fetch.retry_after_cap
                    )
                    results.append(
                        self.pipe._defer(source.feed, exc)
                        if long_pause
                        else self.pipe._fail(source.feed, "feed", exc)
                    )
                except WxArchiveError as exc:
                    results.append(self.pipe._fail(source.feed, "feed", exc))
        urls.extend(source.urls)
        for url in dict.fromkeys(urls):
            results.append(self.pipe.archive_url(url, crawling=True))
        try:
            self.catalog.set_crawled(source.name, now)
        except StoreError as exc:  # a full disk: the URLs have their lines; the source is simply due again
            results.append(self.pipe._fail(label, "crawl", exc))
        return results

    def _feed_entries(self, source: Source) -> list[str]:
        import feedparser

        raw = self._fetch_feed(source.feed)
        self.pipe.archive.rawstore.put(raw, kind="feed")
        parsed = feedparser.parse(
            raw.body, response_headers={"content-type": raw.header("content-type") or ""}
        )
        links = []
        for entry in parsed.entries[: source.max_entries]:
            link = (entry.get("link") or "").strip()
            if link:
                link = urljoin(raw.final_url, link)
                if urlsplit(link).scheme in ("http", "https"):
                    links.append(link)
        if not links and parsed.get("bozo"):
            raise ExtractError(
                f"The feed {source.feed} of source {source.name} could not be parsed: {parsed.get('bozo_exception')}.",
                source.feed,
            )
        return links

    def _fetch_feed(self, url: str) -> RawPage:
        """A feed is XML, which ``kind="page"`` refuses (NotHTML). Use the fetcher's ``"feed"`` kind when
        it has one; otherwise its content-agnostic ``"image"`` path, without Referer, with the page cap."""
        from scraper import fetch as fetch_module

        if "feed" in getattr(fetch_module, "KINDS", ()):
            return self.pipe.fetcher.fetch(url, kind="feed")  # type: ignore[no-any-return]
        raw = self.pipe.fetcher.fetch(url, kind="image", referer="", max_bytes=self.config.fetch.max_bytes)
        if raw.status != 200:
            raise ExtractError(f"The feed {url} answered HTTP {raw.status}.", url)
        return raw  # type: ignore[no-any-return]
