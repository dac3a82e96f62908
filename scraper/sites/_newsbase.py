"""What the Chinese news portals have in common, so that each of their adapters is mostly data.

NetEase, Sina, Sohu, Toutiao, Baijiahao, ifeng and The Paper all build an article page the same way,
and have since the 2004 table layouts: one title element, a dateline holding the publish time and the
来源 (the media the piece came from), one body container, and chrome around and inside that body
(editor lines, related-article boxes, share bars, players, ad slots, disclaimers). An adapter therefore
names its selectors in ``config/sites/<site>.toml`` ``[selectors]`` and calls::

    draft = read_page(html, url, rules)      # title, time, source, body … found by the selector lists
    ...site quirks: fill draft fields from the page's JS data when the DOM lacks them...
    return finish(draft)                      # non-article check, structural strip, build_article

Selector specs (lists, first non-empty wins): ``"css"`` reads the element's text, ``"css@attr"`` an
attribute, ``"meta:NAME"`` a ``<meta>`` (name/property/itemprop, tolerant of stray spaces).

What ``finish`` strips itself, and why it is here rather than in the boilerplate engine: the engine
works on text blocks; these rules need the markup (a table holding an ad iframe, a box whose text is
all links, an inline ``display:none`` duplicate). Every cut is recorded as a ``Removal``.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.config import load_rules
from scraper.errors import ConfigError
from scraper.html import meta_map, node_text, parse, squash
from scraper.models import Article, Removal
from scraper.sites import generic
from scraper.sites._common import WEEKDAY, build_article, china_time, not_article, parse_china_datetime

# ---------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class SiteRules:
    """The ``[selectors]`` table of one site's rule pack, compiled."""

    site: str
    title: tuple[str, ...] = ()
    title_suffixes: tuple[re.Pattern[str], ...] = ()
    body: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    dateline: tuple[str, ...] = ()  # elements whose text reads "<date> 来源：<media>"
    source: tuple[str, ...] = ()
    account: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    digest: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()  # [boilerplate] drop: site chrome nodes, cut here first (see strip_structure)
    original_title: tuple[str, ...] = ()  # "原标题" notes: kept in extra, removed from the body
    credit_boxes: tuple[str, ...] = ()  # footers like "本文来源：X 作者：Y 责任编辑：Z": read before the drop
    article_id: tuple[re.Pattern[str], ...] = ()  # regexes on the URL; group 1 is the site's id
    deleted: tuple[re.Pattern[str], ...] = ()  # page says the article is gone
    blocked: tuple[re.Pattern[str], ...] = ()  # captcha / identity check / rate limit
    not_article: tuple[re.Pattern[str], ...] = ()  # URLs that are list, index or channel pages
    unwrap: tuple[str, ...] = ()  # links the site adds to words (stock quotes, encyclopaedia): text kept


_LIST_KEYS = {f for f in SiteRules.__dataclass_fields__ if f not in ("site", "drop")}
_REGEX_KEYS = {"title_suffixes", "article_id", "deleted", "blocked", "not_article"}


@cache
def site_rules(site: str) -> SiteRules:
    """Load and compile ``config/sites/<site>.toml`` (cached: the packs are read once per process)."""
    return compile_rules(site, load_rules(f"sites/{site}"))


def compile_rules(site: str, pack: dict[str, Any]) -> SiteRules:
    """Compile a parsed rule pack's ``[selectors]``; unknown keys and non-string lists are errors."""
    table = pack.get("selectors", {})
    unknown = sorted(set(table) - _LIST_KEYS)
    if unknown:
        raise ConfigError(f"Unknown key(s) in config/sites/{site}.toml [selectors]: {', '.join(unknown)}.")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config/sites/{site}.toml [selectors] {key} must be a list of strings.")
        try:
            values[key] = tuple(re.compile(v) for v in value) if key in _REGEX_KEYS else tuple(value)
        except re.error as exc:
            raise ConfigError(
                f"config/sites/{site}.toml [selectors] {key} has an invalid pattern: {exc}."
            ) from exc
    drop = pack.get("boilerplate", {}).get("drop", [])
    return SiteRules(site=site, drop=tuple(drop), **values)


# ---------------------------------------------------------------------------------------------------
# Reading values


class Metas:
    """The ``<meta>`` map of one page, built on the first ``meta:`` lookup and then reused.

    Why an object per page and not a module-level cache: adapters read several metas per page, so the
    map is worth keeping, but a slot shared by every call is state that outlives the page and races
    between threads. ``read_page`` makes one for the page it reads and passes it down.
    """

    __slots__ = ("_tree", "_map")

    def __init__(self, tree: LexborHTMLParser) -> None:
        self._tree = tree
        self._map: dict[str, str] | None = None

    def get(self, name: str) -> str:
        if self._map is None:
            self._map = meta_map(self._tree)
        return self._map.get(name.strip().lower(), "")


