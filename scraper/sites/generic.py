"""Generic fallback for any article page: text-density body detection on selectolax (lexbor).

Used for every site without its own adapter, so it must give a good article on an unknown page and
a typed ``not_article`` on a page that has none (index pages, error pages, empty shells). It is
pure and fast: the page is parsed once, one pass over the text nodes gathers the statistics, and
only a handful of candidate containers are examined further.

How the body is found (after readability's scoring, made CJK-aware):

1. Every non-blank text node is charged to its nearest block element (``p``, ``div``, ``td``…),
   counting characters (not words: Chinese has no spaces) and sentence punctuation (，。；！？), and
   separately the characters that sit inside links.
2. Each block with enough prose gives a paragraph score (1 + punctuation + length, capped) to the
   container that holds it and half of it to the next container up.
3. Containers are ranked by that score times (1 - link density) times a class/id weight (chrome
   words like ``comment``/``share``/``related`` lower it, ``content``/``article`` raise it). A
   semantic ``[itemprop=articleBody]``/``article``/``main`` wins when it holds most of that text.
4. Siblings of the winner that read like prose are merged (the parent becomes the body and the
   other children go), then chrome inside the body is pruned: named chrome blocks, link lists,
   the title and the date/byline lines at the top.

Metadata comes from ``<meta>``, JSON-LD and the visible lines around the title (dates such as
``2019-09-07 19:02``, ``2019年09月07日 19:02``, bylines ``作者：…``/``记者 …``/``文/…``, ``来源：…``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.config import load_rules
from scraper.credits import NOBODY
from scraper.html import meta_map, node_text, parse, plain_text, squash
from scraper.models import Article, Removal
from scraper.sites import Adapter
from scraper.sites._comments import HEADING_MAX_CHARS, Marks, remove_comment_lists
from scraper.sites._common import (
    CHINA_TZ,
    DATE_TIME_TEXT,
    build_article,
    china_time,
    not_article,
    parse_china_datetime,
)

SITE = "web"
_RULES = load_rules("sites/web").get("selectors", {})

STRIP_TAGS: list[str] = list(_RULES.get("strip", ["script", "style", "noscript", "template"]))
SEMANTIC: list[str] = list(_RULES.get("semantic", ['[itemprop="articleBody"]', "article", "main"]))
DROP: str = ", ".join(_RULES.get("drop", ["nav", "aside", "footer", "form"]))
CHROME_WORDS = frozenset(_RULES.get("chrome_words", ()))
CONTENT_WORDS = frozenset(_RULES.get("content_words", ()))

# Elements whose text flows inside a paragraph: their text is charged to the nearest other ancestor.
INLINE = frozenset(
    "a span font strong b em i u small big sub sup label abbr cite code mark s strike del ins q time "
    "nobr var kbd tt acronym bdi bdo wbr br img".split()
)
# Paragraph-like blocks: they are the paragraph, their parent is the container that gets the score.
PARAGRAPH = frozenset("p pre blockquote li dd dt h2 h3 h4 h5 h6 figcaption caption address".split())
# Containers pruned inside the chosen body when they look like chrome.
PRUNABLE = "div, section, ul, ol, dl, table, aside, nav, footer, header, form, figure, center, p, span[class], span[id]"
INNER_BLOCKS = "p, div, td, li, table, ul, ol, section"

PUNCT_CHARS = tuple("，。；！？、,;!?")  # sentence punctuation: prose has it, link lists do not
SPACE_CHARS = (" ", "\n", "\t", "\r", "\u3000", "\xa0")
_PUNCT = re.compile("[" + "".join(PUNCT_CHARS) + "]")
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_SENTENCE_END = re.compile(r"[。！？.!?…”」』）)]$")

MAX_TEXT_NODES = 100_000  # why: real pages have < 20 000 text nodes; past that, a data dump: stop
MIN_PARAGRAPH_CHARS = 10  # why: shorter blocks are labels, buttons and dates, not prose
PARAGRAPH_LENGTH_UNIT = 100  # why: readability's unit; a long CJK paragraph earns the full bonus
PARAGRAPH_LENGTH_CAP = 3.0  # why: one huge block must not outweigh many real paragraphs
CHAIN_STEPS = 12  # why: editors nest a handful of wrappers; more is markup soup
ANCESTRY_STEPS = 12  # why: teaser cards wrap their text a few levels below the <a>/<li>
LIST_ITEM_WEIGHT = 0.5  # why: article bodies are not list items; a wordy list item is a teaser
TOP_CANDIDATES = 8  # why: the winner is always among the few best raw scores; bounds the extra work
SEMANTIC_SHARE = 0.7  # why: a semantic container holding 70 % of the best text is the article itself
SEMANTIC_GROWTH = 1.6  # why: ...unless it also holds much more (then it is a page-wide <main>)
SIBLING_SHARE = 0.2  # why: readability's sibling threshold, a fifth of the winner's score
SIBLING_MIN_SCORE = 10.0  # why: below that a sibling is a caption or a button row, not article
SIBLING_PROSE_CHARS = 80  # why: a sibling paragraph this long with few links is article prose
PRUNE_KEEP_SHARE = 0.4  # why: never prune a block that holds this share of the body's text
LINK_LIST_DENSITY = 0.5  # why: a block whose text is mostly links is navigation or related items
LINK_LIST_MIN_PUNCT = 3
LINK_PARAGRAPH_DENSITY = 0.8  # why: a paragraph that is one link and no sentence is a related-item
LINK_PARAGRAPH_CHARS = 60  # why: ...a headline-length one; a long linked sentence stays  # why: ...unless it reads as prose (sentences with links in them)
MIN_ARTICLE_CHARS = 80  # why: the shortest real news items (快讯) are two or three sentences
MIN_ARTICLE_PUNCT = 3  # why: a body without sentence punctuation is a list of titles
SHORT_ARTICLE_PUNCT = 6  # why: a short text passes only when it clearly is sentences
HEAD_LINES = 6  # why: the dateline is among the first few lines of the body or not at its top at all
DATELINE_MAX_CHARS = 80  # why: a dateline with date, source and author is short; longer is prose
BYLINE_MAX_CHARS = 40  # why: a bare byline ("作者：…") is a few words
NEAR_TEXT_CHARS = 600  # why: the date/byline line sits within a few lines of the title
DATELINE_CHARS = 200  # why: a header line with date, source and share buttons; longer is prose
BYLINE_LINE_CHARS = 80  # why: a byline is a short line; in a long one "记者…" is prose
TITLE_SUFFIX_MAX = 16  # why: site and channel names ("_新浪房产_新浪网") are short; titles are not
MAX_NAME_CHARS = 20  # why: longer "author" values are sentences, not names

LIST_ITEM_MAX_CHARS = 1500  # why: a teaser or a thread preview is short; an article body is not
LIST_ITEM_DEPTH = 7  # why: a forum's thread preview sits about six wrappers below its <li>
LIST_ITEM_REPEATS = 5
HEADING_SELECTOR = "h1, h2, h3, h4, h5, [class*=title i], [id*=title i]"
HEADLINE_MIN_CHARS = 6  # why: shorter headings above a body are labels ("正文", "新闻动态")
HEADLINE_MAX_CHARS = 80
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|-{1,2}|–|—|·|::)\s*")
_NOT_FOUND = re.compile(
    r"404|not\s*found|页面不存在|页面找不到|找不到(?:该|此)?页面|页面已删除|内容不存在|已被删除|无法访问"
)
_EDITOR = re.compile(r"(?:编辑|责编|审核|校对)\s*[:：︰]?\s*([\u4e00-\u9fff·]{2,4})")
_NAME = r"(?!责任|编辑|来源|记者|日期|时间|发布)[\u4e00-\u9fffA-Za-z·•][\u4e00-\u9fffA-Za-z·• .]{0,18}?"
_BYLINE = [
    re.compile(
        r"(?:作者|撰文|撰稿|作\s*者)(?:\s*[:：︱|丨/｜]\s*|\s+)("
        + _NAME
        + r")(?=\s|$|[，,;；|｜丨︱）)]|来源|编辑|日期|时间|\d)"
    ),
    re.compile(
        r"(?:^|[\s（(【\[])文\s*[/|｜丨︱:：]\s*(" + _NAME + r")(?=\s|$|[，,;；|｜丨︱）)]|来源|编辑|\d)"
    ),
    re.compile(
        r"(?<![对向给据受诉跟和与让请])记者\s*[:：]?\s*"
        r"(?!表示|称|说|了解|获悉|发现|注意|看到|采访|从|在|问|调查|走访|致电|联系|证实|询问|提问|实地|现场|一行|们)"
        r"([\u4e00-\u9fff·]{2,4}(?:\s*[、 ]\s*[\u4e00-\u9fff·]{2,4}){0,3})(?=\s|$|[，,;；）)]|摄|通讯员)"
    ),
]
# why: "来源：本站原创" / "来源：网络" name no outlet
_NO_SOURCE = re.compile(r"(?:本站|本网|原创|本站原创|本网原创|网络|互联网|网友投稿|未知|不详)")
_SOURCE = re.compile(r"来源于?(?:\s*[:：︰]\s*|\s+)[\[【(（]?\s*([^\s\]】)）|｜丨,，;；:：]{2,24})")
_DATE_FULL = re.compile(DATE_TIME_TEXT)  # the date parse_china_datetime reads, time and weekday included
_DATE_HINT = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_URL_DATE = [
    re.compile(r"/((?:19|20)\d{2})[-/]?(\d{2})[-/]?(\d{2})(?=[/_\-.]|$)"),
    re.compile(r"/(\d{2})/(\d{2})(\d{2})/\d{2}/"),  # NetEase style /19/0907/13/
]
_ISO_FRACTION = re.compile(r"(\d{2}:\d{2}:\d{2})[.,]\d+")
# why: placeholders and labels that sit where a name should be ("作者：未知", meta author "104363",
# "发布于 2019-…" in div.author)
_NOT_A_NAME = re.compile(
    NOBODY
    + r"|发布于?|发表于?|时间|日期|来源|本站|本网|原创|[\d\W_]+|.*(?:相关|推荐|阅读|更多|评论|分享|文章|首页).*",
    re.I,
)
_SITE_WORDS = re.compile(r"网|报|新闻|频道|\.com|\.cn|\.net|\.org|日报|有限公司|编辑部|官方", re.I)

META_PUBLISHED = (
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "datePublished",
    "pubdate",
    "publishdate",
    "PubDate",
    "publish_time",
    "publication_date",
    "publish-date",
    "sailthru.date",
    "dc.date.issued",
    "DC.date.issued",
    "dc.date",
    "weibo: article:create_at",
    "og:time",
    "pubtime",
    "publishtime",
    "article:publish_time",
    "firstpublishedtime",  # gov.cn
    "publishedtime",
    "ptime",
)
# Last resort before the URL: when a page was last changed is usually the day it was published.
META_MODIFIED = (
    "dateUpdate",
    "dateModified",
    "article:modified_time",
    "og:updated_time",
    "weibo: article:update_at",
)
AUTHOR_SELECTOR = '[itemprop="author"], [rel="author"], .author, .byline, .author-name, .writer, #author'
META_AUTHOR = ("article:author", "author", "Author", "dc.creator", "byl")
META_DIGEST = ("description", "og:description", "Description", "twitter:description")


@dataclass
class _Block:
    """Text statistics of one block element, gathered from its own (not nested blocks') text."""

    node: LexborNode
    chars: int = 0
    link_chars: int = 0
    punct: int = 0


@dataclass
class _Candidate:
    node: LexborNode
    score: float = 0.0
    text_chars: int = 0  # prose characters charged to it (own paragraphs), for the semantic check
    final: float = 0.0
    stats: tuple[int, int, int] = (0, 0, 0)


@dataclass
class _Meta:
    title: str = ""
    title_node: LexborNode | None = None
    script_date: datetime | None = None
    dateline_source: str = ""  # a media named after the date, unlabelled: used when nothing better is
    title_from_meta: bool = False  # og:title / JSON-LD headline: the page's own statement
    published: datetime | None = None
    author: str | None = None
    source: str | None = None
    digest: str = ""
    cover: str | None = None
    canonical: str | None = None
    ld: dict[str, object] = field(default_factory=dict)
    modified: datetime | None = None
    site_name: str | None = None
    date_from_url: bool = False  # the only date found was the one in the URL
    hidden_times: list[datetime] = field(default_factory=list)  # dates with a time from hidden fields


def extract(html: str, url: str) -> Article:
    """Extract the article of any page; pages without one give a ``not_article`` outcome."""
    tree = parse(html, url)
    info = _metadata(tree, html, url)
    tree.strip_tags(STRIP_TAGS)
    root = tree.body
    if root is None:
        return not_article(url, SITE, "not_article", f"The page {url} has no body.", title=info.title)
    marks = Marks()
    best = find_body(root, marks)
    if best is not None and _in_a_list(best):
        return _refuse(url, info, "is a list of posts or links")  # a thread list's items look like comments
    comments = remove_comment_lists(root, marks)
    if comments:  # search again without them: a long thread outweighs its post
        best = find_body(root)
    if best is None:
        return _refuse(url, info, "has no article text")
    if _in_a_list(best):
        return _refuse(url, info, "is a list of posts or links")
    if info.title_node is None and not info.title_from_meta:
        # the <title> matched no heading: it may name the site or channel ("新闻动态--某学会官网")
        heading = _heading_before(best)
        if heading and not (info.title and _bare(info.title) in _bare(heading)):
            info.title = heading  # why the test: "原创 <title>" is the <title> with a label before it
    # read the lines around the title before pruning, which may remove them (and the title node)
    _near_metadata(info, best, url)
    body, removed = _assemble(best, info)
    chars, links, punct = _stats(body)
    if not _is_article_text(chars - links, punct) and not _short_article(
        root, body, info, chars - links, punct
    ):
        return _refuse(url, info, "has no article text (too little prose)")
    article = build_article(
        url=url,
        site=SITE,
        body=body,
        title=info.title,
        author=info.author,
        account=info.source or info.site_name,  # the outlet: the quoted source, else the site itself
        published=info.published,
        digest=info.digest,
        cover=info.cover,
        canonical_url=info.canonical,
        source=info.source,
        removed=(*comments, *removed),
    )
    if article.source is None and info.dateline_source:
        # below a 来源 label and a credit line in the body: both were tried first
        source = info.dateline_source
        tags = (SITE, source, *(t for t in article.tags if t not in (SITE, article.account, source)))
        article = dataclasses.replace(article, source=source, account=source, tags=tags)
    return _trim_labels(article)


def _trim_labels(article: Article) -> Article:
    """Drop the labels a removed widget leaves at the body's edges: a heading or a short label with
    nothing after it ("### 相关事件", "订阅", "[查看话题](…)"), a short label before the first
    paragraph ("图集"). Each is recorded as ``web:edge-label``."""
    blocks = article.body_markdown.rstrip("\n").split("\n\n")
    cut: list[Removal] = []
    while len(blocks) > 1 and _edge_label(blocks[-1], tail=True):
        cut.append(Removal("web:edge-label", plain_text(blocks.pop())))
    while len(blocks) > 1 and _edge_label(blocks[0], tail=False):
        cut.append(Removal("web:edge-label", plain_text(blocks.pop(0))))
    if not cut:
        return article
    return dataclasses.replace(
        article, body_markdown="\n\n".join(blocks) + "\n", removed=(*article.removed, *cut)
    )


def _edge_label(block: str, *, tail: bool) -> bool:
    if block.startswith(("!", "[!")) or "\n" in block:
        return False  # a picture, or a block of several lines (a list, a table, code)
    text = plain_text(block)
    if not tail:
        return text in EDGE_HEAD_LABELS  # why a list: a short first line is often the article's own
    if block.startswith("#"):
        # a section title with no section; "(综合整理自…)" made a heading is a note, not a title
        return len(text) <= EDGE_HEADING_MAX_CHARS and not text.startswith(("(", "（"))
    if len(text) > EDGE_LABEL_TAIL_CHARS or _SENTENCE_MARK.search(text) or text.startswith(("(", "（")):
        return False
    if _LONE_LINK.fullmatch(block):
        return True  # "[查看话题](…)": a button
    from scraper.sites._newsbase import _SURNAMES  # why here: _newsbase imports this module

    return not (text[:1] in _SURNAMES and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", text))  # a signature stays


EDGE_HEADING_MAX_CHARS = 20
EDGE_LABEL_TAIL_CHARS = 6  # why: "订阅", "媒体报道", "查看话题" are widget labels; longer lines are text
EDGE_HEAD_LABELS = frozenset(
    ("图集", "组图", "正文", "视频", "播放", "字号")
)  # a widget's label above the lede
_LONE_LINK = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)")
_SENTENCE_MARK = re.compile(r"[。！？!?；;，,：:…\d]")


def _in_a_list(best: LexborNode) -> bool:
    """Whether the densest block is one item of a list (a forum's thread list, a feed of teasers):
    it or a near ancestor repeats, same tag and class, five times or more beside itself. A long
    block is an article whatever its wrappers."""
    if len(node_text(best)) > LIST_ITEM_MAX_CHARS:
        return False
    node: LexborNode | None = best
    for _ in range(LIST_ITEM_DEPTH):
        if node is None or node.parent is None or node.tag in ("body", "html"):
            return False
        cls = node.attributes.get("class") or ""
        if node.tag == "li" or (cls.strip() and node.tag in ("div", "article", "section", "dd", "dl")):
            same = 0
            for sibling in node.parent.iter():
                if sibling.tag == node.tag and (sibling.attributes.get("class") or "") == cls:
                    same += 1
                    if same >= LIST_ITEM_REPEATS:
                        return True
        node = node.parent
    return False


def _refuse(url: str, info: _Meta, why: str) -> Article:
    reason = "looks like an error page" if _NOT_FOUND.search(info.title) else why
    return not_article(
        url, SITE, "not_article", f"The page {url} {reason}; it is not an article.", title=info.title
    )


def _short_article(root: LexborNode, body: LexborNode, info: _Meta, prose: int, punct: int) -> bool:
    """A short text that is clearly an article all the same: the page has a headline (a heading that
    is its title) and states a date (not only in its URL), and the body dominates the page, no other
    block of it holding half as much prose (a notice of a hundred characters under its headline and
    dateline; a list or an index page has many blocks of like size)."""
    if prose < SHORT_ARTICLE_CHARS or punct < SHORT_ARTICLE_MIN_PUNCT:
        return False
    if info.title_node is None or info.published is None or info.date_from_url:
        return False
    inside = {node.mem_id for node in body.traverse()}
    outside = max(
        (b.chars - b.link_chars for key, b in _text_blocks(root).items() if key not in inside), default=0
    )
    return prose >= DOMINANT_BODY_RATIO * outside


SHORT_ARTICLE_CHARS = 60  # why: two sentences; a "not found" or "deleted" message is shorter
SHORT_ARTICLE_MIN_PUNCT = 1  # why: at least one clause mark: a line of names or tags is no article
DOMINANT_BODY_RATIO = 2.0  # why: the article is the page's one big block; a list's items are alike


def _is_article_text(chars: int, punct: int) -> bool:
    if chars >= MIN_ARTICLE_CHARS * 3:
        return punct >= MIN_ARTICLE_PUNCT
    return (
        chars >= MIN_ARTICLE_CHARS
        and punct >= SHORT_ARTICLE_PUNCT
        or chars >= 2 * MIN_ARTICLE_CHARS
        and punct >= MIN_ARTICLE_PUNCT
    )


# --------------------------------------------------------------------------------------------
# body detection


def _text_blocks(root: LexborNode, marks: Marks | None = None) -> dict[int, _Block]:
    """Every non-blank text node of ``root`` charged to its nearest block element (by ``mem_id``);
    ``marks`` also sees the short ones (comment buttons and headings)."""
    blocks: dict[int, _Block] = {}
    seen = 0
    for node in root.traverse(include_text=True):
        if node.tag != "-text":
            continue
        seen += 1
        if seen > MAX_TEXT_NODES:
            break
        text = node.text_content
        if not text or text.isspace():
            continue
        parent = node.parent
        in_link = False
        hops = 0
        # why 12: inline nesting deeper than that is markup soup; charge the text where we are
        while parent is not None and parent.tag in INLINE and hops < 12:
            if parent.tag == "a":
                in_link = True
            parent = parent.parent
            hops += 1
        if parent is None:
            continue
        key = parent.mem_id
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = _Block(parent)
        stripped = text.strip()
        n = len(stripped)
        if marks is not None and n <= HEADING_MAX_CHARS and node.parent is not None:
            marks.see(stripped, node.parent, parent)
        block.chars += n
        if in_link:
            block.link_chars += n
        else:
            block.punct += _count_punct(text)
    return blocks


def find_body(root: LexborNode, marks: Marks | None = None) -> LexborNode | None:
    """The container with the best text-density score, or None when the page has no prose.

    Also the news portals' fallback for a layout their selectors do not know
    (``_newsbase.densest_block``); both callers strip ``STRIP_TAGS`` from the tree first.
    """
    blocks = _text_blocks(root, marks)
    candidates: dict[int, _Candidate] = {}
    chains: dict[int, LexborNode] = {}

    def credit(node: LexborNode | None, score: float, chars: int) -> None:
        if node is None or node.tag in ("html", "#document"):
            return
        cand = candidates.get(node.mem_id)
        if cand is None:
            cand = candidates[node.mem_id] = _Candidate(node)
        cand.score += score
        cand.text_chars += chars

    for block in blocks.values():
        prose = block.chars - block.link_chars
        if prose < MIN_PARAGRAPH_CHARS:
            continue
        score = 1.0 + block.punct + min(prose / PARAGRAPH_LENGTH_UNIT, PARAGRAPH_LENGTH_CAP)
        node = block.node
        holder = node.parent if node.tag in PARAGRAPH else node
        if holder is None:
            continue
        holder = _chain_top(holder, chains)
        credit(holder, score, prose)
        credit(holder.parent, score / 2, 0)

    if not candidates:
        return None
    top = sorted(candidates.values(), key=lambda c: c.score, reverse=True)[:TOP_CANDIDATES]
    for cand in top:
        chars, links, punct = _stats(cand.node)
        cand.stats = (chars, links, punct)
        density = links / chars if chars else 1.0
        cand.final = cand.score * (1.0 - density) * _class_weight(cand.node) * _ancestry_weight(cand.node)
    best = max(top, key=lambda c: c.final)
    if best.final <= 0:
        return None
    return _prefer_semantic(root, best)


def _prefer_semantic(root: LexborNode, best: _Candidate) -> LexborNode:
    """A semantic article container that holds most of the winner's text is the better body."""
    chars, links, _ = best.stats
    prose = chars - links
    for selector in SEMANTIC:
        nodes = root.css(selector)
        if not nodes:
            continue
        scored = [(n, _stats(n)) for n in nodes[:TOP_CANDIDATES]]
        node, (s_chars, s_links, _) = max(scored, key=lambda item: item[1][0] - item[1][1])
        s_prose = s_chars - s_links
        if (
            s_chars
            and s_links / s_chars < LINK_LIST_DENSITY
            and prose * SEMANTIC_SHARE <= s_prose <= prose * SEMANTIC_GROWTH
        ):
            if _contains(node, best.node) or _contains(best.node, node):
                return node
    return best.node


def _chain_top(node: LexborNode, cache: dict[int, LexborNode]) -> LexborNode:
    """The outermost of a chain of wrappers around ``node`` (each the only child of the next).

    Editors (WeChat's, 135editor…) wrap every section in several ``<section>``s; scored as is, the
    paragraphs' credit stops inside one section and the article is split into rivals.
    """
    key = node.mem_id
    top = cache.get(key)
    if top is not None:
        return top
    top = node
    for _ in range(CHAIN_STEPS):
        parent = top.parent
        if parent is None or parent.tag in ("body", "html", "#document") or not _only_child(parent):
            break
        top = parent
    cache[key] = top
    return top


def _only_child(parent: LexborNode) -> bool:
    """Whether ``parent`` holds exactly one element and no text of its own."""
    elements = 0
    for child in parent.iter(include_text=True):
        if child.is_text_node:
            if (child.text_content or "").strip():
                return False
        elif child.is_element_node:
            elements += 1
            if elements > 1:
                return False
    return elements == 1


def _ancestry_weight(node: LexborNode) -> float:
    """Text inside a link is a teaser (whole cards wrapped in ``<a>``); inside a list item, a list."""
    weight = 1.0
    parent = node.parent
    steps = 0
    while parent is not None and steps < ANCESTRY_STEPS:
        tag = parent.tag
        if tag == "a":
            return 0.0
        if tag == "li":
            weight = LIST_ITEM_WEIGHT
        parent = parent.parent
        steps += 1
    return weight


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    """Whether ``inner`` is ``outer`` or inside it (walks up from ``inner``; bounded by depth)."""
    target = outer.mem_id
    node: LexborNode | None = inner
    steps = 0
    while node is not None and steps < 400:  # why: real pages nest < 100 deep; stop on soup
        if node.mem_id == target:
            return True
        node = node.parent
        steps += 1
    return False


def _words(node: LexborNode) -> set[str]:
    attrs = node.attributes
    value = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    if not value.strip():
        return set()
    return {w.lower() for w in _WORD_SPLIT.split(value) if w}


def _class_weight(node: LexborNode) -> float:
    """Chrome words in class/id lower a candidate; content words (or an article tag) raise it."""
    words = _words(node)
    weight = 1.0
    if words & CHROME_WORDS:
        weight -= 0.5  # why: a "comment"/"related" box is wrong even when wordy; halve it
    if words & CONTENT_WORDS or node.tag in ("article", "main"):
        weight += 0.25  # why: readability's bonus for article-named containers
    return max(weight, 0.1)


def _stats(node: LexborNode) -> tuple[int, int, int]:
    """(characters, characters inside links, sentence punctuation outside links) of a subtree."""
    text = node.text(deep=True)
    chars = len(text) - _count_space(text)
    links = 0
    link_punct = 0
    for a in node.css("a"):
        t = a.text(deep=True)
        links += len(t) - _count_space(t)
        link_punct += _count_punct(t)
    return chars, min(links, chars), _count_punct(text) - link_punct


def _count_space(text: str) -> int:
    return sum(map(text.count, SPACE_CHARS))


def _count_punct(text: str) -> int:
    return sum(map(text.count, PUNCT_CHARS))


# --------------------------------------------------------------------------------------------
# assembling and pruning the body


def _assemble(best: LexborNode, info: _Meta) -> tuple[LexborNode, list[Removal]]:
    """Merge prose siblings of ``best`` under their parent, then prune chrome inside the body."""
    body = _merge_siblings(best)
    removed: list[Removal] = []
    _prune(body, removed, info)
    return body, removed


def _merge_siblings(best: LexborNode) -> LexborNode:
    parent = best.parent
    if parent is None or parent.tag in ("html", "body") or best.tag in ("article", "main"):
        return best
    chars, links, punct = _stats(best)
    best_score = _prose_score(chars - links, punct)
    threshold = max(SIBLING_MIN_SCORE, best_score * SIBLING_SHARE)
    keep: list[LexborNode] = []
    drop: list[LexborNode] = []
    merged = False
    for child in parent.iter(include_text=False):
        if child.mem_id == best.mem_id:
            keep.append(child)
            continue
        c_chars, c_links, c_punct = _stats(child)
        prose = c_chars - c_links
        density = c_links / c_chars if c_chars else 0.0
        weight = _class_weight(child)
        good = (
            prose > 0
            and weight >= 1.0
            and (
                _prose_score(prose, c_punct) * (1 - density) >= threshold
                or (prose >= SIBLING_PROSE_CHARS and density < 0.25 and c_punct >= 2)
            )
        )
        if good:
            keep.append(child)
            merged = True
        elif child.tag in ("img", "figure", "picture") or (
            prose == 0 and child.css_first("img") and weight >= 1.0
        ):
            keep.append(child)  # pictures between merged paragraphs; dropped again if nothing merged
        else:
            drop.append(child)
    if not merged:
        return best
    # keep pictures only between the first and last kept text siblings
    for node in drop:
        node.decompose()
    return parent


def _prose_score(prose: int, punct: int) -> float:
    return punct + min(prose / PARAGRAPH_LENGTH_UNIT, PARAGRAPH_LENGTH_CAP * 10)


def _prune(body: LexborNode, removed: list[Removal], info: _Meta) -> None:
    """Drop chrome inside ``body``: named chrome, link lists, the title and the top date line.

    Nodes are visited in reverse document order, so a node is examined after everything inside it
    and only nodes not yet visited (ancestors, earlier nodes) remain: decomposing is always safe.
    """
    total, total_links, _ = _stats(body)
    total_prose = max(total - total_links, 1)
    body_id = body.mem_id
    nodes = body.css(PRUNABLE)
    drop_ids = {n.mem_id for n in body.css(DROP)} if DROP else set()
    for node in reversed(nodes):
        if node.mem_id == body_id:
            continue
        if node.tag == "p" and node.css_first("a") is None and not _words(node):
            continue  # why: a plain paragraph without links or classes is prose; skip the counting
        chars, links, punct = _stats(node)
        prose = chars - links
        if prose >= total_prose * PRUNE_KEEP_SHARE:
            continue
        rule = ""
        if node.mem_id in drop_ids:
            rule = "web:drop"
        elif _words(node) & CHROME_WORDS and not (node.tag == "p" and punct >= 2):
            rule = "web:chrome-class"
        elif node.tag == "p":
            if (
                chars
                and links / chars > LINK_PARAGRAPH_DENSITY
                and punct == 0
                and chars < LINK_PARAGRAPH_CHARS
            ):
                rule = "web:link-paragraph"
        elif chars and links / chars > LINK_LIST_DENSITY and punct < LINK_LIST_MIN_PUNCT:
            rule = "web:link-list"
        if rule:
            text = node_text(node)
            if text:
                removed.append(Removal(rule, text[:200]))
            node.decompose()
    for node in body.css(DROP):  # drop selectors on tags that PRUNABLE does not list
        if node.mem_id != body_id:
            node.decompose()
    _drop_head_lines(body, removed, info)


def _has_inner_block(node: LexborNode) -> bool:
    """Whether a block element sits inside ``node`` (lexbor's ``css`` also matches the node itself)."""
    own = node.mem_id
    return any(inner.mem_id != own for inner in node.css(INNER_BLOCKS))


def _drop_head_lines(body: LexborNode, removed: list[Removal], info: _Meta) -> None:
    """Remove the title heading and short date/byline/source lines at the top of the body.

    The lines are chosen first and removed afterwards, outermost only: a removed node's
    descendants (a ``<span>`` in a dateline ``<p>``) must never be touched once it is freed.
    """
    title = squash(info.title)
    chosen: list[tuple[LexborNode, str, str]] = []
    seen = 0
    for node in body.css("h1, p, div, span, h2, h3, h4, h5, h6, td, li"):
        text = node_text(node)
        if not text or any(_contains(done, node) for done, _, _ in chosen):
            continue
        tag = node.tag or ""
        if tag == "h1":
            if text == title:
                chosen.append((node, "web:title", text))
            continue
        seen += 1
        if seen > HEAD_LINES:
            break
        if len(text) > DATELINE_MAX_CHARS:
            if not _has_inner_block(node):
                break
            continue
        if title and text == title and tag.startswith("h"):
            chosen.append((node, "web:title", text))
            continue
        if _has_inner_block(node):
            continue
        if (
            _DATE_HINT.search(text)
            or _SOURCE.search(text)
            or (_byline(text) and len(text) < BYLINE_MAX_CHARS)
        ):
            if any(mark in text for mark in "。，；！？"):
                continue  # why: a sentence that mentions a date or a source is prose, not a dateline
            chosen.append((node, "web:dateline", text))
    for node, rule, text in chosen:
        removed.append(Removal(rule, text))
        node.decompose()


# --------------------------------------------------------------------------------------------
# metadata


def _metadata(tree: LexborHTMLParser, html: str, url: str) -> _Meta:
    info = _Meta()
    info.ld = _json_ld(tree)
    metas = meta_map(tree)

    def meta(*names: str) -> str:
        return next((metas[n.lower()] for n in names if metas.get(n.lower())), "")

    og_title = meta("og:title", "twitter:title")
    info.title, info.title_node = _title(tree, info.ld, og_title)
    info.title_from_meta = bool(og_title or info.ld.get("headline"))
    info.site_name = meta("og:site_name", "application-name") or _title_site(
        node_text(tree.css_first("title"))
    )
    info.digest = meta(*META_DIGEST)
    info.cover = meta("og:image", "twitter:image", "image") or None
    canonical = tree.css_first('link[rel="canonical"]')
    href = (canonical.attributes.get("href") or "").strip() if canonical is not None else ""
    info.canonical = href if href.startswith("http") else None
    info.published = _first_date(
        [meta(name) for name in META_PUBLISHED]
        + [str(info.ld.get(k) or "") for k in ("datePublished", "dateCreated")]
        + _time_attrs(tree)
    )
    author = _ld_author(info.ld)
    if not author:
        author = _clean_name(meta(*META_AUTHOR))
        if author and _SITE_WORDS.search(author):
            author = ""  # why: many Chinese sites put their own name in <meta name=author>
    if not author:
        for node in tree.css(AUTHOR_SELECTOR)[:3]:
            author = _clean_name(node_text(node))
            if author and not _SITE_WORDS.search(author):
                break
            author = ""
    info.author = author or None
    info.modified = _first_date([meta(name) for name in META_MODIFIED])
    if info.published is None:
        info.script_date = _script_date(tree)  # read now: scripts are stripped before the body search
    info.hidden_times = _hidden_times(tree)
    return info


def _json_ld(tree: LexborHTMLParser) -> dict[str, object]:
    """The first JSON-LD object that looks like an article (has a headline or datePublished)."""
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True) or "null")
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(x for x in item["@graph"] if isinstance(x, dict))
                continue
            if isinstance(item, dict) and ("headline" in item or "datePublished" in item):
                return item
    return {}


