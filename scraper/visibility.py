"""Text a reader cannot see, recognised by its inline style (pure; used by ``scraper.boilerplate``).

When: step 1 of boilerplate removal, beside ``display: none`` / ``visibility: hidden``. Why: accounts
hide filler inside the body that a browser paints invisibly (a block of hundreds of random rare
characters collapsed with ``line-height: 0.01``, a watermark line white on a white section,
``font-size: 0`` text, ``opacity: 0``). A reader never sees it, so the archive must not have it;
every site is built so, hence no site knowledge here, only CSS.

Each finding is ``(rule, node)`` with rule ``hidden:line-height`` / ``hidden:font-size`` /
``hidden:colour`` / ``hidden:opacity``. The judgement is conservative, since only inline styles are
read (a stylesheet may change what we see):

- a node is taken whole or not at all, and never when it holds an image or embed (pictures are not
  hidden by a text colour or a line height) or a descendant that sets the property back;
- collapsed lines (``line-height`` near zero) are invisible only when there are several of them:
  a single short line still paints outside its zero-height box;
- a colour counts as invisible only against a background colour an ancestor inside the body
  declares (never against a background assumed), and never through a background image.

The caller applies the safety valve (nothing visible may be left with no text and no picture).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from selectolax.lexbor import LexborNode

from scraper.html import squash

MEDIA = (
    "img, video, audio, iframe, embed, object, svg, mpvoice, mpvideo, mp-common-mpaudio, mp-common-videosnap"
)

COLLAPSED_LINE_HEIGHT = 0.3  # why: below a third of the font size successive lines print over each other
COLLAPSED_LINE_HEIGHT_PX = 4.0  # why: the same for px values (body text is 10-18 px)
COLLAPSED_MIN_CHARS = 40  # why: a phone column holds ~20-30 CJK characters at 10-16 px; more wraps into lines
# that pile on one another (a single line of fewer still shows outside its zero-height box)
TINY_FONT_PX = 1.0  # why: text at 1 px or less is a dot; nobody sets body text so small to be read
OPAQUE = 0.9  # why: a background less opaque than this shows the colour behind it, which decides
COLOUR_DISTANCE = 12  # why: per channel (0-255); "#fefefe on #fff" is as invisible as white on white

# cheap pre-checks (a value that may be collapsed or tiny: 0…, .…, a few px) before the exact reading
_SMALL_LINE_HEIGHT = re.compile(r"line-height\s*:\s*(?:0|\.|[0-3](?:\.\d*)?\s*p[xt])", re.I)
_SMALL_FONT = re.compile(r"font-size\s*:\s*(?:0|\.|1(?:\.0*)?\s*p[xt])", re.I)
_COLOR_DECL = re.compile(
    r"(?:^|;)\s*color\s*:\s*([^;]+)", re.I
)  # the text colour alone (not background-color)
_DECL = re.compile(r"(?:^|;)\s*([a-z-]+)\s*:\s*([^;]*)", re.I)
_NUMBER = re.compile(r"^([0-9]*\.?[0-9]+)\s*(px|em|rem|%|pt)?$", re.I)
_HEX = re.compile(r"^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$", re.I)
_RGB = re.compile(
    r"^rgba?\(\s*([0-9.]+%?)\s*[, ]\s*([0-9.]+%?)\s*[, ]\s*([0-9.]+%?)\s*(?:[,/]\s*([0-9.]+%?)\s*)?\)$", re.I
)
_NAMED = {
    "white": (255, 255, 255, 1.0),
    "black": (0, 0, 0, 1.0),
    "transparent": (0, 0, 0, 0.0),
}
_IMAGE_BG = re.compile(r"url\(|gradient\(", re.I)

Colour = tuple[int, int, int, float]


def declarations(style: str) -> dict[str, str]:
    """The declarations of an inline style, lower-case names, last one winning (``!important`` dropped)."""
    out: dict[str, str] = {}
    for name, value in _DECL.findall(style):
        out[name.lower()] = value.replace("!important", "").strip().lower()
    return out


@lru_cache(maxsize=1024)
def parse_colour(value: str) -> Colour | None:
    """A CSS colour of the forms editors write inline (#rgb, #rrggbb, rgb(), rgba(), a few names)."""
    value = value.strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    m = _HEX.match(value)
    if m:
        digits = m.group(1)
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha
    m = _RGB.match(value)
    if m:

        def channel(text: str) -> int:
            return round(float(text[:-1]) * 2.55) if text.endswith("%") else round(float(text))

        alpha_text = m.group(4)
        alpha = 1.0
        if alpha_text:
            alpha = float(alpha_text[:-1]) / 100 if alpha_text.endswith("%") else float(alpha_text)
        return channel(m.group(1)), channel(m.group(2)), channel(m.group(3)), alpha
    return None


def _background(decls: dict[str, str]) -> Colour | None | bool:
    """The background colour a style declares; ``False`` for a background image (text over a picture
    may be any colour), ``None`` when it declares none (or one we see through)."""
    for name in ("background", "background-image", "background-color"):
        value = decls.get(name)
        if value and _IMAGE_BG.search(value):
            return False
    colour = None
    value = decls.get("background-color")
    if value:
        colour = parse_colour(value)
    elif decls.get("background"):
        for token in re.split(r"\s+(?![^(]*\))", decls["background"]):
            colour = parse_colour(token)
            if colour is not None:
                break
    # why: a see-through background (rgba(0,0,0,0.05) tints a quote box) shows what is behind it
    return colour if colour is not None and colour[3] >= OPAQUE else None


def _length(value: str | None) -> tuple[float, str] | None:
    if not value:
        return None
    m = _NUMBER.match(value.strip())
    if not m:
        return None
    return float(m.group(1)), (m.group(2) or "").lower()


def _collapsed(value: str | None) -> bool:
    size = _length(value)
    if size is None:
        return False
    number, unit = size
    if unit in ("", "em", "rem"):
        return number < COLLAPSED_LINE_HEIGHT
    if unit == "%":
        return number < COLLAPSED_LINE_HEIGHT * 100
    return number < COLLAPSED_LINE_HEIGHT_PX  # px, pt


def _tiny(value: str | None) -> bool:
    size = _length(value)
    if size is None:
        return False
    number, unit = size
    return number <= (TINY_FONT_PX if unit in ("px", "pt") else 0.0)


def _style(node: LexborNode) -> dict[str, str]:
    style = node.attributes.get("style")
    return declarations(style) if style else {}


def _value(node: LexborNode, prop: str) -> str | None:
    """The last value ``prop`` has in the node's inline style (found from the end with ``rfind``:
    styles run to hundreds of characters and this is asked of every styled node)."""
    style = (node.attributes.get("style") or "").lower()
    end = len(style)
    while True:
        at = style.rfind(prop, 0, end)
        if at < 0:
            return None
        rest = style[at + len(prop) :].lstrip()
        if rest.startswith(":") and (at == 0 or style[:at].rstrip().endswith(";") or not style[:at].strip()):
            return rest[1:].split(";", 1)[0].replace("!important", "").strip()
        end = at


def _resets(node: LexborNode, prop: str, still_hidden: Callable[[str], bool]) -> bool:
    """Whether a descendant of ``node`` sets ``prop`` to a value that is not hidden again."""
    for child in node.css(f'[style*="{prop}"]'):
        if child.mem_id == node.mem_id:
            continue
        value = _value(child, prop)
        if value is not None and not still_hidden(value):
            return True
    return False


def _text_len(node: LexborNode) -> int:
    return len(squash(node.text(deep=True)).replace(" ", ""))


def _close(a: Colour, b: Colour) -> bool:
    return all(abs(x - y) <= COLOUR_DISTANCE for x, y in zip(a[:3], b[:3], strict=True))


def invisible(root: LexborNode) -> list[tuple[str, LexborNode]]:
    """Nodes under ``root`` whose text a reader cannot see, with the rule that says why (document
    order per rule; nested findings are left to the caller's outermost filter).

    One traversal collects the styled nodes (one ``[style]`` query is cheaper than a substring
    selector per property), then plain substring tests sort them."""
    found: list[tuple[str, LexborNode]] = []
    root_id = root.mem_id

    def usable(node: LexborNode) -> bool:
        return node.mem_id != root_id and node.css_first(MEDIA) is None and _text_len(node) > 0

    heights, fonts, fades, painted, coloured = [], [], [], [], []
    for node in root.css("[style]"):
        style = node.attributes.get("style") or ""
        low = style.lower()
        if "line-height" in low and _SMALL_LINE_HEIGHT.search(style):
            heights.append(node)
        if "font-size" in low and _SMALL_FONT.search(style):
            fonts.append(node)
        if "opacity" in low:
            fades.append(node)
        if "background" in low:
            painted.append((node, style))
        if "color" in low:
            coloured.append((node, style))
    for node in heights:
        value = _value(node, "line-height")
        if value is None or not _collapsed(value) or not usable(node):
            continue
        if _text_len(node) >= COLLAPSED_MIN_CHARS and not _resets(node, "line-height", _collapsed):
            found.append(("hidden:line-height", node))
    for node in fonts:
        value = _value(node, "font-size")
        if value is None or not _tiny(value) or not usable(node):
            continue
        if not _resets(node, "font-size", _tiny):
            found.append(("hidden:font-size", node))
    for node in fades:
        opacity = _length(_value(node, "opacity"))
        if opacity is not None and opacity[0] == 0 and usable(node):
            found.append(("hidden:opacity", node))
    found.extend(_same_colour(root, painted, coloured, usable))
    return found


def _same_colour(
    root: LexborNode,
    painted: list[tuple[LexborNode, str]],
    coloured: list[tuple[LexborNode, str]],
    usable: Callable[[LexborNode], bool],
) -> list[tuple[str, LexborNode]]:
    """Text whose colour is its background's: the nearest background an ancestor (inside ``root``)
    declares, with no background image on the way; or a transparent colour. ``painted`` and
    ``coloured``: the styled nodes naming a background / a colour, with their styles."""
    backgrounds: dict[int, Colour | bool] = {}
    for node, style in painted:
        bg = _background(declarations(style))
        if bg is not None:
            backgrounds[node.mem_id] = bg
    out: list[tuple[str, LexborNode]] = []
    root_id = root.mem_id
    shades = {bg for bg in backgrounds.values() if isinstance(bg, tuple)}
    for node, style in coloured:
        m = _COLOR_DECL.search(style)
        colour = parse_colour(m.group(1)) if m else None
        if colour is None:
            continue
        if colour[3] > 0:
            # why the pre-check: most text is dark on light; only a colour near some declared
            # background is worth the walk up to the background behind it
            if not any(_close(colour, shade) for shade in shades):
                continue
            behind: Colour | bool | None = None
            anc: LexborNode | None = node
            while anc is not None:
                if anc.mem_id in backgrounds:
                    behind = backgrounds[anc.mem_id]
                    break
                if anc.mem_id == root_id:
                    break
                anc = anc.parent
            if not isinstance(behind, tuple) or not _close(colour, behind):
                continue
        if not usable(node) or any(
            d.mem_id != node.mem_id for d in node.css('[style*="color"], [style*="background"]')
        ):
            continue  # why: a descendant that sets its own colour or background may be visible
        out.append(("hidden:colour", node))
    return out