def meta_value(tree: LexborHTMLParser, name: str, metas: Metas | None = None) -> str:
    """Content of ``<meta name|property|itemprop=name>``; tolerant of stray spaces (ifeng's ``og:time ``).

    Pass the page's ``metas`` when reading several values of one page (the map is built once)."""
    return (metas or Metas(tree)).get(name)


def read_spec(tree: LexborHTMLParser | LexborNode, spec: str, metas: Metas | None = None) -> str:
    """One selector spec's value (see the module docstring), white space collapsed; '' when absent."""
    if spec.startswith("meta:"):
        return meta_value(tree, spec[5:], metas) if isinstance(tree, LexborHTMLParser) else ""
    css, _, attr = spec.partition("@")
    for node in tree.css(css):
        value = squash(node.attributes.get(attr)) if attr else squash(node.text(deep=True, separator=" "))
        if value:
            return value
    return ""


def all_values(tree: LexborHTMLParser, specs: Iterable[str], metas: Metas | None = None) -> Iterator[str]:
    """The non-empty values of the specs, in their order (read as they are asked for)."""
    metas = metas or Metas(tree)
    for spec in specs:
        value = read_spec(tree, spec, metas)
        if value:
            yield value


def first_value(tree: LexborHTMLParser, specs: Iterable[str], metas: Metas | None = None) -> str:
    return next(all_values(tree, specs, metas), "")


_DATELINE_MAX = 160  # why: a dateline is one short line; longer matches are containers of the whole page
_DATE_TIME = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?\s+\d{1,2}:\d{2}"
)


def datelines(tree: LexborHTMLParser, specs: Iterable[str], metas: Metas | None = None) -> list[str]:
    """Texts of every element matched by the dateline specs that is short and holds a date."""
    metas = metas or Metas(tree)
    out: list[str] = []
    for spec in specs:
        if spec.startswith("meta:") or "@" in spec:
            value = read_spec(tree, spec, metas)
            if value:
                out.append(value)
            continue
        for node in tree.css(spec):
            value = node_text(node)
            if value and len(value) <= _DATELINE_MAX and _DATE_TIME.search(value):
                out.append(value)
    return out


_FULL_DATE_TIME = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*(?:" + WEEKDAY + r"\s*)?\d{1,2}\s*[:：]\s*\d{2}"
)
_SCAN_MAX = 80  # why: a dateline is a short line; a paragraph quoting a date is prose
_SCAN_RAW_MAX = 4000  # why: a short line padded by a page's indentation is still far below this
_SCAN_LIMIT = 3  # why: the first lines with a date and time are the article's; later ones are lists


_SCAN_TAGS = "time, span, em, p, div, td, font"
_SCAN_TAG_SET = frozenset(t.strip() for t in _SCAN_TAGS.split(","))
_DIGIT = re.compile(r"[0-9]")


def scan_datelines(tree: LexborHTMLParser) -> list[str]:
    """Short elements holding a full date and time, in page order (fallback for unknown layouts).

    Only the elements above a text with a digit can hold a date: they are read from each such text
    upwards, until an element's text is longer than a dateline (its ancestors' are longer still), so
    the page's big wrappers are never read whole (reading every element's text was 9 ms a page)."""
    root = tree.root
    if root is None:
        return []
    found: dict[int, str] = {}
    visited: set[int] = set()
    for text in root.traverse(include_text=True):
        if text.tag != "-text" or not _DIGIT.search(text.text_content or ""):
            continue
        node = text.parent
        while node is not None and node.mem_id not in visited:
            visited.add(node.mem_id)
            if node.tag in _SCAN_TAG_SET:
                raw = node.text(deep=True, separator=" ")
                value = squash(raw) if len(raw) <= _SCAN_RAW_MAX else ""
                if not value or len(value) > _SCAN_MAX:
                    break  # its ancestors hold all its text: longer still
                if _FULL_DATE_TIME.search(value):
                    found[node.mem_id] = value
            node = node.parent
    if not found:
        return []
    out = [found[n.mem_id] for n in tree.css(_SCAN_TAGS) if n.mem_id in found]  # page order
    return out[:_SCAN_LIMIT]


def inner(node: LexborNode, css: str) -> list[LexborNode]:
    """Descendants of ``node`` matching ``css`` (lexbor's ``node.css`` also matches the node itself)."""
    return [n for n in node.css(css) if n.mem_id != node.mem_id]


def has_inner(node: LexborNode, css: str) -> bool:
    return any(n.mem_id != node.mem_id for n in node.css(css))


def has_media(node: LexborNode) -> bool:
    return node.css_first("img, video") is not None


def first_node(tree: LexborHTMLParser | LexborNode, selectors: Iterable[str]) -> LexborNode | None:
    """The first element matched by the selector list that holds text or an image."""
    for css in selectors:
        for node in tree.css(css):
            if node_text(node) or has_media(node):
                return node
    return None


# ---------------------------------------------------------------------------------------------------
# Dates

