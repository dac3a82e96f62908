"""One sanitiser for every string that leaves the extractor (applied once, in :func:`scraper.extract`).

Why one place: the body was safe (the Markdown converter escapes raw HTML, keeps only http/https/
mailto links, makes Hugo shortcodes inert) while the front matter took the page's words as they came:
a description ``<script>alert(2)</script> {{< x >}} [点我](javascript:alert(1))`` landed verbatim in
``summary``, and ``发票\\u202egnp.exe`` displayed as ``发票exe.png`` in editors, terminals and list pages
(issue 11). The same rules now hold for every field:

- **Invisible format controls are removed** (:data:`INVISIBLE`): the bidirectional overrides,
  embeddings and isolates (U+202A–U+202E, U+2066–U+2069), the marks U+200E/U+200F/U+061C, the
  zero-width and invisible operators (U+2060–U+2064), the deprecated format controls, the
  interlinear annotation marks, U+FEFF, tag characters outside an emoji flag sequence, and C0/C1
  control characters. Kept: ZWJ and ZWNJ (emoji sequences, scripts that need them), tab and newline
  in the body. In the body, U+200B stays too: the converter writes it on purpose (after ``{{`` of a
  neutralised shortcode, between two emphasis runs).
- **Characters GB18030 once kept in the private use area are the real ones** (:data:`GB18030_PUA`):
  Python's ``gb18030`` codec follows the 2000 table, which put 24 characters (``ḿ``, 14 CJK
  ideographs, the vertical punctuation forms) at private-use code points; later tables and Unicode
  give them real ones, which every font has. Every string, the body too, gets the real characters.
- **Text fields are text** (title, summary, author, account, source, tags, image alt and caption,
  :func:`text_field`): other **private-use characters are removed** (U+E000–U+F8FF and planes 15–16:
  an icon font's glyph, such as Sina's U+E004 after a title, shows as a box anywhere else; emoji and
  every assigned character stay), raw HTML is removed (``<script>``/``<style>`` with their content, comments,
  tags; their words stay), a Markdown link or image whose target is not http/https/mailto keeps only
  its words, Hugo shortcode delimiters are neutralised (Hugo renders ``summary`` as Markdown), white
  space is one space.
- **The body** (Markdown made by :mod:`scraper.markdown`, which already escapes raw HTML, drops
  unsafe links and neutralises shortcodes) loses invisible controls only (:func:`body_text`); its
  own markup is ours and must not be touched. Private-use characters stay in it: inside a text they
  mark a character the page's own font drew (or a damaged byte), and removing one would join its
  neighbours into words the page never had. So do the texts of removed blocks and of ``error``.
- **URL fields** (canonical, source, cover, original URL) are kept only as absolute http(s) URLs.

Every function is idempotent: sanitising twice gives the same string.
"""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

from scraper.models import Article, ImageRef, Removal

SAFE_SCHEMES = ("http", "https", "mailto")
"""The only link schemes wxarchive writes (the Markdown converter imports this list)."""

ZWSP = "\u200b"

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
INVISIBLE = (
    BIDI_CONTROLS
    + "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline) and C1 control characters
    + "\u00ad\u180e\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"  # soft hyphen, invisible operators …
    + "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"  # shorthand, music, tags
)
"""Characters removed from every string: they are invisible, or reorder or hide what is shown."""

GB18030_PUA = {
    0xE78D: 0xFE10, 0xE78E: 0xFE12, 0xE78F: 0xFE11, 0xE790: 0xFE13, 0xE791: 0xFE14, 0xE792: 0xFE15,
    0xE793: 0xFE16, 0xE794: 0xFE17, 0xE795: 0xFE18, 0xE796: 0xFE19,  # vertical punctuation (A6D9 …)
    0xE7C7: 0x1E3F,  # ḿ (A8BC)
    0xE816: 0x20087, 0xE817: 0x20089, 0xE818: 0x200CC, 0xE81E: 0x9FB4, 0xE826: 0x9FB5, 0xE82B: 0x9FB6,
    0xE82C: 0x9FB7, 0xE831: 0x215D7, 0xE832: 0x9FB8, 0xE83B: 0x2298F, 0xE843: 0x9FB9, 0xE854: 0x9FBA,
    0xE855: 0x241FE, 0xE864: 0x9FBB,  # CJK ideographs (FE51 …)
}  # fmt: skip
"""The private-use code points of the GB18030-2000 table → the characters GB18030-2005/2022 map those
bytes to (the table Python's codec lacks)."""
_GB18030_PUA = re.compile("[" + "".join(map(chr, GB18030_PUA)) + "]")


