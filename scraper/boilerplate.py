"""Boilerplate removal, explainable and with a safety valve.

Contract (used by ``scraper.sites._common.build_article`` and ``wxarchive clean``)::

    clean_body(node, site=..., url=...) -> Cleaned(removed, meta)      # edits node in place
    clean_markdown(text, site=...) -> (text, Cleaned)

When: after an adapter found the body node, before the Markdown converter. Why on blocks: WeChat
promo lines, credits and footers are whole paragraphs; deciding per leaf block (a paragraph-like
node, an inline run between ``<br>``s, an image) keeps every decision explainable and lets the same
rules run on existing Markdown archives, where a block is a paragraph.

Steps: (1) known chrome selectors and hidden nodes are dropped; (2) the body is cut into an ordered
list of leaf blocks; (3) each rule family of ``config/boilerplate.toml`` (plus the site's
``[boilerplate]`` pack) picks blocks, by position zone (head / tail) and text; (4) the safety valve
cancels any rule that would take more than half of the text; (5) the chosen nodes and the ancestors
they leave empty are decomposed. Every removed block becomes ``Removal(rule, text)``; credit lines
also fill ``Cleaned.meta`` (author, source, account, editor).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module
from itertools import accumulate
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from scraper.adcards import RULE as AD_CARD_RULE
from scraper.adcards import AdSignals, find_ad_cards
from scraper.config import load_rules
from scraper.credits import merge_credits, parse_credit
from scraper.errors import ConfigError
from scraper.html import has_text, plain_text, squash
from scraper.markdown import BLOCK_TAGS, EMBED_TAGS, MAX_DEPTH, SKIP_TAGS, hidden_style
from scraper.models import Removal
from scraper.visibility import invisible


@dataclass
class Cleaned:
    removed: list[Removal] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


REMOVAL_TEXT_CHARS = 200  # why: the JSON report shows what was cut, not a second copy of a long footer
_NOISE_TAGS = "script, style, noscript, template"
_HIDDEN_CANDIDATES = '[style*="display"], [style*="visibility"], [hidden]'
_MEDIA = "img, video, audio, iframe, embed, mpvoice, mp-common-mpaudio, mpaudio, mpvideo, mp-common-videosnap"
_MEDIA_OR_FORMULA = _MEDIA + ", [data-formula]"
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# Every character _SPACE removes (all white space is below U+3001) survives html.squash only as a plain
# space: then a squashed text's key is a plain replace (Block). Checked here, not assumed.
_SQUASH_CLEARS_SPACE = (
    _SPACE.search(
        squash("a" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\ufeffb").replace(
            " ", ""
        )
    )
    is None
)
_MD_IMAGE_BLOCK = re.compile(r"^\s*(?:\[?!\[[^\]]*\]\(([^)\s]+)[^)]*\)(?:\]\([^)]*\))?\s*)+$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)[^)]*\)")
_MD_TARGET = re.compile(r"\]\((https?://[^)\s]+)")
_MD_SOURCE_LINK = re.compile(
    r"^\[[A-Za-z0-9.-]{1,20}\]\(https?://[^)\s]+\)$"
)  # "[qq](https://…)": a site name
_MD_BLANK = re.compile(r"^(?:[\s\u00a0\u3000\u200b]|&nbsp;|&#160;|&#xa0;|<br\s*/?>|\\)*$", re.I)
_SENTENCE = re.compile(r"[，。！？；…,!?;]")
_SEPARATOR_LINE = re.compile(r"^[-_=~*·.—─━–⎯―=＿－～·•]{3,}$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*$")


# --- rules ---------------------------------------------------------------------------------------


class Phrases:
    """One rule family compiled: the alternation of its phrases, and a pre-check for ``search``.

    ``hint`` is a class of characters of which every match contains at least one (``None`` when the
    patterns do not say, see ``_required_chars``). Why: a family is searched in every short block, and
    re tries a twenty-branch alternation at every character; the class is skipped through at C speed,
    and most blocks contain none of the characters (关, 码, 赞 …) a call to action needs.
    """

    __slots__ = ("pattern", "hint", "search", "match", "fullmatch")

    def __init__(self, pattern: re.Pattern[str], hint: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.hint = hint
        self.match = pattern.match
        self.fullmatch = pattern.fullmatch
        self.search: Callable[[str], re.Match[str] | None] = pattern.search
        if hint is not None:
            search, precheck = pattern.search, hint.search
            self.search = lambda text: search(text) if precheck(text) else None


Family = Phrases | None  # None when the pack has no phrase of that family


@dataclass(frozen=True)
class Rules:
    """The compiled rule pack for one site (global rules + the site's ``[boilerplate]``).

    Each phrase family is one alternation (``_compile``): one regex scan per block, not one per phrase.
    """

    limits: dict[str, float]
    selectors: tuple[tuple[str, str], ...]  # (rule name, css)
    promo: Family
    promo_follow: Family
    cta: Family
    qr: Family
    end_marker: Family
    related: Family
    disclaimer_heading: Family
    disclaimer_starts: Family
    disclaimer_contains: Family
    ad: Family
    tail_promo: Family = None
    blurb: Family = None
    tail_cta: Family = None
    promo_meta: Family = None
    credit_lines: Family = None
    site: str = ""
    site_phrases: Family = None
    site_tail: Family = None
    site_head: Family = None
    viewer: Family = None
    ad_cards: AdSignals | None = None
    column: Family = None

    def limit(self, name: str) -> float:
        return self.limits[name]


def _compile(patterns: list[str] | None) -> Family:
    """One alternation per family (one regex scan per block instead of one per phrase)."""
    return _compile_family(tuple(patterns)) if patterns else None


@lru_cache(maxsize=256)
def _compile_family(patterns: tuple[str, ...]) -> Phrases:
    """(Cached: every site's rules share the global families, compiled and analysed once.)"""
    for pattern in patterns:
        re.compile(pattern)  # a bad phrase is reported on its own
    scoped = [f"(?i:{p[4:]})" if p.startswith("(?i)") else p for p in patterns]
    source = "|".join(f"(?:{p})" for p in scoped)
    needs = _required_strings(source)
    hint = re.compile("|".join(map(re.escape, sorted(needs, key=lambda s: (-len(s), s))))) if needs else None
    return Phrases(re.compile(source), hint)


_MAX_NEEDS = 100  # why: past this many alternatives the pre-check costs about what it saves


def _required_strings(source: str) -> frozenset[str] | None:
    """Strings of which every match of ``source`` contains one, or ``None`` when unsure.

    Read from the parsed pattern (``re._parser``): in a sequence every item must match, so a run of
    literal characters is required (the longest such need is kept: rarer text, fewer false alarms);
    an alternation requires one of what its branches require; a repeat requires what its body does
    when it must run at least once; a small class requires one of its characters. Case-insensitive
    parts count only characters without case. Anything else (``.``, negated classes, categories,
    look-arounds) requires nothing known; an unexpected parse (another Python) gives ``None``, that
    is no pre-check at all.
    """
    try:
        sre = import_module("re._constants")  # private but stable since 3.11 (the re package's own)
        parsed = import_module("re._parser").parse(source)
    except Exception:  # noqa: BLE001 — the pre-check is an optimisation, never a reason to fail
        return None
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)

    def char_of(op: Any, av: Any, icase: bool) -> str | None:
        if op is not sre.LITERAL:
            return None
        char = chr(av)
        uncased = char.lower() == char == char.upper() and char.casefold() == char
        return char if uncased or not icase else None

    def item(op: Any, av: Any, icase: bool) -> frozenset[str] | None:
        if op is sre.IN:
            chars = [char_of(kind, value, icase) for kind, value in av]
            return frozenset(chars) if all(chars) and len(chars) <= _MAX_NEEDS else None  # type: ignore[arg-type]
        if op is sre.SUBPATTERN:
            _, add, remove, body = av
            flag = sre.SRE_FLAG_IGNORECASE
            return seq(body, (icase or bool(add & flag)) and not remove & flag)
        if op is sre.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                need = seq(branch, icase)
                if need is None:
                    return None
                union |= need
            return frozenset(union) if len(union) <= _MAX_NEEDS else None
        if op in repeats and av[0] >= 1:
            return seq(av[2], icase)
        if op is sre.ATOMIC_GROUP:
            return seq(av, icase)
        return None

    def seq(items: Any, icase: bool) -> frozenset[str] | None:
        found: list[frozenset[str]] = []
        run = ""
        for op, av in items:
            char = char_of(op, av, icase)
            if char is not None:
                run += char
                continue
            if run:
                found.append(frozenset((run,)))
                run = ""
            need = item(op, av, icase)
            if need:
                found.append(need)
        if run:
            found.append(frozenset((run,)))
        # why this order: the shortest string of a need decides how often it is met by chance
        return max(found, key=lambda need: (min(map(len, need)), -len(need))) if found else None

    try:
        need = seq(parsed, bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE))
    except Exception:  # noqa: BLE001 — same: an unknown structure means no pre-check
        return None
    return need if need and "" not in need else None


