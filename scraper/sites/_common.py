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

    Either way a summary that had to be cut ends at a sentence or clause with ``…``, never in the
    middle of a word or number (``为2...``): a digest the site truncated itself (``…最强预测指``, or
    one ending in ``...``) is trimmed back the same way. ``captions``: a short line under a leading
    picture is its caption, not the lede (False for picture posts, whose text under the pictures is
    the post)."""
    digest = squash(digest)
    if digest and digest != squash(title):
        return _trim_digest(digest, markdown)
    blocks = _lede(markdown, captions=captions).split("\n\n")
    paragraphs = [plain_text(block) for block in blocks if not block.lstrip().startswith("#")]
    return clip_summary([p for p in paragraphs if p], limit)


ELLIPSIS = "…"
SENTENCE_STOPS = "。！？!?；;…"
CLAUSE_STOPS = "，、,：:"
_CLOSING = "”’」』）)》〉】\"'"
_SITE_ELLIPSIS = re.compile(r"(?:\.{3,}|…+|。{3,})$")
MIN_SENTENCE_SHARE = 0.3  # why: a whole sentence reads best, even a short one (a third of the room)
MIN_CLAUSE_SHARE = 0.3  # why: else a clause end; shorter than this, a summary says too little
DIGEST_TAIL_CHARS = 12  # why: twelve characters of a sentence are found in the body only where it is
OVERRUN_SHARE = 0.5  # why: rather than a stub, run on to the next stop within half the room again


def _stops(text: str) -> list[tuple[int, bool]]:
    """(end offset, is a sentence end) of every place ``text`` may be cut: after a sentence or
    clause stop and the closing quotes after it; a paragraph end (``\n``) is a sentence end."""
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append((i, True))
            continue
        sentence = ch in SENTENCE_STOPS
        if not sentence and ch not in CLAUSE_STOPS:
            continue
        if ch in ",:" and i + 1 < n and text[i + 1].isdigit():
            continue  # "1,000", "10:30"
        end = i + 1
        while end < n and text[end] in _CLOSING:
            end += 1
        if end < n and text[end] in SENTENCE_STOPS + CLAUSE_STOPS:
            continue  # "？！" / "……": cut after the last of them
        out.append((end, sentence))
    return out


def _ellipsed(text: str) -> str:
    """``text`` (cut short) with the ellipsis that says so; a clause mark or full stop gives way to it."""
    text = text.rstrip().rstrip("，、,：:；;。 ").rstrip()
    return text if text.endswith(ELLIPSIS) else text + ELLIPSIS


def _cut(text: str, room: int) -> str:
    """``text`` cut to about ``room`` characters at the best stop, with ``…``."""
    # why the slice: only stops up to room * (1 + OVERRUN_SHARE) are ever used, and reading one needs
    # the character after it; the text is often the whole body (a third of a millisecond a page)
    stops = _stops(text[: int(room * (1 + OVERRUN_SHARE)) + 2])
    sentence = [end for end, full in stops if full and end <= room]
    if sentence and sentence[-1] >= room * MIN_SENTENCE_SHARE:
        return _ellipsed(text[: sentence[-1]])
    clause = [end for end, _ in stops if end <= room]
    if clause and clause[-1] >= room * MIN_CLAUSE_SHARE:
        return _ellipsed(text[: clause[-1]])
    later = [end for end, _ in stops if room < end <= room * (1 + OVERRUN_SHARE)]
    if later and later[0] < len(text):
        return _ellipsed(text[: later[0]])
    end = room
    while (
        0 < end < len(text)
        and text[end - 1].isascii()
        and text[end - 1].isalnum()
        and text[end].isascii()
        and text[end].isalnum()
    ):
        end -= 1  # never inside a Latin word or a number ("AI编…" is fine, "为2…" of "为2025" is not)
    return _ellipsed(text[: end or room])


def clip_summary(paragraphs: list[str], limit: int) -> str:
    """The paragraphs as one summary of at most about ``limit`` characters (see :func:`summarize`)."""
    text = ""
    for p in paragraphs:
        if text:
            text += "\n" if text[-1] in SENTENCE_STOPS + CLAUSE_STOPS + _CLOSING else " \n"
        text += p
    if len(text.replace("\n", "")) <= limit:
        return text.replace(" \n", " ").replace("\n", "")
    return _cut(text, limit).replace(" \n", " ").replace("\n", "")


def _trim_digest(digest: str, markdown: str) -> str:
    """A site's digest, trimmed back to a stop when the site cut it off mid-sentence itself."""
    bare = _SITE_ELLIPSIS.sub("", digest).rstrip()
    if bare != digest:  # "…以及...": the site says it cut the text
        return _cut(bare, len(bare)) if bare else digest
    if digest[-1] in SENTENCE_STOPS + CLAUSE_STOPS + _CLOSING:
        return digest
    body = "".join(plain_text(markdown).split())  # why without spaces: digests and bodies space apart
    tail = "".join(digest.split())[-DIGEST_TAIL_CHARS:]  # the end only: sites prefix a label or a title
    at = body.find(tail)
    if at < 0:
        return digest  # a digest of its own words: as written
    after = body[at + len(tail) : at + len(tail) + 1]
    if not after or after in SENTENCE_STOPS + CLAUSE_STOPS + _CLOSING or after.isspace():
        return digest  # it ends where the body's sentence or paragraph ends
    return _cut(digest, len(digest))