_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
# why: 2000-01-01 .. 2100-01-01 in seconds; a 10-digit number outside is not a publish time
_EPOCH_RANGE = (946_684_800, 4_102_444_800)
_MONTH_DAY_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s+(\d{1,2})\s*[:：]\s*(\d{2})")


def parse_when(text: str, *, year_hint: int | None = None) -> datetime | None:
    """A publish time from what pages print: ISO, ``2019年09月11日01:53``, unix seconds or ms.

    ``year_hint`` completes ``MM-DD HH:MM`` datelines that omit the year (Baijiahao, new NetEase).
    Naive values are China time.
    """
    text = squash(text)
    if not text:
        return None
    if _EPOCH.match(text):
        seconds = int(text[:10])
        if _EPOCH_RANGE[0] <= seconds < _EPOCH_RANGE[1]:
            return china_time(seconds)
        return None
    found = parse_china_datetime(text)
    if found is not None or year_hint is None:
        return found
    m = _MONTH_DAY_TIME.search(text)
    if m:
        return parse_china_datetime(f"{year_hint}-{m[1]}-{m[2]} {m[3]}:{m[4]}")
    return None


def has_clock(value: datetime | None) -> bool:
    """False for date-only values (00:00:00), which a more precise source should replace."""
    return value is not None and (value.hour, value.minute, value.second) != (0, 0, 0)


# ---------------------------------------------------------------------------------------------------
# Source, author, title

_SOURCE_LABEL = re.compile(r"(?:本文)?来\s*源\s*[:：|丨]\s*")
_BRACKETS = "[]【】()（）「」《》<>〈〉·•"
_SOURCE_STOP = re.compile(
    r"(?:^|\s+)(?:作者|记者|编辑|责任编辑|责编|原标题|举报|分享|字号|关注|\+\s*关注|发表评论|查看评论|我有话说|评论|"
    r"缩小字体|放大字体|收藏|参与|顶|\+\d|\d+\s*人)|[|｜]|\s{2,}"
)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\ufffd]")  # decoding debris of old GBK pages
_BRACKETED = re.compile(r"^\s*[\[【(（「]\s*([^\]】)）」]+?)\s*[\]】)）」]")
_NOT_SOURCES = ("来自", "发布于", "IP属地")  # why: ifeng/163 print the poster's location, not a media
_MAX_SOURCE = 30  # why: media names are short; a longer "source" is a sentence picked up by mistake


def clean_source(text: str) -> str:
    """``来源：[ 人民网 ]`` → ``人民网``; '' when nothing name-like is left."""
    text = squash(_PRIVATE_USE.sub("", text))
    m = _SOURCE_LABEL.search(text)
    if m:
        text = text[m.end() :]
    bracketed = _BRACKETED.match(text)
    if bracketed:
        text = bracketed.group(1)
    text = text.strip(" :：" + _BRACKETS + " ")
    cut = _SOURCE_STOP.search(text)
    if cut:
        text = text[: cut.start()]
    text = text.strip(" :：" + _BRACKETS)
    if (
        not text
        or text.startswith(_NOT_SOURCES)
        or len(text) > _MAX_SOURCE
        or re.fullmatch(r"[\d\s:：\-/年月日.]+", text)
    ):
        return ""
    return text


_DATE_IN_LINE = re.compile(
    r"(?:\d{4}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*" + WEEKDAY + r")?"
    r"(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?"
)
_URLISH = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+\S*", re.I)


def source_from_dateline(text: str) -> str:
    """The media named on a dateline: after ``来源：``, else what follows the date (old layouts)."""
    text = squash(text)
    if _SOURCE_LABEL.search(text):
        return clean_source(text)
    m = _DATE_IN_LINE.search(text)
    if not m:
        return ""
    rest = _URLISH.sub(" ", text[m.end() :])
    return clean_source(rest.split("  ")[0])


_NAME = r"[\u4e00-\u9fa5·]{2,4}"
_NAMES = rf"{_NAME}(?:[\s、,，]+{_NAME})*"
_BYLINE_LABELS = re.compile(
    r"^(?:文字?|撰文|采写|作者|记者|文/图|图/文|本报记者|见习记者|实习记者|特约记者|通讯员|"
    r"[\u4e00-\u9fa5A-Za-z]{0,12}?(?:见习|实习|特约|首席)?记者)\s*[:：|/丨]?\s*"
)


_ROLE_WORDS = frozenset("记者 通讯员 实习生 见习记者 特约记者 摄影 摄影记者 报道 编辑 作者 本报记者".split())


def tidy_names(names: str) -> str:
    """``张三、李四 通讯员 王五`` → ``张三 李四 王五``: separators unified, role words dropped."""
    tokens = [t for t in re.split(r"[\s、,，]+", names) if t and t not in _ROLE_WORDS]
    return " ".join(tokens)