@lru_cache(maxsize=64)
def rules_for(site: str = "") -> Rules:
    """The rules for ``site``: ``config/boilerplate.toml`` merged with ``config/sites/<site>.toml``."""
    pack: dict[str, Any] = load_rules(f"sites/{site}").get("boilerplate", {}) if site else {}
    return compile_rules(load_rules("boilerplate"), pack, site)


def compile_rules(base: dict[str, Any], pack: dict[str, Any], site: str = "") -> Rules:
    """Compile a global rule table and a site's ``[boilerplate]`` table (keys: drop, phrases,
    tail_anchors, head_anchors); an unknown site key is an error, not a silent no-op."""
    unknown = sorted(set(pack) - {"drop", "phrases", "tail_anchors", "head_anchors"})
    if unknown:
        raise ConfigError(f"Unknown key(s) in config/sites/{site}.toml [boilerplate]: {', '.join(unknown)}.")
    selectors = [(f"selector:{css}", css) for css in base.get("selectors", {}).get("chrome", [])]
    selectors += [(f"site:{site}:drop:{css}", css) for css in pack.get("drop", [])]
    try:
        return Rules(
            limits=dict(base["limits"]),
            selectors=tuple(selectors),
            promo=_compile(base["promo"]["header"]),
            promo_follow=_compile(base["promo"].get("follow")),
            cta=_compile(base["cta"]["line"]),
            qr=_compile(base["cta"]["qr"]),
            end_marker=_compile(base["tail"]["end_marker"]),
            related=_compile(base["tail"]["related"]),
            disclaimer_heading=_compile(base["disclaimer"]["heading"]),
            disclaimer_starts=_compile(base["disclaimer"]["starts"]),
            disclaimer_contains=_compile(base["disclaimer"]["contains"]),
            ad=_compile(base["ad"]["label"]),
            tail_promo=_compile(base["tail"].get("promo")),
            blurb=_compile(base["tail"].get("blurb")),
            tail_cta=_compile(base["tail"].get("cta")),
            promo_meta=_compile(base["promo"].get("meta")),
            credit_lines=_compile(base.get("credit", {}).get("lines")),
            site=site,
            site_phrases=_compile(pack.get("phrases")),
            site_tail=_compile(pack.get("tail_anchors")),
            site_head=_compile(pack.get("head_anchors")),
            viewer=_compile(base["ad"].get("viewer")),
            column=_compile(base["tail"].get("column")),
            ad_cards=_ad_signals(base),
        )
    except KeyError as exc:
        raise ConfigError(f"The boilerplate rule pack lacks the key {exc}.") from exc
    except re.error as exc:
        raise ConfigError(
            f"A boilerplate pattern for site {site or '(all)'} is not a valid regex: {exc}."
        ) from exc