def _ld_author(ld: dict[str, object]) -> str:
    author = ld.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return _clean_name(author if isinstance(author, str) else "")


def _clean_name(value: str) -> str:
    value = squash(value)
    value = re.sub(r"^(?:作者|撰文|文|记者|By|by)\s*[:：/|｜丨︱]?\s*", "", value)
    value = _DATE_HINT.split(value)[0].strip(" ,，|｜丨︱/:：")
    value = _ROLE_TAIL.sub("", value)
    if re.search(r"[\u4e00-\u9fff]", value):
        # "叨叨姐、胡一刀&李小飞刀" -> "叨叨姐 胡一刀 李小飞刀"; "王文 中国人民大学…执行院长" -> "王文"
        parts = [p for p in _NAME_SEPARATORS.split(value) if p]
        value = " ".join(p for p in parts if not _AFFILIATION.search(p))
    if _NOT_A_NAME.fullmatch(value):
        return ""
    return value if 0 < len(value) <= MAX_NAME_CHARS else ""


_ROLE_TAIL = re.compile(r"\s*(?:整合|整理|编译|综合|报道|供稿|摄影?|/摄|撰文|文/图)$")
_NAME_SEPARATORS = re.compile(r"[\s、,，&＆/;；]+")
_AFFILIATION = re.compile(
    r"大学|学院|研究院|研究所|研究中心|公司|集团|院长|主任|教授|研究员|专家|总监|经理|主编|记者|编辑"
)


