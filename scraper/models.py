"""The two value objects that carry data through wxarchive.

``RawPage`` travels from the fetcher to the raw store and the extractor; ``Article`` travels from
the extractor to the archiver. Both are frozen: a stage never edits what an earlier stage made, it
makes a new value (``dataclasses.replace``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EXTRACTOR_VERSION = "6"
"""Bumped whenever extraction rules change the output; recorded in every archive. 2: one heading scale,
unwrapped runaway quotes, whole emphasis pairs, one caption style, attribution and summaries (issue 10).
3: a text share's title is one line; no private-use glyph in a text field, GB18030's old private-use
code points as their real characters (issue 9). 4: generic pages: reader comments removed, short
articles under a headline and a dateline kept, a date's time of day kept (issue 9). 5: advert cards
in bodies (ad-card), the image viewer's label on every site (viewer-label) (issue 9). 6: a column's
standing introduction naming the post's own account, at the head or the tail (issue 9)."""

ARTICLE_KINDS = frozenset({"article", "picshare", "textshare", "video", "repost"})
"""Kinds that are archived as articles."""

NON_ARTICLE_KINDS = frozenset(
    {"deleted", "violation", "unavailable", "expired", "rate_limited", "profile", "not_article"}
)
"""Kinds of page that carry no article: typed outcomes, never archived."""


@dataclass(frozen=True)
class RawPage:
    """One HTTP response exactly as received.

    ``body`` is the entity body after transfer/content decoding (what the server meant to send);
    ``headers`` keep their original order and case. ``digest`` is ``sha256:<hex>`` of ``body``.
    """

    url: str
    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", body_digest(self.body))

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first header called ``name`` (case-insensitive), else ``default``."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def text(self) -> str:
        """The body decoded by our own rules (BOM, header, meta prescan, detector)."""
        from scraper.decode import decode

        return decode(self.body, self.header("content-type")).text


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class ImageRef:
    """An image of the article: its absolute remote URL, alt text and caption (may be empty)."""

    url: str
    alt: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Removal:
    """One block that boilerplate removal cut, with the name of the rule that cut it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Article:
    """What an adapter extracted from one page.

    For pages that are not articles ``kind`` is one of ``NON_ARTICLE_KINDS`` and ``error`` says why;
    every other field may be empty. ``published`` is timezone-aware (China time unless the page says
    otherwise). ``body_markdown`` uses absolute remote image URLs; the archiver rewrites them to local
    files. ``article_id`` is a stable, filesystem-safe id used for the bundle path.
    """

    url: str
    site: str
    kind: str
    title: str = ""
    author: str | None = None
    account: str | None = None
    published: datetime | None = None
    summary: str = ""
    cover: str | None = None
    tags: tuple[str, ...] = ()
    body_markdown: str = ""
    images: tuple[ImageRef, ...] = ()
    removed: tuple[Removal, ...] = ()
    error: str | None = None
    canonical_url: str | None = None
    source: str | None = None
    source_url: str | None = None
    article_id: str = ""
    language: str = "zh-CN"
    toc: bool = False
    mathjax: bool = False
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    extractor_version: str = EXTRACTOR_VERSION

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS

    def to_json(self) -> dict[str, Any]:
        """The JSON object printed by ``wxarchive extract --json`` (keys are part of the CLI contract).

        ``text`` (the body as plain text, markup removed) is there for readers that search the body.
        """
        from scraper.html import plain_text

        data: dict[str, Any] = {
            "url": self.url,
            "site": self.site,
            "kind": self.kind,
            "title": self.title,
            "author": self.author,
            "account": self.account,
            "published": self.published.isoformat() if self.published else None,
            "summary": self.summary,
            "cover": self.cover,
            "tags": list(self.tags),
            "body_markdown": self.body_markdown,
            "text": plain_text(self.body_markdown),
            "images": [{"url": i.url, "alt": i.alt} for i in self.images],
            "removed": [{"rule": r.rule, "text": r.text} for r in self.removed],
            "canonical_url": self.canonical_url,
            "source": self.source,
            "source_url": self.source_url,
            "article_id": self.article_id,
            "language": self.language,
            "toc": self.toc,
            "mathjax": self.mathjax,
            "extractor_version": self.extractor_version,
        }
        if claim := self.extra.get("canonical_claim"):  # a canonical URL the page may not speak for
            data["canonical_claim"] = claim
        if not self.is_article:
            data["error"] = self.error or f"{self.url} is not an article ({self.kind})"
        return data
