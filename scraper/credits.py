"""Credit and source lines: ``作者 | 周沫；编辑 | 倩君；来源 | 红餐网``, ``撰文/陈邓新``, ``【来源：半岛都市报】``.

Contract (called by the boilerplate engine on short blocks near the head and tail of a body)::

    parse_credit(text) -> dict[str, str] | None

returns the metadata the line carries (keys among ``author``, ``source``, ``account``, ``editor``)
when the whole block is a credit/source line, else ``None``. A block that returns a dict is a
credit line and can be removed from the body; one that returns ``None`` is body text. An empty dict
is a credit line with nothing worth keeping (``图片来源于网络``, ``经过文刃重新编排``): it still goes.
Markdown emphasis around the labels (``**撰文**/陈邓新`` in an old mirror's Markdown) is ignored.

Richer helpers for adapters that see the whole body (the Tencent News adapter uses them)::

    read_credit(text) -> Credit | None          # the same reading, with a rank per field
    publisher_hint(text) -> str | None          # the publisher a disclaimer or follow-promo names
    resolve_credits(blocks, body_text=...) -> dict[str, str]   # what the head/tail blocks say
    merge_credits(lines, hints=...) -> dict[str, str]          # rank-merge lines a cleaner removed

Conventions (derived from the annotated corpus; they follow how Chinese editors write credits):

* **author** — the person(s) behind a writing role: 作者, 撰文, 文, 记者, 采写 … Several names are
  kept as written (``曹予 韩迅``, ``陈晓歌、刘水清``); role notes such as ``（实习）`` are dropped.
  When one line has both ``文 | X`` and ``作者 | Y``, ``文`` names the producing account and
  ``作者`` the writer (钛媒体 style ``文 | 看见美业，作者 | 此间少年``).
* **account** — the *original publisher* of the text: a single 来源 / 本文来源 / 本文来自(微信公众号)
  / 转载自 value, else 出品 (``出品 | 创业最前线``, ``德州融媒出品``), a ``《刊名》`` brand
  (``《金证研》柒禾/作者``), the paper of a ``本报（chinatimes.net.cn）记者…`` dateline, and as a last
  resort the publisher a disclaimer or follow-promo names (``…市值观察不对因采纳本文…``,
  ``关注钛媒体微信号``). A republisher's promo therefore never beats an explicit 来源.
* **source** — the 来源 value as written, also when it is a list (``新华国际头条、央视新闻…等``) or
  vague (``网络``); a list or a vague value is never an account.
* **editor** — 编辑 / 责任编辑 first, else the first production role (审核, 排版, 美编 …).

What is *not* a credit line (``parse_credit`` returns ``None``): captions and data notes
(``数据来源：Wind``, ``图片来源：图虫``, ``来源：Wind``, ``（图 / 界面图库）``, ``来源：公司公告``) —
they describe a chart or picture, not the article, so they never become the article's source and
stay in the body; prose that merely mentions 作者 or 来源 (anything with a sentence before the
label, quotes, long lines); image-only credits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Vocabulary (data)
# ---------------------------------------------------------------------------------------------

AUTHOR_LABELS = (
    "文/图", "图/文", "文图", "图文", "作者", "本文作者", "撰文", "撰稿", "文字", "文", "记者", "实习记者", "特约记者", "采写", "采访", "执笔",
    "特约作者", "特约撰稿", "撰稿人", "主笔", "口述", "文案", "作者署名",
)  # fmt: skip
"""Labels whose value is the writer."""

SECONDARY_AUTHOR_LABELS = ("整理", "编译", "翻译", "译者", "译文", "编者", "综合")
"""Labels whose value is an author only when nobody is named as writer (rank below AUTHOR)."""

EDITOR_LABELS = (
    "编辑", "责任编辑", "责编", "主编", "执行主编", "副主编", "值班编辑", "编审", "新媒体编辑", "文字编辑",
    "审核", "审校", "审稿", "初审", "复审", "终审", "三审", "签发", "校对", "排版", "美编", "美术编辑",
    "设计", "视觉", "视觉设计", "监制", "总监制", "统筹", "策划", "制作", "运营", "校审", "本期编辑",
    "出品人", "实习生", "通讯员",
)  # fmt: skip
"""Production roles; the first 编辑-like value becomes ``editor``."""

PRIMARY_EDITOR_LABELS = ("编辑", "责任编辑", "责编", "值班编辑", "文字编辑", "新媒体编辑", "本期编辑")

SOURCE_LABELS = (
    "来源", "本文来源", "文章来源", "内容来源", "稿件来源", "原文来源", "新闻来源", "转载来源", "信息来源",
    "本文转载自", "转载自", "本文转自", "转自", "本文来自微信公众号", "本文来自公众号", "本文来自", "原载",
    "本文来源于", "文章来源于", "内容来源于", "来源于", "本文来源于微信公众号", "本文来源于公众号", "来源公众号",
    "微信公众号", "公众号", "首发", "本文首发于", "首发于",
)  # fmt: skip
"""Labels whose value is where the text comes from (the original publisher)."""

OPTIONAL_SEPARATOR_LABELS = frozenset(
    {"本文转载自", "转载自", "本文转自", "转自", "本文来自", "本文首发于", "首发于", "本文来源于", "文章来源于",
     "内容来源于", "来源于"}
)  # fmt: skip
"""Labels that read naturally without ``：`` before the value (``本文转载自兴全多元资产``)."""

PRODUCER_LABELS = ("出品", "出品方", "联合出品")
"""出品 names the producing outlet or account."""

CAPTION_LABELS = (
    "图", "图片", "配图", "插图", "摄影", "摄", "制图", "制表", "视频", "剪辑", "拍摄", "摄像", "数据", "图表",
)  # fmt: skip
"""Picture and data credits: allowed inside a credit line, but a line of only these is a caption
(``图 / 界面图库`` under a picture), not a credit."""

NOTHING_LABELS = (
    "ID", "微信ID", "微信号", "原文标题", "原标题", "题图", "头图", "封面", "封面图", "封面来源",
    "邮箱", "投稿邮箱", "商务合作", "联系方式",
)  # fmt: skip
"""Article-level credits whose value we do not keep: a line of only these is a credit line with
nothing to keep (``原标题：…``, ``邮箱：…``) and parses to ``{}``."""

ORIGINAL_LABELS = ("原文", "原文链接", "原文地址", "原文网址", "英文原文", "原文出处")
"""A translation's or a repost's original: a URL value is ``original_url``; a name (``原文：alex@github``)
is the original's author or publisher, kept as ``source``."""