def _time_attrs(tree: LexborHTMLParser) -> list[str]:
    out = []
    for node in tree.css('time[datetime], [itemprop="datePublished"]')[:4]:
        attrs = node.attributes
        out.append(attrs.get("datetime") or attrs.get("content") or node_text(node))
    return out


def _editors(root: LexborNode) -> set[str]:
    """Names given as 责任编辑/编辑/审核 anywhere in the page: never the article's author.

    Only computed when there is an author to check (it reads the whole page's text).
    """
    return set(_EDITOR.findall(root.text(deep=True)))


def _title(tree: LexborHTMLParser, ld: dict[str, object], og_title: str) -> tuple[str, LexborNode | None]:
    """og:title / a heading that starts the <title> / the <title> minus its site-name suffix."""
    head_title = node_text(tree.css_first("title"))
    stripped = _strip_title_suffix(head_title)
    og = _strip_title_suffix(og_title or str(ld.get("headline") or ""))
    best: tuple[str, LexborNode | None] = ("", None)
    for node in tree.css(HEADING_SELECTOR)[:60]:
        text = node_text(node)
        if len(text) < 4 or len(text) <= len(best[0]):
            continue
        if _part_of(text, head_title) or _part_of(text, og) or _bare(text) == _bare(stripped):
            best = (text, node)
    if best[0] and (len(best[0]) >= len(stripped) * 0.6 or not stripped):
        return best
    if og:
        return og, _find_heading(tree, og)
    if stripped:
        return stripped, _find_heading(tree, stripped)
    h1 = tree.css_first("h1")
    return node_text(h1), h1


