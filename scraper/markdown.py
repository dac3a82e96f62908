"""HTML → Markdown: the one converter every adapter hands its cleaned body node to.

Contract (used by ``scraper.sites._common.build_article``)::

    to_markdown(node, base_url, *, title="") -> Markdown(text, images, headings, has_math)

When: after an adapter found the body node and ``boilerplate.clean_body`` cut the noise. Why our own
walker: WeChat editors nest ``<section>`` twenty deep, put every line of code in its own ``<code>``,
hide formulas in attributes and lazy-load images from ``data-src``; a regex converter loses newlines
and leaves ``** text**`` that does not render. This module walks the lexbor tree once, in Python,
collecting *inline runs* (text + bold/italic/link state) that are flushed into *blocks* (paragraph,
heading, image, list, quote, table, code, formula, embed). Blocks are joined by one blank line.

Output guarantees: no runs of blank lines, no trailing spaces, one final newline (or ``""`` for an
empty body), absolute http/https/mailto links only, Markdown specials escaped only where they would
change the rendering, Hugo shortcode delimiters (``{{<`` ``{{%``) neutralised with a zero-width
space, deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape as html_escape
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from selectolax.lexbor import LexborNode

from scraper.models import ImageRef
from scraper.sanitize import SAFE_SCHEMES  # one list for the body and the front matter


@dataclass(frozen=True)
class Markdown:
    text: str
    images: tuple[ImageRef, ...] = ()
    headings: int = 0
    has_math: bool = False


# --- element classes (named data, not buried in logic) ---------------------------------------------

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "center",
        "address", "details", "summary", "dl", "dt", "dd", "form", "fieldset", "figure",
        "figcaption", "hgroup", "body", "html", "caption", "legend", "tbody", "thead", "tfoot",
        "tr", "td", "th", "li", "ul", "ol", "blockquote", "pre", "table", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "head", "title", "meta", "link", "button",
        "input", "select", "option", "textarea", "canvas", "map", "object", "wbr", "rp", "rt",
        "math", "param", "source", "track", "dialog",
    }
)  # fmt: skip
# WeChat cards that carry no article content: mini-programs, shops, music, charity, vote, profile.
CARD_TAGS = frozenset(
    {
        "mp-miniprogram", "mp-weapp", "mpshop", "qqmusic", "mpgongyi", "mpcps", "mp-common-product",
        "mp-common-profile", "mp-common-poi", "mp-common-qqmusic", "mp-common-cpsad", "mpprofile",
        "mp-common-sticker", "mp-common-search", "mp-common-miniprogram",
    }
)  # fmt: skip
_SKIP_OR_CARD = SKIP_TAGS | CARD_TAGS  # the walker's one test for both
CARD_CLASSES = frozenset(
    {
        "js_product_container", "js_miniprogram_container", "js_editor_vote_card", "js_editor_shopcard",
        "js_editor_qqmusic", "weapp_display_element", "weapp_image_link",
        "js_weapp_entry", "mp_profile_iframe_wrp", "js_editor_cpsad", "js_product_loop_content",
        "vote_area", "qqmusic_area", "shopcard_iframe",
    }
)  # fmt: skip
LINE_NUMBER_CLASSES = frozenset(
    {"code-snippet__line-index", "line-numbers-rows", "hljs-ln-numbers", "linenums"}
)
EMBED_TAGS = frozenset(
    {"iframe", "video", "audio", "mpvoice", "mp-common-mpaudio", "mpaudio", "mpvideo", "mp-common-videosnap"}
)
VIDEO_HOSTS = ("v.qq.com", "mp.weixin.qq.com", "player.bilibili.com", "player.youku.com", "www.youtube.com",
               "player.vimeo.com", "open.iqiyi.com", "channels.weixin.qq.com", "finder.video.qq.com")  # fmt: skip
VOICE_URL = "https://res.wx.qq.com/voice/getvoice?mediaid={}"
TENCENT_VIDEO_URL = "https://v.qq.com/x/page/{}.html"
IMAGE_SRC_ATTRS = ("data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-url", "src")
PLACEHOLDER_CLASSES = ("js_img_placeholder", "wx_img_placeholder")

MAX_DEPTH = 120  # why: real editors nest < 60 deep; deeper (hostile) subtrees are read as plain text
HEADING_MAX_CHARS = 30  # why: WeChat section titles are a short phrase; a longer bold line is emphasis
HEADING_MIN_CHARS = 2  # why: bold "1" / "2" section numbers are not headings on their own
CAPTION_MAX_CHARS = 40  # why: captions under WeChat images ("图源：DeepSeek官网") are one short line
SENTENCE_END = "。！？!?；;：:，,、…"  # a bold line ending like this is an emphasised sentence, not a title
CLOSERS = "”’」』）)\"'"  # looked through: “好，明天可以恢复生产。” is a quoted sentence

# why the first letter outside (?i:): a case-insensitive pattern is tried at every character of a
# style (some are 700 characters long); a first-letter class lets the engine skip to the candidates
_HIDDEN = re.compile(r"[dDvV](?:(?<=[dD])(?i:isplay\s*:\s*none)|(?<=[vV])(?i:isibility\s*:\s*hidden))")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none")  # on a lower-cased ASCII style (hidden_style)
_VISIBILITY_HIDDEN = re.compile(r"visibility\s*:\s*hidden")
# (same why for the first letter outside (?i:): "f" is only ever "f" or "F" in a case-insensitive match)
# Every font-weight / font-style declaration of a style in one scan; the group that matched says which:
# (bold on, bold off, italic on, italic off). Declarations cannot overlap (no value contains "font-").
_FONT_KEYS = re.compile("font-(?:weight|style)")  # on a lower-cased ASCII style: is there any to read
_FONT_DECL = re.compile(
    r"[fF](?i:ont-(?:weight\s*:\s*(?:(bold|bolder|[6-9]00)|(normal|lighter|[1-5]00))"
    r"|style\s*:\s*(?:(italic|oblique)|(normal))))"
)
_LANG_CLASS = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_SNIPPET_LANG = re.compile(r"(?:^|\s)code-snippet__(?!fix\b|line|outer|js_|ios\b)([a-z][\w+#-]*)")
_URL_JUNK = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = "[ \t\n\r\f\u00a0\u3000\u2028\u2029]"
_SPACE_CHARS = _SPACES[1:-1]
_WS_RUN = re.compile(f"[\ue000]*{_SPACES}[{_SPACES[1:-1]}\ue000]*")
_ZW = re.compile("[\u200b\ufeff\u00ad]")
_INVISIBLE = re.compile("[\u200b\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # zero-width + controls
_INLINE_ESCAPE = re.compile(
    r"\\(?=[!-/:-@\[-`{-~])|[`*~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\](?=[(\[:])|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
)
_LINK_TEXT_ESCAPE = re.compile(
    r"\\(?=[!-/:-@\[-`{-~])|[`*~\[\]]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|<(?=[A-Za-z/!?])"
)
_ESCAPABLE = re.compile(r"[\\`*~_\[\]<&]")  # every character either escape pattern can escape
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|(\d{1,9})(?=[.)](?:\s|$)))")
_RULE_LINE = re.compile(r"^([-_=*])(?:\s*\1){2,}\s*$")
_SHORTCODE = re.compile(r"\{\{(?=[<%])")
_BACKTICKS = re.compile(r"`+")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SEP = "\ue000"  # run separator while normalising white space across runs
_ATOM = "\ue001"  # stands for a code/math run (non-space, non-CJK) while normalising


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x3000 <= o <= 0x303F
        or 0x2018 <= o <= 0x201F  # curly quotes around CJK text
    )


def _inner_space(m: re.Match[str]) -> str:
    """A white-space run inside one run's text: one space, none for a source newline between CJK."""
    text, start, end = m.string, m.start(), m.end()
    if "\n" in m.group() and _is_cjk(text[start - 1]) and _is_cjk(text[end]):
        return ""  # why: pretty-printed source newlines between CJK runs render as a stray gap
    return " "


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def safe_url(raw: str | None, base: str) -> str | None:
    """An absolute, Markdown-safe http/https/mailto URL, or None for anything else.

    Browsers drop tabs/newlines inside URLs, so ``java&#x09;script:`` is ``javascript:`` after entity
    decoding: control characters and spaces are removed *before* the scheme test.
    """
    if not raw:
        return None
    url = _URL_JUNK.sub("", raw.strip()) if not raw.startswith("mailto:") else raw.strip()
    if not url or url.startswith("#"):
        return None
    scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    if scheme:
        if scheme not in SAFE_SCHEMES:
            return None
    else:
        if url.startswith("//"):
            url = "https:" + url
        elif base:
            url = urljoin(base, url)
        else:
            return None
        if url.split(":", 1)[0].lower() not in SAFE_SCHEMES:
            return None
    return (
        url.replace(" ", "%20")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )


def _escape_text(text: str) -> str:
    return _render(text, _INLINE_ESCAPE)


def _link_text(text: str) -> str:
    return _render(text, _LINK_TEXT_ESCAPE)


def _escape_line_start(text: str) -> str:
    if _RULE_LINE.match(text):
        return "\\" + text
    m = _LINE_START.match(text)
    if m is None:
        return text
    if m.group(2):  # "1. " ordered-list look-alike: escape the dot/paren
        end = m.end(2)
        return text[:end] + "\\" + text[end:]
    return "\\" + text


def _fence(code: str) -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    return "`" * max(3, longest + 1)


def _inline_code(code: str) -> str:
    code = code.replace("\n", " ")
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def _classes(attrs: dict[str, str | None]) -> list[str]:
    cls = attrs.get("class")
    return cls.split() if cls else []


def hidden_style(style: str) -> bool:
    """Whether a ``style`` attribute hides its element: ``display: none`` / ``visibility: hidden``,
    in any case (shared with the boilerplate engine)."""
    if style.isascii():
        # why: for ASCII, lower() is exactly what re's case-insensitive match does, and a pattern
        # with a literal prefix is found by a fast scan; _HIDDEN tries a branch at every d and v of
        # a style (WeChat styles run to hundreds of characters)
        low = style.lower()
        return _DISPLAY_NONE.search(low) is not None or _VISIBILITY_HIDDEN.search(low) is not None
    return _HIDDEN.search(style) is not None


def _hidden(attrs: dict[str, str | None]) -> bool:
    style = attrs.get("style")
    if style and ("none" in style or "hidden" in style) and hidden_style(style):
        return True
    return "hidden" in attrs


# --- output model -----------------------------------------------------------------------------------


StyleLook = tuple[
    bool, bool | None, bool | None, bool
]  # (hidden, bold set to, italic set to, display: block)
_DISPLAY_BLOCK = re.compile(r"(?:^|;)\s*display\s*:\s*(?:block|flex|list-item)\b", re.I)
ClassLook = tuple[list[str], bool, bool]  # (classes, an app card, a 视频号 card)


def _style_look(style: str) -> StyleLook:
    """What a non-empty ``style`` attribute does: hides the element, and sets or clears bold / italic."""
    hidden = ("none" in style or "hidden" in style) and hidden_style(style)
    bold = italic = None
    # why the ASCII look first: "font-" alone is in nearly every WeChat style (font-size); lower() is
    # exact for ASCII, and most styles then show no weight or style declaration to scan for
    if "font-" in style and (not style.isascii() or _FONT_KEYS.search(style.lower())):
        # one scan finds every font-weight / font-style declaration (they cannot overlap)
        weights_on = weights_off = styles_on = styles_off = False
        for on, off, ital, normal in _FONT_DECL.findall(style):
            weights_on = weights_on or bool(on)
            weights_off = weights_off or bool(off)
            styles_on = styles_on or bool(ital)
            styles_off = styles_off or bool(normal)
        if weights_on:
            bold = True
        elif weights_off:
            bold = False
        if styles_on:
            italic = True
        elif styles_off:
            italic = False
    block = "display" in style and _DISPLAY_BLOCK.search(style) is not None
    return hidden, bold, italic, block


def _class_look(cls: str) -> ClassLook:
    classes = cls.split()
    return classes, not CARD_CLASSES.isdisjoint(classes), "js_video_channel_card" in classes


@dataclass(slots=True)
class _Block:
    kind: str  # p, h, img, code, math, list, quote, table, html, embed
    text: str
    plain: str = ""
    bold_only: bool = False
    image: int = -1  # index into the converter's image list (img blocks)
    caption_of: int = -1  # a figcaption: the image it captions
    level: int = 0  # h blocks: the page's own heading level (1-6); 0 for a styled paragraph made one
    bold_core: bool = False  # short p blocks: every word bold, only punctuation around it plain
    italic_only: bool = False  # short p blocks: all italic, no link (a caption's look)


@dataclass
class _Conv:
    base: str
    images: list[list[str]] = field(default_factory=list)  # [url, alt, caption], document order, unique
    image_index: dict[str, int] = field(default_factory=dict)
    has_math: bool = False
    root: LexborNode | None = None  # the body node being converted
    title: str = ""  # the article's title: an image whose alt text repeats it has no alt
    class_headings: bool = False  # the body holds a class-marked sub-heading (checked once, per body)
    depth: int = 0
    # what a style / class attribute says, per distinct value: editors repeat the same long style on
    # every span, and reading it (hidden? bold? italic?) costs more than a dict lookup
    styles: dict[str, StyleLook] = field(default_factory=dict)
    classes: dict[str, ClassLook] = field(default_factory=dict)

    def add_image(self, url: str, alt: str) -> int:
        idx = self.image_index.get(url)
        if idx is None:
            idx = self.image_index[url] = len(self.images)
            self.images.append([url, alt, ""])
        return idx


Run = tuple  # (kind, text, bold, italic, link): kind "t" text, "c" code, "m" math, "i" inline image


