"""What every adapter does after it has found the body node: strip, then convert.

``build_article`` runs the shared boilerplate rules on the body node, converts it with the one
Markdown converter, fills author/source from removed credit lines when the page had none, and
derives summary, toc and mathjax. Adapters stay small: they find the node and the metadata.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone

from selectolax.lexbor import LexborNode

from scraper.boilerplate import clean_body
from scraper.html import plain_text, squash
from scraper.markdown import to_markdown
from scraper.models import Article, Removal

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
SUMMARY_CHARS = 50  # why: the seed's mirror used ~50 characters; long enough for a list page


def summarize(
    markdown: str, digest: str = "", title: str = "", limit: int = SUMMARY_CHARS, *, captions: bool = True
) -> str:
    """The page's own digest when it has one (and it is not just the title), else the body's start.

    ``captions``: a short line under a leading picture is its caption, not the lede (False for
    picture posts, whose text under the pictures is the post)."""
    digest = squash(digest)
    if digest and digest != squash(title):
        return digest
    text = plain_text(_lede(markdown, captions=captions))
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + "..."


def _lede(markdown: str, *, captions: bool) -> str:
    """The body from its first paragraph of prose: leading pictures, their captions and label lines
    ("图片来源：图虫", "本文原标题：…", "▶ 视频：…") are no summary. The whole body if nothing is left."""
    blocks = markdown.split("\n\n")
    after_picture = False
    for i, block in enumerate(blocks):
        stripped = block.strip()
        if stripped.startswith(("![", "[![")):
            after_picture = True
            continue
        text = plain_text(stripped)
        caption = captions and after_picture and len(text) <= CAPTION_CHARS and "。" not in text
        if not text or _LABEL_LINE.match(text) or caption:
            after_picture = after_picture and not text
            continue
        return "\n\n".join(blocks[i:])
    return markdown


CAPTION_CHARS = 40  # why: a caption under a leading picture is a line; the lede is longer or a sentence
_LABEL_LINE = re.compile(
    r"(?:(?:图片|题图|封面)?来源|图源|(?:本文)?原标题|视频|图片|题图)\s*[:：|｜丨]|▶|图\s*[/|｜]|编者按\s*[:：]?$"
)


def china_time(ts: int | float) -> datetime:
    """A unix timestamp as an aware datetime in China time (+08:00)."""
    return datetime.fromtimestamp(int(ts), CHINA_TZ)


def parse_china_datetime(text: str) -> datetime | None:
    """Parse the date formats Chinese news pages print; naive values are China time."""
    text = squash(text)
    if not text:
        return None
    m = re.search(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
        r"(?:(?:[\sT]*|-)(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
        r"\s*(Z|[+-]\d{2}:?\d{2})?",
        text,
    )
    if not m:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    if tz:
        if tz == "Z":
            return value.replace(tzinfo=UTC)
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return value.replace(tzinfo=timezone(sign * offset))
    return value.replace(tzinfo=CHINA_TZ)


def stable_id(url: str) -> str:
    """A filesystem-safe id for pages whose site gives none: 16 hex chars of the URL's hash."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def build_article(
    *,
    url: str,
    site: str,
    body: LexborNode,
    kind: str = "article",
    title: str = "",
    author: str | None = None,
    account: str | None = None,
    published: datetime | None = None,
    digest: str = "",
    cover: str | None = None,
    tags: tuple[str, ...] = (),
    canonical_url: str | None = None,
    source: str | None = None,
    source_url: str | None = None,
    article_id: str = "",
    removed: tuple[Removal, ...] = (),
    base_url: str | None = None,
    extra: dict[str, object] | None = None,
) -> Article:
    """Clean ``body`` in place, convert it and assemble the Article."""
    cleaned = clean_body(body, site=site, url=url)
    md = to_markdown(body, base_url or canonical_url or url, title=squash(title))
    meta = cleaned.meta
    author = author or meta.get("author") or None
    account = account or meta.get("account") or None
    source = source or meta.get("source") or None
    site_tags = [site]
    for tag in (account, *tags):
        if tag and tag not in site_tags:
            site_tags.append(tag)
    return Article(
        url=url,
        site=site,
        kind=kind,
        title=squash(title),
        author=author,
        account=account,
        published=published,
        summary=summarize(md.text, digest, title, captions=kind not in ("picshare", "textshare")),
        cover=cover or (md.images[0].url if md.images else None),
        tags=tuple(site_tags),
        body_markdown=md.text,
        images=md.images,
        removed=tuple(removed) + tuple(cleaned.removed),
        canonical_url=canonical_url,
        source=source,
        source_url=source_url,
        article_id=article_id or stable_id(canonical_url or url),
        toc=md.headings >= 3,
        mathjax=md.has_math,
        extra=dict(extra or {}),
    )


def not_article(url: str, site: str, kind: str, message: str, **fields: object) -> Article:
    """A typed non-article outcome; ``message`` is a full sentence naming the URL."""
    return Article(url=url, site=site, kind=kind, error=message, **fields)  # type: ignore[arg-type]