def _bare(text: str) -> str:
    return _WS_ANY.sub("", text)


_WS_ANY = re.compile(r"[\s\u00a0\u3000]+")


def _part_of(text: str, title: str) -> bool:
    """Whether ``text`` is the whole of ``title`` or one end of it cut at a separator: the headline
    of "头条_频道_站点" or of "栏目--头条" (a channel name before the headline)."""
    if not title:
        return False
    text, title = _bare(text), _bare(title)
    if title.startswith(text):
        return True
    if title.endswith(text):
        head = title[: len(title) - len(text)]
        return bool(_TITLE_SEPARATORS.search(head[-2:])) and len(head) < len(text)
    return False


def _heading_before(body: LexborNode) -> str:
    """The text of the headline-like element closest above the body (h1-h5 or a *title* class),
    for pages whose <title> is the site's or the channel's name, not the article's."""
    current: LexborNode | None = body
    for _ in range(4):  # why: the headline is at most a few wrapper levels away from the body
        if current is None:
            break
        sibling = current.prev
        looked = 0
        while sibling is not None and looked < 8:
            if sibling.tag not in ("-text", "_comment"):
                looked += 1
                nodes = [n for n in sibling.css(HEADING_SELECTOR) if n.mem_id != sibling.mem_id]
                if sibling.css_matches(HEADING_SELECTOR):
                    nodes.insert(0, sibling)
                for node in reversed(nodes):  # nearest the body first
                    text = node_text(node)
                    if HEADLINE_MIN_CHARS <= len(text) <= HEADLINE_MAX_CHARS and node.css_first("a") is None:
                        return text
            sibling = sibling.prev
        current = current.parent
    return ""


