"""Small helpers around selectolax (lexbor) shared by the adapters and the converter.

Parsing goes through ``parse`` so that every caller gets the same guards: NUL bytes removed (lexbor
mishandles them) and an input size cap (selectolax refuses more than 8e7 bytes anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.errors import ExtractError

MAX_HTML_CHARS = 40_000_000  # why: selectolax caps input at 8e7 bytes; a real article page is < 5 MB

_WS = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")


_MD_MARKUP = (
    r"\\([\\`*_{}\[\]()#+\-.!|>~$])|[*_`|~$]"
    r"|^[^\S\n]*(?:>[^\S\n]*)+(?:#{1,6}(?:[^\S\n]+|$))?|^[^\S\n]*#{1,6}(?:[^\S\n]+|$)"
    r"|^[^\S\n]*(?:[-+]|\d+\.)\s+"
)
"""An escaped character (group 1: kept), a markup character; at a line start the quote markers and a
heading's ``#``, or a list marker. A ``#`` or ``>`` inside a line is text (``C#``, ``1 > 0``)."""
_MD_URL = r"\((?:[^()]++|\([^()]*+\))*+\)"
"""A link's ``(url)``: our URLs hold no parenthesis (``safe_url`` encodes them); one nested pair is
allowed (``…/Foo_(bar))``). It ends at the next ``(`` it cannot pair, so a run of ``[a](`` costs a
look at each, not a scan to the end of the text."""
_MD_NOISE = re.compile(
    rf"\[!\[[^\]]*\]{_MD_URL}\]{_MD_URL}|!\[[^\]]*\]{_MD_URL}|\[(?:([^\]]*)\]{_MD_URL}|([^\]]*\]?))|{_MD_MARKUP}",
    re.M,
)
"""A linked image ``[![alt](src)](href)`` or an image (dropped), a link (group 1: its text, as
written), else a ``[`` that starts no link (group 2: up to the first ``]``), then markup. The link text ends at the first ``]``, so nested or
escaped brackets in it (``[a [b] c](u)``, ``[\\[语音\\] …](u)``) make no link: the text stays as written,
its markup reduced. Group 2 is why this is linear: every ``[`` before that ``]`` fails the same way,
so the run is taken at once instead of being rescanned from each ``[`` (a run of 40 000 ``[`` took 7 s)."""
_MD_MARKUP_RE = re.compile(_MD_MARKUP, re.M)


def _markup(m: re.Match[str]) -> str:
    return m.group(1) or ""


def _noise(m: re.Match[str]) -> str:
    if m.group(2) is not None:  # no link there: its markup goes, as from any other text
        return _MD_MARKUP_RE.sub(_markup, m.group(0))  # from the "[": no list marker can start there
    return m.group(1) or m.group(3) or ""


_FENCE = re.compile(r"^[^\S\n]{0,3}(`{3,}|~{3,})[^\n]*$", re.M)
_CODE_SPAN = re.compile(r"(`+)([^`\n]+?)\1(?!`)")


def _prose_text(markdown: str) -> str:
    """Prose (no fenced code): code spans keep their text as written (``callback_2``), the rest has
    its markup reduced."""
    parts = []
    at = 0
    for m in _CODE_SPAN.finditer(markdown):
        parts.append(_MD_NOISE.sub(_noise, markdown[at : m.start()]))
        parts.append(m.group(2))
        at = m.end()
    parts.append(_MD_NOISE.sub(_noise, markdown[at:]))
    return "".join(parts)


def plain_text(markdown: str) -> str:
    """Markdown reduced to its visible words: images dropped, links to their text, markup removed;
    code (fenced blocks and spans) kept as written.

    Linear in the length of the text (hostile runs of ``[``, ``![``, ``[a](`` or blank lines too).
    """
    if "`" not in markdown and "~~~" not in markdown:
        return squash(_MD_NOISE.sub(_noise, markdown))
    parts = []
    at = 0
    fence: str | None = None
    for m in _FENCE.finditer(markdown):
        marker = m.group(1)
        if fence is None:
            parts.append(_prose_text(markdown[at : m.start()]))
            fence, at = marker, m.end()
        elif marker[0] == fence[0] and len(marker) >= len(fence) and m.group(0).strip() == marker:
            parts.append(markdown[at : m.start()])  # the code itself, verbatim
            fence, at = None, m.end()
    rest = markdown[at:]
    parts.append(rest if fence is not None else _prose_text(rest))  # an unclosed fence runs to the end
    return squash(" ".join(parts))


_UTF8_SOURCE: ContextVar[tuple[str, bytes] | None] = ContextVar("utf8_source", default=None)


