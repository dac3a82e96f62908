"""The writer: an ``Article`` (plus its stored images) → a Hugo page bundle on disk.

Layout: ``<root>/content/<site>/<article_id>/index.md`` with the images beside it. Both path
components are sanitised (:func:`archive.fsutil.safe_component`: lower case, because Hugo lower-cases
URL paths by default) and proven to stay inside the root. Hugo publishes the bundle at
``/<site>/<article_id>/`` and its resources at ``/<site>/<article_id>/<file>``, so:

- body images are linked relatively (``![alt](3f2a….jpg)``), which resolves against the page URL;
- ``thumbnail`` is Mainroad's map form ``{src: "<site>/<article_id>/<file>", visibility: ["list"]}``.
  ``src`` is relative to the site root *without* a leading slash, because Mainroad (and our own
  layouts, :mod:`archive.site`) pass it through ``relURL``, which prefixes a sub-path ``baseURL`` only
  to such a path (a remote URL when the cover could not be stored). ``visibility: ["list"]``: the
  cover is what lists show; the article page shows the article as its site published it, where the
  cover is most often the first picture of the body already (drawn once, with its caption, in its
  place) and otherwise a share picture the original page does not show at all. Why not drop the
  picture from the body instead: the body would lose a picture wherever the cover is not drawn
  (plain Markdown, search, ``reextract`` diffs), and a cover that is not the first picture would still
  show twice.

Front matter: only the keys of :data:`FRONT_MATTER_KEYS`, in that order (the seed's keys, then the
archive's). Nothing scraped can add a key (no ``url``, ``aliases``, ``layout``, ``cascade``…). YAML is
produced only by PyYAML's safe dumper (a subclass that double-quotes every string and never wraps
lines), and every document is parsed back before it is written: what Hugo reads is what we meant.

Body: the article's Markdown with image links rewritten to the local files, Hugo shortcode delimiters
neutralised everywhere (Hugo expands ``{{< >}}`` and ``{{% %}}`` even inside code blocks; a zero-width
space after ``{{`` keeps the text visible and inert), then the attribution (:func:`attribution`):
``原文：[<account or site> · <author>](<page url>)`` and, when the text comes from another publisher
(a repost, a syndication, a translation), ``来源：<publisher>`` (linked to ``original_url`` when known).

Dates: ``date`` is the publish time in China time (``2025-02-13T17:15:34+08:00``: Hugo reads an
offset-less date as UTC); a page without a publish time gets its fetch time, so Hugo can still order
it. ``fetched`` is the fetch time of the raw record the content came from.

Idempotence: ``content_hash`` is the hash of the document without the ``fetched`` and ``content_hash``
lines. When the bundle's index.md already carries the same hash nothing is written (inode and mtime
stay); otherwise index.md is replaced atomically, after the images, and images no longer referenced
are removed last.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml

from archive.fsutil import (
    atomic_write,
    contained,
    ensure_dir,
    read_bytes_nofollow,
    remove_file,
    safe_component,
)
from archive.images import LOCAL_NAME, ImageResult
from scraper.config import FrontMatterConfig
from scraper.errors import ExtractError, NotAnArticle, StoreError
from scraper.html import plain_text
from scraper.models import Article

CHINA_TZ = timezone(timedelta(hours=8))

SEED_KEYS = (
    "title",
    "date",
    "summary",
    "categories",
    "lang",
    "translations",
    "tags",
    "menu",
    "thumbnail",
    "lead",
    "comments",
    "authorbox",
    "pager",
    "toc",
    "mathjax",
    "sidebar",
    "widgets",
)
ARCHIVE_KEYS = (
    "author",
    "account",
    "source",
    "source_url",
    "canonical_url",
    "original_url",
    "fetched",
    "content_hash",
    "extractor_version",
    "article_id",
    "kind",
    "syndicated",
    "aliases",
)
FRONT_MATTER_KEYS = SEED_KEYS + ARCHIVE_KEYS
"""The allow-list, in the order written. ``original_url`` is written only when the page has one;
``syndicated`` (the copies of this article on other sites: ``site, url, published`` and ``title``
where it differs) and ``aliases`` (Hugo redirects from the page paths those copies have or would
have) only on an entry that has copies (:mod:`archive.syndication`)."""

HASH_EXCLUDED = ("fetched", "content_hash")

ZWSP = "\u200b"
_SHORTCODE = re.compile(r"\{\{(?=[<%])")
_IMAGE_LINK = re.compile(r"(!\[(?:[^\]\\]|\\.)*\]\(\s*)(<[^>\n]*>|[^)\s]+)")
_HTML_SRC = re.compile(r"""(\bsrc\s*=\s*)(["'])(.*?)\2""", re.I)
_HASH_LINE = re.compile(rb'^content_hash:\s*"?(sha256:[0-9a-f]{64})"?\s*$', re.M)


class _Key(str):
    """A front-matter key: dumped plain (``title:``), unlike values."""


class FrontMatterDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with the seed's look: every string value double-quoted (so ``yes``,
    ``null``, ``1e3``, ``2024-01-01`` stay strings for any YAML reader, and line breaks, U+2028 or
    U+FEFF are escapes, not raw characters) and list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')