def _find_heading(tree: LexborHTMLParser, title: str) -> LexborNode | None:
    for node in tree.css("h1, h2, h3")[:20]:
        if node_text(node) == title:
            return node
    return None


def _strip_title_suffix(title: str) -> str:
    """Remove trailing "_频道_站点" / " - 站点" parts, keeping any separator inside the real title."""
    title = squash(title)
    while True:
        parts = list(_TITLE_SEPARATORS.finditer(title))
        if not parts:
            return title
        last = parts[-1]
        head, tail = title[: last.start()], title[last.end() :]
        # why: strip only a short tail after a real head; "棱镜|数据业…" keeps its short prefix
        if not tail or len(tail) > TITLE_SUFFIX_MAX or len(head) < 4 or len(head) < len(tail):
            return title
        title = head.strip()


def _title_site(title: str) -> str | None:
    """The site's name: the last part that :func:`_strip_title_suffix` removes ("…_智能_好奇心日报")."""
    title = squash(title)
    head = _strip_title_suffix(title)
    if head == title:
        return None
    parts = [p for p in _TITLE_SEPARATORS.split(title[len(head) :]) if p.strip()]
    return parts[-1].strip() if parts else None


def _first_date(values: list[str]) -> datetime | None:
    """The first parseable date; a date-only value is refined by a later one of the same day."""
    found: datetime | None = None
    for value in values:
        value = (value or "").strip()
        if not value:
            continue
        when = _parse_date(value)
        if when is None:
            continue
        has_time = bool(re.search(r"\d[:：时]\d", value)) or value.isdigit()
        if found is None:
            found = when
            if has_time:
                return found
        elif has_time and when.date() == found.date():
            return when
    return found


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if value.isdigit() and len(value) in (10, 13):
        ts = int(value) / (1000 if len(value) == 13 else 1)
        return china_time(ts) if 0 < ts < 4_102_444_800 else None  # why: before 2100
    when = parse_china_datetime(_ISO_FRACTION.sub(r"\1", value))
    if when is None or not 1990 <= when.year <= 2100:  # why: the web; older "dates" are noise
        return None
    return when.astimezone(CHINA_TZ)