TITLE_LABELS = frozenset({"原文标题", "原标题"})  # their value is a title: any punctuation goes

IGNORED_LABELS = CAPTION_LABELS + NOTHING_LABELS

DATA_VENDORS = (
    "wind", "万得", "同花顺", "东方财富", "choice", "ifind", "企查查", "天眼查", "启信宝", "彭博",
    "bloomberg", "路透", "reuters", "国家统计局", "统计局", "海关总署", "cnki", "知网", "iresearch",
    "艾瑞", "questmobile", "易观", "灼识", "弗若斯特沙利文", "frost", "欧睿", "euromonitor",
    "尼尔森", "nielsen", "gartner", "idc", "counterpoint", "canalys", "statista", "unsplash", "图虫",
    "视觉中国", "pexels", "pixabay", "摄图网", "全景", "ic photo",
)  # fmt: skip
"""Where charts and pictures come from: ``来源：Wind`` under a table is a caption, not a credit."""

CAPTION_SOURCE_WORDS = re.compile(
    r"公告|财报|年报|季报|半年报|招股|官网|截图|截屏|整理|制图|制表|统计|测算|数据|报告|研报|网络图片|"
    r"官方微博|小红书|抖音|微博|图库|供图|受访者|资料图|公开资料"
)
"""A 来源 value naming a document or a picture library marks a caption."""

VAGUE_SOURCES = frozenset(
    {"网络", "互联网", "网络综合", "综合", "公开信息", "公开资料", "网友", "网传", "其他"}
)
"""来源 values that name nobody: kept as ``source``, never an account."""

PAPER_DOMAINS = {
    "chinatimes.net.cn": "华夏时报",
    "cb.com.cn": "中国经营报",
    "eeo.com.cn": "经济观察报",
    "21jingji.com": "21世纪经济报道",
    "nbd.com.cn": "每日经济新闻",
    "bjnews.com.cn": "新京报",
    "time-weekly.com": "时代周报",
    "stcn.com": "证券时报",
    "cs.com.cn": "中国证券报",
    "cnstock.com": "上海证券报",
    "zqrb.cn": "证券日报",
    "jjckb.cn": "经济参考报",
    "ce.cn": "经济日报",
    "yicai.com": "第一财经",
    "ycwb.com": "羊城晚报",
    "yangtse.com": "扬子晚报",
    "thepaper.cn": "澎湃新闻",
}
"""Newspapers that print their web domain in the dateline: ``本报（chinatimes.net.cn）记者…``."""

