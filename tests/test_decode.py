"""Our own decoding: BOM > header > <meta> prescan > detector, GB labels as GB18030, lies detected."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.decode import decode, detect, encoding_for_label, header_charset, prescan
from scraper.models import RawPage
from tests.corpus import manifest

ZH = "中华人民共和国的朝鲜族学者朱镕基、李堃与陶喆今天在北京讨论了档案保存的问题。"
GBK_ONLY = "镕堃喆"  # in GBK/GB18030, not in GB2312: a gb2312 decoder would lose them
FOUR_BYTE = "𠀀𪚥𠮷"  # GB18030 four-byte sequences (CJK Extension B)


def html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>标题</title></head><body><p>{body}</p></body></html>"


# --------------------------------------------------------------------------------------------------
# The WHATWG order


def test_utf8_bom_beats_a_gbk_header() -> None:
    body = codecs.BOM_UTF8 + html(ZH).encode("utf-8")
    d = decode(body, "text/html; charset=gbk")
    assert (d.encoding, d.source, d.suspect) == ("utf-8", "bom", False)
    assert d.text == html(ZH)  # the BOM itself is not part of the text


@pytest.mark.parametrize("bom, codec, name", [(codecs.BOM_UTF16_LE, "utf-16-le", "utf-16le"),
                                              (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16be")])  # fmt: skip
def test_utf16_boms(bom: bytes, codec: str, name: str) -> None:
    d = decode(bom + html(ZH).encode(codec), "text/html; charset=utf-8")
    assert (d.text, d.encoding, d.source) == (html(ZH), name, "bom")


def test_header_beats_a_disagreeing_meta() -> None:
    page = html(ZH, '<meta charset="utf-8">')
    d = decode(page.encode("gbk"), "text/html; charset=GBK")
    assert (d.text, d.encoding, d.source, d.suspect) == (page, "gb18030", "header", False)
    page = html(ZH, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    d = decode(page.encode("utf-8"), 'text/html; charset="utf-8"')
    assert (d.text, d.encoding, d.source, d.suspect) == (page, "utf-8", "header", False)


def test_meta_charset_gb2312_decodes_gbk_only_characters_as_gb18030() -> None:
    page = html(ZH + GBK_ONLY, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    body = page.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # the trap: a literal gb2312 decoder fails (or, with errors=, loses them)
    d = decode(body, "text/html")
    assert (d.encoding, d.source, d.replacements, d.suspect) == ("gb18030", "meta", 0, False)
    assert GBK_ONLY in d.text and d.text == page


def test_meta_after_byte_1024_is_ignored() -> None:
    padding = "<!-- " + "x" * 1100 + " -->"
    page = "<html><head>" + padding + '<meta charset="windows-1252"></head><body>' + ZH + "</body></html>"
    assert prescan(page.encode("utf-8")) is None
    d = decode(page.encode("utf-8"))
    assert (d.encoding, d.source) == ("utf-8", "detector")
    # the same page in GBK: the late meta (which says gb2312) is not read; the detector finds GB18030
    late = (
        "<html><head>" + padding + '<meta charset="gb2312"></head><body>' + ZH * 3 + "</body></html>"
    ).encode("gbk")
    d = decode(late)
    assert (d.encoding, d.source, d.replacements) == ("gb18030", "detector", 0)
    assert ZH in d.text


def test_meta_inside_a_comment_or_a_script_string_is_ignored() -> None:
    commented = b'<html><head><!-- <meta charset="windows-1252"> --><title>t</title>'
    assert prescan(commented) is None
    assert decode(commented + ZH.encode("utf-8")).source == "detector"
    scripted = b'<head><script>document.write("<meta charset=windows-1252>")</script><meta charset="gbk">'
    assert prescan(scripted) == "gb18030"
    styled = b'<head><style>/* <meta charset=big5> */</style><meta charset="utf-8">'
    assert prescan(styled) == "utf-8"


def test_no_charset_anywhere_four_byte_gb18030_is_detected() -> None:
    page = html((ZH + FOUR_BYTE) * 2)
    d = decode(page.encode("gb18030"))
    assert (d.encoding, d.source, d.replacements) == ("gb18030", "detector", 0)
    assert FOUR_BYTE in d.text and d.text == page


def test_header_utf8_but_bytes_gbk_is_redecoded_and_suspect() -> None:
    page = html(ZH * 2)
    d = decode(page.encode("gbk"), "text/html; charset=utf-8")
    assert (d.encoding, d.source, d.suspect) == ("gb18030", "detector", True)
    assert d.text == page


def test_utf8_with_one_stray_byte_stays_utf8_and_counts_the_loss() -> None:
    body = html(ZH).encode("utf-8").replace("今天".encode(), "今天".encode() + b"\xff")
    d = decode(body, "text/html; charset=utf-8")
    assert (d.encoding, d.source, d.suspect, d.replacements) == ("utf-8", "header", True, 1)
    assert d.text.count("\ufffd") == 1


def test_declared_gb2312_but_bytes_are_utf8() -> None:
    """A CMS that converted its pages to UTF-8 but kept the old meta (seen in the corpus)."""
    page = html(ZH, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    d = decode(page.encode("utf-8"))
    assert (d.text, d.encoding, d.suspect) == (page, "utf-8", True)


def test_replacements_are_counted_for_a_broken_gb_page() -> None:
    body = html(ZH).encode("gbk") + b"\xff\xff"
    d = decode(body, "text/html; charset=gbk")
    assert d.encoding == "gb18030" and d.replacements >= 1 and d.suspect
    assert ZH in d.text


def test_a_page_that_contains_u_fffd_itself_is_not_a_loss() -> None:
    d = decode(html("替换字符\ufffd").encode("utf-8"), "text/html; charset=utf-8")
    assert (d.replacements, d.suspect) == (0, False)


def test_ascii_page_without_declaration_defaults_to_utf8() -> None:
    d = decode(b"<html><body>plain</body></html>")
    assert (d.text, d.encoding, d.source, d.suspect) == (
        "<html><body>plain</body></html>",
        "utf-8",
        "default",
        False,
    )


def test_raw_page_text_uses_the_response_header() -> None:
    page = RawPage(
        url="https://www.163.com/a.html",
        final_url="https://www.163.com/a.html",
        status=200,
        headers=(("Content-Type", "text/html; charset=GB2312"),),
        body=html(GBK_ONLY).encode("gb18030"),
        fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert page.text() == html(GBK_ONLY)


# --------------------------------------------------------------------------------------------------
# Labels, header parsing, prescan details


@pytest.mark.parametrize(
    "label", ["gb2312", "GBK", "x-gbk", "gb_2312-80", "cp936", "GB18030", "chinese", " gb2312 "]
)
def test_gb_labels_are_gb18030(label: str) -> None:
    assert encoding_for_label(label) == "gb18030"


def test_other_labels() -> None:
    assert encoding_for_label("utf8") == "utf-8"
    assert encoding_for_label("latin1") == encoding_for_label("iso-8859-1") == "windows-1252"
    assert encoding_for_label("big5") == "big5"
    assert encoding_for_label("Shift_JIS") == "shift_jis"
    assert encoding_for_label("koi8-r") == "koi8-r"  # outside the table: Python's registry
    for refused in ("utf-7", "hz-gb-2312", "base64", "rot13", "no-such-charset", "", None):
        assert encoding_for_label(refused) is None


def test_header_charset() -> None:
    assert header_charset("text/html; charset=GBK") == "GBK"
    assert header_charset('text/html; foo=bar; Charset="utf-8"') == "utf-8"
    assert header_charset("text/html") is None
    assert header_charset(None) is None
    assert header_charset("text/html; charset=") is None
    # an unknown header label falls through to the meta
    d = decode(html(ZH, '<meta charset="gbk">').encode("gbk"), "text/html; charset=bogus")
    assert (d.encoding, d.source) == ("gb18030", "meta")


@pytest.mark.parametrize(
    "head, expected",
    [
        (b'<meta charset="GB2312">', "gb18030"),
        (b"<META CHARSET=gbk>", "gb18030"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gb18030"),
        (b'<meta content="text/html; charset=big5" http-equiv="content-type">', "big5"),
        (b"<meta content='text/html;charset = \"gbk\"' http-equiv=content-type>", "gb18030"),
        (b'<meta content="text/html; charset=gbk">', None),  # content without the http-equiv pragma
        (b'<meta name="description" content="charset=gbk"><meta charset=utf-8>', "utf-8"),
        (b'<meta charset="utf-16">', "utf-8"),  # WHATWG: a meta cannot switch to UTF-16
        (b'<meta charset="no-such">', None),
        (b'<meta/charset="gbk">', "gb18030"),
        (b'<div data-x="<meta charset=gbk>"></div>', None),  # inside an attribute value
        (b"<?xml version='1.0'?><!DOCTYPE html><meta charset=gbk>", "gb18030"),
        (b"<!--><meta charset=gbk>", "gb18030"),  # '<!-->' is an empty, closed comment
    ],
)
def test_prescan_cases(head: bytes, expected: str | None) -> None:
    assert prescan(b"<html><head>" + head + b"</head><body></body></html>") == expected


def test_prescan_gives_up_on_an_element_cut_by_the_window() -> None:
    assert prescan(b'<html><head><meta charset="gbk"') is None
    assert prescan(b"<html><head><meta charset='gb") is None
    assert prescan(b"<html><!-- never closed <meta charset=gbk>") is None


def test_detect_prefers_utf8_when_valid() -> None:
    assert detect(ZH.encode("utf-8")) == "utf-8"
    assert detect((ZH * 3).encode("gb18030")) == "gb18030"


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=3000), ctype=st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                              "text/html; charset=gbk", "text/html; charset=x"]))  # fmt: skip
def test_decode_never_raises_and_counts_consistently(body: bytes, ctype: str | None) -> None:
    d = decode(body, ctype)
    assert isinstance(d.text, str)
    assert d.replacements <= d.text.count("\ufffd")
    assert d.source in {"bom", "header", "meta", "detector", "default"}
    assert not d.replacements or d.suspect


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_declared_utf8_round_trips_any_text(text: str) -> None:
    assert decode(html(text).encode("utf-8"), "text/html; charset=utf-8").text == html(text)


# --------------------------------------------------------------------------------------------------
# The real GBK/GB18030 pages of the corpus


def _gb_corpus_pages() -> list[str]:
    names = sorted(
        name
        for name, rec in manifest().items()
        if "enc=gb" in rec.get("notes", "")
        or any(name.startswith(f"raw/{site}/cwced-") for site in ("163", "sina", "sohu"))
    )
    return names or ["(corpus absent)"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", _gb_corpus_pages())
def test_corpus_pages_decode_without_loss(corpus: Path, name: str) -> None:
    rec = manifest()[name]
    expected = "gb18030" if "enc=gb" in rec["notes"] else "utf-8"
    d = decode((corpus / name).read_bytes())
    assert d.encoding == expected
    assert d.replacements == 0 and "\ufffd" not in d.text
    assert not d.suspect
    title = rec.get("title") or ""
    assert title[:12] in d.text  # the recorded title survives decoding (no mojibake)


# --------------------------------------------------------------------------------------------------
# exact_utf8: when the body is the text's UTF-8 (scraper.extract then lets lexbor parse the bytes)

_PIECES = [b"<p>", "中文".encode(), b"\xef\xbb\xbf", b"\xff", b"\xe4\xb8", "\ufffd".encode(), b"a", b"\x00",
           b'<meta charset="gbk">', b'<meta charset="utf-8">', "𠀀".encode("gb18030"), "镕".encode("gbk")]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20), st.sampled_from([None, "text/html; charset=utf-8"]))
def test_exact_utf8_means_the_body_is_the_texts_utf8(pieces: list[bytes], content_type: str | None) -> None:
    body = b"".join(pieces)
    d = decode(body, content_type)
    if d.exact_utf8:
        assert d.text.encode("utf-8") == body


def test_parse_reads_the_vouched_bytes_of_that_very_text_only() -> None:
    from scraper.html import parse, utf8_source

    text = "<p>中文\x00</p>"
    raw = text.encode("utf-8")
    plain = parse(text).html
    with utf8_source(text, raw):
        assert parse(text).html == plain  # the bytes, NUL removed like the text's
        other = "<p>other</p>"
        assert "other" in (parse(other).html or "")  # any other string: parsed itself
    with utf8_source(text, b"<p>not the text</p>"):
        assert "not the text" in (parse(text).html or "")  # proof that the bytes are what is parsed
    assert parse(text).html == plain  # outside the block, the text again