def byline_names(text: str) -> str:
    """Person names of a byline: ``澎湃新闻记者 贺梨萍`` → ``贺梨萍``; ``石佳/中国青年报`` → ``石佳``.

    '' when the text is not a plain byline (an editor line is never an author).
    """
    text = squash(text).strip("（）()[]【】")
    if not text or re.search(r"编辑|责编|校对|审核|监制|来源|出品", text):
        return ""
    text = _BYLINE_LABELS.sub("", text)
    text = re.sub(r"\s*(?:\S{0,8}报道|发自\S*|摄影?|/摄)$", "", text)
    text = text.split("/")[0].strip()
    m = re.fullmatch(_NAMES, text)
    if not m:
        return ""
    names = [n for n in tidy_names(m.group(0)).split() if not _NOT_NAMES.search(n)]
    return " ".join(names)  # why: "新华社" on a byline line is the media, not a person


def media_name(text: str) -> str:
    """A byline line that names a media instead of a person (``新华社``, ``中国青年报``), else ''."""
    text = squash(text).strip("（）()[]【】")
    if 2 < len(text) <= 12 and re.fullmatch(r"[\u4e00-\u9fa5·]+", text) and _NOT_NAMES.search(text):
        return text
    return ""


# Common surnames (the ~120 most frequent cover ~90 % of people): a bare "(李楠)" at the end of a
# paragraph is only taken for a byline when it starts like a Chinese name.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强"
    "帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓"
    "修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植"
    "衡富尧闭由"
)
_NOT_NAMES = re.compile(
    r"(?:网|社|报|台|刊|部|局|院|委|会|厅|办|站|馆|所|司|中国|视觉|新闻|图|摄|供图|完|稿)$"
)
_HEAD_BYLINE = re.compile(
    rf"[（(]\s*(?:[^（()）]{{0,10}}?记者|通讯员)\s*[:：]?\s*({_NAMES})\s*(?:报道)?\s*[)）]"
)
_TAIL_BYLINE = re.compile(
    rf"[（(]\s*(?:[^（()）]{{0,10}}?(?:记者|通讯员)\s*[:：]?\s*)?({_NAMES})\s*(?:报道|/?摄)?\s*[)）]\s*$"
)
_HEAD_WINDOW = 40  # why: "新京报快讯（记者 X）" sits in the first few words of the lede, never later
_TAIL_MIN_BLOCK = 30  # why: shorter blocks ending in "(…)" are photo captions with a credit, not prose


def inline_byline(blocks: list[str]) -> str:
    """Names from a byline written inside the prose: ``新京报快讯（记者 裴剑飞）…`` or ``…。(信报记者 蔡雪婧)``.

    Only the first and the last text blocks are looked at; a bare ``(李楠)`` needs a surname.
    """
    if not blocks:
        return ""
    m = _HEAD_BYLINE.search(blocks[0][: _HEAD_WINDOW + 30])
    if m and m.start() <= _HEAD_WINDOW:
        return tidy_names(m.group(1))
    last = blocks[-1]
    m = _TAIL_BYLINE.search(last)
    if m and len(last) >= _TAIL_MIN_BLOCK:
        names = tidy_names(m.group(1))
        if not names:
            return ""
        labelled = "记者" in m.group(0) or "通讯员" in m.group(0)
        first = names.split()[0]
        if labelled or (first[0] in _SURNAMES and len(first) <= 3 and not _NOT_NAMES.search(first)):
            return names
    return ""


_BOX_AUTHOR = re.compile(rf"(?:作者|文|撰文|记者)\s*[:：]\s*({_NAMES})(?=\s|$)")
_BOX_SOURCE = re.compile(r"(?:本文)?来源\s*[:：]\s*(\S+)")


def credit_box(text: str) -> dict[str, str]:
    """Author and source named in a credit footer (``本文来源：江城日报 作者：李一 责任编辑：张三_NBJ5678``).

    The editor is never taken for the author: ``责任编辑：`` is cut out before looking for names.
    """
    text = re.sub(r"(?:责任|实习)?编辑\s*[:：]\s*\S+", " ", squash(text))
    out: dict[str, str] = {}
    m = _BOX_AUTHOR.search(text)
    if m:
        out["author"] = tidy_names(m.group(1))
    m = _BOX_SOURCE.search(text)
    if m and clean_source(m.group(1)):
        out["source"] = clean_source(m.group(1))
    return out


def strip_title_suffix(title: str, suffixes: Iterable[re.Pattern[str]]) -> str:
    title = squash(title)
    for _ in range(3):  # why: "标题|标签_新浪科技_新浪网" stacks up to three decorations
        before = title
        for pattern in suffixes:
            title = pattern.sub("", title).strip()
        if title == before:
            break
    return title


# ---------------------------------------------------------------------------------------------------
# Embedded JS data