def _near_metadata(info: _Meta, body: LexborNode, url: str) -> None:
    """Fill date, byline and source from the visible lines around the title and above the body."""
    windows: list[list[str]] = []
    if info.title_node is not None:
        windows.append(_lines_after(info.title_node))
    windows.append(_lines_before(body))
    windows.append(_first_lines(body))
    bylines: list[str] = []
    explicit: set[str] = set()  # names given after 作者/撰文: the writer even when also the editor
    for lines in windows:
        text = " ".join(lines)
        if not text:
            continue
        if info.published is None or (info.published.hour == 0 and info.published.minute == 0):
            when = _dateline_date(lines)
            if when is not None and (info.published is None or when.date() == info.published.date()):
                info.published = when
        for line in lines:
            if len(line) <= BYLINE_LINE_CHARS:
                name = _byline(line)
                if name:
                    bylines.append(name)
                    if _BYLINE[0].search(line):
                        explicit.add(name)
        if info.source is None:
            m = _SOURCE.search(text)
            if m and not _NO_SOURCE.fullmatch(m.group(1).strip()):
                info.source = m.group(1).strip()
    if info.source is None:
        info.dateline_source = next((src for lines in windows if (src := _dateline_source(lines))), "")
    if info.published is None:
        info.published = _labelled_date(body) or info.script_date or info.modified
    if info.published is None:
        info.published = _url_date(url)
        info.date_from_url = info.published is not None
    if info.published is not None:
        info.published = _with_hidden_time(info.published, info.hidden_times)
    if not bylines and info.author is None:
        from scraper.sites._newsbase import edge_text_blocks, inline_byline  # why here: it imports us

        bylines = [inline_byline(edge_text_blocks(body))]  # "…。（张三）" closing the text
    candidates = [name for name in (info.author, *bylines) if name]
    if candidates:
        root = body
        while root.parent is not None and root.parent.tag != "#document":
            root = root.parent
        editors = _editors(root)
        # why the second test: "作者：宪瑞 编辑：宪瑞" names one person in both roles
        info.author = next((name for name in candidates if name not in editors or name in explicit), None)


