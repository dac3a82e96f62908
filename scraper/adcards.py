"""Advert cards inside an article body: found by how they are built, whatever the site.

An in-article advert (a game or an app to download, a sponsored product) is a small card between the
paragraphs: a picture or an icon, a line or two, a button. Pages say what it is in one of three ways,
each enough alone:

- **its markup names it**: a class or id word ``ad``/``ads``/``advert``/``sponsor``/``guanggao``…
  (split on ``-``, ``_``, spaces and camelCase, so ``header`` or ``shadow`` are not), or an ad data
  attribute (``data-ad-id`` …);
- **a label says it**: a ``广告`` / ``推广`` / ``赞助`` / ``AD`` / ``Sponsored`` line at the start or the
  end of a small container that also holds a link or a picture;
- **it asks to install something**: a link to an app store or a package (``apps.apple.com``,
  ``play.google.com``, ``a.app.qq.com``, ``….apk`` …) in a small container that also says
  ``立即下载`` / ``下载游戏`` / ``立即预约`` / ``Download`` ….

The card is the smallest such container that is not the body and holds at most :data:`Limits`
``card_chars`` characters (an article's own section is longer); cards together never take more than
the valve's share of the body. Data (words, attributes, hosts, calls) is ``config/boilerplate.toml``
``[ad]``; the rule name is ``ad-card``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

RULE = "ad-card"
ANCESTOR_STEPS = 5  # why: a card's label or button sits a few wrappers below the card
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_LABEL_WORD = re.compile(r"\b(?:AD|Ad|ad|[Ss]ponsor\w*|SPONSOR\w*)\b", re.ASCII)


def _may_hold_a_label(text: str) -> bool:
    """Whether a body's text holds a label word at all (why not one regex: a look-behind alternation
    over a whole body cost five times these substring tests)."""
    return "广告" in text or "推广" in text or "赞助" in text or _LABEL_WORD.search(text) is not None


_AD_ATTRIBUTE = re.compile(r"data-ad(?:$|[-_]|id|vert|type|pos|slot)")


@dataclass(frozen=True)
class AdSignals:
    """The ``[ad]`` data of the rule pack, compiled."""

    words: frozenset[str]  # class/id words naming an advert
    selector: str  # elements whose class/id/data attributes may name one (confirmed by ``words``)
    label: re.Pattern[str]  # a whole short line that says "advert"
    hosts: tuple[str, ...]  # app stores and download hosts (a host or a parent domain)
    call: re.Pattern[str]  # text asking to download, install or play
    card_chars: int

    @classmethod
    def build(cls, ad: dict[str, Any], label: re.Pattern[str], card_chars: int) -> AdSignals:
        words = frozenset(str(w).lower() for w in ad.get("card_words", ()))
        # why the shortest words only: "ad" already selects "advert"; each selector costs lexbor a
        # test of every element of the body
        needles = sorted(w for w in words if not any(o != w and o in w for o in words))
        selector = ", ".join(
            [f"[{attr}*={word} i]" for word in needles for attr in ("class", "id")]
            + [f"[{attr}]" for attr in ad.get("card_attributes", ())]
        )
        calls = [f"(?i:{c[4:]})" if c.startswith("(?i)") else c for c in ad.get("download_calls", ())]
        return cls(
            words=words,
            selector=selector,
            label=label,
            hosts=tuple(str(h).lower() for h in ad.get("download_hosts", ())),
            call=re.compile("|".join(f"(?:{c})" for c in calls) or r"(?!)"),
            card_chars=card_chars,
        )


def _text(node: LexborNode) -> str:
    return _SPACE.sub("", node.text(deep=True) or "")


def _named(node: LexborNode, signals: AdSignals) -> bool:
    attrs = node.attributes
    value = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    if any(w.lower() in signals.words for w in _WORD_SPLIT.split(value) if w):
        return True
    return any(_AD_ATTRIBUTE.match(name) for name in attrs)


def _store_link(href: str, hosts: tuple[str, ...]) -> bool:
    lower = href.lower()
    if ".apk" not in lower and not any(h in lower for h in hosts):
        return False  # why first: most links name no store, and urlsplit is the slow part
    parts = urlsplit(href.strip())
    host = (parts.hostname or "").lower()
    if parts.path.lower().endswith(".apk"):
        return True
    return any(host == h or host.endswith("." + h) for h in hosts)


def _card(start: LexborNode, root: LexborNode, signals: AdSignals, test: object) -> LexborNode | None:
    """The smallest ancestor of ``start`` (itself included) below ``root``, within the size of a card,
    for which ``test(node, text)`` holds."""
    node: LexborNode | None = start
    root_id = root.mem_id
    for _ in range(ANCESTOR_STEPS):
        if node is None or node.mem_id == root_id:
            return None
        text = _text(node)
        if len(text) > signals.card_chars:
            return None  # its ancestors are longer still
        if test(node, text):  # type: ignore[operator]
            return node
        node = node.parent
    return None


def _has_link_or_picture(node: LexborNode) -> bool:
    return node.css_first("a[href], img") is not None


def find_ad_cards(root: LexborNode, signals: AdSignals) -> list[LexborNode]:
    """The advert cards under ``root`` (see the module docstring), outermost first, not yet removed."""
    cards: dict[int, LexborNode] = {}
    # 1. named by markup (the selector narrows, the word split decides)
    if signals.selector:
        for node in root.css(signals.selector):
            if node.mem_id != root.mem_id and _named(node, signals):
                if len(_text(node)) <= signals.card_chars:
                    cards.setdefault(node.mem_id, node)
    # 2. a label at the start or end of a small container with a link or a picture (the body's text
    #    is searched first: most bodies hold no label word, and their text nodes are not walked)
    labels = root.traverse(include_text=True) if _may_hold_a_label(root.text(deep=True) or "") else ()
    for text_node in labels:
        if text_node.tag != "-text":
            continue
        raw = text_node.text_content or ""
        if len(raw) > 40:  # why: a label is a word; skip prose without stripping it
            continue
        core = _EDGES.sub("", _SPACE.sub("", raw))
        if not core or len(core) > 12 or not signals.label.fullmatch(core):
            continue
        label = text_node.parent
        if label is None:
            continue

        def labelled(node: LexborNode, text: str, core: str = core) -> bool:
            return (
                len(text) > len(core)
                and (text.startswith(core) or text.endswith(core))
                and _has_link_or_picture(node)
            )

        card = _card(label, root, signals, labelled)
        if card is not None:
            cards.setdefault(card.mem_id, card)
    # 3. a link to an app store or a package, in a small container that asks to download or play
    for link in root.css("a[href]"):
        if not _store_link(link.attributes.get("href") or "", signals.hosts):
            continue
        button = _text(link)

        def asks(node: LexborNode, text: str, button: str = button) -> bool:
            return len(text) > len(button) and signals.call.search(text) is not None  # more than the button

        card = _card(link, root, signals, asks)
        if card is not None:
            cards.setdefault(card.mem_id, card)
    return list(cards.values())