# --- blocks --------------------------------------------------------------------------------------


class Block:
    """One leaf block: text (white space squashed), or an image / media embed.

    ``key`` is the text without any white space (what the rules match); ``wx_link_share`` is the part
    of the text inside links whose host is mp.weixin.qq.com (related-post lists), -1 until computed;
    ``ref`` is what the applier removes (DOM nodes, or a Markdown paragraph index).
    """

    __slots__ = ("text", "key", "kind", "url", "ref", "wx_link_share")

    def __init__(
        self,
        text: str,
        kind: str = "text",
        url: str = "",
        ref: Any = None,
        wx_link_share: float = 0.0,
        squashed: bool = False,
    ) -> None:
        self.text = text
        # why the replace: a text from html.squash has no white space left but single plain spaces
        # (_SQUASH_CLEARS_SPACE checked that once), so no regex has to scan it again
        self.key = text.replace(" ", "") if squashed and _SQUASH_CLEARS_SPACE else _SPACE.sub("", text)
        self.kind = kind  # text | image | media
        self.url = url
        self.ref = ref
        self.wx_link_share = wx_link_share

    def describe(self) -> str:
        if self.kind == "image":
            return f"[image] {self.url}"
        if self.kind == "media":
            return f"[media] {self.url or self.text}"
        text = self.text
        return text if len(text) <= REMOVAL_TEXT_CHARS else text[: REMOVAL_TEXT_CHARS - 1] + "…"


def _ad_signals(base: dict[str, Any]) -> AdSignals | None:
    label = _compile(base["ad"]["label"])
    if label is None or "card_chars" not in base["limits"]:
        return None
    return AdSignals.build(base["ad"], label.pattern, int(base["limits"]["card_chars"]))


def _core(key: str) -> str:
    """The block text without decorations at both ends (punctuation, symbols, emoji, arrows)."""
    return _EDGES.sub("", key)


def _related_prefix(family: Family, key: str, limit: float) -> bool:
    """ "推荐阅读：《…》": a related-list heading with its first title in the same block."""
    head, colon, _ = key.partition("：") if "：" in key else key.partition(":")
    return bool(colon) and len(head) <= limit and _full(family, _core(head))


def _full(family: Family, text: str) -> bool:
    """A "whole block" family: the (decoration-stripped) text is one of its phrases."""
    return family is not None and bool(text) and family.fullmatch(text) is not None


_CREDIT_SEPARATORS = str.maketrans({"︱": "|", "┃": "|", "│": "|"})


_TRANSLATION_CREDIT = re.compile(r"^[*_]*(?:原文|英文原文|译文|译者|翻译|编译)[*_]*\s*[:：|丨/／]")
_BARE_URL = re.compile(r"https?://[^\s<>\"']+", re.I)
_IMAGE_CREDIT = re.compile(r"^[（(]?(?:图片|图|数据|资料|图文)?(?:来源|来自|源)[:：|丨]")


def _credit(text: str) -> dict[str, str] | None:
    """``parse_credit`` with the rarer vertical-bar look-alikes (``出品︱网易科学人``) read as ``|``."""
    if "︱" in text or "┃" in text or "│" in text:  # why: translate looks up every character
        text = text.translate(_CREDIT_SEPARATORS)
    return parse_credit(text)


def _is_wx_link(href: str | None) -> bool:
    return bool(href) and (urlsplit(href).hostname or "").endswith("mp.weixin.qq.com")  # type: ignore[arg-type]


# --- the decision engine (shared by the DOM and the Markdown appliers) -----------------------------