def _labelled_date(body: LexborNode) -> datetime | None:
    """A "发布时间：2018-05-17" line anywhere on the page (many CMS print it below the body)."""
    root = body
    while root.parent is not None and root.parent.tag != "#document":
        root = root.parent
    for node in root.css("span, em, p, div, td, font, li, time"):
        raw = node.text(deep=False)
        if not raw or "日" not in raw and "时" not in raw and "期" not in raw and "间" not in raw:
            continue  # why: deep=False reads the element's own text only, so this scan stays linear
        m = _LABELLED_DATE.search(squash(raw))
        if m:
            return _parse_date(m.group(1))
    return None


_LABELLED_DATE = re.compile(
    r"(?:发布|发表|更新|刊发|上传)?(?:时间|日期)\s*[:：]\s*(" + _DATE_FULL.pattern + ")"
)


def _script_date(tree: LexborHTMLParser) -> datetime | None:
    """A publication date in the page's script data (``"publishDate":"2019-09-07T00:31:40Z"``),
    for pages rendered from JSON: the first such key in page order with a date for a value."""
    for node in tree.css("script"):
        text = node.text(deep=True)
        found = [m for pattern in _SCRIPT_DATES if (m := pattern.search(text))]
        for m in sorted(found, key=lambda m: m.start()):
            when = _parse_date(m.group(1))
            if when is not None:
                return when
    return None


# why two patterns, each starting with a literal: re scans for a literal prefix in C; an alternation
# of eight keys tried at every position took 50 ms on a 1 MB WeChat script
_SCRIPT_DATES = tuple(
    re.compile(key + r"[\"']?\s*[:=]\s*[\"']([^\"']{8,40})[\"']")
    for key in (r"pub(?:lish(?:Date|Time|_time|edAt)|Date|Time|_time)", "datePublished")
)