def content_record(data: Any, title_keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The record of a page's JSON data (Toutiao's RENDER_DATA, The Paper's ``__NEXT_DATA__``) that is
    the article: a dict whose ``content`` is HTML and which names it by a string under one of
    ``title_keys``. The data nests it at a depth that changes with each site release, so it is
    searched for, not addressed (depth first, later members first)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            content = item.get("content")
            if (
                isinstance(content, str)
                and "<" in content
                and any(isinstance(item.get(key), str) for key in title_keys)
            ):
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


# ---------------------------------------------------------------------------------------------------
# The draft an adapter fills


@dataclass
class Draft:
    """What an adapter found on the page; ``finish`` turns it into an Article."""

    tree: LexborHTMLParser
    url: str
    rules: SiteRules
    title: str = ""
    published: datetime | None = None
    author: str | None = None
    account: str | None = None
    source: str | None = None
    body: LexborNode | None = None
    kind: str = "article"
    digest: str = ""
    cover: str | None = None
    canonical_url: str | None = None
    article_id: str = ""
    removed: list[Removal] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self) -> str:
        return self.rules.site

    def offer_source(self, name: str) -> None:
        """A media name from the page's own data: the source and the account where the DOM gave none."""
        if name:
            self.source = self.source or name
            self.account = self.account or name

    def picture_set(self, pictures: Iterable[tuple[Any, Any]]) -> bool:
        """Make the body a 图集 (kind ``picshare``) from ``(image URL, caption)`` pairs, one picture
        and its caption after another; False, and nothing changed, when no pair gives either."""
        parts = []
        for src, caption in pictures:
            if src:
                parts.append(f'<p><img src="{htmlmod.escape(str(src))}"></p>')
            text = squash(str(caption or ""))
            if text:
                parts.append(f"<p>{htmlmod.escape(text)}</p>")
        if not parts:
            return False
        self.kind = "picshare"
        self.body = fragment("".join(parts))
        return True


def first_when(record: Mapping[str, Any], keys: Iterable[str]) -> datetime | None:
    """The first of ``keys`` in a page's JSON record that reads as a publish time."""
    for key in keys:
        when = parse_when(str(record.get(key) or ""))
        if when:
            return when
    return None


def absolute_url(href: str, base: str) -> str:
    """``href`` made absolute against ``base``; scheme-less ``www.x.com/…`` (Sohu's og:url) gets one."""
    href = squash(href)
    if not href:
        return ""
    if re.match(r"^[\w-]+(\.[\w-]+)+/", href) and not href.startswith(("http", "/")):
        href = f"{urlsplit(base).scheme or 'https'}://{href}"
    return urljoin(base, href)


def read_title(tree: LexborHTMLParser, rules: SiteRules, metas: Metas | None = None) -> str:
    """The headline; site suffixes (``_新浪网``) are cut only from ``<title>``/meta values, never from
    a heading, where a ``|`` or ``_`` belongs to the headline itself."""
    page_title = node_text(tree.css_first("title"))
    for spec in rules.title:
        if spec in _BARE_HEADINGS:
            # a bare h1/h2 may be the site logo: prefer the heading that the <title> repeats
            texts = [t for t in (node_text(n) for n in tree.css(spec)) if len(t) >= _MIN_TITLE]
            value = next((t for t in texts if t in page_title), texts[0] if texts else "")
        else:
            value = read_spec(tree, spec, metas)
        if value:
            if spec == "title" or spec.startswith("meta:"):
                value = strip_title_suffix(value, rules.title_suffixes)
            return value
    return ""


_BARE_HEADINGS = ("h1", "h2")
_MIN_TITLE = 4  # why: "网易", "首页" are logos and crumbs; a headline has more than three characters


def read_page(html: str, url: str, rules: SiteRules) -> Draft:
    """Fill a draft from the DOM with the site's selector lists."""
    tree = parse(html, url)
    draft = Draft(tree=tree, url=url, rules=rules)
    metas = Metas(tree)  # one <meta> map for this page, built on first use
    draft.title = read_title(tree, rules, metas)
    lines = datelines(tree, rules.dateline, metas)
    for value in (*all_values(tree, rules.published, metas), *lines):
        when = parse_when(value)
        if has_clock(when):
            draft.published = when
            break
        draft.published = draft.published or when
    if draft.published is None:
        # a layout the dateline selectors miss: the first short line with a full date and time
        lines = scan_datelines(tree)
        draft.published = next((w for w in map(parse_when, lines) if w), None)
    source = next((s for s in map(clean_source, all_values(tree, rules.source, metas)) if s), "")
    if not source:
        source = next((s for s in map(source_from_dateline, lines) if s), "")
    if not source and not lines:
        # scanned lines may be comments or lists: only a labelled "来源：" counts there
        labelled = [line for line in scan_datelines(tree) if _SOURCE_LABEL.search(line)]
        source = next((s for s in map(source_from_dateline, labelled) if s), "")
    draft.source = source or None
    draft.account = next((s for s in map(clean_source, all_values(tree, rules.account, metas)) if s), None)
    draft.account = draft.account or draft.source
    draft.author = next((a for a in map(byline_names, all_values(tree, rules.author, metas)) if a), None)
    for box in all_values(tree, rules.credit_boxes, metas):
        credits = credit_box(box)
        draft.author = draft.author or credits.get("author")
        draft.source = draft.source or credits.get("source")
    draft.digest = first_value(tree, rules.digest, metas)
    canonical = first_value(tree, rules.canonical, metas)
    draft.canonical_url = absolute_url(canonical, url) if canonical else None
    draft.article_id = id_from_url(draft.canonical_url or url, rules) or id_from_url(url, rules)
    draft.body = first_node(tree, rules.body)
    return draft