def decide(
    blocks: list[Block], rules: Rules, account: str = ""
) -> tuple[dict[int, str], list[Removal], dict[str, str]]:
    """Pick the blocks to remove: ``{index: rule}``, valve refusals, and credit metadata.

    ``account``: the post's account or media, when the page names it (rules that recognise the
    account's own blurbs need it; without it they stay off).

    Pure: works on texts and positions only, so DOM bodies and Markdown files get the same answers.
    Why it is written flat (lists indexed by block, each family a local): it runs once per body over
    every block, and per-block helper calls were most of its cost.
    """
    lim = rules.limits
    count = len(blocks)
    keys = [b.key for b in blocks]
    sizes = [len(k) for k in keys]
    is_text = [b.kind == "text" for b in blocks]
    present = [i for i in range(count) if sizes[i] or not is_text[i]]
    n = len(present)
    # why pictures count: a reader scrolls past them as past text, and in a comic or photo post they
    # are the body and the text a caption or two (zones and the valve measure the body so)
    picture = lim["image_chars"]
    weights = [size if text else picture for size, text in zip(sizes, is_text, strict=True)]
    total = sum(weights) or 1
    offset = list(accumulate(weights, initial=0))  # offset[i]: characters before block i

    # zones, computed once (the rules below ask for them per block)
    head, tail, late, anchor_zone = ([False] * count for _ in range(4))
    head_blocks, head_chars = lim["head_blocks"], lim["head_fraction"] * total
    tail_rank, late_chars = n - lim["tail_blocks"], lim["tail_fraction"] * total
    anchor_offset = lim["anchor_fraction"] * total
    for r, i in enumerate(present):
        o = offset[i]
        if r < head_blocks or o < head_chars:
            head[i] = True
        if o >= late_chars:
            late[i] = tail[i] = True
        elif r >= tail_rank:
            tail[i] = True
        if o >= anchor_offset:
            anchor_zone[i] = True

    chosen: dict[int, str] = {}
    anchor_chars = lim["anchor_chars"]
    # 1. head anchors (site packs only): cut the anchor and everything before it
    site_head = rules.site_head
    if site_head is not None:
        for i in present:
            if is_text[i] and head[i] and site_head.search(keys[i]):
                for j in range(i + 1):
                    chosen.setdefault(j, f"site:{rules.site}:head-anchor")
                break
    # 2. tail anchors: END / 往期推荐 / a 免责声明 heading / the site's anchors cut to the end
    tail_promo, site_tail = rules.tail_promo, rules.site_tail
    for i in present:
        if not is_text[i] or not anchor_zone[i] or i in chosen:
            continue
        key = keys[i]
        core = _core(key) if sizes[i] <= 2 * anchor_chars else key
        rule = None
        titled = sizes[i] <= 4 * anchor_chars and _related_prefix(rules.related, key, anchor_chars)
        if tail_promo is not None and tail_promo.match(key):
            rule = "tail:promo"
        elif titled:
            rule = "tail:related-list"
        elif len(core) > anchor_chars and not (site_tail is not None and site_tail.search(key)):
            continue
        elif _full(rules.end_marker, core):
            rule = "tail:end-marker"
        elif _full(rules.related, core):
            rule = "tail:related-list"
        elif _full(rules.disclaimer_heading, core):
            rule = "disclaimer"
        elif site_tail is not None and site_tail.search(key):
            rule = f"site:{rules.site}:tail-anchor"
        if rule:
            for j in range(i, count):
                chosen.setdefault(j, rule)
            break
    # 3. a trailing run of links to other WeChat posts (with or without a heading above it)
    run: list[int] = []
    for i in reversed(present):
        if i in chosen:
            continue
        if _link_share(blocks[i]) >= 0.7:  # why: a title list is (almost) all link text
            run.append(i)
            continue
        break
    if len(run) >= 2:  # why: one trailing link can be the article's own "阅读原文"-style pointer
        first = min(run)
        above = next((i for i in reversed(present) if i < first and i not in chosen), None)
        if above is not None and is_text[above] and len(_core(keys[above])) <= anchor_chars:
            run.append(above)  # the list's heading ("【轻金融好文】")
        for i in run:
            chosen[i] = "tail:related-list"
    # 3b. a leading list of links to other WeChat posts, above the first paragraph ("本公众号相关内容
    #     链接：" + titles): the list, and the short lines and pictures that introduce it
    pos, lead, listed = 0, [], []
    while pos < n and (not is_text[present[pos]] or len(_core(keys[present[pos]])) <= anchor_chars):
        if _link_share(blocks[present[pos]]) >= 0.7:
            break
        lead.append(present[pos])
        pos += 1
    while pos < n and is_text[present[pos]] and _link_share(blocks[present[pos]]) >= 0.7:
        listed.append(present[pos])
        pos += 1
    if len(listed) >= 2 and head[listed[0]]:  # why 2: as for the trailing list
        rest = sum(sizes[i] for i in present[pos:] if i not in chosen)
        if rest > sum(sizes[i] for i in lead + listed):  # why: the post itself must follow the list
            for i in lead + listed:
                chosen.setdefault(i, "head:related-list")
    # 3c. a trailing run of pictures that holds a picture card linking to another WeChat post: the
    #     account's promo footer (divider strips, 推荐阅读 cards, 关注 / 在看 GIFs, a banner), which a
    #     repost carries over from its original; an article's own last pictures link nowhere
    pictures: list[int] = []
    for i in reversed(present):
        if i in chosen:
            continue
        if is_text[i]:
            break
        pictures.append(i)
    if any(blocks[i].kind == "image" and blocks[i].wx_link_share >= 1.0 for i in pictures):
        for i in pictures:
            chosen[i] = "tail:promo-images"
    # 4. per-block rules, in priority order (the first family that matches names the rule)
    short, tail_short = lim["short_chars"], lim["tail_short_chars"]
    credit_chars, contains_chars = lim["credit_chars"], lim["disclaimer_contains_chars"]
    site_phrases, ad, promo, cta = rules.site_phrases, rules.ad, rules.promo, rules.cta
    credit_lines, blurb, tail_cta = rules.credit_lines, rules.blurb, rules.tail_cta
    column, own = rules.column, _SPACE.sub("", account)
    promo_meta = rules.promo_meta
    starts, contains = rules.disclaimer_starts, rules.disclaimer_contains
    phrase_rule = f"site:{rules.site}:phrase"
    # why: "来源：微软博客" right under a picture is that picture's credit (a caption), not the article's
    # source line: it stays in the body and names no source
    after_image = {b for a, b in zip(present, present[1:], strict=False) if blocks[a].kind == "image"}
    for i in present:
        if i in chosen or not is_text[i]:
            continue
        key, size = keys[i], sizes[i]
        in_head, in_tail = head[i], tail[i]
        edge = in_head or in_tail
        if site_phrases is not None and size <= tail_short and site_phrases.search(key):
            chosen[i] = phrase_rule
        elif _full(ad, _core(key) if size <= 12 else key):  # why: only tiny blocks (ad labels) need it
            chosen[i] = "ad-label"
        elif size <= short and _full(rules.viewer, _core(key)):
            chosen[i] = "viewer-label"
        elif in_head and size <= short and promo is not None and promo.search(key):
            chosen[i] = "promo:header"
        elif in_head and size <= short and promo_meta is not None and promo_meta.match(key):
            chosen[i] = "promo:meta"
        elif (
            edge
            and size <= credit_chars
            and not (i in after_image and _IMAGE_CREDIT.match(key))
            and _credit(blocks[i].text) is not None
        ):
            chosen[i] = "credit"
        # why tail_short: long calls only at the very end
        elif size <= (tail_short if late[i] else short) and cta is not None and cta.search(key):
            chosen[i] = "cta:line"
        elif in_tail and size <= tail_short and tail_cta is not None and tail_cta.search(key):
            chosen[i] = "cta:line"
        elif edge and size <= short and credit_lines is not None and credit_lines.match(key):
            chosen[i] = "credit"
        elif in_tail and blurb is not None and blurb.match(key):
            chosen[i] = "promo:blurb"
        elif (
            edge and own and size <= credit_chars and own in key and column is not None and column.match(key)
        ):
            chosen[i] = "promo:blurb"
        elif edge and (
            (starts is not None and starts.match(key))
            or (size <= contains_chars and contains is not None and contains.search(key))
        ):
            chosen[i] = "disclaimer"
    # 4b. the bare address beside a translation's 原文 / 译文 credits is the original's URL
    #     ("原文：alex@github" / "译文：skyline75489" / "https://github.com/…"): a credit too
    original_urls: dict[int, str] = {}
    if "credit" in chosen.values():
        position = {i: pos for pos, i in enumerate(present)}
        for i in [i for i, rule in chosen.items() if rule == "credit"]:
            if not _TRANSLATION_CREDIT.match(keys[i]):
                continue
            for pos in (position[i] - 1, position[i] + 1):
                j = present[pos] if 0 <= pos < n else -1
                if j >= 0 and j not in chosen and is_text[j] and _BARE_URL.fullmatch(keys[j]):
                    chosen[j] = "credit"
                    original_urls[j] = "原文链接：" + keys[j]
    # 5. the account banner: short slogan lines and the image right after a header promo
    if "promo:header" in chosen.values():
        follow_family = rules.promo_follow
        for pos in range(n - 1):
            i, nxt = present[pos], present[pos + 1]
            if chosen.get(i) == "promo:header" and nxt not in chosen and sizes[nxt] <= short:
                if is_text[nxt] and follow_family is not None and follow_family.search(keys[nxt]):
                    chosen[nxt] = "promo:header"
        last = max(i for i, rule in chosen.items() if rule == "promo:header")
        follow = [i for i in present if i > last][: int(lim["banner_lines"]) + 1]
        group: list[int] = []
        for i in follow:
            if i in chosen:
                break
            if blocks[i].kind == "image":
                group.append(i)
                for j in group:
                    chosen[j] = "promo:banner"
                break
            if sizes[i] > 20 or _SENTENCE.search(keys[i]):
                break  # why: slogan lines ("走进商业背后的故事") are a few words, not a sentence of the post
            group.append(i)
    if "cta:line" in chosen.values():
        position = {i: pos for pos, i in enumerate(present)}
        # 6. QR images next to a CTA line that points at a code
        qr = rules.qr
        dist = int(lim["qr_distance"])
        for i in present:
            if chosen.get(i) != "cta:line":
                continue
            if not ((qr is not None and qr.search(keys[i])) or (tail[i] and "关注" in keys[i])):
                continue
            pos = position[i]
            near = present[max(0, pos - dist) : pos][::-1] + present[pos + 1 : pos + 1 + dist]
            near.sort(key=lambda j: (abs(position[j] - pos), j < i))
            for j in near:
                if blocks[j].kind == "image" and j not in chosen:
                    chosen[j] = "qr-image"
                    break
        # 7. footer fragments: a short line between a CTA and another CTA/QR block in the second half
        #    ("关注公众号，发送消息：" / "666，领取…资料" / "…记得点在看") belongs to that footer
        calls = ("cta:line", "qr-image")
        footer_chars = lim["footer_chars"]
        for pos in range(1, n - 1):
            i = present[pos]
            if i in chosen or not is_text[i] or sizes[i] > footer_chars:
                continue
            if offset[i] < anchor_offset:
                continue  # why: footers sit in the second half; a short body's middle is body
            # why: the line must continue a call (CTA before it); after a QR image a new item may start
            if chosen.get(present[pos - 1]) == "cta:line" and chosen.get(present[pos + 1]) in calls:
                if keys[i].lstrip().lower().startswith(("http://", "https://", "www.")):
                    continue  # why: the address a "扫码查看原文" points to is the item's source, not chrome
                chosen[i] = "cta:footer"
    # 8. a rule line left last ("————", "____" that parted the body from a footer now removed)
    if chosen:
        for i in reversed(present):
            if i in chosen:
                continue
            if is_text[i] and _SEPARATOR_LINE.match(keys[i]):
                chosen[i] = "tail:separator"
                continue
            break
    # 9. the safety valve
    refusals: list[Removal] = []
    by_rule: dict[str, list[int]] = {}
    for i, rule in chosen.items():
        by_rule.setdefault(rule, []).append(i)
    for rule, idxs in sorted(by_rule.items()):
        cut = sum(weights[i] for i in idxs)
        if cut > lim["valve_fraction"] * total and sizes and total > 1:
            for i in idxs:
                del chosen[i]
            refusals.append(
                Removal(f"safety-valve:{rule}", f"kept {len(idxs)} blocks ({cut} of {total} characters)")
            )
    # credit metadata: per field the best-ranked line wins (scraper.credits.merge_credits); removed
    # promos and disclaimers may name the publisher when no credit line does
    lines = [
        original_urls.get(i) or blocks[i].text.translate(_CREDIT_SEPARATORS)
        for i in sorted(chosen)
        if chosen[i] == "credit"
    ]
    hints = [blocks[i].text for i in sorted(chosen) if chosen[i].startswith(("cta:", "disclaimer", "promo:"))]
    meta = merge_credits(lines, hints) if lines or hints else {}
    return chosen, refusals, meta


