"""Reader comments under a post: found by how comment lists are built, removed before the body search.

A blog post or a news page often carries its readers' comments below the text, in the same
container or the next one. Each comment is short prose, so a long thread outweighs the post in any
text-density score and gets merged into the body. Comment lists are built alike everywhere, whatever
the site's class names:

- **repeated items**: at least :data:`MIN_ITEMS` sibling elements of one tag, each a short block that
  carries a **time** (``2023-11-03 08:12``, ``11-03 08:12``, ``3小时前``, ``昨天 12:10``) and a
  **comment mark**: a reply or like control (a short ``回复`` / ``赞(3)`` / ``举报`` / ``Reply`` element)
  or a class/id word naming a comment (``comment``, ``reply``, ``cmt``, ``pinglun`` …);
- **a comment heading** (``网友评论``, ``留言``, ``6 条评论``, ``3 Comments``) followed by at least
  :data:`MIN_ITEMS_AFTER_HEADING` such items, which then need only their time.

The items go, with the heading over them, each list named ``web:comments`` in ``removed``. A page
that would be left without prose outside the items (a thread page whose first post looks like its
replies) keeps them: the valve of every rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from scraper.html import node_text
from scraper.models import Removal

RULE = "web:comments"
MIN_ITEMS = 3  # why: two dated blocks with a link may be a post and its update; three is a list
MIN_ITEMS_AFTER_HEADING = 2  # why: under a "评论" heading two dated items already are comments
ITEM_MAX_CHARS = 2000  # why: a comment is a few sentences; a long dated block is a post of its own
ITEM_SHARE = 0.6  # why: most siblings of the group must be comments: a list with a few dated rows is not
CONTROL_MAX_CHARS = 12  # why: "回复", "赞(128)", "举报" are buttons; longer text is a sentence
HEADING_MAX_CHARS = 40  # why: "《标题》上有 6 条评论" is a line; a sentence about comments is prose
MIN_PROSE_LEFT = 80  # why: generic.MIN_ARTICLE_CHARS: without that much outside, the items are the page
MAX_MARKERS = 2000  # why: a page with more reply buttons than that is a forum dump; bound the work
ANCESTOR_STEPS = 8  # why: a reply link sits a few wrappers below its comment item

COMMENT_WORDS = frozenset(("comment", "comments", "reply", "replies", "cmt", "cmts", "pinglun", "liuyan"))
"""Class/id words (split on ``-``, ``_``, spaces and camelCase) that name a comment or its parts."""

CONTROL_WORDS = (
    "回复",
    "回覆",
    "答复",
    "引用",
    "举报",
    "赞",
    "顶",
    "踩",
    "支持",
    "反对",
    "reply",
    "quote",
    "report",
    "like",
)
"""The words of a comment's buttons (``点赞`` holds ``赞``)."""
_CONTROL = re.compile(
    r"(?:" + "|".join(CONTROL_WORDS) + r"|点赞)\s*[(（]?\s*\d*\s*[)）]?",
    re.I,
)
# why [0-9] and one leading digit: the test runs on every candidate item; a digit first lets the
# engine skip the prose between numbers quickly (a third of the time of the spelled-out pattern)
_TIME = re.compile(
    r"[0-9](?:\s*[:：]\s*[0-9][0-9]"  # a clock time: 08:12, 2023-11-03 08:12, 昨天 12:10
    r"|[0-9]{3}\s*[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,2}"  # a date: 2023-11-03
    r"|\s*(?:秒|分钟|小时|天|周|个月|年)前"  # 3小时前
    r"|\s*(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+ago)"
    r"|刚刚|昨天|前天|just now"
)
_HEADING = re.compile(
    r"(?:(?:网友|读者|用户|全部|最新|热门|精彩|精选)?(?:评论|留言|跟帖|回复|点评)(?:区|列表)?"
    r"|\d+\s*(?:条|个)(?:评论|留言|回复)|\d*\s*(?:comments?|responses?|replies)(?:\s+\d+)?)"
    r"\s*[(（]?\s*\d*\s*[)）]?[:：]?\s*$",
    re.I,
)
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_NAMED = ", ".join(
    f"[{attr}*={word} i]" for word, attrs in (
        ("comment", "class id"), ("repl", "class id"), ("cmt", "class"), ("pinglun", "class id"), ("liuyan", "class")
    ) for attr in attrs.split()
)  # fmt: skip
"""Class/id values that may name a comment (:data:`COMMENT_WORDS` decides); why so few: each one
costs lexbor another test of every element of the page."""
_WORD_OR_MARK = re.compile(
    r"评论|留言|跟帖|回复|点评|[Cc]omment|COMMENT|[Rr]espons|[Rr]epl|[赞顶踩]|举报|引用|支持|反对|[Qq]uote|[Rr]eport|[Ll]ike"
)
"""Any of the words a comment button or heading holds: the one test every short text node gets."""


@dataclass
class Marks:
    """What the body search saw on its one pass over the text nodes (so this costs no pass of its
    own): short texts that are a comment's button, short blocks that may be a comment heading."""

    controls: list[LexborNode] = field(default_factory=list)
    headings: list[LexborNode] = field(default_factory=list)

    def see(self, text: str, element: LexborNode, block: LexborNode) -> None:
        """A text node of at most :data:`HEADING_MAX_CHARS` characters, its element and its block."""
        if not _WORD_OR_MARK.search(text):
            return
        if len(text) <= CONTROL_MAX_CHARS and _CONTROL.fullmatch(text):
            self.controls.append(element)
        else:
            self.headings.append(block)