@contextmanager
def utf8_source(text: str, raw: bytes) -> Iterator[None]:
    """While this block runs, ``parse(text)`` (that very string) hands lexbor the bytes ``raw``.

    Why: lexbor reads UTF-8 bytes; given a str, selectolax encodes it again first, which for a
    3 MB WeChat page costs as much as the parse. The caller vouches that ``raw`` is the strict UTF-8
    encoding of ``text`` (``scraper.extract`` after a clean UTF-8 decode). Any other string, such as
    a fragment or a page rebuilt from a crawler item, is parsed as before.
    """
    token = _UTF8_SOURCE.set((text, raw))
    try:
        yield
    finally:
        _UTF8_SOURCE.reset(token)


def parse(html: str, url: str = "") -> LexborHTMLParser:
    """Parse ``html`` into a lexbor tree; raise ``ExtractError`` on input we refuse to parse."""
    if len(html) > MAX_HTML_CHARS:
        raise ExtractError(f"The page {url} is too large to extract ({len(html)} characters).", url)
    source = _UTF8_SOURCE.get()
    if source is not None and source[0] is html:
        raw = source[1]
        return LexborHTMLParser(raw.replace(b"\x00", b"") if b"\x00" in raw else raw)
    if "\x00" in html:  # why: the check is a scan; the replace is a copy of a page of several MB
        html = html.replace("\x00", "")
    return LexborHTMLParser(html)


def squash(text: str | None) -> str:
    """Collapse every run of white space (incl. NBSP, ideographic space, zero-width) to one space."""
    return _WS.sub(" ", text or "").strip()


_VISIBLE = re.compile(r"[^\s\u00a0\u3000\u200b\u200c\u200d\ufeff]")


def has_text(node: LexborNode | None) -> bool:
    """Whether ``node_text(node)`` is non-empty, without squashing the whole text (a body's text
    runs to 100 KB; the first visible character answers)."""
    return node is not None and _VISIBLE.search(node.text(deep=True, separator=" ")) is not None


_UNSHOWN = "script, style, template, noscript"


def node_text(node: LexborNode | None) -> str:
    """Visible-ish text of a node, white space collapsed; the code of a script inside it is no text
    (a 2018 WeChat title is ``<h2><script>document.write("…")</script>…</h2>``)."""
    if node is None:
        return ""
    if node.tag in ("script", "style", "template", "noscript") or node.css_first(_UNSHOWN) is None:
        return squash(node.text(deep=True, separator=" "))
    unshown = {n.mem_id for n in node.css(_UNSHOWN)}
    parts = []
    for text in node.traverse(include_text=True):
        if text.tag == "-text":
            parent = text.parent
            if parent is None or parent.mem_id not in unshown:
                parts.append(text.text_content or "")
    return squash(" ".join(parts))


def meta(tree: LexborHTMLParser, *names: str) -> str:
    """Content of the first ``<meta name|property=…>`` among ``names`` that is non-empty."""
    for name in names:
        for attr in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attr}="{name}"]')
            if node is not None:
                value = squash(node.attributes.get("content"))
                if value:
                    return value
    return ""


def meta_map(tree: LexborHTMLParser) -> dict[str, str]:
    """Every ``<meta property|name|itemprop=… content=…>`` of the page: the name, trimmed and
    lower-cased (ifeng writes ``og:time ``, old portals ``Description``), to the first non-empty
    content, white space collapsed. For pages read for many names (the generic extractor, the news
    portals' selector specs); :func:`meta` looks up a few names without building the map."""
    out: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        content = squash(attrs.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            name = (attrs.get(attr) or "").strip().lower()
            if name and name not in out:
                out[name] = content
    return out


def unescape_stored(html: str) -> str:
    """Undo a page stored as a JSON string body (literal ``\\n`` and ``\\"``, no real newlines).

    Some tools save pages JSON-escaped; parsed as is, every attribute would be garbage. The test is
    strict (many escaped quotes/newlines, almost no real ones) so real pages are never touched.
    """
    head = html[:4000]
    # why this order: the two looks at the head reject a real page at once; counting the newlines of
    # the whole page (several MB) comes last
    if head.count('\\"') < 5 or head.count("\\n") < 3 or html.count("\n") > 3:
        return html
    import json

    body = html.strip()
    if body.startswith('"') and body.endswith('"'):
        body = body[1:-1]
    try:
        return json.loads('"' + body.replace("\n", "\\n") + '"')
    except ValueError:
        return html.replace('\\"', '"').replace("\\n", "\n").replace("\\/", "/").replace("\\t", "\t")