# --- DOM side ------------------------------------------------------------------------------------


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    return bool(style and hidden_style(style))


def _image_url(node: LexborNode) -> str:
    attrs = node.attributes
    for name in ("data-src", "data-original", "data-actualsrc", "data-lazy-src", "src"):
        value = attrs.get(name)
        if value and not value.startswith("data:"):
            return value
    return ""


_LEAF_SPLITS = EMBED_TAGS | {"br", "pre", "img"}


class _Segmenter:
    """Cuts a body node into leaf blocks, in document order, in one pass over the tree.

    ``seg`` returns None for a node holding only inline content (the caller adds it to the current
    inline run) or the blocks inside it; a block element with only inline content is a leaf block.
    """

    def __init__(self, root: LexborNode) -> None:
        self.root = root

    def run(self) -> list[Block]:
        blocks = self.seg(self.root, False, 0)
        if blocks is None:  # the whole body is one inline run
            blocks = []
            nodes = list(self.root.iter(include_text=True))
            if nodes:
                self.text_block(nodes, False, blocks)
        return blocks

    def text_block(self, nodes: list[LexborNode], in_wx_link: bool, out: list[Block]) -> None:
        """The block of a run of inline nodes (callers skip empty runs)."""
        raw = nodes[0].text(deep=True) if len(nodes) == 1 else "".join(n.text(deep=True) or "" for n in nodes)
        text = squash(raw)
        if text:
            # wx_link_share -1: computed on demand (_link_share)
            out.append(Block(text, ref=nodes, wx_link_share=1.0 if in_wx_link else -1.0, squashed=True))

    def seg(self, node: LexborNode, in_wx_link: bool, depth: int) -> list[Block] | None:
        if depth >= MAX_DEPTH:
            return None  # hostile nesting: the subtree is one inline run
        # out stays None until something splits the node into blocks (most inline nodes never do)
        out: list[Block] | None = None
        run: list[LexborNode] = []
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                run.append(child)
                continue
            if not tag or tag[0] == "-" or tag in SKIP_TAGS:
                continue
            if tag in _LEAF_SPLITS:  # br, pre, img and embeds end the inline run
                if out is None:
                    out = []
                if run:
                    self.text_block(run, in_wx_link, out)
                    run = []
                if tag == "br":
                    continue
                if tag == "pre":
                    self.text_block([child], in_wx_link, out)
                elif tag == "img":
                    url = _image_url(child)
                    if url:
                        out.append(
                            Block("", kind="image", url=url, ref=[child], wx_link_share=float(in_wx_link))
                        )
                else:
                    attrs = child.attributes
                    url = attrs.get("data-src") or attrs.get("src") or ""
                    out.append(Block("", kind="media", url=url, ref=[child]))
                continue
            link = in_wx_link or (tag == "a" and _is_wx_link(child.attributes.get("href")))
            sub = self.seg(child, link, depth + 1)
            if sub is None and tag not in BLOCK_TAGS:
                run.append(child)
                continue
            if out is None:
                out = []
            if run:
                self.text_block(run, in_wx_link, out)
                run = []
            if sub is None:
                self.text_block([child], link, out)
            else:
                out.extend(sub)
        if out is not None and run:
            self.text_block(run, in_wx_link, out)
        return out