def _real_characters(text: str) -> str:
    """``text`` with GB18030's old private-use code points as their characters (a scan in C first:
    ``str.translate`` with a dict costs a Python lookup per character)."""
    return (
        _GB18030_PUA.sub(lambda m: chr(GB18030_PUA[ord(m.group(0))]), text)
        if _GB18030_PUA.search(text)
        else text
    )


PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"

_FLAG = "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # a subdivision flag (🏴 + tag letters + cancel tag)
_BODY_INVISIBLE = re.compile(f"({_FLAG})|[{INVISIBLE}]")
_TEXT_INVISIBLE = re.compile(f"({_FLAG})|[{INVISIBLE}{ZWSP}{PRIVATE_USE}]")
_SPACE = re.compile(r"[\s\u2028\u2029\u3000]+")
_SCRIPT = re.compile(r"<(script|style|template|noscript|iframe|object)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<![A-Za-z][^<>]*>|<\?[^<>]*\?>")
_MD_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*(<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+[^)]*)?\)"
)
_SHORTCODE = re.compile(r"\{\{(?=[<%])")
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]")
_MAX_ROUNDS = 4  # why: removing one tag can join two halves into another (<<b>b>); a few rounds settle it


def _keep_flags(m: re.Match[str]) -> str:
    return m.group(1) or ""


def body_text(markdown: str) -> str:
    """The body without invisible format controls (its Markdown, links and escapes untouched)."""
    return _BODY_INVISIBLE.sub(_keep_flags, _real_characters(markdown))


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http/https/mailto URL (entities decoded, control characters and
    spaces ignored as browsers do), else None."""
    if not url:
        return None
    probe = _URL_JUNK.sub("", html.unescape(url))
    scheme = probe.split(":", 1)[0].lower() if ":" in probe else ""
    return url.strip() if scheme in SAFE_SCHEMES else None


def safe_http(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, else None (for URL fields)."""
    url = safe_link(url)
    if url is None or url.split(":", 1)[0].lower() not in ("http", "https") or "//" not in url[:8]:
        return None
    return _TEXT_INVISIBLE.sub("", url)


def _link(m: re.Match[str]) -> str:
    target = m.group(3)
    target = target[1:-1] if target.startswith("<") and target.endswith(">") else target
    words = m.group(2)
    return m.group(0) if safe_link(target) is not None and target else words


def text_field(text: str | None, *, paragraphs: bool = False) -> str:
    """A field that is text by contract (title, summary, author, tags …), safe to show anywhere.

    ``paragraphs``: keep line and paragraph breaks, as a text share's summary has them; otherwise all
    white space is one space (a title is one line)."""
    if not text:
        return ""
    out = _TEXT_INVISIBLE.sub(_keep_flags, _real_characters(text))
    for _ in range(_MAX_ROUNDS):
        before = out
        out = _TAG.sub("", _COMMENT.sub("", _SCRIPT.sub("", out)))
        out = _MD_LINK.sub(_link, out)
        if out == before:
            break
    else:  # still changing: whatever could still form a tag loses its "<"
        out = out.replace("<", "")
    out = _SHORTCODE.sub("{{" + ZWSP, out)
    if paragraphs:  # the text's own lines, as the adapter made them (only foreign line breaks unified)
        out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
        return out.strip()
    return _SPACE.sub(" ", out).strip()


def _optional(text: str | None) -> str | None:
    return (text_field(text) or None) if text is not None else None


def article(a: Article) -> Article:
    """``a`` with every string sanitised (see the module docstring); the same object when clean."""
    extra: dict[str, Any] = dict(a.extra)
    for key in ("original_url", "canonical_claim"):
        if isinstance(extra.get(key), str):
            value = safe_http(extra[key])
            if value is None:
                extra.pop(key)
            else:
                extra[key] = value
    clean = dataclasses.replace(
        a,
        title=text_field(a.title),
        author=_optional(a.author),
        account=_optional(a.account),
        summary=text_field(a.summary, paragraphs=True),
        tags=tuple(t for t in (text_field(t) for t in a.tags) if t),
        body_markdown=body_text(a.body_markdown),
        images=tuple(ImageRef(i.url, text_field(i.alt), text_field(i.caption)) for i in a.images),
        removed=tuple(Removal(r.rule, body_text(r.text)) for r in a.removed),
        error=body_text(a.error) if a.error else a.error,
        canonical_url=safe_http(a.canonical_url),
        source=_optional(a.source),
        source_url=safe_http(a.source_url),
        cover=safe_http(a.cover),
        extra=extra,
    )
    return a if clean == a and extra == a.extra else clean
