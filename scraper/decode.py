"""Bytes → text, by our own rules (WHATWG order): BOM, header charset, ``<meta>`` prescan, detector.

Contract::

    decode(body: bytes, content_type: str | None = None)
        -> Decoded(text, encoding, source, suspect, replacements)

``source`` says which rule chose the encoding: ``bom`` | ``header`` | ``meta`` | ``detector`` |
``default``. ``suspect`` is True when the bytes contradicted the declaration or could not be decoded
cleanly; ``replacements`` counts the U+FFFD characters the decoding introduced (0 for a clean page).

Why our own code (STYLE.md habit 2): httpx ignores ``<meta charset>``, and Chinese pages declared
``gb2312``/``gbk`` routinely contain characters outside those tables (镕, 堃, 喆 …): every GB label is
decoded with GB18030, the superset that WHATWG's "gbk" decoder also is. Raw bytes stay in the store,
so a better decoder can always re-run.

The order, and the deliberate deviations from the WHATWG algorithm:

1. A byte-order mark wins over everything (w3lib #189 was the bug of letting the header win).
2. The ``charset`` of the Content-Type header.
3. The ``<meta>`` prescan of the first 1024 bytes, as WHATWG specifies it (comments skipped,
   ``<meta charset>`` and ``<meta http-equiv=Content-Type content="…charset=…">``). Deviation: the
   contents of ``<script>`` and ``<style>`` are skipped too, so a ``"<meta charset=…>"`` string in
   JavaScript is not taken for the page's declaration.
4. Detection: valid UTF-8 is UTF-8; otherwise charset-normalizer restricted to the encodings our
   sites use (GB18030, Big5, windows-1252), then GB18030 if it decodes cleanly, then UTF-8 with
   replacement characters.

Deviation: a declaration (header or meta) is checked against the bytes. A page declared UTF-8 whose
bytes are mostly not UTF-8 (a GBK page behind a misconfigured server) is re-detected; a page declared
GBK/other whose bytes are clearly UTF-8 (a CMS that converted the text but kept its old meta) is
decoded as UTF-8. Both are marked ``suspect``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

PRESCAN_BYTES = 1024  # WHATWG: the prescan looks at the first 1024 bytes only
DETECT_CANDIDATES = ["gb18030", "big5", "cp1252"]  # why: the sites we archive are Chinese (or Latin)
UTF8_EVIDENCE = 8  # why: GBK text that is also valid UTF-8 for 8+ non-ASCII characters does not occur
MOSTLY_UTF8 = 10  # why: ≥10 valid multibyte characters per broken byte = UTF-8 with a stray bad byte,
#                   whereas GBK read as UTF-8 yields almost no valid multibyte sequences at all

_WS = b"\t\n\x0c\r "


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    source: str = "default"  # bom | header | meta | detector | default
    suspect: bool = False
    replacements: int = 0

    @property
    def exact_utf8(self) -> bool:
        """The text is the strict UTF-8 decoding of the body (the body is the text's UTF-8).

        Every UTF-8 result that is neither suspect nor from a BOM comes from a strict decode: a body
        with broken sequences is ``suspect``, and a BOM is not part of the text.
        """
        return self.encoding == "utf-8" and self.source != "bom" and not self.suspect


# --------------------------------------------------------------------------------------------------
# Labels (WHATWG Encoding Standard, the encodings that matter here) -> (name, Python codec)

_ENCODINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "utf-8": (
        "utf-8",
        ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    ),
    "gb18030": (
        "gb18030",
        (
            "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
            "x-gbk", "gb18030", "cp936", "windows-936", "ms936", "euc-cn", "x-euc-cn", "gb-2312", "gb-18030",
        ),
    ),
    "big5": ("big5hkscs", ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5")),
    "windows-1252": (
        "cp1252",
        (
            "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
            "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii",
            "windows-1252", "x-cp1252", "x-user-defined",
        ),
    ),
    "shift_jis": (
        "cp932",
        ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    ),
    "euc-jp": ("euc_jp", ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp")),
    "euc-kr": (
        "cp949",
        (
            "cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
            "ksc5601", "ksc_5601", "windows-949",
        ),
    ),
    "utf-16le": ("utf-16-le", ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le")),
    "utf-16be": ("utf-16-be", ("unicodefffe", "utf-16be")),
}  # fmt: skip

_LABELS = {label: name for name, (_, labels) in _ENCODINGS.items() for label in labels}
_CODEC = {name: codec for name, (codec, _) in _ENCODINGS.items()}
_REFUSED = {"utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7", "replacement", "hz-gb-2312", "iso-2022-cn",
            "iso-2022-cn-ext", "iso-2022-kr", "csiso2022kr"}  # fmt: skip
"""Labels never honoured: UTF-7 (an XSS vector) and the WHATWG "replacement" encodings."""


def encoding_for_label(label: str | bytes | None) -> str | None:
    """The encoding a charset label names (``gb2312`` → ``gb18030``), or None if unknown or refused.

    Labels outside the table fall back to Python's codec registry (``iso-8859-2``, ``koi8-r`` …) as
    long as it is a text encoding.
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    key = label.strip(" \t\n\r\x0c\"'").lower()
    if not key or key in _REFUSED:
        return None
    if key in _LABELS:
        return _LABELS[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in ("utf-7",):
        return None
    mapped = _LABELS.get(info.name.replace("_", "-")) or _LABELS.get(info.name)
    return mapped or info.name


def _codec(encoding: str) -> str:
    return _CODEC.get(encoding, encoding)


# --------------------------------------------------------------------------------------------------
# The steps


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16be"), (codecs.BOM_UTF16_LE, "utf-16le"))


def sniff_bom(body: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when ``body`` starts with a UTF-8 or UTF-16 byte-order mark."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


def header_charset(content_type: str | None) -> str | None:
    """The raw ``charset`` parameter of a Content-Type value (unquoted), else None."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip()
            return value or None
    return None


def _charset_in_content(content: bytes) -> bytes | None:
    """WHATWG "extract a character encoding from a meta element" (``text/html; charset=gbk``)."""
    pos = 0
    n = len(content)
    while True:
        i = content.find(b"charset", pos)
        if i < 0:
            return None
        pos = i + 7
        while pos < n and content[pos] in _WS:
            pos += 1
        if pos < n and content[pos : pos + 1] == b"=":
            pos += 1
            break
    while pos < n and content[pos] in _WS:
        pos += 1
    if pos >= n:
        return None
    quote = content[pos : pos + 1]
    if quote in (b'"', b"'"):
        end = content.find(quote, pos + 1)
        return content[pos + 1 : end] if end >= 0 else None
    end = pos
    while end < n and content[end] not in _WS and content[end : end + 1] != b";":
        end += 1
    return content[pos:end] or None


def _get_attribute(data: bytes, pos: int) -> tuple[bytes, bytes, int] | None:
    """WHATWG "get an attribute": (name, value, new position) or None at ``>`` / end of input."""
    n = len(data)
    while pos < n and (data[pos] in _WS or data[pos : pos + 1] == b"/"):
        pos += 1
    if pos >= n or data[pos : pos + 1] == b">":
        return None
    name = bytearray()
    value = bytearray()
    while True:
        if pos >= n:
            return None
        c = data[pos : pos + 1]
        if c == b"=" and name:
            pos += 1
            break
        if c in (b"\t", b"\n", b"\x0c", b"\r", b" "):
            while pos < n and data[pos] in _WS:
                pos += 1
            if data[pos : pos + 1] != b"=":
                return bytes(name), b"", pos
            pos += 1
            break
        if c in (b"/", b">"):
            return bytes(name), b"", pos
        name += c.lower()
        pos += 1
    while pos < n and data[pos] in _WS:
        pos += 1
    if pos >= n:
        return None
    c = data[pos : pos + 1]
    if c in (b'"', b"'"):
        pos += 1
        while True:
            if pos >= n:
                return None
            if data[pos : pos + 1] == c:
                return bytes(name), bytes(value), pos + 1
            value += data[pos : pos + 1].lower()
            pos += 1
    if c == b">":
        return bytes(name), b"", pos
    while pos < n:
        c = data[pos : pos + 1]
        if c in (b"\t", b"\n", b"\x0c", b"\r", b" ", b">"):
            return bytes(name), bytes(value), pos
        value += c.lower()
        pos += 1
    return None


def _skip_attributes(data: bytes, pos: int) -> int:
    while True:
        attr = _get_attribute(data, pos)
        if attr is None:
            return pos
        pos = attr[2]


def prescan(body: bytes) -> str | None:
    """The encoding declared by a ``<meta>`` in the first 1024 bytes (WHATWG prescan), else None."""
    data = body[:PRESCAN_BYTES]
    n = len(data)
    pos = 0
    while pos < n:
        if data[pos] != 0x3C:  # why: every rule below starts at a "<"; jump there in C, not byte by byte
            pos = data.find(b"<", pos)
            if pos < 0:
                return None
        if data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 2)
            if end < 0:
                return None
            pos = end + 3
            continue
        lower = data[pos : pos + 8].lower()
        if lower.startswith(b"<meta") and data[pos + 5 : pos + 6] in (
            b"\t",
            b"\n",
            b"\x0c",
            b"\r",
            b" ",
            b"/",
        ):
            pos += 6
            found = _meta_charset(data, pos)
            if found is None:
                return None  # the element ran past the prescan window
            encoding, pos = found
            if encoding is not None:
                return encoding
            continue
        raw_end = _raw_text_end(data, pos)
        if raw_end is not None:
            if raw_end < 0:
                return None
            pos = raw_end
            continue
        if data[pos : pos + 1] == b"<" and (
            data[pos + 1 : pos + 2].isalpha()
            or (data[pos + 1 : pos + 2] == b"/" and data[pos + 2 : pos + 3].isalpha())
        ):
            while pos < n and data[pos] not in _WS and data[pos : pos + 1] != b">":
                pos += 1
            pos = _skip_attributes(data, pos)
            pos += 1
            continue
        if data.startswith((b"<!", b"</", b"<?"), pos):
            end = data.find(b">", pos)
            if end < 0:
                return None
            pos = end + 1
            continue
        pos += 1
    return None


def _raw_text_end(data: bytes, pos: int) -> int | None:
    """After ``<script …>…</script`` / ``<style …>…</style`` starting at ``pos`` (-1 if unclosed);
    None when no such element starts there. Our deviation from the WHATWG prescan (module doc)."""
    for name in (b"script", b"style"):
        after = pos + 1 + len(name)
        if (
            data[pos + 1 : after].lower() == name
            and data[pos : pos + 1] == b"<"
            and data[after : after + 1] in (b"\t", b"\n", b"\x0c", b"\r", b" ", b">", b"/")
        ):
            end = data.lower().find(b"</" + name, after)
            return end + 2 + len(name) if end >= 0 else -1
    return None


def _meta_charset(data: bytes, pos: int) -> tuple[str | None, int] | None:
    """Read one ``<meta>``'s attributes: (encoding or None, position after it); None at end of input."""
    seen: set[bytes] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: bytes | None = None
    while True:
        attr = _get_attribute(data, pos)
        if attr is None:
            if pos >= len(data) or data[pos:].lstrip(_WS + b"/")[:1] != b">":
                return None
            break
        name, value, pos = attr
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv" and value == b"content-type":
            got_pragma = True
        elif name == b"content" and charset is None:
            found = _charset_in_content(value)
            if found is not None:
                charset, need_pragma = found, True
        elif name == b"charset":
            charset, need_pragma = value, False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None, pos
    encoding = encoding_for_label(charset)
    if encoding in ("utf-16le", "utf-16be"):
        encoding = "utf-8"  # WHATWG: a meta cannot switch to UTF-16 (the bytes already read as ASCII)
    return encoding, pos


def detect(body: bytes) -> str | None:
    """Our guess for undeclared bytes: UTF-8 if valid, else charset-normalizer among DETECT_CANDIDATES,
    else GB18030 if it decodes cleanly; None when nothing fits."""
    if _strict_utf8(body) is not None:
        return "utf-8"
    best = from_bytes(body, cp_isolation=DETECT_CANDIDATES).best()
    if best is not None:
        return encoding_for_label(best.encoding)
    try:
        body.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return None


# --------------------------------------------------------------------------------------------------
# Decoding with accounting


def _strict_utf8(body: bytes) -> str | None:
    """The text when ``body`` is valid UTF-8, else None: one decode is both the test and the result
    (a page is several MB; testing, then decoding again, doubled the cost)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _non_ascii(text: str) -> int:
    # the encoder drops every non-ASCII character in C: a per-character Python loop cost ~5 ms a page
    return len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")


def _decode(body: bytes, encoding: str) -> tuple[str, int]:
    """Text and the number of replacement characters the decoding introduced."""
    text = body.decode(_codec(encoding), errors="replace")
    introduced = text.count("\ufffd")
    if encoding == "utf-8":
        introduced -= body.count(b"\xef\xbf\xbd")  # a U+FFFD the page itself contains is not a loss
    return text, max(0, introduced)


def _mostly_utf8(body: bytes) -> tuple[str, int] | None:
    """UTF-8 text when the bytes are UTF-8 with at most a few broken sequences, else None."""
    text, bad = _decode(body, "utf-8")
    if bad == 0 or _non_ascii(text) >= MOSTLY_UTF8 * bad:
        return text, bad
    return None


def _detected(body: bytes, suspect: bool) -> Decoded:
    encoding = detect(body)
    if encoding is None:
        text, bad = _decode(body, "utf-8")
        return Decoded(text, "utf-8", "default", True, bad)
    text, bad = _decode(body, encoding)
    return Decoded(text, encoding, "detector", suspect or bad > 0, bad)


def _declared(body: bytes, encoding: str, source: str) -> Decoded:
    """Decode with a declared encoding, checked against the bytes (see the module docstring)."""
    strict = _strict_utf8(body) if encoding not in ("utf-16le", "utf-16be") else None
    if encoding == "utf-8":
        if strict is not None:
            return Decoded(strict, "utf-8", source)
        mostly = _mostly_utf8(body)
        if mostly is not None:
            return Decoded(mostly[0], "utf-8", source, True, mostly[1])
        return _detected(body, suspect=True)  # declared UTF-8, but the bytes are something else
    if strict is not None and _non_ascii(strict) >= UTF8_EVIDENCE:
        return Decoded(strict, "utf-8", "detector", True)  # declared e.g. gb2312, bytes are UTF-8
    text, bad = _decode(body, encoding)
    return Decoded(text, encoding, source, bad > 0, bad)


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML response body: BOM, then ``content_type``'s charset, then ``<meta>``, then detection."""
    bom = sniff_bom(body)
    if bom is not None:
        text, bad = _decode(body[bom[1] :], bom[0])
        return Decoded(text, bom[0], "bom", bad > 0, bad)
    encoding = encoding_for_label(header_charset(content_type))
    if encoding is not None:
        return _declared(body, encoding, "header")
    encoding = prescan(body)
    if encoding is not None:
        return _declared(body, encoding, "meta")
    strict = _strict_utf8(body)
    if strict is not None:
        return Decoded(strict, "utf-8", "detector" if _non_ascii(strict) else "default")
    mostly = _mostly_utf8(body)
    if mostly is not None:
        return Decoded(mostly[0], "utf-8", "detector", True, mostly[1])
    return _detected(body, suspect=False)