def _comment_words(node: LexborNode) -> bool:
    attrs = node.attributes
    value = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return bool(value.strip()) and any(w.lower() in COMMENT_WORDS for w in _WORD_SPLIT.split(value) if w)


def _is_control(node: LexborNode) -> bool:
    text = node.text(deep=True).strip()
    return 0 < len(text) <= CONTROL_MAX_CHARS and _CONTROL.fullmatch(text) is not None


def _element_children(node: LexborNode) -> list[LexborNode]:
    return [c for c in node.iter(include_text=False) if c.is_element_node]


class _Group:
    """The element children of one parent with one tag: a list the markers may belong to."""

    def __init__(self, parent: LexborNode, tag: str) -> None:
        self.parent = parent
        self.tag = tag
        self.marked: dict[int, LexborNode] = {}  # children holding a marker (or being one)


def _groups(markers: list[LexborNode]) -> dict[tuple[int, str], _Group]:
    """(parent id, tag) → the group, for every ancestor of a marker up to :data:`ANCESTOR_STEPS`
    levels, with the children on the markers' paths."""
    groups: dict[tuple[int, str], _Group] = {}
    seen: set[int] = set()
    for marker in markers:
        node: LexborNode | None = marker
        for _ in range(ANCESTOR_STEPS):
            if node is None or node.mem_id in seen or node.tag in ("body", "html"):
                break  # a node seen before: its path up is recorded already
            seen.add(node.mem_id)
            parent = node.parent
            if parent is None:
                break
            key = (parent.mem_id, node.tag or "")
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(parent, node.tag or "")
            group.marked[node.mem_id] = node
            node = parent
    return groups


def _text(node: LexborNode) -> str:
    return (node.text(deep=True) or "").strip()


def _dated(node: LexborNode) -> bool:
    text = _text(node)
    return 0 < len(text) <= ITEM_MAX_CHARS and _TIME.search(text) is not None


def _is_heading(node: LexborNode) -> bool:
    text = _text(node)
    return 0 < len(text) <= HEADING_MAX_CHARS and _HEADING.search(text) is not None


def _heading_before(first: LexborNode, parent: LexborNode) -> LexborNode | None:
    """The comment heading right above a list: the element before its first item, or before the
    list itself when the item is the list's first child."""
    for node in (first, parent):
        prev = node.prev
        while prev is not None and not prev.is_element_node:
            prev = prev.prev
        if prev is not None:
            return prev if _is_heading(prev) else None
    return None


def _next_elements(node: LexborNode) -> list[LexborNode]:
    out = []
    sibling = node.next
    while sibling is not None:
        if sibling.is_element_node:
            out.append(sibling)
        sibling = sibling.next
    return out


def _prose(node: LexborNode) -> int:
    text = node.text(deep=True)
    return len(text) - sum(map(text.count, (" ", "\n", "\t", "\r", "\u3000", "\xa0")))


def remove_comment_lists(root: LexborNode, marks: Marks) -> list[Removal]:
    """Remove the reader-comment lists under ``root`` (see the module docstring); what went, named.

    ``marks``: what the body search saw (:func:`scraper.sites.generic.find_body`).
    """
    markers = marks.controls[:MAX_MARKERS]
    markers += [n for n in root.css(_NAMED) if _comment_words(n)][:MAX_MARKERS]
    headings = list({h.mem_id: h for h in marks.headings if _is_heading(h)}.values())
    if not markers and not headings:
        return []
    found: list[tuple[LexborNode | None, list[LexborNode]]] = []
    taken: set[int] = set()

    def take(heading: LexborNode | None, items: list[LexborNode]) -> None:
        found.append((heading, items))
        taken.update(i.mem_id for i in items)
        if heading is not None:
            taken.add(heading.mem_id)

    for group in _groups(markers).values():  # marked, dated items, repeated
        if len(group.marked) < MIN_ITEMS:
            continue
        same = sum(1 for c in _element_children(group.parent) if c.tag == group.tag)
        if len(group.marked) < ITEM_SHARE * same:
            continue
        items = [c for c in group.marked.values() if c.mem_id not in taken and _dated(c)]
        if len(items) >= MIN_ITEMS and len(items) >= ITEM_SHARE * same:
            heading = _heading_before(items[0], group.parent)
            take(heading if heading is not None and heading.mem_id not in taken else None, items)
    for heading in headings:  # dated items under a comment heading: its next siblings, or a list's
        after = heading.next
        while after is not None and not after.is_element_node:
            after = after.next
        if after is None or heading.mem_id in taken or after.mem_id in taken:
            continue
        for candidates in ([after, *_next_elements(after)], _element_children(after)):
            run = [c for c in candidates if c.tag == candidates[0].tag] if candidates else []
            items = [c for c in run if c.mem_id not in taken and _dated(c)]
            if len(items) >= MIN_ITEMS_AFTER_HEADING and len(items) >= ITEM_SHARE * len(run):
                take(heading, items)
                break
    if not found:
        return []
    left = _prose(root) - sum(_prose(i) for _, items in found for i in items)
    if left < MIN_PROSE_LEFT:
        return []
    removed: list[Removal] = []
    doomed: list[LexborNode] = []
    for heading, items in found:
        cut = [heading, *items] if heading is not None else items
        removed.append(Removal(RULE, " ".join(node_text(n) for n in cut)[:200]))
        doomed += cut
    # the outermost only: a node inside another removed one is freed with it (a nested reply list)
    ids = {n.mem_id for n in doomed}
    for node in doomed:
        if not _inside(node, ids):
            node.decompose()
    return removed


def _inside(node: LexborNode, ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False