NOT_PUBLISHERS = frozenset(
    {"原作者", "作者", "作者本人", "原著作权人", "著作权人", "本公众号", "本号", "本站", "本平台", "本网",
     "我们", "本文作者", "原创作者", "版权方", "原文作者", "平台", "本刊"}
)  # fmt: skip
"""Words a disclaimer uses for "the author" or "us": they name no publisher."""

# why: the longest real credit line seen (本文来自微信公众号… with 原文标题) is ~70 characters; a
# block twice that long is prose or a disclaimer, never a bare credit line.
MAX_CREDIT_CHARS = 150
# why: names and outlet names in credits are short; 24 characters covers 《21世纪经济报道》-like names
# and three joined names, and keeps clauses out.
MAX_NAME_CHARS = 24
MAX_NAMES_CHARS = 40  # several names joined by 、 or spaces

# Ranks: a higher rank wins when two lines disagree (``resolve_credits``); ties go to the earlier line.
RANK_SOURCE = 4  # 来源 / 本文来自 / 转载自: the text says where it comes from
RANK_ROLE = 3  # 作者 / 撰文 / 记者 …; 出品; 《刊名》; 本报（domain）
RANK_INDIRECT = 2  # 整理 / 编译; ``本文作者为 X`` attribution; ``X记者`` org
RANK_HINT = 1  # a disclaimer or follow-promo naming the publisher

# ---------------------------------------------------------------------------------------------
# The reading
# ---------------------------------------------------------------------------------------------


@dataclass
class Credit:
    """What one credit line says: field -> (value, rank)."""

    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    own_paper: bool = False  # ``本报记者…`` without a known paper name: the body's 《X》记者 names it

    def put(self, key: str, value: str, rank: int) -> None:
        """Keep the first value per field unless a later one ranks higher."""
        value = value.strip()
        if not value:
            return
        old = self.fields.get(key)
        if old is None or rank > old[1]:
            self.fields[key] = (value, rank)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, (v, _) in self.fields.items()}


_SEPARATOR_CHARS = "丨｜|︱︳/／:："
_DELIMS = "；;，,、|丨｜︱︳/／ \t"
_ALL_LABELS = sorted(
    {
        *AUTHOR_LABELS,
        *SECONDARY_AUTHOR_LABELS,
        *EDITOR_LABELS,
        *SOURCE_LABELS,
        *PRODUCER_LABELS,
        *IGNORED_LABELS,
        *ORIGINAL_LABELS,
    },
    key=len,
    reverse=True,
)
_LABEL_RE = re.compile(
    r"(?:^|(?<=[；;，,、|丨｜︱︳/／\s]))"
    r"(?P<label>" + "|".join(re.escape(label) for label in _ALL_LABELS) + r")"
    r"(?P<sep>\s*[" + re.escape(_SEPARATOR_CHARS) + r"]\s*|\s+|)",
    re.IGNORECASE,
)
_WS = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")
_PARENS = re.compile(r"[（(][^（()）]{0,30}[)）]")
_OUTER_BRACKETS = (("【", "】"), ("[", "]"), ("（", "）"), ("(", ")"), ("〔", "〕"), ("「", "」"))
_OUTER_LEFTS = tuple(left for left, _ in _OUTER_BRACKETS)
COURTESY_PHRASES = ("欢迎关注", "欢迎阅读", "敬请关注", "欢迎分享", "已获授权", "已获得授权", "经授权发布",
                    "经授权转载", "授权发布", "授权转载", "转载已获授权")  # fmt: skip
"""Courtesy notes that may end a credit line (``作者：李四，经授权发布``); cut before reading it."""
_COURTESY_TAIL = re.compile(r"[，,]?\s*(?:" + "|".join(COURTESY_PHRASES) + r")[。.!！]?$")
_COURTESY_ENDINGS = tuple(phrase + end for phrase in COURTESY_PHRASES for end in ("", "。", ".", "!", "！"))
"""The line endings _COURTESY_TAIL can match (a str.endswith test instead of a search through the line)."""
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;：:“”\"《》「」]")
_NAME_SPLIT = re.compile(r"[、，,\s/／&和与]+")
_ROLE_NOTE = re.compile(r"[（(](?:实习|实习生|特约|通讯员|见习|研究员|分析师|整理|编译)?[^（()）]{0,12}[)）]")
_DATELINE_TAIL = re.compile(r"\s*(?:发自|报道|综合报道)?\s*\S{0,8}?(?:报道|发自\S{2,8})$")

