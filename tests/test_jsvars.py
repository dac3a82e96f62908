"""scraper.jsvars: reading the JavaScript data of WeChat pages without a JS engine."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.jsvars import (
    UNKNOWN,
    JsPage,
    LazyObject,
    document_writes,
    html_decode,
    inner_html_assignments,
    js_assignments,
    js_decode,
    js_literal,
    js_object,
    js_record,
    js_unescape,
    js_var,
    object_member,
    parse_js_value,
)

# --- string decoding


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (r"a\x26amp;b", "a&amp;b"),
        (r"line\x0aline", "line\nline"),
        (r"\u4e2d\u6587", "中文"),
        (r"\u{1F600}", "😀"),
        (r"\ud83d\ude00", "😀"),
        (r"it\'s \"quoted\" \\ back", 'it\'s "quoted" \\ back'),
        ("con\\\ntinued", "continued"),
        (r"tab\there", "tab\there"),
        ("plain 中文", "plain 中文"),
        (r"\u003Cp\u003E\'a\' \x41\n", "<p>'a' A\n"),  # Toutiao's BASE_DATA bodies
    ],
)
def test_js_unescape(body: str, expected: str) -> None:
    assert js_unescape(body) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\\", "u003C", "u002F", "u003c", "x26", '"', "'", "n", "a", "中", "\n"])))
def test_js_unescape_fast_path_equals_one_regex_pass(pieces: list[str]) -> None:
    # the plain replaces for Toutiao's \u003C… must give what the escape regex alone gives
    from scraper.jsvars import _ESCAPE, _escape_repl

    body = "".join(pieces)
    assert js_unescape(body) == _ESCAPE.sub(_escape_repl, body)


def test_js_decode_turns_literal_escapes_left_in_values_into_characters() -> None:
    assert js_decode(r"a\x0ab\x26c\x22d\x27e\x3cf\x3e\x5c") == "a\nb&c\"d'e<f>\\"


def test_html_decode_covers_wechats_entity_list() -> None:
    assert html_decode("&#39;&quot;&gt;&lt;&amp;&yen;&nbsp;") == "'\"><&¥\u00a0"


# --- expressions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"1762747210";', "1762747210"),
        ("'0' * 1,", 0),
        ("'' * 1 || 0", 0),
        ('"" || "" || "2650971238";', "2650971238"),
        ('"MzIy" || "";', "MzIy"),
        ("'true' === 'true' ? 1 : 0", 1),
        ("'false' == 'true' ? 1 : 0", 0),
        ('htmlDecode("a &amp; b")', "a & b"),
        ("JsDecode('x\\\\x0ay')", "x\ny"),
        ("'标题&quot;'.html(false);", '标题"'),
        ("12.5", 12.5),
        ("-3", -3),
        ("true", True),
        ("null", None),
        ("'a' + 'b'", "ab"),
        ("`template`", "template"),
        # Toutiao's BASE_DATA: entity-wrapped strings cut by slice, galleries as JSON.parse of a string
        ("'&quot;标题&quot;'.slice(6, -6),", "标题"),
        ("'abc'.slice(1)", "bc"),
        ("'abc'.slice()", "abc"),
        ("'abc'.slice(-2, 10)", "bc"),
        ("'abc'.slice(2, 1)", ""),
        ("'abc'.slice(1.9, -0.5)", ""),
        ("'\U0001f600x'.slice(1)", "\ude00x"),  # JS counts UTF-16 code units: half a surrogate pair
        ("'\U0001f600x'.slice(2)", "x"),
        ('JSON.parse("{\\"n\\": [1, \\"a\\\\u002Fb\\"]}")', {"n": [1, "a/b"]}),
        ("JSON.parse('[true, null]')", [True, None]),
    ],
)
def test_parse_js_value_literals(source: str, expected: object) -> None:
    value, _ = parse_js_value(source)
    assert value == expected


@pytest.mark.parametrize(
    "source",
    [
        "opt.biz || window.biz;",
        "getBiz()",
        "xml ? getXmlValue('a') : 'b'",
        "params['uin'] || ''",
        "new Date()",
        "'abc'.slice(start)",
        "'abc'.substr(1)",
        "JSON.parse('{bad')",  # JS throws
        "JSON.parse('NaN')",  # Python's json would accept it; JSON.parse throws
        "JSON.parse(text)",
        "JSON.stringify('a')",
    ],
)
def test_non_literal_expressions_are_unknown(source: str) -> None:
    assert parse_js_value(source)[0] is UNKNOWN


def test_object_literal_with_wechat_forms() -> None:
    source = """{
        base_resp: { ret: '0' * 1, errmsg: JsDecode('ok'), },
        'quoted key': "v",
        nick_name: JsDecode('轩辕'),
        list: [ { cdn_url: 'https://a/0?wx_fmt=png\\x26amp;from=appmsg' }, ],
        fn: function(a) { return a > 1 ? "x" : 'y'; },
        skipped: someVariable.member,
        method() { return 1; },
        flag: 'true' === 'true' ? 1 : 0,
        last: 7,
    }"""
    value, _ = parse_js_value(source)
    assert value == {
        "base_resp": {"ret": 0, "errmsg": "ok"},
        "quoted key": "v",
        "nick_name": "轩辕",
        "list": [{"cdn_url": "https://a/0?wx_fmt=png&amp;from=appmsg"}],
        "flag": 1,
        "last": 7,
    }


def test_broken_input_never_raises() -> None:
    for source in ["{a: 'unterminated", "{{{{", "", "((((", "{a: [1, 2", "'" * 3, "/"]:
        parse_js_value(source)


# --- finding assignments


PAGE = """
<script>
var biz = null;
var biz = "MzIyNjMxOTY0NA==" || "";
var mid = opt.mid || window.mid;
var mid = "" || "" || "2247504179";
var ct = "1762747210";
var msg_desc = htmlDecode("");
var msg_title = 'AI\\x26amp;编程'.html(false);
d.title = "分享图片";
_g.item_show_type = "8";
window.desc = "第一段\\x0a\\x0a第二段";
xct = "999";
var link = "https://mp.weixin.qq.com/s?__biz=X==\\x26amp;mid=2247490207\\x26amp;idx=1";
window.cgiDataNew = {title: JsDecode('标题'), mid: '2247504179' * 1, tags: [{tag_name: JsDecode('专题')}]};
</script>
"""


def test_js_var_takes_the_first_nonempty_literal() -> None:
    assert js_var(PAGE, "biz") == "MzIyNjMxOTY0NA=="
    assert js_var(PAGE, "mid") == "2247504179"
    assert js_var(PAGE, "ct") == "1762747210"
    assert js_var(PAGE, "msg_title") == "AI&编程"
    assert js_var(PAGE, "item_show_type") == "8"  # _g.item_show_type
    assert js_var(PAGE, "window.desc") == "第一段\n\n第二段"


def test_js_var_empty_vs_absent() -> None:
    assert js_var(PAGE, "msg_desc") == ""
    assert js_var(PAGE, "msg_source_url") is None


def test_dotted_names_match_only_themselves() -> None:
    assert js_var(PAGE, "d.title") == "分享图片"
    assert js_var(PAGE, "title", owners=()) is None  # d.title is not a bare "title" assignment
    assert js_var(PAGE, "title") == "分享图片"  # d is one of the default owners (WeChat's cgiData)


def test_names_inside_other_identifiers_or_urls_do_not_match() -> None:
    assert js_var(PAGE, "ct") == "1762747210"  # not xct
    # "mid=2247490207" inside a URL string is not an assignment
    assert list(js_assignments('<a href="/s?a=1&amp;mid=2247490207&amp;idx=1">', "mid")) == []
    assert js_var(PAGE, "idx") is None  # only inside the link string


def test_js_object_and_literal() -> None:
    data = js_object(PAGE, "cgiDataNew", ("window",))
    assert data == {"title": "标题", "mid": 2247504179, "tags": [{"tag_name": "专题"}]}
    assert js_literal(PAGE, "window.cgiDataNew")["title"] == "标题"
    assert js_object(PAGE, "nothing") is None


def test_a_line_break_ends_an_assignment_without_semicolon() -> None:
    # Toutiao: "var BASE_DATA = {…}" and, on a later line, "BASE_DATA.galleryInfo = {…}" (no ";")
    script = "var BASE_DATA = {\n  mediaInfo: {name: '去驴行'}\n}\n\n  BASE_DATA.galleryInfo = {title: 'x'}\n"
    assert js_object(script, "BASE_DATA") == {"mediaInfo": {"name": "去驴行"}}
    assert JsPage(script, ["BASE_DATA"]).object("BASE_DATA") == {"mediaInfo": {"name": "去驴行"}}
    assert js_object(script, "BASE_DATA.galleryInfo") == {"title": "x"}
    assert js_var("var a = 'x' // note\nvar b = 1", "a") == "x"
    # on one line, a value followed by more code is not the whole statement
    assert js_var("var a = 'x' b = 1", "a") is None
    assert js_var("var a = 'x' /* c */ b", "a") is None


# --- script-written text


def test_document_writes_and_inner_html() -> None:
    script = """
    document.write("第一行\\n第二行".replace(/\\r/g,"").replace(/\\n/g,"<br>"));
    if (!window.__second_open__) {
        document.getElementById('js_video_desc').innerHTML = "视频介绍".replace(/\\s/g,"&nbsp;");
    }
    document.write('<div class="weui-msg">\\
        <h2 class="weui-msg__title">验证身份</h2>\\
    </div>');
    """
    assert document_writes(script) == [
        "第一行\n第二行",
        '<div class="weui-msg">        <h2 class="weui-msg__title">验证身份</h2>    </div>',
    ]
    assert inner_html_assignments(script) == {"js_video_desc": "视频介绍"}


def test_large_page_is_fast() -> None:
    filler = "<script>" + ("function f(a){ var x = a.mid || 1; return x; }\n" * 60_000) + "</script>"
    page = filler + '<script>var ct = "1700000000";</script>' + filler
    start = time.perf_counter()
    assert js_var(page, "ct") == "1700000000"
    assert js_var(page, "msg_title") is None
    # why: two scans of a ~6 MB page; generous bound for slow CI machines
    assert time.perf_counter() - start < 2.0


# --- one page, many names (JsPage) and lazily read objects (LazyObject)

MANY_NAMES_PAGE = """<html><head><script>
var biz = "" || "MzI=";
    var __biz = 'under';
d.biz = "dotted";
var xmid = "inside another name"; var mid = "2247" || "";
window.ct  \n  = "1700000000" * 1;
if (ct == 3) { ct => 1 }
var msg_title = '标题'.html(false);
d.title = "d's title"; title = 'bare';
var idx=1
</script></head><body class="x" id="mid" title="attr">
<a
 sn="3"
>link</a> mid = 7 var sn = "text";</body></html>"""

INDEXED = ("biz", "__biz", "d.biz", "mid", "ct", "msg_title", "d.title", "title", "idx", "sn", "absent")


@pytest.mark.parametrize("name", [*INDEXED, "xmid", "not.indexed"])
@pytest.mark.parametrize("owners", [("window", "_g", "d"), ("window",)])
def test_js_page_answers_like_the_module_functions(name: str, owners: tuple[str, ...]) -> None:
    page = JsPage(MANY_NAMES_PAGE, INDEXED)
    assert list(page.assignments(name, owners)) == list(js_assignments(MANY_NAMES_PAGE, name, owners))
    assert page.var(name, owners) == js_var(MANY_NAMES_PAGE, name, owners)


_JS_PIECES = ["mid", "biz", "__biz", "d.", "window.", "var ", "x", " ", "\n", "\t", "=", "==", "=>", ";",
              '"v"', "'1'", "{", "}", "(", ")", ",", ":", "<p ", ">", "d.mid", "ct", "a"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_JS_PIECES), max_size=40))
def test_js_page_finds_the_same_assignments_as_one_scan_per_name(pieces: list[str]) -> None:
    text = "".join(pieces)
    page = JsPage(text, ("mid", "biz", "__biz", "d.mid", "ct"))
    for name in ("mid", "biz", "__biz", "d.mid", "ct"):
        assert list(page.assignments(name)) == list(js_assignments(text, name))


CGI_PAGE = """window.cgiDataNew = {
    title: JsDecode('\\x26lt;T\\x26gt;'),
    mid: '2247504179' * 1,
    flag: 'true' === 'true' ? 1 : 0,
    nested: {a: [1, {b: "c"}], d: 'e'},
    pattern: /[,}]/g,
    after: "still read",
    unknown: someVariable,
    twice: "first", twice: "second", twice: opt.x,
    content_noencode: JsDecode('\\x3cp\\x3ebody\\x3c/p\\x3e'),
};"""


def test_lazy_object_reads_members_like_js_object() -> None:
    eager = js_object(CGI_PAGE, "cgiDataNew", ("window",))
    lazy = JsPage(CGI_PAGE, ("cgiDataNew",)).object("cgiDataNew", ("window",))
    assert isinstance(lazy, LazyObject)
    assert eager is not None and dict(lazy) == eager
    assert lazy["twice"] == "second"  # the last literal of a repeated key, as js_object
    assert "unknown" not in lazy and lazy.get("unknown") is None
    assert lazy["after"] == "still read"  # the regex literal's "," and "}" did not end the member early


def test_lazy_object_reads_only_what_is_asked_for() -> None:
    lazy = JsPage(CGI_PAGE, ("cgiDataNew",)).object("cgiDataNew", ("window",))
    assert lazy is not None and lazy["mid"] == 2247504179
    assert set(lazy._read) == {"mid"}  # type: ignore[attr-defined]


def test_lazy_object_falls_back_for_larger_expressions_and_keeps_siblings_of_a_broken_member() -> None:
    text = 'window.cgiDataNew = {a: "1"} || {};\nvar other = {bad: "\\u{110000}", good: "kept"};'
    page = JsPage(text, ("cgiDataNew", "other"))
    assert dict(page.object("cgiDataNew", ("window",)) or {}) == {"a": "1"}
    other = page.object("other")
    assert other is not None and other["good"] == "kept" and "bad" not in other
    assert js_object(text, "other") is None  # read eagerly, the broken member hides the whole object


_MEMBERS = ['a: "x"', "b: 1", "a: 'y' * 1", "c: {d: [1, 'e']}", "r: /[,}]/", "u: foo", "v: foo.bar(1)",
            "w: 1 ? 'p' : 'q'", "s: JsDecode('\\x26')", "...rest", "m() {}", "t: `tpl`", "k", "'q': 2",
            "n: [/]/, 3]", "o: a / b", "x: (1, 2)", "// note\n y: 3", "z: }", "e: [",
            '"j": {"k": [1, "l"], "m": {}}', "g: {h: 'i'} || {}", "f: {p: 1}.p",
            "'qq': {'r': 2}", 'c: {d: "over"}']  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MEMBERS), max_size=8), st.sampled_from(["", " || {}", ".x", ")"]))
def test_lazy_object_equals_the_eager_object(members: list[str], tail: str) -> None:
    text = "var o = {" + ", ".join(members) + "}" + tail + ";"
    eager = js_object(text, "o")
    lazy = JsPage(text, ("o",)).object("o")
    assert (dict(lazy) if lazy is not None else None) == eager


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MEMBERS), max_size=8))
def test_object_member_is_the_eager_member(members: list[str]) -> None:
    text = "var o = {" + ", ".join(members) + "};"
    eager = js_object(text, "o")
    lazy = JsPage(text, ("o",)).object("o")
    for key in ("a", "c", "g", "j", "qq", "f", "nothing"):
        value = (eager or {}).get(key)
        found = object_member(lazy, key)
        assert (dict(found) if found is not None else None) == (value if isinstance(value, dict) else None)


def test_object_member_reads_a_record_lazily() -> None:
    text = (
        "var BASE_DATA = {articleInfo: {title: 'x'.slice(0), content: '<p>a</p>', tags: [{\"name\": 't'}]}};"
    )
    record = object_member(JsPage(text, ("BASE_DATA",)).object("BASE_DATA"), "articleInfo")
    assert isinstance(record, LazyObject) and record["title"] == "x"
    assert set(record._read) == {"title"}  # type: ignore[attr-defined]
    assert object_member({"a": {"b": 1}, "c": 2}, "a") == {"b": 1}
    assert object_member({"c": 2}, "c") is None and object_member(None, "a") is None


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=5), _JSON_VALUES, max_size=4), st.booleans())
def test_a_json_object_reads_as_the_js_reader_reads_it(data: dict[str, object], ascii_only: bool) -> None:
    # ifeng's "var allData = {…JSON…}" goes to the JSON decoder; the value must be the JS reader's
    import json

    text = "var allData = " + json.dumps(data, ensure_ascii=ascii_only) + ";"
    assert JsPage(text, ("allData",)).object("allData") == js_object(text, "allData")
    assert js_record(text, "allData") == js_object(text, "allData")


@pytest.mark.parametrize(
    "literal",
    [
        '{"a": "\\ud800"}',  # a lone surrogate escape: the JS reader's U+FFFD, not the decoder's surrogate
        '{"a": "\\ud83d\\ude00", "b": 1}',
        '{"a": NaN, "b": 1}',  # Python's json accepts NaN; JS data has no such literal
        '{"a": 1} || {}',
        '{"a": [1, 2]}.a',
        '{"a": 1, "b": {"c": "\\u{41}"}}',  # JS escapes, not JSON
        "{}",
    ],
)
def test_json_like_objects_read_as_the_js_reader_reads_them(literal: str) -> None:
    text = f"var allData = {literal};"
    lazy = JsPage(text, ("allData",)).object("allData")
    assert (dict(lazy) if lazy is not None else None) == js_object(text, "allData")