def _hidden_times(tree: LexborHTMLParser) -> list[datetime]:
    """Dates with a time of day kept in hidden form fields named for them, in page order: one field
    holding both, or a date field followed by a time field (chinanews prints the day and the minute,
    and keeps ``<input type="hidden" id="newsdate" value="2020-03-02">`` + ``id="newstime"
    value="12:10:24">``). Only ever used to give a time to a date the page states elsewhere."""
    out: list[datetime] = []
    day = ""
    for node in tree.css("input[type=hidden][value]")[:HIDDEN_FIELDS]:
        attrs = node.attributes
        name = f"{attrs.get('id') or ''} {attrs.get('name') or ''}".lower()
        value = squash(attrs.get("value") or "")
        if "date" not in name and "time" not in name or not value:
            continue
        if _TIME_OF_DAY.fullmatch(value) and day:
            value = f"{day} {value}"
        elif _DATE_FULL.fullmatch(value) and not _TIME_OF_DAY.search(value):
            day = value
            continue
        when = _parse_date(value) if _TIME_OF_DAY.search(value) else None
        if when is not None:
            out.append(when)
    return out


HIDDEN_FIELDS = 200  # why: a page's hidden fields are a handful; a form with thousands is data, not metadata
_TIME_OF_DAY = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?")


def _with_hidden_time(when: datetime, hidden: list[datetime]) -> datetime:
    """``when`` with the time of a hidden field of the same day, when the page printed no time (00:00)
    or the same minute without its seconds."""
    for exact in hidden:
        if exact.date() != when.date():
            continue
        if (when.hour, when.minute, when.second) == (0, 0, 0) or (
            when.second == 0 and exact.replace(second=0) == when
        ):
            return exact
    return when


def _join_split_times(lines: list[str]) -> list[str]:
    """A date and its time of day printed in elements of their own ("2020年03月02日" then "12:10:24")
    as one line."""
    out: list[str] = []
    for line in lines:
        if out and _TIME_OF_DAY.fullmatch(line):
            last = list(_DATE_FULL.finditer(out[-1]))
            if last and last[-1].end() == len(out[-1]) and not _TIME_OF_DAY.search(last[-1].group(0)):
                out[-1] = f"{out[-1]} {line}"
                continue
        out.append(line)
    return out


def _dateline_date(lines: list[str]) -> datetime | None:
    """The date of the first dateline-like line (short, not a sentence), to the second if a line
    right after it repeats the same minute with seconds (pages often hide a precise copy)."""
    found: datetime | None = None
    looked = 0
    for line in _join_split_times(lines):
        if found is not None:
            looked += 1
            if looked > 2:  # why: the precise copy sits next to the visible dateline
                break
        if len(line) > DATELINE_CHARS:
            continue
        for m in _DATE_FULL.finditer(line):
            if any(mark in line[m.end() : m.end() + 16] for mark in "，。；！？"):
                continue  # why: a date followed by a sentence is a date the article mentions
            when = _parse_date(m.group(0))
            if when is None:
                continue
            if found is None:
                found = when
            elif when.replace(second=0) == found and when.second:
                return when
    return found


def _dateline_source(lines: list[str]) -> str:
    """The media named right after the date of a dateline without a 来源 label
    ("2019-09-26 10:56:28 证券时报网"): only a name that ends like a media's does."""
    for line in lines:
        if len(line) > DATELINE_CHARS:
            continue
        m = _DATE_FULL.search(line)
        if m:
            words = line[m.end() :].split()
            return words[0] if words and _MEDIA_NAME.fullmatch(words[0]) else ""
    return ""


# why the endings: what follows a date may be a weekday, a counter or a button; a media name says so
_MEDIA_NAME = re.compile(
    r"[\u4e00-\u9fffA-Za-z·]{1,12}(?:网|报|社|台|刊|新闻|日报|晚报|早报|周刊|杂志|客户端|传媒|在线|财经|资讯)"
)


def _byline(text: str) -> str:
    for pattern in _BYLINE:
        m = pattern.search(text)
        if m:
            name = _clean_name(m.group(1))
            if name and not _SITE_WORDS.search(name):
                return name
    return ""


def _segment(node: LexborNode) -> str:
    return node_text(node) if node.tag != "-text" else squash(node.text_content)


def _lines_after(node: LexborNode) -> list[str]:
    """Texts of the nodes that follow ``node`` (its siblings, then its ancestors' siblings)."""
    return _lines_beside(node, forward=True)


def _lines_before(node: LexborNode) -> list[str]:
    """Texts of the nodes just before ``node``, nearest last (its previous siblings, then up)."""
    return _lines_beside(node, forward=False)


def _lines_beside(node: LexborNode, *, forward: bool) -> list[str]:
    """Up to NEAR_TEXT_CHARS of the texts next to ``node`` on one side, in page order: its
    siblings, then its ancestors' siblings."""
    lines: list[str] = []
    size = 0
    current: LexborNode | None = node
    for _ in range(4):  # why: the dateline is at most a few wrapper levels away from the title
        if current is None:
            break
        sib = current.next if forward else current.prev
        count = 0
        while sib is not None and size < NEAR_TEXT_CHARS and count < 8:  # why: a few lines only
            text = _segment(sib)
            if text:
                room = NEAR_TEXT_CHARS - size
                if forward:
                    lines.append(text[:room])
                else:
                    lines.insert(0, text[-room:])
                size += len(lines[-1] if forward else lines[0])
            sib = sib.next if forward else sib.prev
            count += 1
        if size >= NEAR_TEXT_CHARS:
            break
        current = current.parent
    return lines


def _first_lines(body: LexborNode) -> list[str]:
    """The first few leaf blocks of the body: where a dateline sits when it is inside the body."""
    lines: list[str] = []
    size = 0
    for node in body.css("p, h2, h3, h4, h5, h6, div, td, li")[:40]:
        if _has_inner_block(node):
            continue
        text = node_text(node)
        if text:
            lines.append(text)
            size += len(text)
        if len(lines) >= 6 or size > NEAR_TEXT_CHARS // 2:  # why: the top of the body only
            break
    return lines


def _url_date(url: str) -> datetime | None:
    for pattern in _URL_DATE:
        m = pattern.search(url)
        if m:
            y, mo, d = m.groups()
            year = int(y) + (2000 if len(y) == 2 else 0)
            try:
                return datetime(year, int(mo), int(d), tzinfo=CHINA_TZ)
            except ValueError:
                continue
    return None


ADAPTER = Adapter("web", (), extract)
