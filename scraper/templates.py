"""Account templates: the header and footer an account repeats in its posts, learned from its history.

Pure functions (the catalog that keeps what was learned, and the decision when to learn, are
``archive.accounts``)::

    edges(markdown, image_key) -> list[EdgeBlock]     # the first and last blocks of one cleaned body
    learn(account, name, posts) -> Template           # blocks recurring near the head / tail of posts
    apply(article, template, image_key) -> Article    # cut the account's frame off one post

When: after the boilerplate rules (on the cleaned Markdown body), before the article is written.
Why: rules written page by page miss the next account's header and footer, but every account repeats
its own (slogans, follow lines, contact lines, promo cards, banner and QR pictures) in nearly every
post. A block is a Markdown paragraph: its text normalised (white space, case and width folded), or
its pictures by the key ``image_key`` gives (``i:<sha256 of the bytes>`` in an archive whose image
store knows them, else ``u:<the normalised URL>``), so a banner re-uploaded under a new URL is still
the same block once its bytes are stored.

Learning is deterministic: a block is part of the template when it occurs within the first (head) or
last (tail) :data:`EDGE_BLOCKS` blocks of at least :data:`MIN_POSTS` posts and of :data:`MIN_SHARE` of
the posts learned from. Applying is conservative, with the rules' safety valve:

- only a *frame* is cut: the run of template blocks that starts at the first block (head) or ends at
  the last block (tail); a template block after the first block that is not one stays, so a block
  occurring in the body's middle is never cut;
- a cut that would take more than half of the body (pictures counted as a line of text each, as the
  rules count them) is refused and reported as ``safety-valve:account:<name>``;
- every cut block is reported as ``Removal("account:<name>:head" | "account:<name>:tail", text)``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scraper.html import plain_text, squash
from scraper.models import Article, Removal

EDGE_BLOCKS = 8  # why: a header or footer is a few blocks (banner, slogan, follow line; QR, reward, links)
MIN_POSTS = 3  # why: a block in two posts may be a two-part series; in three it is the account's habit
MIN_SHARE = 0.1  # why: in a long history a block three posts share is chance; templates recur far more
VALVE_FRACTION = 0.5  # why: the rules' safety valve: a frame is never most of a post
PICTURE_CHARS = 20  # why: as the rules count a picture (a comic's body is its pictures)
TEXT_CHARS = 80  # why: what a template block shows of itself in stats and in ``removed``

ImageKey = Callable[[str], str]
"""Maps an image URL as written in the Markdown to its key (``i:<sha256>`` or ``u:<url>``)."""

_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGES_ONLY = re.compile(r"^\s*(?:\[?!\[[^\]]*\]\([^)]*\)(?:\]\([^)]*\))?\s*)+$")
_FENCE = re.compile(r"^\s*(```|~~~)", re.M)
_SEPARATOR = re.compile(r"^[-_=~*·.—─━–⎯―＿－～•\s\\]{3,}$")
_PARAGRAPHS = re.compile(r"\n[ \t\u00a0\u3000]*\n")


@dataclass(frozen=True)
class EdgeBlock:
    """One block near an edge of a post: ``edge`` head|tail, ``position`` counted from that edge."""

    edge: str
    position: int
    key: str
    text: str


@dataclass(frozen=True)
class TemplateBlock:
    edge: str
    key: str
    text: str
    posts: int  # how many of the posts learned from had it near that edge


@dataclass(frozen=True)
class Template:
    """What one account repeats. ``account`` is its key (``wechat:<biz>``, ``<site>:<name>``),
    ``name`` the name removals are reported under, ``posts`` how many posts it was learned from."""

    account: str
    name: str
    posts: int
    blocks: tuple[TemplateBlock, ...] = ()

    def keys(self, edge: str) -> frozenset[str]:
        return frozenset(b.key for b in self.blocks if b.edge == edge)

    @property
    def fingerprint(self) -> str:
        """Changes exactly when what :func:`apply` cuts can change ('' for an empty template)."""
        if not self.blocks:
            return ""
        keys = sorted(f"{b.edge}:{b.key}" for b in self.blocks)
        return "tpl:" + hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:32]

    def to_json(self) -> str:
        return json.dumps([dataclasses.asdict(b) for b in self.blocks], ensure_ascii=False)

    @classmethod
    def from_json(cls, account: str, name: str, posts: int, data: str) -> Template:
        return cls(account, name, posts, tuple(TemplateBlock(**b) for b in json.loads(data)))


# --- blocks ----------------------------------------------------------------------------------------


def paragraphs(markdown: str) -> list[str]:
    """The body's paragraphs (blank-line separated), a fenced code block always whole."""
    out: list[str] = []
    pending: list[str] = []
    fence: str | None = None
    for part in _PARAGRAPHS.split(markdown.replace("\r\n", "\n")):
        if fence is not None:
            pending.append(part)
            if _closes(part, fence):
                out.append("\n\n".join(pending))
                pending, fence = [], None
            continue
        opened = _opens(part)
        if opened is not None and not _closes(part, opened, after_open=True):
            pending, fence = [part], opened
            continue
        if part.strip():
            out.append(part)
    if pending:
        out.append("\n\n".join(pending))
    return out


def _opens(part: str) -> str | None:
    m = _FENCE.search(part)
    return m.group(1) if m else None


def _closes(part: str, fence: str, *, after_open: bool = False) -> bool:
    marks = [m for m in _FENCE.finditer(part) if m.group(1) == fence]
    return len(marks) >= (2 if after_open else 1)