def _represent_key(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data))


FrontMatterDumper.add_representer(str, _represent_str)
FrontMatterDumper.add_representer(_Key, _represent_key)


def dump_front_matter(data: Mapping[str, Any]) -> str:
    """The YAML block (without ``---`` lines) for ``data``, in ``data``'s order."""
    keyed = {_Key(k): v for k, v in data.items()}
    return yaml.dump(
        keyed,
        Dumper=FrontMatterDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,  # why: never fold a long title over lines; one key, one line
    )


@dataclass(frozen=True)
class Bundle:
    """Where one article lives: ``content/<site>/<article_id>/``."""

    root: Path  # the archive root (the Hugo site root)
    content_dir: str
    site: str
    article_id: str

    @property
    def directory(self) -> Path:
        return contained(self.root, self.content_dir, self.site, self.article_id)

    @property
    def index(self) -> Path:
        return self.directory / "index.md"

    @property
    def url_path(self) -> str:
        """The page's path on the Hugo site; bundle resources are served below it."""
        return f"/{self.site}/{self.article_id}/"

    @property
    def site_path(self) -> str:
        """The page's path relative to the site root (no leading slash: ``relURL`` adds a sub-path)."""
        return f"{self.site}/{self.article_id}/"

    @property
    def relative_index(self) -> str:
        return f"{self.content_dir}/{self.site}/{self.article_id}/index.md"

    def create(self) -> Path:
        return ensure_dir(self.root, self.content_dir, self.site, self.article_id)


def bundle_for(root: Path, content_dir: str, article: Article) -> Bundle:
    site = safe_component(article.site or "web", fallback="web")
    article_id = safe_component(article.article_id or hashlib.sha1(article.url.encode()).hexdigest()[:16])
    return Bundle(Path(root), content_dir, site, article_id)


@dataclass(frozen=True)
class Rendered:
    """An index.md ready to write."""

    text: str
    content_hash: str
    front: dict[str, Any]
    files: frozenset[str]  # local image files the document references

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


# ---------------------------------------------------------------------- body helpers


def neutralise_shortcodes(text: str) -> str:
    """Make ``{{<`` and ``{{%`` inert for Hugo (also in code): a zero-width space after ``{{``."""
    return _SHORTCODE.sub("{{" + ZWSP, text)


def rewrite_images(markdown: str, local: Mapping[str, str]) -> str:
    """Point image links (Markdown ``![](…)`` and HTML ``src="…"``) at local files where we have them."""

    def md(m: re.Match[str]) -> str:
        dest = m.group(2)
        bare = dest[1:-1] if dest.startswith("<") and dest.endswith(">") else dest
        name = local.get(bare)
        return m.group(1) + name if name else m.group(0)

    def src(m: re.Match[str]) -> str:
        name = local.get(m.group(3)) or local.get(m.group(3).replace("&amp;", "&"))
        return f"{m.group(1)}{m.group(2)}{name}{m.group(2)}" if name else m.group(0)

    return _HTML_SRC.sub(src, _IMAGE_LINK.sub(md, markdown))


def link_target(url: str) -> str:
    """A URL safe as a Markdown link destination (spaces, parentheses, angle brackets escaped)."""
    return (
        url.strip()
        .replace(" ", "%20")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("\n", "")
    )


def thumbnail_value(src: str) -> dict[str, Any]:
    """The ``thumbnail`` front-matter value for a cover at ``src`` (see the module docstring)."""
    return {"src": src, "visibility": ["list"]}


_LINK_TEXT_SPECIALS = re.compile(r"([\\`*_\[\]<>])")


def _link_words(text: str) -> str:
    """Text safe inside ``[…]`` of a Markdown link: one line, specials backslash-escaped."""
    return _LINK_TEXT_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def attribution(article: Article, page_url: str, original_url: str = "") -> str:
    """The lines that end the body: who wrote the text and where it came from.

    ``原文：[<account, else the site's name> · <author>](<page url>)``, then ``来源：<publisher>`` when
    the text names a publisher other than the account (the original of a repost or a syndicated
    copy; a translation's original), linked to ``original_url`` when there is one. The link to the
    page stays a Markdown link on the first line, so the seed's ``[qq](…)`` last line and this form
    are both recognised as the attribution (:func:`split_attribution`).
    """
    from archive.site import site_title

    name = (article.account or "").strip() or site_title(article.site)
    author = (article.author or "").strip()
    words = name if not author or author == name else f"{name} · {author}"
    lines = [f"原文：[{_link_words(words)}]({link_target(page_url)})"]
    source = " ".join((article.source or "").split())
    if original_url:
        label = source or (urlsplit(original_url).hostname or original_url)
        lines.append(f"来源：[{_link_words(label)}]({link_target(original_url)})")
    elif source and source not in (name, author):
        lines.append(f"来源：{_link_words(source)}")
    return "\n\n".join(lines)