# Special whole-line forms: (name, regex). Checked before the labelled form.
_BRAND_INVERTED = re.compile(
    r"^《(?P<brand>[^《》]{1,20})》\s*(?P<names>[^《》/／|丨]{1,24}?)\s*[/／|丨]\s*(?:作者|文)$"
)
_BRAND_ROLE = re.compile(
    r"^《(?P<brand>[^《》]{1,20})》\s*(?:作者|记者|撰文|文)\s*[:：|丨/／]?\s*(?P<names>.{1,40})$"
)
_INVERTED = re.compile(r"^(?P<names>[^/／|丨:：]{1,24}?)\s*[/／|丨]\s*(?:作者|撰文|文)$")
_OWN_PAPER = re.compile(
    r"^本报(?:讯)?\s*(?:[（(](?P<domain>[^（()）]{3,40})[)）])?\s*"
    r"(?P<role>记者|实习记者|特约记者|见习记者|通讯员)\s*(?P<rest>.{1,40})$"
)
_ORG_REPORTER = re.compile(
    r"^(?P<org>[^\s，,。：:|丨/／]{2,12}?)(?:首席记者|特约记者|实习记者|见习记者|记者)\s*(?P<names>.{1,30})$"
)
_SUFFIX_PRODUCER = re.compile(r"^(?P<org>[^\s，,。：:|丨/／]{2,12})(?:联合)?出品$")
_AUTHORED_BY = re.compile(
    r"^(?:本文)?作者(?:为|是)\s*(?P<name>[^，,。]{1,24}?)\s*(?:[，,]\s*(?P<republisher>[^，,。]{1,16}?)"
    r"(?:经授权发布|经授权转载|授权发布|授权转载|获授权发布|经作者授权发布)?)?[。.]?$"
)
_NOTHING_TO_KEEP = re.compile(
    r"^(?:(?:部分)?(?:图片|素材|图文|文字)(?:来源|源)(?:于|自)?\s*(?:网络|互联网)(?:[，,]\s*(?:侵删|如有侵权请联系删除))?"
    r"|经(?:过)?\S{1,10}重新(?:编排|编辑|整理))$"
)
"""Credit-like lines that carry nothing to keep: they are removed, ``{}`` is returned."""
_URL_VALUE = re.compile(r"https?://[^\s<>\"'（）]+$", re.I)
_MARKDOWN_EMPHASIS = re.compile(r"\*+|_{2,}|`+")
_MARKDOWN_LEAD = re.compile(r"^(?:#{1,6}\s+|>\s*|[-+•·]\s+)+")
_EDITOR_CODE = re.compile(r"(?:_[A-Z]{1,3}\w*\d+|\s+[A-Z]{1,3}\d{2,})$")
"""Sina/Sohu-style staff codes after an editor's name: ``韩保林 PK155``, ``张三_NB1234``."""
_FROM_NETWORK = re.compile(
    r"^(?:本文|文章|信息|内容|资讯|消息)?(?:来源|源)(?:于|自)\s*(?P<src>网络|互联网|网络综合)[。.]?$"
)
_PHOTO_CREDIT = re.compile(r"(?:摄|摄影|供图|图)$")
_FUNCTION_CHARS = re.compile(r"[由的是了被将在把这那其让给向对从]")
_NOT_NAMES = re.compile(r"^(?:采访|表示|说|了解|获悉|注意到|发现|调查|手记|观察|探访|走访|实地|现场|独家)")
NOBODY = r"未知|佚名|匿名|不详|无|admin(?:istrator)?"
"""Placeholders written where a name should be ("作者：未知"): they name nobody (also read by the
generic adapter's byline cleaning)."""
_NOBODY = re.compile(rf"(?:{NOBODY})", re.I)