class _Flow:
    """Collects inline runs and flushes them into blocks; one per block container (body, li, quote, cell)."""

    __slots__ = ("conv", "blocks", "runs", "bold", "italic", "link", "in_heading", "cell")

    def __init__(self, conv: _Conv, *, cell: bool = False) -> None:
        self.conv = conv
        self.blocks: list[_Block] = []
        self.runs: list[Run] = []
        self.bold = False
        self.italic = False
        self.link: str | None = None
        self.in_heading = False
        self.cell = cell

    # -- walking --
    def walk(self, node: LexborNode) -> None:
        runs = self.runs
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = child.text_content
                if text:
                    runs.append(("t", text, self.bold, self.italic, self.link))
            elif tag and tag[0] != "-" and tag not in _SKIP_OR_CARD:
                conv = self.conv
                if conv.depth >= MAX_DEPTH:  # hostile nesting: the rest of this subtree is plain text
                    text = child.text(deep=True)
                    if text:
                        runs.append(("t", text, self.bold, self.italic, self.link))
                    continue
                conv.depth += 1
                try:
                    self._element(child, tag)
                finally:
                    conv.depth -= 1
                # why re-read: a block inside flushed self.runs into a new list
                runs = self.runs

    def _element(self, el: LexborNode, tag: str) -> None:
        attrs = el.attributes  # why once: selectolax builds this dict anew on every access
        look: StyleLook | None = None
        if attrs:
            conv = self.conv
            style = attrs.get("style")
            if style:
                look = conv.styles.get(style)
                if look is None:
                    look = conv.styles[style] = _style_look(style)
                if look[0]:
                    return  # hidden
            if "hidden" in attrs:
                return
            cls = attrs.get("class")
            classes: list[str] = []
            if cls:
                cls_look = conv.classes.get(cls)
                if cls_look is None:
                    cls_look = conv.classes[cls] = _class_look(cls)
                classes, card, video_card = cls_look
                if card:
                    return
            else:
                video_card = False
            if "data-formula" in attrs:
                self.formula(attrs.get("data-formula") or "", tag, classes)
                return
            if video_card:  # a 视频号 card rendered as a section
                self.embed(el, "mp-common-videosnap", attrs)
                return
        if tag == "br":
            if self.cell or self.in_heading:
                self.runs.append(("t", " ", self.bold, self.italic, self.link))
            else:
                self.flush()
            return
        if tag == "img":
            self.image(attrs)
            return
        if tag in EMBED_TAGS or tag == "embed":
            self.embed(el, tag, attrs)
            return
        if tag == "a":
            href = safe_url(attrs.get("href"), self.conv.base)
            saved = self.link
            self.link = href
            self.walk(el)
            self.link = saved
            return
        if tag == "code" and not self.in_heading:
            text = el.text(deep=True)
            if text and text.strip():
                self.runs.append(("c", text, self.bold, self.italic, self.link))
            return
        bold, italic = self.bold, self.italic
        if tag in ("strong", "b"):
            self.bold = True
        elif tag in ("em", "i", "cite", "dfn"):
            self.italic = True
        if look is not None:
            if look[1] is not None:
                self.bold = look[1]
            if look[2] is not None:
                self.italic = look[2]
        if tag in BLOCK_TAGS:
            self.block(el, tag)
        elif look is not None and look[3] and not (self.cell or self.in_heading):
            # a <span style="display:block"> is a line of its own (mdnice's list items and line breaks)
            self.flush()
            self.walk(el)
            self.flush()
        else:
            self.walk(el)
        self.bold, self.italic = bold, italic

    def block(self, el: LexborNode, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading(el, int(tag[1]))
        elif tag in ("p", "div") and self.conv.class_headings and _heading_by_class(el):
            before = len(self.blocks)
            self.heading(el, 2)
            last = self.blocks[-1] if len(self.blocks) > before else None
            if (
                last is not None
                and before
                and self.blocks[before - 1].kind == "h"
                and self.blocks[before - 1].bold_only
            ):
                # "01" / "百年积累：" / "一粒分子撬动万亿市值" on three class-marked lines: one heading
                prev = self.blocks[before - 1]
                prev.text, prev.plain = (
                    f"{prev.text} {last.text.split(' ', 1)[1]}",
                    f"{prev.plain} {last.plain}",
                )
                self.blocks.pop()
            elif last is not None:
                last.bold_only = True  # marks a class-made heading (headings are never promoted again)
        elif tag in ("ul", "ol"):
            self.list_(el, tag == "ol")
        elif tag == "blockquote":
            self.quote(el)
        elif tag == "pre":
            self.code_block(el)
        elif tag == "table":
            self.table(el)
        elif tag == "hr":
            self.flush()
        elif tag == "figcaption":
            self.flush()
            start = len(self.blocks)
            self.walk(el)
            self.flush()
            for b in self.blocks[start:]:
                if b.kind == "p":
                    b.caption_of = -2  # resolved by the figure
        elif tag == "figure":
            self.flush()
            start = len(self.blocks)
            self.walk(el)
            self.flush()
            imgs = [b for b in self.blocks[start:] if b.kind == "img"]
            caps = [b for b in self.blocks[start:] if b.caption_of == -2]
            if imgs and caps:
                cap = " ".join(c.plain for c in caps)
                self.conv.images[imgs[-1].image][2] = cap
                for c in caps:
                    c.caption_of = imgs[-1].image
        else:  # p, div, section …: a paragraph boundary on both sides
            if self.runs:
                self.flush()
            self.walk(el)
            if self.runs:
                self.flush()

    def sub_blocks(self, el: LexborNode, *, cell: bool = False) -> list[_Block]:
        sub = _Flow(self.conv, cell=cell)
        sub.walk(el)
        sub.flush()
        return sub.blocks

    # -- inline leaves --
    def image(self, attrs: dict[str, str | None]) -> None:
        url = None
        for name in IMAGE_SRC_ATTRS:
            value = attrs.get(name)
            if value and not value.lstrip().lower().startswith("data:"):
                if name == "src" and any(c in (attrs.get("class") or "") for c in PLACEHOLDER_CLASSES):
                    continue
                url = safe_url(value, self.conv.base)
                if url and url.startswith("mailto:"):
                    url = None
                if url:
                    break
        if not url:
            return
        width, height = _declared_size(attrs)
        if width is not None and height is not None and min(width, height) <= DECORATION_MAX_PX:
            return  # why: a 114×12 arrow, a 640×8 rule line or a 1×1 pixel is decoration, never content
        small = width is not None and height is not None and max(width, height) <= INLINE_IMAGE_MAX_PX
        alt = " ".join((attrs.get("alt") or attrs.get("title") or "").split())
        if alt.lower() in ("null", "undefined", "none") or (alt and alt == self.conv.title):
            alt = ""  # editor placeholders and the article's title repeated on every picture describe none
        idx = self.conv.add_image(url, alt)
        md = f"![{_link_text(alt)}]({url})"
        if self.link:
            md = f"[{md}]({self.link})"
        if self.cell or self.in_heading or small:
            # an emoji or sticker stays where it stands in its sentence
            self.runs.append(("i", md, False, False, None))
            return
        self.flush()
        self.blocks.append(_Block("img", md, image=idx))

    def formula(self, tex: str, tag: str, classes: list[str]) -> None:
        tex = tex.strip()
        if not tex:
            return
        self.conv.has_math = True
        inline = tag not in BLOCK_TAGS and "block-equation" not in classes
        if inline or self.cell or self.in_heading:
            self.runs.append(("m", "$" + " ".join(tex.split()) + "$", self.bold, self.italic, self.link))
            return
        self.flush()
        self.blocks.append(_Block("math", f"$$\n{tex}\n$$", plain=tex))

    def embed(self, el: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        """Video / audio players become a link with their poster image (never a dead iframe)."""
        if self.cell or self.in_heading:
            return
        get = attrs.get
        poster = ""
        for name in ("data-cover", "data-poster", "poster", "cover", "data-headimgurl", "data-thumburl"):
            value = get(name)
            if value:
                poster = unquote(value) if "%3A" in value[:12] or "%3a" in value[:12] else value
                break
        title = " ".join((get("data-title") or get("name") or get("data-desc") or get("title") or "").split())
        label, url = "视频", None
        if tag in ("mpvoice", "mp-common-mpaudio", "mpaudio") or "js_editor_audio" in (get("class") or ""):
            fileid = get("voice_encode_fileid") or get("data-voice_encode_fileid") or get("data-mediaid")
            label = "音频"
            if fileid:
                url = VOICE_URL.format(fileid)
            poster = get("cover") or get("data-cover") or ""
        elif tag == "mp-common-videosnap":
            label = "视频号"
            nick = " ".join((get("data-nickname") or "").split())
            desc = " ".join((get("data-desc") or "").split())
            title = "：".join(x for x in (nick, desc) if x)
            poster = get("data-url") or get("data-headimgurl") or ""
            url = safe_url(get("data-url"), self.conv.base)
        else:
            src = get("data-src") or get("src") or ""
            if not src and tag in ("video", "audio"):
                first = el.css_first("source[src]")
                src = first.attributes.get("src") or "" if first is not None else ""
            url = safe_url(src, self.conv.base) if src else None
            vid = get("data-mpvid") or get("data-vid") or ""
            if url and "v.qq.com" in url:
                qs = parse_qs(urlsplit(url).query)
                vid = (qs.get("vid") or [vid])[0]
                if vid:
                    url = TENCENT_VIDEO_URL.format(vid)
            if tag == "audio":
                label = "音频"
            if tag == "iframe":
                host = urlsplit(url).hostname or "" if url else ""
                is_video = "video_iframe" in (get("class") or "") or any(host == h for h in VIDEO_HOSTS)
                if not is_video:
                    return
        if title:
            label = f"{label}：{title}"
        poster_url = safe_url(poster, self.conv.base) if poster else None
        if poster_url and poster_url.startswith("mailto:"):
            poster_url = None
        if not url and not poster_url:
            return
        self.flush()
        text_label = _link_text(label)
        if poster_url:
            idx = self.conv.add_image(poster_url, label)
            md = f"![{text_label}]({poster_url})"
            md = f"[{md}]({url})" if url else md
            self.blocks.append(_Block("embed", md, plain=label, image=idx))
        else:
            self.blocks.append(_Block("embed", f"[{text_label}]({url})", plain=label))

    # -- containers --
    def heading(self, el: LexborNode, level: int) -> None:
        self.flush()
        saved = self.in_heading
        self.in_heading = True
        self.walk(el)
        self.in_heading = saved
        text, plain, _ = self.serialize(self.runs, heading=True)
        self.runs = []
        if plain:
            self.blocks.append(_Block("h", "#" * max(2, level) + " " + text, plain=plain, level=level))

    def list_(self, el: LexborNode, ordered: bool) -> None:
        self.flush()
        try:
            number = int(el.attributes.get("start") or 1) if ordered else 1
        except ValueError:
            number = 1
        items: list[tuple[str, list[_Block]]] = []
        for child in el.iter():
            tag = child.tag
            if tag in ("ul", "ol") and items:  # invalid nesting: a list directly inside a list
                sub = _Flow(self.conv)
                sub.list_(child, tag == "ol")
                items[-1][1].extend(sub.blocks)
                continue
            if tag != "li" or _hidden(child.attributes):
                continue
            blocks = self.sub_blocks(child)
            if not blocks:
                continue
            items.append((f"{number}." if ordered else "-", blocks))
            number += 1
        if not items:
            return
        # why: a list is "loose" (blank lines between items) only when an item holds two paragraphs
        loose = any(sum(1 for b in blocks if b.kind != "list") > 1 for _, blocks in items)
        rendered = []
        for marker, blocks in items:
            pad = " " * (len(marker) + 1)
            body = blocks[0].text
            for b in blocks[1:]:
                body += ("\n" if b.kind == "list" else "\n\n") + b.text
            lines = body.split("\n")
            out = [f"{marker} {lines[0]}"] + [pad + line if line else "" for line in lines[1:]]
            rendered.append("\n".join(out))
        plain = " ".join(b.plain for _, blocks in items for b in blocks)
        self.blocks.append(_Block("list", ("\n\n" if loose else "\n").join(rendered), plain=plain))

    def quote(self, el: LexborNode) -> None:
        self.flush()
        blocks = self.sub_blocks(el)
        if not blocks:
            return
        if any(b.kind in ("img", "embed") for b in blocks) or (
            len(blocks) > RUNAWAY_QUOTE_BLOCKS and _runs_to_the_end(el, self.conv.root)
        ):
            # a quote holding pictures, or a long one closing only with the body, is an editor's
            # unclosed <blockquote> (a poem opened one and half the article fell in): its blocks are
            # body blocks; the lines up to an attribution ("——唐伯虎《元宵》") stay the quote they were
            end = next((k for k, b in enumerate(blocks) if b.kind == "p" and _ATTRIBUTION.match(b.plain)), -1)
            if 0 < end and all(b.kind == "p" for b in blocks[: end + 1]):
                self._quote_blocks(blocks[: end + 1])
                blocks = blocks[end + 1 :]
            self.blocks.extend(blocks)
            return
        self._quote_blocks(blocks)

    def _quote_blocks(self, blocks: list[_Block]) -> None:
        body = "\n\n".join(b.text for b in blocks)
        text = "\n".join("> " + line if line else ">" for line in body.split("\n"))
        self.blocks.append(_Block("quote", text, plain=" ".join(b.plain for b in blocks)))

    def code_block(self, el: LexborNode) -> None:
        self.flush()
        code = _code_text(el)
        if not code.strip():
            return
        lang = _code_language(el)
        fence = _fence(code)
        self.blocks.append(_Block("code", f"{fence}{lang}\n{code}\n{fence}", plain=code))

    def table(self, el: LexborNode) -> None:
        self.flush()
        rows: list[list[tuple[LexborNode, int, int, bool]]] = []
        nested = False
        for tr in el.css("tr"):
            # only rows of this table, not of a nested one
            owner = tr.parent
            while owner is not None and owner.tag != "table":
                owner = owner.parent
            if owner is None or owner.mem_id != el.mem_id:
                nested = True
                continue
            if _hidden(tr.attributes):
                continue
            cells = []
            for td in tr.iter():
                if td.tag in ("td", "th"):
                    a = td.attributes
                    cells.append((td, _span(a.get("colspan")), _span(a.get("rowspan")), td.tag == "th"))
            if cells:
                rows.append(cells)
        width = max((sum(c[1] for c in r) for r in rows), default=0)
        if nested or len(rows) < 2 or width < 2:
            # a layout table (one row/column, or tables in tables): its cells are just blocks
            for r in rows:
                for td, _, _, _ in r:
                    self.walk(td)
                    self.flush()
            return
        grid: list[list[str | None]] = []
        html_cells: list[list[str]] = []
        complex_cells = False
        for ri, r in enumerate(rows):
            while len(grid) <= ri:
                grid.append([])
            line = grid[ri]
            html_row = []
            ci = 0
            for td, colspan, rowspan, is_th in r:
                while ci < len(line) and line[ci] is not None:
                    ci += 1
                blocks = self.sub_blocks(td, cell=True)
                if any(b.kind not in ("p", "img", "h") for b in blocks):
                    complex_cells = True
                md = " ".join(b.text for b in blocks).replace("|", "\\|")
                html_row.append(_html_cell(td, blocks, colspan, rowspan, is_th))
                for dr in range(rowspan):
                    while len(grid) <= ri + dr:
                        grid.append([])
                    target = grid[ri + dr]
                    for dc in range(colspan):
                        while len(target) <= ci + dc:
                            target.append(None)
                        target[ci + dc] = md if (dr, dc) == (0, 0) else ""
                ci += colspan
            html_cells.append(html_row)
        grid = grid[: len(rows)]
        widths = {len(r) for r in grid}
        rectangular = len(widths) == 1 and all(c is not None for r in grid for c in r)
        if rectangular and not complex_cells:
            n = widths.pop()
            lines = ["| " + " | ".join(c or "" for c in grid[0]) + " |", "|" + " --- |" * n]
            lines += ["| " + " | ".join(c or "" for c in r) + " |" for r in grid[1:]]
            self.blocks.append(_Block("table", "\n".join(line.replace("  ", " ") for line in lines)))
        else:
            body = "\n".join("<tr>" + "".join(r) + "</tr>" for r in html_cells)
            self.blocks.append(_Block("html", f"<table>\n{body}\n</table>"))

    # -- flushing --
    def flush(self) -> None:
        if not self.runs:
            return
        runs, self.runs = self.runs, []
        text, plain, bold_only = self.serialize(runs)
        if text:
            block = _Block("p", _escape_line_start(text), plain=plain, bold_only=bold_only)
            if len(plain) <= SHORT_BLOCK_CHARS:  # why only short ones: headings and captions are short
                block.bold_core, block.italic_only = _run_looks(runs)
            self.blocks.append(block)

    def serialize_text(self, run: Run, heading: bool) -> tuple[str, str, bool]:
        """``serialize`` of a single text run, the shape of most paragraphs, without the run lists.

        Same steps, same result: with no separator to place, the white space at the ends goes and
        each inner run of it is one space, or nothing for a source newline between CJK characters.
        """
        _, text, bold, italic, link = run
        if _SEP in text:  # the page itself uses our private-use marker characters
            text = text.replace(_SEP, "").replace(_ATOM, "")
        text = _INVISIBLE.sub("", text).strip(_SPACE_CHARS)
        if not text:
            return "", "", False
        text = _WS_RUN.sub(_inner_space if "\n" in text else " ", text)
        plain = text.strip()
        bold_only = not (plain and (not bold or link))
        if heading:
            bold = italic = False
        if bold or italic or link is not None:
            return self.serialize_pieces([(text, bold, italic, link)], plain, bold_only)
        return _render(text, _INLINE_ESCAPE).strip(), plain, bold_only and bool(plain)

    def serialize(self, runs: list[Run], heading: bool = False) -> tuple[str, str, bool]:
        """Inline runs → (markdown, visible text, every visible character bold and unlinked)."""
        if not runs:
            return "", "", False
        if len(runs) == 1 and runs[0][0] == "t":
            return self.serialize_text(runs[0], heading)
        texts = [r[1] if r[0] == "t" else _ATOM for r in runs]
        joined = _SEP.join(texts)
        if joined.count(_SEP) != len(runs) - 1:
            # the page itself uses our private-use marker characters: drop them from its text first
            texts = [
                t.replace(_SEP, "").replace(_ATOM, "") if r[0] == "t" else _ATOM
                for t, r in zip(texts, runs, strict=True)
            ]
            joined = _SEP.join(texts)
        joined = _INVISIBLE.sub("", joined)

        def space(m: re.Match[str]) -> str:
            group = m.group()
            start, end = m.start(), m.end()
            keep = not (start == 0 or end == len(joined))
            if keep and "\n" in group and _is_cjk(joined[start - 1]) and _is_cjk(joined[end]):
                keep = False  # why: pretty-printed source newlines between CJK runs render as a stray gap
            if _SEP not in group:
                return " " if keep else ""
            segs = group.split(_SEP)
            if not keep:
                return _SEP * (len(segs) - 1)
            # the space goes to the first run that had white space (never into a code/math atom)
            first = next(i for i, seg in enumerate(segs) if seg)
            return _SEP.join(" " if i == first else "" for i in range(len(segs)))

        normalized = _WS_RUN.sub(space, joined).split(_SEP)
        # links outer, then bold, then italic; code/math/images are atoms inside
        pieces: list[tuple[str, bool, bool, str | None]] = []  # (kind+text, bold, italic, link)
        plain_parts: list[str] = []
        bold_only = True
        styled = False  # any bold, italic or link at all (else the pieces are just escaped and joined)
        for run, text in zip(runs, normalized, strict=True):
            kind, _, bold, italic, link = run
            if heading:
                bold = italic = False
            if bold or italic or link is not None:
                styled = True
            if kind == "t":
                if not text:
                    continue
                plain_parts.append(text)
                if bold_only and text.strip() and (not run[2] or link):
                    bold_only = False
                pieces.append((text, bold, italic, link))
            else:
                value = _inline_code(run[1]) if kind == "c" else run[1]
                if kind != "i":
                    plain_parts.append(run[1] if kind == "c" else value)
                bold_only = False
                pieces.append(("\x00" + value, bold, italic, link))
        plain = "".join(plain_parts).strip()
        if not pieces:
            return "", "", False
        if not styled:  # (what the grouping below gives for one plain group, without the grouping)
            text = "".join(t[1:] if t.startswith("\x00") else _render(t, _INLINE_ESCAPE) for t, *_ in pieces)
            return text.strip(), plain, bold_only and bool(plain)
        return self.serialize_pieces(pieces, plain, bold_only)

    def serialize_pieces(
        self, pieces: list[tuple[str, bool, bool, str | None]], plain: str, bold_only: bool
    ) -> tuple[str, str, bool]:
        """Styled pieces → Markdown: links outer, then bold, then italic (``_emphasize``)."""
        out: list[str] = []
        i = 0
        while i < len(pieces):
            link = pieces[i][3]
            j = i
            while j < len(pieces) and pieces[j][3] == link:
                j += 1
            inner = _emphasize(pieces[i:j], link is not None)
            if link is not None:
                stripped = inner.strip()
                if stripped:
                    lead = inner[: len(inner) - len(inner.lstrip())]
                    trail = inner[len(inner.rstrip()) :]
                    out.append(f"{lead}[{stripped}]({link}){trail}")
                else:
                    out.append(inner)
            else:
                out.append(inner)
            i = j
        text = "".join(out).strip()
        return text, plain, bold_only and bool(plain)


def _emphasize(pieces: list[tuple[str, bool, bool, str | None]], in_link: bool) -> str:
    """Group equal-style pieces and wrap them so CommonMark renders the emphasis.

    Bold is the outer group, italic the inner one. White space and punctuation at the edges of an
    emphasised group go outside the delimiters: ``点**“蓝字”**关`` would not render (a closing ``**``
    after punctuation and before a letter is not right-flanking), ``点“**蓝字**”关`` does. Punctuation
    moves out whole or not at all: never one half of a pair (``《**一分钱》“一分钱不要**”``) and never
    the end of a URL (``*https://handbrake.fr*/``); when the delimiters cannot render where they
    stand without that, the group is written without emphasis (its words are what matters).
    """
    esc = _LINK_TEXT_ESCAPE if in_link else _INLINE_ESCAPE
    out: list[str] = []
    i = 0
    while i < len(pieces):
        bold = pieces[i][1]
        j = i
        while j < len(pieces) and pieces[j][1] == bold:
            j += 1
        items = [(p[0], p[2]) for p in pieces[i:j]]
        prev, nxt = _last_char(out), _first_char(p[0] for p in pieces[j:])
        if bold:
            out.append(_wrap(items, "**", esc, prev, nxt, italics=True))
        else:
            out.extend(_italics(items, esc, prev, nxt))
        i = j
    return "".join(_join_delims(out))


def _italics(items: list[tuple[str, bool]], esc: re.Pattern[str], prev: str, nxt: str) -> list[str]:
    out: list[str] = []
    k = 0
    while k < len(items):
        italic = items[k][1]
        m = k
        while m < len(items) and items[m][1] == italic:
            m += 1
        group = [(t, False) for t, _ in items[k:m]]
        before = _last_char(out) or prev
        after = _first_char(t for t, _ in items[m:]) or nxt
        out.append(_wrap(group, "*", esc, before, after) if italic else _render_items(group, esc))
        k = m
    return out


def _first_char(texts: Iterable[str]) -> str:
    """The first character the following texts render with ("" at the end); an atom's own first one."""
    for text in texts:
        text = text[1:] if text.startswith("\x00") else text
        if text:
            return text[0]
    return ""


def _last_char(parts: list[str]) -> str:
    for part in reversed(parts):
        if part:
            return part[-1]
    return ""


def _md_punct(ch: str) -> bool:
    """Punctuation as CommonMark's flanking rules read it (ASCII punctuation or Unicode P*)."""
    return ch in _ASCII_PUNCT or unicodedata.category(ch)[0] == "P"


def _can_open(before: str, first: str) -> bool:
    """A delimiter run between ``before`` and ``first`` is left-flanking ("" is a line's edge)."""
    if not first or first.isspace():
        return False
    return not _md_punct(first) or not before or before.isspace() or _md_punct(before)


def _can_close(last: str, after: str) -> bool:
    """A delimiter run between ``last`` and ``after`` is right-flanking."""
    if not last or last.isspace():
        return False
    return not _md_punct(last) or not after or after.isspace() or _md_punct(after)


def _wrap(
    items: list[tuple[str, bool]],
    delim: str,
    esc: re.Pattern[str],
    prev: str,
    nxt: str,
    *,
    italics: bool = False,
) -> str:
    """``items`` emphasised with ``delim`` between the characters ``prev`` and ``nxt``.

    The items are cut into runs (:func:`_segments`): punctuation at their edges and any half of a
    bracket or quotation pair stand outside the delimiters, so each pair is either wholly inside
    one emphasised run or wholly outside (``《**一分钱**》“**一分钱不要**”``). A run whose delimiters
    still cannot render where they stand (a URL kept whole up to its final ``/``) is written plain.
    ``italics``: the items carry an italic flag each and are rendered as :func:`_italics` (bold)."""
    lead, core, trail = _split_edges(items)
    if core and _stray_pairs(core):
        # the partner of a moved-out bracket or quote is inside: put it back, if the delimiters
        # can stand there ("**英国《泰晤士报》**：" at a line's start); else cut at the halves below
        lead, whole, trail = _rebalance(lead, core, trail)
        if not _stray_pairs(whole):
            segments: list[Segment] = [(False, lead), (True, whole), (False, trail)]
            rendered = _render_segments(segments, delim, esc, prev, nxt, italics, strict=True)
            if rendered is not None:
                return rendered
    return _render_segments(_segments(items), delim, esc, prev, nxt, italics, strict=False) or ""


def _rebalance(
    lead: str, core: list[tuple[str, bool]], trail: str
) -> tuple[str, list[tuple[str, bool]], str]:
    """Put back into ``core`` the moved-out halves of pairs whose other half it holds."""
    while lead and lead[-1] in _CLOSERS_OF:
        texts = "".join(t for t, _ in core if not t.startswith("\x00"))
        if not _has_stray_closer(texts, lead[-1]):
            break
        core = [(lead[-1], False), *core]
        lead = lead[:-1]
    while trail and trail[0] in _OPENER_OF:
        texts = "".join(t for t, _ in core if not t.startswith("\x00"))
        if not _has_open_opener(texts, _OPENER_OF[trail[0]]):
            break
        core = [*core, (trail[0], False)]
        trail = trail[1:]
    return lead, core, trail


def _has_stray_closer(text: str, opener: str) -> bool:
    closer, depth = _CLOSERS_OF[opener], 0
    for ch in text:
        if ch == opener:
            depth += 1
        elif ch == closer:
            if not depth:
                return True
            depth -= 1
    return False


def _has_open_opener(text: str, opener: str) -> bool:
    closer, depth = _CLOSERS_OF[opener], 0
    for ch in text:
        if ch == opener:
            depth += 1
        elif ch == closer and depth:
            depth -= 1
    return depth > 0


def _render_segments(
    segments: list[Segment],
    delim: str,
    esc: re.Pattern[str],
    prev: str,
    nxt: str,
    italics: bool,
    *,
    strict: bool,
) -> str | None:
    """The segments rendered; an emphasised run whose delimiters cannot stand where they are is
    written plain, or, ``strict``, the whole rendering is refused (None)."""
    out: list[str] = []
    for k, (inside, value) in enumerate(segments):
        if not inside:
            out.append(_render(value, esc))  # type: ignore[arg-type]
            continue
        core: list[tuple[str, bool]] = value  # type: ignore[assignment]
        before = _last_char(out) or prev
        after = nxt
        for later_inside, later in segments[k + 1 :]:
            if later_inside:  # another run right after: a zero-width space will part the delimiters
                after = "\u200b"
                break
            if later:
                after = str(later)[0]
                break
        if italics:
            body = "".join(_join_delims(_italics(core, esc, delim[-1], delim[0])))
        else:
            body = _render_items(core, esc)
        # a delimiter run of the italics inside joins ours ("***粗斜体***"): look past it
        first = "*" if body.startswith("\\*") else body.lstrip("*")[:1]
        last = "*" if body.endswith("\\*") else body.rstrip("*")[-1:]
        if _can_open(before, first) and _can_close(last, after):
            out.append(delim + body + delim)
        elif strict:
            return None
        elif italics:  # no bold here: the italics inside see the text around instead of the delimiters
            out.append("".join(_join_delims(_italics(core, esc, before, after))))
        else:
            out.append(body)
    return "".join(_join_delims(out))


def _edge(ch: str) -> bool:
    return ch == " " or _is_punct(ch)


_OPENERS = "“‘「『（(【[〔《〈{<"
_CLOSERS_OF = dict(zip(_OPENERS, "”’」』）)】]〕》〉}>", strict=True))
_OPENER_OF = {v: k for k, v in _CLOSERS_OF.items()}
_PAIRED = frozenset(_OPENERS) | frozenset(_OPENER_OF)
_NOT_SPACE_EDGE = "".join(chr(c) for c in range(0x21, 0x7F))  # the ASCII a URL's end can hold
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$", re.I)

Segment = tuple[bool, "str | list[tuple[str, bool]]"]  # (emphasised, outside text | inside items)


def _segments(items: list[tuple[str, bool]]) -> list[Segment]:
    """``items`` as runs to emphasise and text to leave outside: edge punctuation and white space
    outside (never the end of a URL), and every half pair (a bracket or quote whose partner is not
    in the same run) outside too, splitting the run there."""
    lead, core, trail = _split_edges(items)
    if not core:
        return [(False, lead + trail)]
    strays = _stray_pairs(core)
    if not strays:
        return [(False, lead), (True, core), (False, trail)]
    out: list[Segment] = [(False, lead)]
    part: list[tuple[str, bool]] = []
    position = 0
    for text, flag in core:
        if text.startswith("\x00"):
            part.append((text, flag))
            continue
        start = 0
        for offset, ch in enumerate(text):
            if position + offset in strays:
                if start < offset:
                    part.append((text[start:offset], flag))
                if part:
                    out.extend(_segments(part))
                    part = []
                out.append((False, ch))
                start = offset + 1
        if start < len(text):
            part.append((text[start:], flag))
        position += len(text)
    if part:
        out.extend(_segments(part))
    out.append((False, trail))
    return out


def _stray_pairs(items: list[tuple[str, bool]]) -> set[int]:
    """Offsets (in the items' texts, atoms not counted) of pair characters whose partner is missing."""
    strays: set[int] = set()
    open_at: dict[str, list[int]] = {}
    position = 0
    for text, _ in items:
        if text.startswith("\x00"):
            continue
        for offset, ch in enumerate(text):
            if ch in _PAIRED:
                if ch in _CLOSERS_OF:
                    open_at.setdefault(ch, []).append(position + offset)
                elif open_at.get(_OPENER_OF[ch]):
                    open_at[_OPENER_OF[ch]].pop()
                else:
                    strays.add(position + offset)
        position += len(text)
    for positions in open_at.values():
        strays.update(positions)
    return strays


def _split_edges(items: list[tuple[str, bool]]) -> tuple[str, list[tuple[str, bool]], str]:
    """Move white space and punctuation at the edges of ``items`` (texts / atoms) outside, except
    the end of a URL (``https://handbrake.fr/`` stays whole)."""
    items = list(items)
    lead = ""
    while items:
        first, flag = items[0]
        if first.startswith("\x00"):
            break
        k = 0
        while k < len(first) and _edge(first[k]):
            k += 1
        lead += first[:k]
        if k == len(first):
            items.pop(0)
            continue
        items[0] = (first[k:], flag)
        break
    trail = ""
    while items:
        last, flag = items[-1]
        if last.startswith("\x00"):
            break
        k = len(last)
        while k > 0 and _edge(last[k - 1]):
            k -= 1
        trail = last[k:] + trail
        if k == 0:
            items.pop()
            continue
        items[-1] = (last[:k], flag)
        break
    if trail and items and not items[-1][0].startswith("\x00") and _URL_TAIL.search(items[-1][0]):
        keep = len(trail) - len(trail.lstrip(_NOT_SPACE_EDGE))
        items[-1] = (items[-1][0] + trail[:keep], items[-1][1])
        trail = trail[keep:]
    return lead, items, trail


def _backslashed(m: re.Match[str]) -> str:
    # why a function, not the template r"\\\g<0>": re compiles a template anew on every sub() call,
    # and most texts have nothing to escape
    return "\\" + m.group()


def _render(text: str, esc: re.Pattern[str]) -> str:
    # why the pre-check: the escape patterns start with look-arounds, so re tries them at every
    # character; _ESCAPABLE (the characters they can escape) is skipped through at C speed, and most
    # texts (CJK prose) contain none of them
    return esc.sub(_backslashed, text) if _ESCAPABLE.search(text) else text


def _render_items(items: Iterable[tuple[str, bool]], esc: re.Pattern[str]) -> str:
    """Texts escaped, atoms (``\\x00``-prefixed code, math, images) as they are, joined."""
    return "".join(t[1:] if t.startswith("\x00") else _render(t, esc) for t, _ in items)


def _join_delims(parts: list[str]) -> list[str]:
    """Keep two emphasis delimiter runs from touching (``**a***b*``) with a zero-width space."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        if out and part and out[-1].endswith("*") and part.startswith("*") and not out[-1].endswith("\\*"):
            out.append("\u200b")
        out.append(part)
    return out


SHORT_BLOCK_CHARS = max(HEADING_MAX_CHARS, CAPTION_MAX_CHARS) + 2
# why 8: a real quote is a few lines; a longer one that only ends with the body was never closed
RUNAWAY_QUOTE_BLOCKS = 8
_ATTRIBUTION = re.compile(r"^\s*(?:——|—|--|──)\s*\S")  # "——唐伯虎《元宵》": the line that ends a quotation


def _runs_to_the_end(el: LexborNode, root: LexborNode | None) -> bool:
    """Whether nothing but white space follows ``el`` up to the end of ``root`` (the body node)."""
    node: LexborNode | None = el
    while node is not None and (root is None or node.mem_id != root.mem_id):
        sibling = node.next
        while sibling is not None:
            if sibling.tag != "-text" or (sibling.text_content or "").strip():
                if sibling.tag not in SKIP_TAGS:
                    return False
            sibling = sibling.next
        node = node.parent
    return True


def _run_looks(runs: list[Run]) -> tuple[bool, bool]:
    """(every word bold and unlinked, only punctuation plain; every character italic and unlinked)."""
    bold_core = italic_only = True
    words = False
    for kind, text, bold, italic, link in runs:
        if kind != "t":
            bold_core = italic_only = False
            break
        if not text.strip():
            continue
        if link is not None:
            return False, False
        if not italic:
            italic_only = False
        if not bold and any(not (ch.isspace() or _is_punct(ch)) for ch in text):
            bold_core = False
        words = words or any(not (ch.isspace() or _is_punct(ch)) for ch in text)
    return bold_core and words, italic_only and words


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))  # why: hostile colspan="100000" must not explode the grid
    except ValueError:
        return 1


def _html_cell(td: LexborNode, blocks: list[_Block], colspan: int, rowspan: int, is_th: bool) -> str:
    tag = "th" if is_th else "td"
    attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (
        f' rowspan="{rowspan}"' if rowspan > 1 else ""
    )
    inner = "<br>".join(html_escape(b.plain) for b in blocks if b.plain)
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _code_text(pre: LexborNode) -> str:
    """The text of a code block with its newlines exactly: ``<br>`` and per-line ``<code>`` become
    newlines, line-number gutters are dropped."""
    parts: list[str] = []

    def rec(node: LexborNode, depth: int = 0) -> None:
        for c in node.iter(include_text=True):
            tag = c.tag
            if tag == "-text":
                parts.append(c.text_content or "")
                continue
            if not tag or tag[0] == "-" or tag in SKIP_TAGS:
                continue
            if tag == "br":
                parts.append("\n")
                continue
            attrs = c.attributes
            if attrs and (_hidden(attrs) or not LINE_NUMBER_CLASSES.isdisjoint(_classes(attrs))):
                continue
            if depth >= MAX_DEPTH:
                parts.append(c.text(deep=True) or "")
                continue
            rec(c, depth + 1)
            if tag in ("p", "div", "li", "section", "tr") and parts and not parts[-1].endswith("\n"):
                parts.append("\n")

    codes = [c for c in pre.iter() if c.tag == "code"]
    if len(codes) >= 2:  # WeChat code-snippet: one <code> element per line, empty lines included
        for code_el in codes:
            start = len(parts)
            rec(code_el)
            line = "".join(parts[start:])
            del parts[start:]
            parts.append(line[:-1] if line.endswith("\n") else line)  # a <br> ending the line is the line end
            parts.append("\n")
    else:
        rec(pre)
    code = "".join(parts).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    code = _ZW.sub("", code)
    lines = [line.rstrip() for line in code.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def _code_language(pre: LexborNode) -> str:
    nodes = [pre, pre.css_first("code"), pre.parent]
    for node in nodes:
        if node is None:
            continue
        lang = node.attributes.get("data-lang")
        if lang and re.fullmatch(r"[\w+#.-]{1,30}", lang):
            return lang.lower()
    for node in nodes:
        if node is None:
            continue
        cls = node.attributes.get("class") or ""
        m = _LANG_CLASS.search(cls) or _SNIPPET_LANG.search(cls)
        if m:
            return m.group(1).lower()
    return ""


_CAPTION_CUE = re.compile(
    r"^(?:图为|上图|下图|图片|资料图|配图|图\s*[:：/]|图\d)|(?:摄|供图|图源|翻拍|截图|视觉中国|新华社发|IC photo)\s*[)）]?$"
    r"|[（(][^（()）]{0,12}摄[)）]"
    r"|(?:发言人|主任|书记|院长|局长|部长|市长|县长|省长|经理|董事长|教授|主席|总裁|专家)\s*[\u4e00-\u9fff·]{2,4}$",
    re.I,
)


DECORATION_MAX_PX = 16  # why: no picture worth keeping is 16 px or less on a side as the page shows it
INLINE_IMAGE_MAX_PX = 40  # why: emoji and stickers are shown at text size (20-40 px)
_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def _declared_size(attrs: dict[str, str | None]) -> tuple[float | None, float | None]:
    """The width and height the page shows an image at, from its attributes or inline style (px
    only; a percentage or no value is unknown)."""
    style = attrs.get("style") or ""
    sizes: list[float | None] = []
    for name in ("width", "height"):
        m = _PX.match(attrs.get(name) or "")
        if m is None and name in style:
            found = re.search(rf"(?:^|;)\s*{name}\s*:\s*(\d+(?:\.\d+)?)px", style)
            sizes.append(float(found.group(1)) if found else None)
        else:
            sizes.append(float(m.group(1)) if m else None)
    width, height = sizes
    try:
        ratio = float(attrs.get("data-ratio") or "")  # WeChat: height / width of the picture
    except ValueError:
        ratio = 0.0
    if ratio > 0 and width is not None and height is None:
        height = width * ratio
    return width, height


_HEADING_CLASS = re.compile(r"(?:^|\s)(?:bjh-h[1-6]|[\w-]*article-subtitle|text-big-title)(?:\s|$)")
"""Sub-headings some editors mark by class only: Baijiahao's ``span.bjh-h3``, Tencent's
``p.time-article-subtitle`` / ``p.text-big-title``."""
_HEADING_CLASS_CSS = "[class*=bjh-h], [class*=article-subtitle], [class*=text-big-title]"
HEADING_CLASS_MAX_CHARS = 40  # why: a longer "sub-heading" is a styled paragraph


def _heading_by_class(el: LexborNode) -> bool:
    """A paragraph that is one of those sub-headings (or holds one and nothing else)."""
    if not _HEADING_CLASS.search(el.attributes.get("class") or ""):
        children = [
            c for c in el.iter(include_text=True) if c.tag != "-text" or (c.text_content or "").strip()
        ]
        if len(children) != 1 or children[0].tag == "-text":
            return False  # why include_text: "前文<span class=bjh-h3>…</span>" is a paragraph
        if not _HEADING_CLASS.search(children[0].attributes.get("class") or ""):
            return False
    text = " ".join(el.text(deep=True).split())
    return 0 < len(text) <= HEADING_CLASS_MAX_CHARS


QUESTION_END = "？！?!"  # a bold line ending so is a heading only where the article has bold headings
# why 6: a kicker over a title ("你知道吗", "方案1") is a word or two; longer is a title of its own
KICKER_MAX_CHARS = 6


def _promote_headings(blocks: list[_Block]) -> int:
    """Short paragraphs that are all bold, standing alone, not a sentence → headings (level set by
    :func:`_heading_scale`); returns the number of headings of the body.

    Two weaker kinds are promoted only in an article whose editor is seen to make headings of bold
    lines (at least one line passed the strict test): a bold question or exclamation
    ("一分钱变一元钱，消解经典文化可取吗？" beside the article's other bold sub-heads), and a heading
    split over two bold lines ("**语言贫瘠的背后**，" / "**是思考能力的危机**", or a kicker
    "你知道吗" over its title), which become one heading.
    """

    def shaped(b: _Block) -> bool:
        return (
            b.kind == "p"
            and (b.bold_only or b.bold_core)
            and HEADING_MIN_CHARS <= len(b.plain) <= HEADING_MAX_CHARS
            and "\n" not in b.text
        )

    def ending(b: _Block) -> str:
        return b.plain.rstrip(CLOSERS)[-1:]

    flags = [shaped(b) and ending(b) not in SENTENCE_END for b in blocks]
    looks = [shaped(b) for b in blocks]

    def alone(i: int, marks: list[bool], span: int = 1) -> bool:
        """Not inside a longer run of bold lines, not the rest of a sentence, not a caption."""
        if (i > 0 and marks[i - 1]) or (i + span < len(blocks) and marks[i + span]):
            return False  # why: a run of bold lines is a card or a list, not a section title
        if i > 0 and blocks[i - 1].kind == "p" and blocks[i - 1].plain.rstrip()[-1:] in "，、,":
            return False  # why: after "…，" the bold line is the rest of a sentence, not a section title
        after = i + span
        if (
            after < len(blocks)
            and blocks[after].kind == "p"
            and blocks[after].plain.lstrip()[:1] in "，、,。"
        ):
            return False  # why: a next block opening with "，" continues the bold line's sentence
        if i > 0 and blocks[i - 1].kind == "img" and _CAPTION_CUE.search(blocks[i].plain):
            return False  # why: "资料图：…中新社记者 贾天勇 摄" under a picture is its caption, however bold
        return True

    def promote(b: _Block, words: str) -> None:
        b.kind, b.level, b.plain = "h", 0, words
        b.text = "## " + _escape_text(words)

    strict = [i for i, b in enumerate(blocks) if b.kind != "h" and flags[i] and alone(i, flags)]
    for i in strict:
        promote(blocks[i], blocks[i].plain)
    if not strict:
        return _heading_scale(blocks)
    questions = [
        i for i, b in enumerate(blocks) if looks[i] and ending(b) in QUESTION_END and alone(i, looks)
    ]
    if len(questions) <= len(strict):  # why: more bold questions than bold headings is an interview's Q&A
        for i in questions:
            promote(blocks[i], blocks[i].plain)
    for i, b in enumerate(blocks[:-1]):
        second = blocks[i + 1]
        if b.kind != "p" or second.kind != "p" or not (looks[i] and looks[i + 1]):
            continue
        split = ending(b) in "，、,"  # "**语言贫瘠的背后**，" / "**是思考能力的危机**"
        kicker = len(b.plain) <= KICKER_MAX_CHARS and not (i > 0 and blocks[i - 1].kind == "img")
        if (
            (split or (kicker and ending(b) not in SENTENCE_END))
            and ending(second) not in SENTENCE_END
            and len(b.plain) + len(second.plain) <= HEADING_MAX_CHARS
            and alone(i, looks, span=2)
        ):
            promote(b, b.plain + ("" if split else " ") + second.plain)
            second.kind = "gone"
    blocks[:] = [b for b in blocks if b.kind != "gone"]
    return _heading_scale(blocks)


def _heading_scale(blocks: list[_Block]) -> int:
    """One heading scale for the article; returns the number of headings.

    The page's own heading levels, in their order, become ``##``, ``###`` … (an article's title is
    the page's ``h1``); headings made of styled paragraphs rank below every one of them, so a bold
    line never outranks a real ``<h3>`` (a contents list opening indented). Then no heading is more
    than one level below the one before it, the first one being ``##``.
    """
    heads = [b for b in blocks if b.kind == "h"]
    real = sorted({b.level for b in heads if b.level})
    rank = {level: min(2 + i, 6) for i, level in enumerate(real)}
    styled = min(2 + len(real), 6)
    previous = 1
    for b in heads:
        level = min(rank[b.level] if b.level else styled, previous + 1)
        previous = level
        b.text = "#" * level + " " + b.text.split(" ", 1)[1]
    return len(heads)


def _captions(blocks: list[_Block], conv: _Conv) -> None:
    """Captions: one look for all of them, figure numbers dropped, the image's caption recorded.

    A caption is the paragraph right under a picture that the page marks as one: a ``<figcaption>``,
    an all-italic line (Tencent's ``<i class="desc">``), or a short line that reads as a picture
    credit (``图源：…``, ``（图/社交媒体截图）``, ``…摄``). Each is written as one italic line, whatever
    the page did (italic, plain, small grey). A line of only a number under a picture
    (``1`` … ``19``) is a figure number that reads as a stray digit: it goes (into the heading that
    follows it, or the short line, when it numbers a section or a tip: ``## 2 爱与责任``). Any short line under a
    picture is recorded as its caption in ``images`` (as before), styled or not.
    """
    for i, b in enumerate(blocks[:-1]):
        if b.kind != "img" or b.image < 0:
            continue
        nxt = blocks[i + 1]
        if nxt.kind != "p":
            continue
        if _FIGURE_NUMBER.fullmatch(nxt.plain):
            nxt.kind = "gone"
            after = blocks[i + 2] if i + 2 < len(blocks) else None
            if after is not None and after.kind == "h":  # a section number over its title: one heading
                marks, words = after.text.split(" ", 1)
                after.text, after.plain = f"{marks} {nxt.plain} {words}", f"{nxt.plain} {after.plain}"
            elif after is not None and after.kind == "p" and len(after.plain) <= HEADING_MAX_CHARS:
                after.text, after.plain = f"{nxt.plain} {after.text}", f"{nxt.plain} {after.plain}"
            continue
        short = 0 < len(nxt.plain) <= CAPTION_MAX_CHARS
        if short and not conv.images[b.image][2]:
            conv.images[b.image][2] = nxt.plain
        marked = nxt.caption_of >= 0 or (
            short and (nxt.italic_only or _CAPTION_CUE.search(nxt.plain) or _CAPTION_LABEL.match(nxt.plain))
        )
        if marked and "](" not in nxt.text and "\n" not in nxt.text:
            nxt.text = "*" + _escape_text(nxt.plain) + "*"
    blocks[:] = [b for b in blocks if b.kind != "gone"]


_FIGURE_NUMBER = re.compile(r"\d{1,3}")  # why 3 digits: figure numbers of a long post run to the hundreds
_CAPTION_LABEL = re.compile(  # "图源：DeepSeek官网", "（图/社交媒体截图）", "△图片来源：小红书截图"
    r"^[（(△▲]?\s*(?:图|图片|图源|图片来源|来源|摄影|摄|资料图|配图|制图|图文)\s*[/／:：|丨]"
)


def to_markdown(node: LexborNode, base_url: str, *, title: str = "") -> Markdown:
    """Convert a (cleaned) body node to Markdown; ``base_url`` resolves relative links and images.

    The node itself is never treated as hidden (WeChat ships ``#js_content`` with
    ``visibility: hidden``); hidden descendants, scripts, styles and app cards are dropped.
    """
    conv = _Conv(base_url or "", root=node, title=" ".join(title.split()))
    conv.class_headings = node.css_first(_HEADING_CLASS_CSS) is not None
    flow = _Flow(conv)
    flow.walk(node)
    flow.flush()
    blocks = flow.blocks
    headings = _promote_headings(blocks)
    _captions(blocks, conv)
    text = "\n\n".join(b.text for b in blocks)
    text = _SHORTCODE.sub("{{\u200b", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    images = tuple(ImageRef(url, alt, caption) for url, alt, caption in conv.images)
    return Markdown(
        text=text + "\n" if text else "", images=images, headings=headings, has_math=conv.has_math
    )