_ATTRIBUTION_LINE = re.compile(r"^(?:原文：)?\[(?:[^\]\\\n]|\\.)+\]\(\S+\)\s*$")
_PUBLISHER_LINE = re.compile(r"^来源：[^\n]+$")


def split_attribution(body: str) -> tuple[str, str]:
    """``(body, attribution)``: the trailing attribution paragraphs set apart from the text.

    Recognised: the seed's last line ``[qq](https://…)``, and :func:`attribution`'s
    ``原文：[…](…)`` optionally followed by a ``来源：…`` paragraph. ``("", …)`` parts are empty strings.
    """
    stripped = body.rstrip()
    paragraphs = re.split(r"\n[ \t]*\n", stripped)
    tail: list[str] = []
    if len(paragraphs) >= 2 and _PUBLISHER_LINE.match(paragraphs[-1].strip()):
        if paragraphs[-2].strip().startswith("原文：") and _ATTRIBUTION_LINE.match(paragraphs[-2].strip()):
            tail = paragraphs[-2:]
    if not tail and paragraphs and _ATTRIBUTION_LINE.match(paragraphs[-1].strip()):
        tail = paragraphs[-1:]
    if not tail:
        head, _, last = stripped.rpartition("\n")
        if head.strip() and _ATTRIBUTION_LINE.match(last.strip()):  # a last line without a blank line
            return head.rstrip(), last.strip()
        return body, ""
    head = "\n\n".join(paragraphs[: len(paragraphs) - len(tail)])
    return head, "\n\n".join(p.strip() for p in tail)


def china_iso(dt: datetime) -> str:
    """``2025-02-13T17:15:34+08:00``: the instant in China time (naive values are taken as China time)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA_TZ)
    return dt.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def content_hash(front: Mapping[str, Any], body: str) -> str:
    stable = {k: v for k, v in front.items() if k not in HASH_EXCLUDED}
    text = dump_front_matter(stable) + "\n" + body
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------- rendering


def render(
    article: Article,
    bundle: Bundle,
    *,
    page_url: str,
    fetched: datetime,
    fm: FrontMatterConfig,
    images: Mapping[str, ImageResult] | None = None,
    syndicated: Sequence[Mapping[str, str]] = (),
    aliases: Sequence[str] = (),
) -> Rendered:
    """The index.md of ``article``. Pure: same inputs, same bytes.

    ``syndicated`` and ``aliases`` come from the catalog, never from the page: the copies of this
    article on other sites and the paths to redirect here (see :mod:`archive.syndication`).

    Raises ``NotAnArticle`` for non-article kinds and ``ExtractError`` for an empty body: those never
    reach the disk.
    """
    if not article.is_article:
        raise NotAnArticle(
            article.error or f"The page {page_url} is not an article ({article.kind}).",
            page_url,
            article.kind,
        )
    body_md = (article.body_markdown or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not plain_text(body_md) and not article.images:
        raise ExtractError(f"The page {page_url} gave an empty article body; nothing was written.", page_url)
    local = {remote: r.local_file for remote, r in (images or {}).items() if r.ok and r.local_file}
    body = neutralise_shortcodes(rewrite_images(body_md, local))
    original_url = str(article.extra.get("original_url") or article.source_url or "")
    body = f"{body}\n\n{attribution(article, page_url, original_url)}\n"

    thumbnail: str | dict[str, Any] = ""
    if article.cover:
        cover_local = local.get(article.cover)
        thumbnail = thumbnail_value(f"{bundle.site_path}{cover_local}" if cover_local else article.cover)
    lang = article.language or fm.lang
    tags = [t for t in article.tags if t] or [article.site]
    published = article.published or fetched

    front: dict[str, Any] = {
        "title": article.title,
        "date": china_iso(published),
        "summary": article.summary,
        "categories": [article.site],
        "lang": [lang],
        "translations": [lang],
        "tags": list(dict.fromkeys(tags)),
        "menu": fm.menu,
        "thumbnail": thumbnail,
        "lead": fm.lead,
        "comments": fm.comments,
        "authorbox": fm.authorbox,
        "pager": fm.pager,
        "toc": bool(fm.toc or article.toc),
        "mathjax": bool(fm.mathjax or article.mathjax),
        "sidebar": fm.sidebar,
        "widgets": list(fm.widgets),
        "author": article.author or "",
        "account": article.account or "",
        "source": article.source or "",
        "source_url": page_url,
        "canonical_url": article.canonical_url or page_url,
    }
    if original_url:
        front["original_url"] = str(original_url)
    front["fetched"] = china_iso(fetched)
    front["content_hash"] = ""
    front["extractor_version"] = str(article.extractor_version)
    front["article_id"] = bundle.article_id
    front["kind"] = article.kind
    if syndicated:
        front["syndicated"] = [dict(copy) for copy in syndicated]
    if aliases:
        front["aliases"] = list(aliases)
    assert list(front) == [k for k in FRONT_MATTER_KEYS if k in front], "front matter out of order"

    front["content_hash"] = content_hash(front, body)
    text = "---\n" + dump_front_matter(front) + "---\n\n" + body
    _check_round_trip(text, front, page_url)
    cover_src = thumbnail["src"] if isinstance(thumbnail, dict) else thumbnail
    files = frozenset(name for name in local.values() if name in body or cover_src.endswith("/" + name))
    return Rendered(text, front["content_hash"], front, files)


def _check_round_trip(text: str, front: Mapping[str, Any], url: str) -> None:
    """Parse the document back the way Hugo's tooling would; refuse to write one that differs."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:  # pragma: no cover - the safe dumper's output always parses
        raise StoreError(
            f"The front matter for {url} does not parse back ({exc}); nothing was written.", url
        ) from exc
    if dict(post.metadata) != dict(front) or list(post.metadata) != list(front):
        raise StoreError(
            f"The front matter for {url} does not read back as written; nothing was written.", url
        )


