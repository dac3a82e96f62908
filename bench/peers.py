"""The extractors the quality benchmark runs, behind one small interface.

Each extractor turns one page into an :class:`Output` (plain text, title, date, refused). wxarchive
is timed end to end from the raw bytes (decode + adapter + cleaning + Markdown); peers get the text
wxarchive decoded (so our decoding time counts against us and theirs is not measured twice).

A peer whose package is not installed is reported as missing (with the pip name), never an error:
``pip install -e '.[bench]'`` installs them all.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scraper.models import NON_ARTICLE_KINDS


@dataclass(frozen=True)
class Page:
    """One corpus page as every extractor sees it."""

    file: str
    site: str  # corpus folder: wechat, qq, 163, sina, sohu, toutiao, baijiahao, other
    url: str
    raw: bytes  # the saved bytes: what wxarchive gets
    text: str  # decoded (and unwrapped) HTML: what the peers get


@dataclass(frozen=True)
class Output:
    text: str = ""
    title: str = ""
    published: date | datetime | None = None
    refused: bool = False  # no article: a typed non-article (ours) or no text / None (peers)
    kind: str = ""  # wxarchive's kind; "" for peers
    error: str = ""  # an exception the extractor raised (counted as refused)


Extract = Callable[[Page], Output]


@dataclass(frozen=True)
class Extractor:
    name: str
    package: str  # distribution name, for the version line and the install hint
    run: Extract
    ours: bool = False


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# ------------------------------------------------------------------------------------------------
# wxarchive


def wxarchive() -> Extractor:
    from scraper import extract
    from scraper.html import plain_text

    def run(page: Page) -> Output:
        article = extract(page.raw, page.url)
        if not article.is_article:
            return Output(title=article.title, refused=True, kind=article.kind)
        return Output(plain_text(article.body_markdown), article.title, article.published, kind=article.kind)

    return Extractor("wxarchive", "wxarchive", run, ours=True)


def wxarchive_generic() -> Extractor:
    """Our generic fallback forced on every page (what an unknown site gets), same pipeline otherwise."""
    from scraper.decode import decode
    from scraper.feeditem import parse_item
    from scraper.html import plain_text, unescape_stored
    from scraper.sites import generic

    def run(page: Page) -> Output:
        text = decode(page.raw).text
        url = page.url
        if (item := parse_item(text)) is not None:
            text, url = item[0], item[1] or url
        article = generic.extract(unescape_stored(text), url)
        if not article.is_article:
            return Output(title=article.title, refused=True, kind=article.kind)
        return Output(plain_text(article.body_markdown), article.title, article.published, kind=article.kind)

    return Extractor("wxa-generic", "wxarchive", run, ours=True)


def prepare_text(raw: bytes, url: str) -> tuple[str, str]:
    """The HTML and URL wxarchive's own pipeline hands to an adapter: given to the peers as input."""
    from scraper.decode import decode
    from scraper.feeditem import parse_item
    from scraper.html import unescape_stored

    text = decode(raw).text
    if (item := parse_item(text)) is not None:
        text, url = item[0], item[1] or url
    return unescape_stored(text), url


# ------------------------------------------------------------------------------------------------
# peers


def trafilatura() -> Extractor | None:
    try:
        import trafilatura as tr
    except ImportError:
        return None

    def run(page: Page) -> Output:
        # comments excluded: we score article extraction, and that is how one would call it for that
        doc = tr.bare_extraction(page.text, url=page.url, with_metadata=True, include_comments=False)
        if doc is None:
            return Output(refused=True)
        get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
        text = get("text") or ""
        return Output(text, get("title") or "", _as_date(get("date")), refused=not text.strip())

    return Extractor("trafilatura", "trafilatura", run)


def readability() -> Extractor | None:
    try:
        import lxml.html
        from readability import Document
    except ImportError:
        return None

    def run(page: Page) -> Output:
        doc = Document(page.text, url=page.url)
        summary = doc.summary(html_partial=True)
        text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
        return Output(text, doc.short_title() or "", None, refused=not text.strip())

    return Extractor("readability", "readability-lxml", run)


def gne() -> Extractor | None:
    try:
        from gne import GeneralNewsExtractor
    except ImportError:
        return None
    extractor = GeneralNewsExtractor()

    def run(page: Page) -> Output:
        result: dict[str, Any] = extractor.extract(page.text)
        text = result.get("content") or ""
        return Output(
            text, result.get("title") or "", _as_date(result.get("publish_time")), refused=not text.strip()
        )

    return Extractor("gne", "gne", run)


def newspaper() -> Extractor | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import newspaper as np
    except ImportError:
        return None
    try:  # newspaper tokenizes Chinese with jieba; silence its dictionary-loading chatter on stderr
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
    config = np.Config()
    config.fetch_images = False  # no network: the page is given
    config.memoize_articles = False
    config.language = "zh"  # how newspaper is used on Chinese sites (its default is English)

    def run(page: Page) -> Output:
        article = np.Article(page.url, config=config)
        article.download(input_html=page.text)
        article.parse()
        text = article.text or ""
        return Output(text, article.title or "", _as_date(article.publish_date), refused=not text.strip())

    return Extractor("newspaper4k", "newspaper4k", run)


PEERS: dict[str, Callable[[], Extractor | None]] = {
    "trafilatura": trafilatura,
    "readability": readability,
    "gne": gne,
    "newspaper": newspaper,
}
PEER_PACKAGES = {
    "trafilatura": "trafilatura",
    "readability": "readability-lxml",
    "gne": "gne",
    "newspaper": "newspaper4k",
}


def safe(extractor: Extractor) -> Extractor:
    """The extractor with exceptions turned into refusals (a crash is a failed page, not a bench crash)."""

    def run(page: Page) -> Output:
        try:
            return extractor.run(page)
        except Exception as exc:  # noqa: BLE001 - peers raise anything; the page simply fails
            return Output(refused=True, error=f"{type(exc).__name__}: {exc}"[:200])

    return Extractor(extractor.name, extractor.package, run, extractor.ours)


def _as_date(value: object) -> date | datetime | None:
    """A peer's date (datetime, ISO string or "2019-09-07 19:02:26") as date/datetime, else None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    from scraper.sites._common import parse_china_datetime

    return parse_china_datetime(str(value))


def is_non_article(kind: str) -> bool:
    return kind in NON_ARTICLE_KINDS