def is_listing(url: str, rules: SiteRules) -> bool:
    """True for list, index and channel URLs: they match ``not_article`` and carry no article id."""
    return any(p.search(url) for p in rules.not_article) and not id_from_url(url, rules)


def id_from_url(url: str, rules: SiteRules) -> str:
    for pattern in rules.article_id:
        m = pattern.search(url)
        if m:
            return m.group(1)
    return ""


def fragment(html: str) -> LexborNode:
    """A body node built from an HTML string (content from a page's JS data)."""
    tree = parse(f"<html><body><div>{html}</div></body></html>")
    node = tree.css_first("body > div")
    assert node is not None
    return node


_INLINE_TAGS = frozenset(
    "a abbr b big cite code del em font i img ins kbd label mark q s samp small span strike strong sub sup time tt u".split()
)


def paragraphs_from_breaks(body: LexborNode) -> LexborNode:
    """Wrap each ``<br>``-separated line of ``body``'s own text in a ``<p>`` (The Paper, old portals).

    Line-level rules (credit lines, footers, tail anchors) need one block per line; a body written as
    ``text<br>text<br>`` would otherwise be one block. Bodies without direct ``<br>``s are returned as is.
    """
    children = list(body.iter(include_text=True))
    if not any(c.tag == "br" for c in children):
        return body
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        chunk = "".join(run).strip()
        if chunk:
            parts.append(f"<p>{chunk}</p>")
        run.clear()

    for child in children:
        if child.tag == "-text":
            run.append(htmlmod.escape(child.text_content or ""))
        elif child.tag == "br":
            flush()
        elif child.tag in _INLINE_TAGS:
            run.append(child.html or "")
        elif child.tag == "-comment":
            continue
        else:
            flush()
            parts.append(child.html or "")
    flush()
    return fragment("".join(parts))


_DENSE_MIN_TEXT = 120  # why: a short news item has ~150 characters; a notice or error box has fewer
_DENSE_MAX_LINKS = 0.4  # why: a link-dominated block is a list or navigation, not prose


def densest_block(tree: LexborHTMLParser) -> LexborNode | None:
    """Fallback for a layout the selectors do not know: the body is found by text density, with the
    generic extractor's scorer (:func:`scraper.sites.generic.find_body`, one scorer for both), on
    the page as it reads it: without its scripts and styles, which are removed from ``tree``.

    The pick is refused when it holds too little text or is mostly links: a site page whose body
    is not found is then typed by :func:`non_article` instead of archived as chrome.
    """
    root = tree.body
    if root is None:
        return None
    tree.strip_tags(generic.STRIP_TAGS)
    best = generic.find_body(root)
    if best is None:
        return None
    total = len(node_text(best))
    if total < _DENSE_MIN_TEXT or _link_text(best) / total > _DENSE_MAX_LINKS:
        return None
    return best


# ---------------------------------------------------------------------------------------------------
# Structural cleaning of the body