def _squash(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def _strip_outer(text: str) -> str:
    """Remove one pair of brackets around the whole line and trailing full stops."""
    text = text.strip()
    # why the guard: most lines open with no bracket, and then both rounds below change nothing
    for _ in range(2 if text.startswith(_OUTER_LEFTS) else 0):
        for left, right in _OUTER_BRACKETS:
            if text.startswith(left) and text.endswith(right) and text.count(left) == 1:
                text = text[len(left) : -len(right)].strip()
    return text.rstrip("。.!！ ").strip()


def _clean_value(value: str) -> str:
    """A value without separators around it and without ``（ID：…）`` / role notes."""
    value = value.strip(_DELIMS + "　")
    value = _PARENS.sub("", value)
    return _squash(value).strip(_DELIMS)


def _names(value: str) -> str | None:
    """``value`` when it reads as one or more person names, else ``None``."""
    value = _EDITOR_CODE.sub("", _squash(_ROLE_NOTE.sub("", value)).strip(_DELIMS))
    if not value or len(value) > MAX_NAMES_CHARS or _SENTENCE_PUNCT.search(value) or _NOT_NAMES.match(value):
        return None
    parts = [p for p in _NAME_SPLIT.split(value) if p]
    # why: a person or pen name is at most ~12 characters (Latin names a little more)
    if not parts or any(len(p) > 16 for p in parts) or len(parts) > 6:
        return None
    value = re.sub(r"\s*([、，,])\s*", r"\1", value)
    return value.replace("，", "、").replace(",", "、")


def _outlet(value: str) -> str | None:
    """``value`` when it reads as the name of an outlet or account, else ``None``."""
    value = _clean_value(value)
    if len(value) > 4:
        value = re.sub(r"(?:APP|App|app|客户端)$", "", value)  # 钛媒体APP is the outlet 钛媒体
    if not value or len(value) > MAX_NAME_CHARS or _SENTENCE_PUNCT.search(value):
        return None
    return value


_NOT_A_SOURCE = re.compile(r"侵权|删除|联系|请|如有|仅供|不代表|版权")


def _is_list(value: str) -> bool:
    return "、" in value or value.endswith("等") or bool(re.search(r"[，,]", value))


def _valid_list(value: str) -> bool:
    """A compiled source list: short outlet names, no clause (``网络，如有侵权请联系删除`` is none)."""
    parts = [p for p in re.split(r"[、，,]", value.removesuffix("等")) if p.strip()]
    # why: outlet names are short; a 13+ character "item" is a clause of a disclaimer
    return bool(parts) and len(value) <= 80 and all(len(p.strip()) <= 12 for p in parts)


_REPORTER_PREFIX = re.compile(
    r"^(?P<org>[^\s，,。：:|丨/／]{2,12}?)?(?:首席|特约|实习|见习|驻\S{1,4})?记者\s*(?P<names>\S.*)$"
)


def _split_reporter(value: str) -> tuple[str, str]:
    """``南都见习记者 林子沛`` → (``南都``, ``林子沛``); ``本报记者 X`` → ("", ``X``); else ("", value)."""
    m = _REPORTER_PREFIX.match(value.strip())
    if not m:
        return "", value
    org = m["org"] or ""
    if org in ("本报", "本刊", "本台", "本网") or _FUNCTION_CHARS.search(org):
        org = ""
    return org, m["names"]


def _is_caption_source(value: str) -> bool:
    low = value.lower()
    if any(v in low for v in DATA_VENDORS):
        return True
    return bool(CAPTION_SOURCE_WORDS.search(value))


def _put_source(credit: Credit, value: str, rank: int) -> bool:
    """Record a 来源-like value; False when it is a caption source (the line is no credit)."""
    raw = _squash(value).strip(_DELIMS)
    if not raw:
        return False
    cleaned = _clean_value(raw)
    if _is_caption_source(cleaned) or _NOT_A_SOURCE.search(cleaned):
        return False
    if _is_list(cleaned) and not _valid_list(cleaned):
        return False
    if _is_list(cleaned) or cleaned in VAGUE_SOURCES:
        # a compiled list or "网络" names no single publisher: a weaker source, never an account
        credit.put("source", cleaned, min(rank, RANK_INDIRECT))
        return True
    outlet = _outlet(cleaned)
    if outlet is None:
        return False
    credit.put("source", outlet, rank)
    credit.put("account", outlet, rank)
    return True


def _special_forms(line: str) -> Credit | None:
    """Whole-line shapes that are not ``label: value`` runs."""
    credit = Credit()
    if m := _BRAND_INVERTED.match(line):
        names = _names(m["names"])
        if names:
            credit.put("author", names, RANK_ROLE)
            credit.put("account", m["brand"].strip(), RANK_ROLE)
            return credit
    if m := _BRAND_ROLE.match(line):
        names = _names(m["names"])
        if names:
            credit.put("author", names, RANK_ROLE)
            credit.put("account", m["brand"].strip(), RANK_ROLE)
            return credit
    if m := _OWN_PAPER.match(line):
        rest = _squash(m["rest"])
        rest = re.sub(r"\s*(?:\S{2,8}报道|发自\S{2,8})$", "", rest)  # ``… 北京报道``
        names = _names(rest)
        if names:
            credit.put("author", names, RANK_ROLE)
            domain = (m["domain"] or "").strip().lower()
            paper = next(
                (v for d, v in PAPER_DOMAINS.items() if domain == d or domain.endswith("." + d)), None
            )
            if paper:
                credit.put("account", paper, RANK_ROLE)
                credit.put("source", paper, RANK_ROLE)
            else:
                credit.own_paper = True
            return credit
    if m := _FROM_NETWORK.match(line):
        credit.put("source", m["src"], RANK_SOURCE)
        return credit
    if m := _AUTHORED_BY.match(line):
        name = _names(m["name"]) or _outlet(m["name"])
        if name:
            # 钛媒体 style attribution: X is the contributing author *or* account; explicit
            # 作者 / 来源 lines beat it.
            credit.put("author", name, RANK_INDIRECT - 1)
            credit.put("account", name, RANK_INDIRECT)
            return credit
    # why the literal tests before three patterns: each needs that text (the line is stripped, so
    # "$" is its end), and the lazy name groups make the patterns try many lengths on every line
    if line.endswith("出品") and (m := _SUFFIX_PRODUCER.match(line)) and not _FUNCTION_CHARS.search(m["org"]):
        credit.put("account", m["org"], RANK_ROLE)
        return credit
    if "记者" in line and (m := _ORG_REPORTER.match(line)) and not _PHOTO_CREDIT.search(line):
        org = m["org"]
        rest = re.sub(r"\s*(?:\S{2,8}报道|发自\S{2,8})$", "", _squash(m["names"]))
        names = _names(rest)
        if names and not _FUNCTION_CHARS.search(org) and not org.startswith(("据", "对", "向", "告诉")):
            credit.put("author", names, RANK_ROLE)
            credit.put("source", org, RANK_INDIRECT)
            credit.put("account", org, RANK_INDIRECT)
            return credit
    if line.endswith(("作者", "撰文", "文")) and (m := _INVERTED.match(line)):
        names = _names(m["names"])
        if names:
            credit.put("author", names, RANK_ROLE)
            return credit
    return None


def _labelled(line: str) -> Credit | None:
    """``label sep value`` runs covering the whole line (``作者 | 周沫；编辑 | 倩君；来源 | 红餐网``)."""
    if _LABEL_RE.match(line) is None:
        return None  # why first: the runs must start at the line's start; most lines do not, and
        # a search through the whole line for the (case-insensitive) labels is the slow part
    matches = []
    for m in _LABEL_RE.finditer(line):
        label = m["label"]
        if not m["sep"] and label not in OPTIONAL_SEPARATOR_LABELS:
            continue
        if m["sep"].strip() == "" and m["sep"] and label in ("文", "图", "摄", "数据", "联系", "合作"):
            continue  # why: a bare space after 文 / 图 is prose (``文 中 …``) far more often than a credit
        matches.append(m)
    if not matches or matches[0].start() != 0:
        return None
    # segments: label -> value up to the next label
    segments: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        segments.append((m["label"], line[m.end() : end]))
    labels = [label for label, _ in segments]
    credit = Credit()
    meaningful = nothing_only = False
    writer_named = any(label in AUTHOR_LABELS and label != "文" for label in labels)
    for i, (label, raw) in enumerate(segments):
        value = raw.strip(_DELIMS + "　")
        if label in CAPTION_LABELS:
            continue
        if (
            not value
            and i + 1 < len(segments)
            and label in AUTHOR_LABELS
            and segments[i + 1][0] in AUTHOR_LABELS
        ):
            continue  # ``文/记者 李四``: two writing roles for one value
        if label in NOTHING_LABELS or label.upper() in {"ID", "微信ID"}:
            if not value or (label not in TITLE_LABELS and _SENTENCE_PUNCT.search(_clean_value(value))):
                return None
            nothing_only = True
            continue
        if not value:
            return None
        if label in ORIGINAL_LABELS:
            url = _URL_VALUE.match(value.strip())
            if url:
                credit.put("original_url", url.group(0), RANK_SOURCE)
            elif (outlet := _outlet(value)) is not None and not re.search(r"[，,]", outlet):
                credit.put("source", outlet, RANK_INDIRECT)
            else:
                return None
            meaningful = True
        elif label in SOURCE_LABELS:
            if not _put_source(credit, value, RANK_SOURCE):
                return None
            meaningful = True
        elif label in PRODUCER_LABELS:
            outlet = _outlet(value)
            if outlet is None:
                return None
            credit.put("account", outlet, RANK_ROLE)
            meaningful = True
        elif label == "文" and writer_named:
            # ``文 | 看见美业，作者 | 此间少年``: 文 names the producing account
            outlet = _outlet(value)
            if outlet is None:
                return None
            credit.put("account", outlet, RANK_ROLE)
            meaningful = True
        elif label in AUTHOR_LABELS and _NOBODY.fullmatch(_clean_value(value)):
            nothing_only = True  # ``作者：未知``: a credit line that names no author
        elif label in AUTHOR_LABELS:
            # ``采写：南都见习记者 林子沛``: the value carries the outlet and the role before the names
            org, value = _split_reporter(value)
            names = _names(value)
            if names is None:
                return None
            credit.put("author", names, RANK_ROLE)
            if org:
                credit.put("source", org, RANK_INDIRECT)
                credit.put("account", org, RANK_INDIRECT)
            meaningful = True
        elif label in SECONDARY_AUTHOR_LABELS:
            names = _names(value)
            if names is None:
                return None
            credit.put("author", names, RANK_INDIRECT)
            meaningful = True
        elif label in EDITOR_LABELS:
            names = _names(value)
            if names is None:
                return None
            rank = RANK_ROLE if label in PRIMARY_EDITOR_LABELS else RANK_INDIRECT
            credit.put("editor", _EDITOR_CODE.sub("", names), rank)
            meaningful = True
    return credit if meaningful or nothing_only else None


def read_credit(text: str) -> Credit | None:
    """Read a whole block as a credit line; ``None`` when it is anything else (see module doc)."""
    text = text or ""
    if "*" in text or "_" in text or "`" in text:  # why: re would try the pattern at every character
        text = _MARKDOWN_EMPHASIS.sub("", text)
    line = _squash(_MARKDOWN_LEAD.sub("", text))
    if not line or len(line) > MAX_CREDIT_CHARS:
        return None
    line = _strip_outer(line)
    if _NOTHING_TO_KEEP.match(line):
        return Credit()
    line = (_COURTESY_TAIL.sub("", line) if line.endswith(_COURTESY_ENDINGS) else line).strip()
    if not line:
        return None
    return _special_forms(line) or _labelled(line)


def parse_credit(text: str) -> dict[str, str] | None:
    """The metadata of a whole-block credit/source line, or ``None`` (the contract of this module)."""
    credit = read_credit(text)
    return credit.as_dict() if credit is not None else None


# ---------------------------------------------------------------------------------------------
# Publisher hints: a disclaimer or promo that names who publishes the text (weakest evidence)
# ---------------------------------------------------------------------------------------------

_HINTS = (
    # 更多精彩内容，关注钛媒体微信号（ID：taimeiti）… / 关注“九派财经”（微信号:JPCJnews）
    re.compile(
        r"关注\s*[“\"「]?(?P<name>[^“”\"「」，,。（(\s]{2,12}?)[”\"」]?\s*(?:官方)?(?:微信公众号|公众号|微信号|视频号)"
    ),
    re.compile(r"关注\s*[“\"「](?P<name>[^“”\"「」]{2,12})[”\"」]\s*[（(]\s*(?:微信号|ID|微信ID)"),
    # 记得先点蓝字“锌刻度”关注我哦
    re.compile(r"蓝字\s*[“\"「](?P<name>[^“”\"「」]{2,12})[”\"」]"),
    # …，市值观察不对因采纳本文而产生的任何行动承担任何责任
    re.compile(
        r"(?:^|[，,。；;：:\s])(?P<name>[^，,。；;：:\s]{2,12}?)(?:均|并)?不对(?:因)?(?:采纳|使用|依据|根据)本文"
    ),
    # 版权均归金证研所有
    re.compile(r"版权(?:均)?(?:归|属于)(?P<name>[^，,。；;\s所]{2,12}?)所有"),
    # 不代表虎嗅立场 / 不代表腾讯网的观点和立场
    re.compile(r"不代表(?P<name>[^，,。；;\s]{2,12}?)(?:的)?(?:观点和|观点及|观点或)?(?:观点|立场)"),
    # 喜欢这篇文章？去 App 商店搜 好奇心日报 ，每天看点不一样的。
    re.compile(
        r"(?:App\s*商店|应用商店|应用市场|App\s*Store)\s*(?:里|中)?\s*搜(?:索)?\s*[“\"「]?(?P<name>[^“”\"「」，,。\s]{2,12})"
    ),
    # 本文首发于钛媒体APP
    re.compile(
        r"本文首发于\s*(?P<name>[^，,。；;\s（(]{2,12}?)(?:APP|App|app|客户端|微信公众号|公众号)?(?:[，,。；;）)]|$)"
    ),
)
_HINT_SUFFIXES = re.compile(r"(?:APP|App|app|客户端|官方|平台)$")


def publisher_hint(text: str) -> str | None:
    """The publisher a disclaimer, copyright note or follow-promo names, if any.

    Weak evidence, used only when no credit line names the account: a republisher's promo
    (``关注“九派财经”``) must not beat the original's ``【来源：德州日报】``.
    """
    line = _squash(text)
    if not line or len(line) > 600:  # why: disclaimers run to a few hundred characters, articles more
        return None
    for pattern in _HINTS:
        m = pattern.search(line)
        if not m:
            continue
        name = _HINT_SUFFIXES.sub("", m["name"].strip('“”"「」 ')).strip()
        if len(name) >= 2 and name not in NOT_PUBLISHERS and not _FUNCTION_CHARS.search(name):
            return name
    return None


# ---------------------------------------------------------------------------------------------
# Resolution over a whole body
# ---------------------------------------------------------------------------------------------

# why: credits sit in the first few and last few blocks; 8 covers a dek + 5-line credit block
# (创业最前线), a 划重点 list before the byline (棱镜) and a 5-block tail (德州日报).
CREDIT_WINDOW = 8
_OWN_PAPER_IN_BODY = re.compile(r"《(?P<name>[^《》]{2,12})》(?:记者|报道|获悉|了解到|注意到)")
FIELDS = ("author", "account", "source", "editor", "original_url")


def credit_windows(blocks: Sequence[str], window: int = CREDIT_WINDOW) -> list[tuple[int, str]]:
    """The (index, text) of the blocks where credit lines are looked for: head and tail windows."""
    n = len(blocks)
    picked = list(range(min(window, n))) + list(range(max(window, n - window), n))
    return [(i, blocks[i]) for i in picked]


def _lines(block: str) -> Iterable[str]:
    yield block
    parts = [p for p in re.split(r"\n+", block) if p.strip()]
    if len(parts) > 1:
        yield from parts


def resolve_credits(
    blocks: Sequence[str], *, body_text: str = "", captions: Collection[int] = ()
) -> dict[str, str]:
    """author / account / source / editor for a body whose text blocks are ``blocks`` (in order).

    Every head/tail block (and each of its lines) is read with ``read_credit``; disclaimers and
    promos add ``publisher_hint`` at the lowest rank. Per field the highest rank wins, ties go to
    the earliest block. A ``本报记者`` dateline without a known paper takes the paper the body
    names as ``《X》记者``. ``captions`` are the indexes of blocks sitting right under a picture or
    table: a bare ``来源：X`` there may credit the picture rather than the article, so it only counts
    as weak evidence (a banner image often precedes the real ``【来源：…】`` line too).
    """
    best: dict[str, tuple[int, int, str]] = {}  # key -> (rank, -position, value)
    own_paper = False

    def offer(key: str, value: str, rank: int, pos: int) -> None:
        cand = (rank, -pos, value)
        if key not in best or cand[:2] > best[key][:2]:
            best[key] = cand

    for pos, block in credit_windows(blocks):
        for line in _lines(block):
            credit = read_credit(line)
            if credit is not None:
                own_paper = own_paper or credit.own_paper
                source_only = set(credit.fields) <= {"source", "account"}
                for key, (value, rank) in credit.fields.items():
                    if pos in captions and source_only:
                        rank = min(rank, RANK_INDIRECT)
                    offer(key, value, rank, pos)
                break
        else:
            hint = publisher_hint(block)
            if hint:
                offer("account", hint, RANK_HINT, pos)
    if own_paper and body_text:
        named = Counter(m["name"] for m in _OWN_PAPER_IN_BODY.finditer(body_text))
        if named:
            name = named.most_common(1)[0][0]
            offer("account", name, RANK_ROLE, len(blocks))
            offer("source", name, RANK_ROLE, len(blocks))
    return {key: best[key][2] for key in FIELDS if key in best}


def merge_credits(lines: Iterable[str], hints: Iterable[str] = ()) -> dict[str, str]:
    """Merge credit lines already chosen (e.g. the blocks a cleaner removed as ``credit``) by rank.

    For a caller that picks the credit blocks itself: per field the highest-ranked value wins, ties
    go to the first line, so ``德州融媒出品`` … ``【来源：德州日报】`` gives the account 德州日报 where a
    first-wins merge would give 德州融媒. ``hints`` (removed promos and disclaimers) only add a
    ``publisher_hint`` account when no line names one.
    """
    best: dict[str, tuple[int, int, str]] = {}
    for pos, line in enumerate(lines):
        credit = read_credit(line)
        for key, (value, rank) in (credit.fields if credit else {}).items():
            if key not in best or (rank, -pos) > best[key][:2]:
                best[key] = (rank, -pos, value)
    if "account" not in best:
        for text in hints:
            if hint := publisher_hint(text):
                best["account"] = (RANK_HINT, 0, hint)
                break
    return {key: best[key][2] for key in FIELDS if key in best}