# ---------------------------------------------------------------------- publishing


def existing_hash(index: Path) -> str | None:
    data = read_bytes_nofollow(index)
    return None if data is None else hash_in(data)


def hash_in(data: bytes) -> str | None:
    """The ``content_hash`` an index.md's front matter carries (None: none)."""
    m = _HASH_LINE.search(data.split(b"\n---", 1)[0])
    return m.group(1).decode("ascii") if m else None


def publish(bundle: Bundle, rendered: Rendered, *, staging: Path | None = None) -> bool:
    """Write index.md (images must already be in the bundle) and drop images no longer referenced.

    Returns False, touching nothing, when the bundle already holds this content. Every referenced
    image must exist: a document is never published pointing at a missing file.
    """
    directory = bundle.create()
    for name in rendered.files:
        if read_bytes_nofollow(directory / name) is None:
            raise StoreError(
                f"The image {name} of {bundle.relative_index} is missing; the article was not written."
            )
    if existing_hash(bundle.index) == rendered.content_hash:
        written = False
    else:
        written = atomic_write(bundle.index, rendered.data, staging=staging)
    for entry in sorted(directory.iterdir()):
        if LOCAL_NAME.match(entry.name) and entry.name not in rendered.files and not entry.is_symlink():
            remove_file(entry)
    return written


def restamp(
    bundle: Bundle,
    *,
    syndicated: Sequence[Mapping[str, str]],
    aliases: Sequence[str],
    staging: Path | None = None,
) -> bool:
    """Set the ``syndicated`` and ``aliases`` keys of the bundle's existing index.md, nothing else.

    Used when a copy of an already-written entry arrives (or leaves): the entry's page is not
    re-extracted, only those two keys and ``content_hash`` change, and the document is exactly what
    :func:`render` would give with the same lists. Returns False, touching nothing, when the keys
    already say this or the bundle has no index.md.
    """
    data = read_bytes_nofollow(bundle.index)
    if data is None:
        return False
    text = data.decode("utf-8")
    head, sep, body = text[4:].partition("\n---\n\n")
    if not text.startswith("---\n") or not sep:
        raise StoreError(
            f"{bundle.relative_index} has no front matter wxarchive wrote; it was left as it is."
        )
    old = yaml.safe_load(head)
    if not isinstance(old, dict):
        raise StoreError(
            f"{bundle.relative_index} has no front matter wxarchive wrote; it was left as it is."
        )
    new: dict[str, Any] = {k: v for k, v in old.items() if k not in ("syndicated", "aliases")}
    if syndicated:
        new["syndicated"] = [dict(copy) for copy in syndicated]
    if aliases:
        new["aliases"] = list(aliases)
    front = {k: new[k] for k in FRONT_MATTER_KEYS if k in new}
    if front == old and list(front) == list(old):
        return False
    front["content_hash"] = ""
    front["content_hash"] = content_hash(front, body)
    rendered = "---\n" + dump_front_matter(front) + "---\n\n" + body
    _check_round_trip(rendered, front, bundle.relative_index)
    return atomic_write(bundle.index, rendered.encode("utf-8"), staging=staging)