def _link_share(block: Block) -> float:
    """Share of a DOM block's text inside links to mp.weixin.qq.com (computed when first asked)."""
    if block.wx_link_share >= 0:
        return block.wx_link_share
    linked = 0
    for n in block.ref or ():
        if n.tag == "-text":
            continue
        for a in [n] if n.tag == "a" else n.css("a"):
            if _is_wx_link(a.attributes.get("href")):
                linked += _words(a.text(deep=True))
    block.wx_link_share = linked / max(1, _words(block.text))
    return block.wx_link_share


_WORD = re.compile(r"\w")


def _words(text: str) -> int:
    """The letters, digits and CJK characters of ``text``: link density is over words, not over the
    separators of a link grid ("感悟\\罪己\\放下", "A | B | C")."""
    return len(_WORD.findall(text))


def _remove(root: LexborNode, nodes: list[LexborNode]) -> None:
    """Decompose ``nodes`` (disjoint subtrees), then the ancestors they left without text or media.

    Iterative, deepest ancestor first: a wrapper is never used after lexbor freed its node (every
    ancestor checked later is shallower, so still alive), and hostile nesting cannot overflow the
    Python stack. Why the bookkeeping: an ancestor that keeps text or media keeps it for all its own
    ancestors too, so those are not asked again (asking means reading the text of a whole wrapper,
    up to the entire body); and a climb stops at an ancestor already recorded by an earlier node.
    """
    if not nodes:
        return
    root_id = root.mem_id
    # mem_id -> (depth below the root, node, mem_id of its parent or 0 for a child of the root)
    ancestors: dict[int, tuple[int, LexborNode, int]] = {}
    attached: list[LexborNode] = []
    for n in nodes:
        chain: list[LexborNode] = []
        anc = n.parent
        known = 0
        while anc is not None:
            mem_id = anc.mem_id
            if mem_id == root_id:
                break
            if mem_id in ancestors:
                known = mem_id  # the rest of the way up is recorded already
                break
            chain.append(anc)
            anc = anc.parent
        if anc is None:
            continue  # not under the root (already detached): nothing to do
        attached.append(n)
        parent_id, depth = known, (ancestors[known][0] + 1 if known else 0)
        for a in reversed(chain):
            mem_id = a.mem_id
            ancestors[mem_id] = (depth, a, parent_id)
            parent_id, depth = mem_id, depth + 1
    for n in attached:
        n.decompose()
    kept: set[int] = set()
    for _, a, parent_id in sorted(ancestors.values(), key=lambda item: -item[0]):
        if a.mem_id in kept:
            continue
        if has_text(a) or a.css_first(_MEDIA_OR_FORMULA) is not None:
            while parent_id and parent_id not in kept:
                kept.add(parent_id)
                parent_id = ancestors[parent_id][2]
        else:
            a.decompose()


