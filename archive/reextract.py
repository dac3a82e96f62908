"""Re-extraction: rebuild archived articles from the raw store with the current extractor and rules.

No network at all: pages come from the WARC files, images from what is already stored. A result that
is the same as the bundle on disk writes nothing. Each post is built under its account's current
template (:mod:`archive.accounts`), so after an account learned one, its earlier posts are rewritten
(and say how many blocks the template cut).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from archive.accounts import rebuild_plan
from archive.catalog import RawRow, parse_iso
from scraper.errors import StoreError, WxArchiveError

if TYPE_CHECKING:
    from archive.pipeline import Pipeline, Result


def reextract(pipe: Pipeline, urls: Iterable[str] | None = None) -> list[Result]:
    """Rebuild every article (or those of ``urls``) from the raw store with the current extractor.

    No network at all: images are taken from what is stored; unchanged results write nothing.
    """
    targets = list(urls) if urls else pipe.catalog.page_urls()
    pipe.learned.clear()
    results = [pipe._guarded(url, functools.partial(_reextract_one, pipe, url)) for url in targets]
    if not pipe.learned:
        return results
    # an account learned another template during this run (the rules now leave its posts another
    # frame): its posts built before that are built again, so every post ends under the final one
    by_url = {r.url: i for i, r in enumerate(results)}
    again = [u for u in rebuild_plan(pipe.templates, list(pipe.learned)) if u in by_url]
    for url in again:
        second = pipe._guarded(url, functools.partial(_reextract_one, pipe, url))
        if second.outcome != "unchanged":
            results[by_url[url]] = second
    return results


def _reextract_one(pipe: Pipeline, url: str) -> Result:
    row = pipe.catalog.raw_for(url, kind="page")
    if row is None:
        return pipe._fail(url, "reextract", StoreError(f"The raw store holds no page for {url}.", url))
    built_from = _built_from(pipe, row)
    if built_from is not None:
        row = built_from
    try:
        raw = pipe.archive.rawstore.get(row)
    except WxArchiveError as exc:
        return pipe._fail(url, "store", exc)
    return pipe._process(row.url, raw, row.digest, parse_iso(row.fetched_at), online=False, force=True)


def _built_from(pipe: Pipeline, latest: RawRow) -> RawRow | None:
    """The record an archived article was built from, when the URL's newest record is not it and
    is not a success (a later fetch that met a rate-limit page or an error status must not make
    reextract forget the good copy; a later 200 of another article version does win)."""
    article = pipe.catalog.article_for_url(latest.url)
    if article is None or article.raw_id is None or article.raw_id == latest.id:
        return None
    if latest.status == 200 and latest.digest == article.raw_digest:
        return None
    try:
        probe = pipe.extract_fn(pipe.archive.rawstore.get(latest).body, latest.final_url or latest.url)
    except WxArchiveError:
        probe = None
    if probe is not None and probe.is_article:
        return None
    return pipe.catalog.raw(article.raw_id)