_SILENT = "script, style, noscript, template, link, meta, input, button, select, textarea, form, svg, canvas"
_PLUGIN = "iframe, object, embed, audio, video"
_LAZY_ATTRS = (
    "data-src",
    "data-original",
    "data-lazyload",
    "data-lazy-src",
    "data-actualsrc",
    "data-original-src",
    "data-echo",
    "data-url",
    "original",
    "_src",
    "src",
)
_PLACEHOLDER = re.compile(
    r"^data:|/(?:blank|grey|gray|loading|lazy|placeholder|spacer|pixel)[\w-]*\.(?:gif|png)", re.I
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_RELATED_LABEL = re.compile(
    r"^[【\[]?(?:相关新闻|相关阅读|相关链接|相关报道|相关文章|延伸阅读|此前报道|推荐阅读|往期回顾|更多阅读|阅读更多|"
    r"链接|专题|点击进入专题)[】\]]?\s*[:：]?"
)
_LINK_BOX_MIN_LINKS = 3  # why: one or two links in a box can be a sourced quote; three make a list
_LINK_BOX_DENSITY = 0.7  # why: readability's cut-off; prose with inline keyword links stays far below
_AD_SLOT_MAX_TEXT = 30  # why: a table holding a Flash/iframe ad carries at most a label of text
_HIDDEN_MAX_SHARE = 0.5  # why: never drop a box holding most of the text (safety valve)
_HIDDEN_MAX_TEXT = 200  # why: hidden notes/duplicates are short; a long hidden block is folded body text


def _record(removed: list[Removal], rule: str, node: LexborNode) -> None:
    removed.append(Removal(rule=rule, text=node_text(node)[:200]))


def _link_text(node: LexborNode) -> int:
    return sum(len(node_text(a)) for a in node.css("a"))


def strip_structure(body: LexborNode, site: str, drop: Iterable[str], base_url: str) -> list[Removal]:
    """Remove non-content markup from ``body`` in place; returns what was cut and by which rule.

    The site's ``[boilerplate] drop`` selectors are applied first, under the rule name the boilerplate
    engine uses for them (``site:<site>:drop:<selector>``), so that player and widget markup is gone
    before the structural rules measure text; the engine then finds nothing left to drop.
    """
    removed: list[Removal] = []
    total = max(len(node_text(body)), 1)
    for css in drop:
        for node in inner(body, css):
            if node.parent is not None:
                _record(removed, f"site:{site}:drop:{css}", node)
                node.decompose()
    # ad slots of the old table layouts: a table whose only content is a plugin (Flash, iframe)
    for node in inner(body, "table"):
        if node.parent is None:  # inside a node removed above (lexbor unlinks descendants too)
            continue
        if node.css_first(_PLUGIN) is not None or node.css_first("script") is not None:
            for s in node.css("script, style"):
                s.decompose()
            if len(node_text(node)) <= _AD_SLOT_MAX_TEXT:
                _record(removed, "news:ad-slot", node)
                node.decompose()
    for node in inner(body, _SILENT):
        if node.parent is not None:
            node.decompose()
    for node in inner(body, "[style]"):
        if node.parent is None:
            continue
        if _HIDDEN.search(node.attributes.get("style") or "") and len(node_text(node)) < min(
            total * _HIDDEN_MAX_SHARE, _HIDDEN_MAX_TEXT
        ):
            if node_text(node) or has_media(node):
                _record(removed, "news:hidden", node)
            node.decompose()
    for node in inner(body, "table, ul, ol, div, dl"):
        if node.parent is None:
            continue
        links = node.css("a[href]")
        text = node_text(node)
        if len(links) >= _LINK_BOX_MIN_LINKS and text and _link_text(node) / len(text) >= _LINK_BOX_DENSITY:
            if len(text) < total * _HIDDEN_MAX_SHARE:
                _record(removed, "news:link-box", node)
                node.decompose()
    _strip_related_runs(body, removed)
    _fix_images(body, base_url)
    return removed


_BLOCK_CSS = "p, h1, h2, h3, h4, h5, h6, li, div, section, blockquote, td, table"
_ALWAYS_BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"))
_CONTAINERS = frozenset(("p", "div", "section", "li", "table", "blockquote"))


def _blocks(body: LexborNode) -> list[LexborNode]:
    """The body's paragraph-level blocks in order: p, headings, li, and containers (div, section, td …)
    that hold no other block. One CSS query; containment is found by walking up from each block."""
    nodes = inner(body, _BLOCK_CSS)
    has_block_child: set[int] = set()
    stop = body.mem_id
    for node in nodes:
        if node.tag not in _CONTAINERS:
            continue
        parent = node.parent
        while parent is not None and parent.mem_id != stop and parent.mem_id not in has_block_child:
            has_block_child.add(parent.mem_id)
            parent = parent.parent
    return [
        n for n in nodes if n.tag != "table" and (n.tag in _ALWAYS_BLOCKS or n.mem_id not in has_block_child)
    ]


def _only_links(node: LexborNode) -> bool:
    text = node_text(node)
    return bool(text) and node.css_first("a[href]") is not None and len(text) - _link_text(node) <= 2


def _strip_related_runs(body: LexborNode, removed: list[Removal]) -> None:
    """``相关新闻：`` / ``此前报道：<a>…</a>`` paragraphs and the link-only paragraphs that follow."""
    blocks = _blocks(body)
    i = 0
    while i < len(blocks):
        node = blocks[i]
        if node.parent is None:
            i += 1
            continue
        text = node_text(node)
        m = _RELATED_LABEL.match(text)
        if m and len(text) <= 60 and (text[m.end() :].strip() == "" or _only_links_after_label(node)):
            run = [node]
            j = i + 1
            while j < len(blocks) and _only_links(blocks[j]) and len(node_text(blocks[j])) <= 60:
                run.append(blocks[j])
                j += 1
            if len(run) > 1 or text[m.end() :].strip():
                for n in run:
                    if n.parent is not None:
                        _record(removed, "news:related-links", n)
                        n.decompose()
            i = j
        else:
            i += 1


def _only_links_after_label(node: LexborNode) -> bool:
    text = node_text(node)
    m = _RELATED_LABEL.match(text)
    rest = text[m.end() :] if m else text
    return bool(rest.strip()) and abs(len(rest.strip()) - _link_text(node)) <= 2


_ICON_MAX_PX = 24  # why: logos, share icons and tracking pixels are drawn at 1–24 px; photos never are


def _is_icon(attrs: dict[str, str | None]) -> bool:
    try:
        width, height = int(str(attrs.get("width") or "0")), int(str(attrs.get("height") or "0"))
    except ValueError:
        return False
    return 0 < width <= _ICON_MAX_PX and 0 < height <= _ICON_MAX_PX


def _fix_images(body: LexborNode, base_url: str) -> None:
    """Images from their lazy attributes, made absolute; placeholders without a real source dropped."""
    for img in body.css("img"):
        attrs = img.attributes
        src = ""
        for attr in _LAZY_ATTRS:
            value = squash(attrs.get(attr))
            if value and not _PLACEHOLDER.search(value):
                src = value
                break
        if not src or _is_icon(attrs):
            img.decompose()
            continue
        img.attrs["src"] = absolute_url(src, base_url)


def text_blocks(body: LexborNode) -> list[str]:
    return [t for t in (node_text(b) for b in _blocks(body)) if t]


def edge_text_blocks(body: LexborNode) -> list[str]:
    """The first and the last non-empty text block of the body (what inline bylines need), cheaply."""
    blocks = _blocks(body)
    first = next((t for t in map(node_text, blocks) if t), "")
    last = next((t for t in map(node_text, reversed(blocks)) if t), "")
    return [first, last] if first and last and first != last else [t for t in (first,) if t]


# ---------------------------------------------------------------------------------------------------
# Finishing


def page_text(tree: LexborHTMLParser, limit: int = 3000) -> str:
    """The start of the page's visible text (for error-page phrases)."""
    node = tree.body
    if node is None:
        return ""
    return node_text(node)[:limit]


_NOTICE_MAX = 80  # why: a "deleted" notice that replaced the body is one short sentence


def non_article(draft: Draft) -> Article | None:
    """A typed outcome when the page is not an article of this site, else ``None``."""
    url, rules, tree = draft.url, draft.rules, draft.tree
    body_text = node_text(draft.body) if draft.body is not None else ""
    has_body = bool(body_text) or (draft.body is not None and has_media(draft.body))
    head = squash(" ".join(filter(None, [node_text(tree.css_first("title")), draft.title])))
    probe = head + " " + (body_text[:300] if has_body else page_text(tree))
    # why: a notice replaces the article; a real article merely mentioning 404 or 验证码 keeps its body
    short = len(body_text) < _NOTICE_MAX
    for pattern in rules.blocked:
        if (not has_body or short) and pattern.search(probe):
            return not_article(
                url, rules.site, "rate_limited", f"The page {url} is a verification or rate-limit page."
            )
    for pattern in rules.deleted:
        if (not has_body or short) and pattern.search(probe):
            return not_article(
                url, rules.site, "deleted", f"The article at {url} has been deleted or no longer exists."
            )
    if not has_body:
        listing = is_listing(url, rules)
        what = "a list or index page" if listing else "a page without article text"
        return not_article(url, rules.site, "not_article", f"The page {url} is {what}, not an article.")
    return None


_ORIGINAL_TITLE = re.compile(r"^[（(]?\s*(?:本文)?原(?:标)?题(?:为)?\s*[:：]\s*")
_ORIGINAL_TITLE_WINDOW = 3  # why: the note opens the body; later "原标题" mentions are prose
_ORIGINAL_TITLE_MAX = 90  # why: a headline note; a longer block starting so carries the lede with it


def finish(draft: Draft) -> Article:
    """Check for non-articles, strip structure, read inline bylines and build the Article."""
    if draft.body is None and not is_listing(draft.url, draft.rules):
        # a layout the selectors (and the adapter's JS data) do not know: find the prose by density
        draft.body = densest_block(draft.tree)
    outcome = non_article(draft)
    if outcome is not None:
        return outcome
    body = draft.body
    assert body is not None
    rules = draft.rules
    base = draft.canonical_url or draft.url
    notes = [n for css in rules.original_title for n in inner(body, css)]
    notes += [
        b
        for b in _blocks(body)[:_ORIGINAL_TITLE_WINDOW]
        if _ORIGINAL_TITLE.match(node_text(b)) and len(node_text(b)) <= _ORIGINAL_TITLE_MAX
    ]
    for node in notes:
        if node.parent is None:
            continue
        note = _ORIGINAL_TITLE.sub("", node_text(node)).rstrip("）)").strip("《》 ")
        if note:
            draft.extra.setdefault("original_title", note)
        _record(draft.removed, f"site:{rules.site}:original-title", node)
        node.decompose()
    for css in rules.unwrap:
        for node in inner(body, css):
            node.unwrap()  # why: "长[沙龙](…/baike/shalong/)湖" splits a place name to link a person
    draft.removed.extend(strip_structure(body, rules.site, rules.drop, base))
    author = draft.author or inline_byline(edge_text_blocks(body)) or None
    source = draft.source or draft.account
    return build_article(
        url=draft.url,
        site=rules.site,
        body=body,
        kind=draft.kind,
        title=draft.title,
        author=author,
        account=draft.account,
        published=draft.published,
        digest=draft.digest,
        cover=draft.cover,
        canonical_url=draft.canonical_url,
        source=source,
        article_id=draft.article_id,
        removed=tuple(draft.removed),
        base_url=base,
        extra=draft.extra,
    )