def _outermost(root: LexborNode, nodes: list[tuple[str, LexborNode]]) -> list[tuple[str, LexborNode]]:
    """Drop matches nested inside other matches (one removal record per removed subtree)."""
    ids = {n.mem_id for _, n in nodes}
    root_id = root.mem_id
    out = []
    seen: set[int] = set()
    for rule, n in nodes:
        if n.mem_id in seen:
            continue
        seen.add(n.mem_id)
        anc = n.parent
        nested = False
        while anc is not None and anc.mem_id != root_id:
            if anc.mem_id in ids:
                nested = True
                break
            anc = anc.parent
        if not nested:
            out.append((rule, n))
    return out


def _unseen_valve(root: LexborNode, unseen: list[tuple[str, LexborNode]]) -> Removal | None:
    """The safety valve of text hidden by style: refuse when nothing visible would be left (no text
    and no picture), the sign of a page that reveals its body by script or a stylesheet we do not read
    (WeChat's own ``#js_content`` is the root, which is never judged). Why not "half of the text" as
    for the other rules: filler is often longer than the post it hides in (700 random characters
    under a one-line comic caption), and what a reader sees is unchanged by dropping it."""
    hidden = sum(len(squash(n.text(deep=True))) for _, n in unseen)
    total = len(squash(root.text(deep=True)))
    if total - hidden > 0 or root.css_first(_MEDIA) is not None:
        return None
    rules = sorted({rule for rule, _ in unseen})
    return Removal(
        f"safety-valve:{'+'.join(rules)}", f"kept {len(unseen)} blocks ({hidden} of {total} characters)"
    )


def _describe_node(node: LexborNode) -> str:
    text = squash(node.text(deep=True))
    if not text:
        img = node if node.tag == "img" else node.css_first("img")
        if img is not None:
            return f"[image] {_image_url(img)}"
        return f"[{node.tag}]"
    return text if len(text) <= REMOVAL_TEXT_CHARS else text[: REMOVAL_TEXT_CHARS - 1] + "…"


def clean_body(
    node: LexborNode, *, site: str = "", url: str = "", rules: Rules | None = None, account: str = ""
) -> Cleaned:
    """Remove boilerplate from ``node`` in place; report every removal and the credit metadata.

    ``node`` itself is never removed, and its own ``visibility: hidden`` (WeChat's ``#js_content``)
    is ignored. ``url`` is only used in messages. ``rules`` overrides the packaged rule packs (tests).
    ``account``: the post's account or media as the page names it (see :func:`decide`).
    """
    rules = rules or rules_for(site)
    cleaned = Cleaned()
    # 1. noise, hidden nodes and known chrome
    drops: list[tuple[str, LexborNode]] = [("noise", n) for n in node.css(_NOISE_TAGS)]
    drops += [("hidden", n) for n in node.css(_HIDDEN_CANDIDATES) if _hidden(n)]
    unseen = _outermost(node, invisible(node))
    if unseen:
        refusal = _unseen_valve(node, unseen)
        if refusal is None:
            drops += unseen
        else:
            cleaned.removed.append(refusal)
    if rules.selectors:
        # one traversal for all selectors; the (few) matches then learn which selector named them.
        # Why dict.fromkeys: site packs repeat global selectors, and lexbor tests every node against
        # each one; it also lists a node once per selector it matches, hence the mem_id check
        seen: set[int] = set()
        for n in node.css(", ".join(dict.fromkeys(css for _, css in rules.selectors))):
            if n.mem_id in seen:
                continue
            seen.add(n.mem_id)
            rule = next((r for r, css in rules.selectors if n.css_matches(css)), rules.selectors[0][0])
            drops.append((rule, n))
    drops = [(r, n) for r, n in _outermost(node, drops) if n.mem_id != node.mem_id]
    for rule, n in drops:
        if rule == "noise":
            continue
        desc = _describe_node(n)
        if rule == "hidden" and desc.startswith("["):
            continue  # an empty hidden placeholder is not worth a line in the report
        cleaned.removed.append(Removal(rule, desc))
    _remove(node, [n for _, n in drops])
    # 1b. advert cards, found by their build (scraper/adcards.py), within the valve
    if rules.ad_cards is not None:
        cards = _outermost(node, [(AD_CARD_RULE, n) for n in find_ad_cards(node, rules.ad_cards)])
        if cards:
            carded = sum(len(squash(n.text(deep=True))) for _, n in cards)
            total = len(squash(node.text(deep=True)))
            if carded <= rules.limit("valve_fraction") * total:
                cleaned.removed.extend(Removal(r, _describe_node(n)) for r, n in cards)
                _remove(node, [n for _, n in cards])
            else:
                cleaned.removed.append(Removal(f"safety-valve:{AD_CARD_RULE}", f"kept {len(cards)} blocks"))
    # 2. blocks and rules
    blocks = _Segmenter(node).run()
    chosen, refusals, meta = decide(blocks, rules, account)
    doomed: list[LexborNode] = []
    for i in sorted(chosen):
        cleaned.removed.append(Removal(chosen[i], blocks[i].describe()))
        doomed.extend(blocks[i].ref)
    cleaned.removed.extend(refusals)
    cleaned.meta.update(meta)
    _remove(node, doomed)
    return cleaned