def _lede(markdown: str, *, captions: bool) -> str:
    """The body from its first paragraph of prose: leading pictures, their captions, headings, a
    bold sub-title and label lines ("图片来源：图虫", "本文原标题：…", "▶ 视频：…") are no summary.
    The whole body if nothing is left."""
    blocks = markdown.split("\n\n")
    after_picture = False
    for i, block in enumerate(blocks):
        stripped = block.strip()
        if stripped.startswith(("![", "[![")):
            after_picture = True
            continue
        text = plain_text(stripped)
        caption = captions and after_picture and len(text) <= CAPTION_CHARS and "。" not in text
        heading = stripped.startswith("#") or _SUBTITLE.fullmatch(stripped) is not None
        if not text or _LABEL_LINE.match(text) or caption or heading:
            after_picture = after_picture and not text
            continue
        return "\n\n".join(blocks[i:])
    return markdown


_SUBTITLE = re.compile(r"\*\*[^*\n]{1,30}\*\*")  # a bold line of its own over the lede ("**是对手也是队友**")


CAPTION_CHARS = 40  # why: a caption under a leading picture is a line; the lede is longer or a sentence
_LABEL_LINE = re.compile(
    r"(?:(?:图片|题图|封面)?来源|图源|(?:本文)?原标题|视频|图片|题图)\s*[:：|｜丨]|▶|图\s*[/|｜]|编者按\s*[:：]?$"
)


def china_time(ts: int | float) -> datetime:
    """A unix timestamp as an aware datetime in China time (+08:00)."""
    return datetime.fromtimestamp(int(ts), CHINA_TZ)


WEEKDAY = r"[(（]?(?:星期|周|礼拜)[一二三四五六日天][)）]?"
"""A weekday printed between the date and the time ("2020年03月02日 星期一 12:10")."""


def _date_time(n: str) -> str:
    """:data:`DATE_TIME` with ``n`` for the digit groups ("(" captures them, "(?:" does not)."""
    return (
        rf"{n}\d{{4}})\s*[-/.年]\s*{n}\d{{1,2}})\s*[-/.月]\s*{n}\d{{1,2}})\s*日?"
        rf"(?:(?:[\sT]*|-)(?:{WEEKDAY}\s*)?{n}\d{{1,2}})\s*[:：时]\s*{n}\d{{1,2}})(?:\s*[:：分]\s*{n}\d{{1,2}}))?)?"
    )


DATE_TIME = _date_time("(")
"""A date and, when it has one, its time of day, as Chinese pages print them: ``2020-03-02 12:10:24``,
``2020年03月02日 12:10`` (a space, a full-width space or nothing between), ``…日 星期一 12时10分``;
groups year, month, day, hour, minute, second. :data:`DATE_TIME_TEXT` is the same without groups, for
the finders that look for a dateline in a page's lines."""
DATE_TIME_TEXT = _date_time("(?:")
_DATE_TIME_ZONE = re.compile(DATE_TIME + r"\s*(Z|[+-]\d{2}:?\d{2})?")


def parse_china_datetime(text: str) -> datetime | None:
    """Parse the date formats Chinese news pages print (:data:`DATE_TIME`, then an optional UTC
    offset); naive values are China time."""
    text = squash(text)
    if not text:
        return None
    m = _DATE_TIME_ZONE.search(text)
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
    cleaned = clean_body(body, site=site, url=url, account=account or "")
    md = to_markdown(body, base_url or canonical_url or url, title=squash(title))
    meta = cleaned.meta
    author = author or meta.get("author") or None
    account = account or meta.get("account") or None
    source = source or meta.get("source") or None
    extra = dict(extra or {})
    if meta.get("original_url") and not extra.get("original_url"):
        extra["original_url"] = meta["original_url"]  # a translation's "原文链接：…" credit
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
        extra=extra,
    )


def not_article(url: str, site: str, kind: str, message: str, **fields: object) -> Article:
    """A typed non-article outcome; ``message`` is a full sentence naming the URL."""
    return Article(url=url, site=site, kind=kind, error=message, **fields)  # type: ignore[arg-type]