def normalise(text: str) -> str:
    """A paragraph's words for comparison: full-width folded, case folded, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def block_key(paragraph: str, image_key: ImageKey) -> str | None:
    """``t:<hash of the words>`` for text, ``i:…``/``u:…`` (joined by ``+``) for a picture paragraph,
    None for what is no block of its own (white space, a rule line)."""
    if _IMAGES_ONLY.match(paragraph):
        keys = [image_key(url) for url in _IMAGE.findall(paragraph)]
        return "+".join(keys) if keys else None
    words = normalise(plain_text(paragraph))
    if not words or _SEPARATOR.match(words):
        return None
    return "t:" + hashlib.sha1(words.encode("utf-8")).hexdigest()[:20]


def describe(paragraph: str) -> str:
    """What a block shows: its words (cut to :data:`TEXT_CHARS`), or ``[image] <url>``."""
    if _IMAGES_ONLY.match(paragraph):
        urls = _IMAGE.findall(paragraph)
        return "[image] " + (urls[0] if urls else "")
    text = squash(plain_text(paragraph))
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def edges(markdown: str, image_key: ImageKey) -> list[EdgeBlock]:
    """The first and the last :data:`EDGE_BLOCKS` blocks of a (rule-cleaned) body, what learning reads.

    A short body's blocks are near both edges at once."""
    blocks = [(key, p) for p in paragraphs(markdown) if (key := block_key(p, image_key)) is not None]
    head = [EdgeBlock("head", i, key, describe(p)) for i, (key, p) in enumerate(blocks[:EDGE_BLOCKS])]
    tail = [
        EdgeBlock("tail", i, key, describe(p)) for i, (key, p) in enumerate(reversed(blocks[-EDGE_BLOCKS:]))
    ]
    return head + tail


# --- learning ---------------------------------------------------------------------------------------


def learn(account: str, name: str, posts: Iterable[Sequence[EdgeBlock]]) -> Template:
    """The template of an account from the edge blocks of its posts (one sequence per post).

    Deterministic: the same posts in any order give the same template."""
    seen: dict[tuple[str, str], set[int]] = {}
    texts: dict[tuple[str, str], str] = {}
    count = 0
    for number, post in enumerate(posts):
        count += 1
        for block in post:
            slot = (block.edge, block.key)
            seen.setdefault(slot, set()).add(number)
            if slot not in texts or block.text < texts[slot]:
                texts[slot] = block.text  # why the min: the same text whatever the order of the posts
    need = max(MIN_POSTS, MIN_SHARE * count)
    blocks = [
        TemplateBlock(edge, key, texts[(edge, key)], len(numbers))
        for (edge, key), numbers in seen.items()
        if len(numbers) >= need
    ]
    blocks.sort(key=lambda b: (b.edge, -b.posts, b.key))
    return Template(account, name, count, tuple(blocks))


# --- applying ---------------------------------------------------------------------------------------


def apply(article: Article, template: Template | None, image_key: ImageKey) -> Article:
    """``article`` without its account's frame (see the module docstring); the same article when the
    template cuts nothing."""
    if template is None or not template.blocks or not article.is_article or not article.body_markdown:
        return article
    paras = paragraphs(article.body_markdown)
    keys = [block_key(p, image_key) for p in paras]
    cut: dict[int, str] = {}
    for edge, order in (("head", range(len(paras))), ("tail", range(len(paras) - 1, -1, -1))):
        known = template.keys(edge)
        for i in order:
            if i in cut:
                break
            if keys[i] is None:
                continue  # a rule line between frame blocks
            if keys[i] not in known:
                break
            cut[i] = edge
    if not cut:
        return article
    # rule lines left at an edge of what remains ("————" that parted the post from its footer)
    kept = [i for i in range(len(paras)) if i not in cut]
    for edge, run in (("head", kept), ("tail", kept[::-1])):
        if edge in cut.values():
            for i in run:
                if keys[i] is not None:
                    break
                cut[i] = edge
    weight = [_weight(p) for p in paras]
    total = sum(weight) or 1
    taken = sum(weight[i] for i in cut)
    if taken > VALVE_FRACTION * total or len(cut) == len(paras):
        refusal = Removal(
            f"safety-valve:account:{template.name}", f"kept {len(cut)} blocks ({taken} of {total} characters)"
        )
        return dataclasses.replace(article, removed=(*article.removed, refusal))
    body = "\n\n".join(p for i, p in enumerate(paras) if i not in cut).strip() + "\n"
    removals = tuple(Removal(f"account:{template.name}:{cut[i]}", describe(paras[i])) for i in sorted(cut))
    kept_urls = set(_IMAGE.findall(body))
    cut_urls = {url for i in cut for url in _IMAGE.findall(paras[i])} - kept_urls
    images = tuple(img for img in article.images if img.url not in cut_urls)
    cover = article.cover
    if cover in cut_urls:  # the cover was the frame's banner: the post's own first picture instead
        cover = images[0].url if images else None
    return dataclasses.replace(
        article,
        body_markdown=body,
        images=images,
        cover=cover,
        removed=(*article.removed, *removals),
        summary=_summary(article, body),
    )


def _weight(paragraph: str) -> int:
    if _IMAGES_ONLY.match(paragraph):
        return PICTURE_CHARS * max(1, len(_IMAGE.findall(paragraph)))
    return len(normalise(plain_text(paragraph)))


def _summary(article: Article, body: str) -> str:
    """The summary again when it was the start of the body (a page's own digest is kept)."""
    from scraper.sites._common import summarize

    captions = article.kind not in ("picshare", "textshare")
    if article.summary != summarize(article.body_markdown, "", article.title, captions=captions):
        return article.summary
    return summarize(body, "", article.title, captions=captions)