# --- Markdown side -------------------------------------------------------------------------------


def _md_block(raw: str, index: int) -> Block:
    m = _MD_IMAGE_BLOCK.match(raw)
    if m:
        card = any(_is_wx_link(href) for href in _MD_TARGET.findall(raw))  # a picture card's link
        return Block("", kind="image", url=m.group(1), ref=index, wx_link_share=float(card))
    text = plain_text(raw)
    block = Block(text, ref=index)
    links = _MD_LINK.findall(raw)
    if links and text:
        linked = sum(_words(t) for t, href in links if _is_wx_link(href))
        block.wx_link_share = linked / max(1, _words(text))
    return block


def clean_markdown(text: str, *, site: str = "", rules: Rules | None = None) -> tuple[str, Cleaned]:
    """Apply the boilerplate rules to a Markdown body (front matter already split off).

    Blocks are paragraphs separated by blank lines; image paragraphs are image blocks; blank
    (``&nbsp;``-only) paragraphs are dropped; a final source link line (``[qq](https://…)``) is kept
    last. Bold one-line paragraphs standing alone become ``## `` headings, as the converter does.
    """
    rules = rules or rules_for(site)
    cleaned = Cleaned()
    paragraphs = [p for p in re.split(r"\n[ \t\u00a0\u3000]*\n", text.replace("\r\n", "\n")) if p.strip()]
    paragraphs = [p for p in paragraphs if not _MD_BLANK.match(p)]
    source_link = ""
    if paragraphs and _MD_SOURCE_LINK.match(paragraphs[-1].strip()):
        source_link = paragraphs.pop().strip()
    blocks = [_md_block(p, i) for i, p in enumerate(paragraphs)]
    keep = [i for i, b in enumerate(blocks) if b.kind != "text" or b.text]
    blocks_kept = [blocks[i] for i in keep]
    paragraphs = [paragraphs[i] for i in keep]
    chosen, refusals, meta = decide(blocks_kept, rules)
    for i in sorted(chosen):
        cleaned.removed.append(Removal(chosen[i], blocks_kept[i].describe()))
    cleaned.removed.extend(refusals)
    cleaned.meta.update(meta)
    out = [_tidy_paragraph(p) for i, p in enumerate(paragraphs) if i not in chosen]
    out = _md_headings(out)
    if source_link:
        out.append(source_link)
    body = "\n\n".join(p for p in out if p)
    return (body + "\n" if body else ""), cleaned


def _tidy_paragraph(paragraph: str) -> str:
    lines = [line.rstrip().replace("\u00a0", " ") for line in paragraph.split("\n")]
    lines = [line for line in lines if line.strip()]
    if len(lines) > 1 and all(_MD_IMAGE_BLOCK.match(line) for line in lines):
        return "\n\n".join(line.strip() for line in lines)
    return "\n".join(lines).strip() if len(lines) == 1 else "\n".join(lines)


def _md_headings(paragraphs: list[str]) -> list[str]:
    """``**短标题**`` alone between paragraphs → ``## 短标题`` (same rule as the converter)."""
    from scraper.markdown import CLOSERS, HEADING_MAX_CHARS, HEADING_MIN_CHARS, SENTENCE_END

    def title(p: str) -> str | None:
        if "\n" in p:
            return None
        m = _BOLD_LINE.match(p)
        if m is None:
            return None
        inner = m.group(1).replace("****", "")
        if "**" in inner or "](" in inner:
            return None
        words = plain_text(inner)
        if (
            not (HEADING_MIN_CHARS <= len(words) <= HEADING_MAX_CHARS)
            or words.rstrip(CLOSERS)[-1:] in SENTENCE_END
        ):
            return None
        return inner.strip("*").strip()

    titles = [title(p) for p in paragraphs]
    out = []
    for i, p in enumerate(paragraphs):
        t = titles[i]
        alone = not (i > 0 and titles[i - 1]) and not (i + 1 < len(titles) and titles[i + 1])
        out.append(f"## {t}" if t and alone else p)
    return out
