"""Tolerant reading of the JavaScript data that WeChat pages carry instead of JSON.

WeChat ships most metadata as JavaScript, not JSON::

    var ct = "1762747210";
    var msg_title = '标题'.html(false);
    var nickname = htmlDecode("轩辕的编程宇宙");
    d.mid = "" || "" || "2650971238";
    window.cgiDataNew = {title: JsDecode('\\x0a…'), mid: '2247504179' * 1, flag: 'true' === 'true' ? 1 : 0, …};

These helpers evaluate only *literal* expressions: strings (with their JS escapes), numbers, booleans,
object and array literals, and the handful of operators and calls pages wrap around literals
(``||``, ``* 1``, ``? :``, ``===``, ``JsDecode(…)``, ``htmlDecode(…)``, ``.html(false)``; the news
portals' ``JSON.parse("…")`` and ``'…'.slice(6, -6)``). Anything that
needs a real JS engine (a variable, a function call we do not know) evaluates to ``UNKNOWN`` and is
skipped, so ``var biz = opt.biz || window.biz;`` never hides the literal ``var biz = "MzI…";``.

All functions are pure and bounded: a search looks at a limited number of assignments and a literal
is parsed within a window of the page, so a 4 MB page of scripts costs milliseconds.
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

__all__ = [
    "UNKNOWN",
    "JsPage",
    "LazyObject",
    "document_writes",
    "html_decode",
    "inner_html_assignments",
    "js_assignments",
    "js_decode",
    "js_literal",
    "js_object",
    "js_record",
    "js_unescape",
    "js_var",
    "object_member",
    "parse_js_value",
]


class _Unknown:
    """The value of an expression that needs a real JS engine (a variable, an unknown call)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()

MAX_ASSIGNMENTS = 400  # why: library code reuses short names (mid, idx); the page data comes early
MAX_VALUE_CHARS = 4_000_000  # why: the longest literal seen (a 3.7 MB page's content_noencode) fits
MAX_DEPTH = 60  # why: WeChat's cgiDataNew nests ~8 levels; deeper means we are lost in code

# ---------------------------------------------------------------------------------------------
# String decoding


_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|\r\n|[\s\S])")
_SURROGATE = re.compile("[\ud800-\udfff]")
_COMMON_ESCAPES = (
    ("\\u003C", "<"),
    ("\\u003E", ">"),
    ("\\u002F", "/"),
    ("\\u0026", "&"),
    ('\\"', '"'),
    ("\\'", "'"),
)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _escape_repl(m: re.Match[str]) -> str:
    return _escape_value(m.group(1))


@lru_cache(maxsize=4096)
def _escape_value(code: str) -> str:
    if code[0] == "x" and len(code) == 3:
        return chr(int(code[1:], 16))
    if code[0] == "u" and len(code) > 1:
        return chr(int(code[1:].strip("{}"), 16))
    if code in ("\n", "\r", "\r\n", "\u2028", "\u2029"):
        return ""  # line continuation
    return _SIMPLE_ESCAPES.get(code, code)


def js_unescape(body: str) -> str:
    r"""The value of a JS string literal's body: ``\x26`` → ``&``, ``\u4e2d`` → 中, ``\n`` → newline.

    Surrogate pairs written as two ``\uD83D\uDE00`` escapes are joined into one character.
    """
    if "\\" not in body:
        return body
    text = body
    if "\\\\" not in text:
        # why: Toutiao bodies carry thousands of \u003C; with no escaped backslash every "\" starts
        # an escape, so plain replaces give exactly what the regex gives, ~20 times faster
        for escaped, plain in _COMMON_ESCAPES:
            text = text.replace(escaped, plain)
    if "\\" in text:
        text = _ESCAPE.sub(_escape_repl, text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


_JSDECODE = (
    ("\\x5c", "\\"),
    ("\\x0d", "\r"),
    ("\\x22", '"'),
    ("\\x26", "&"),
    ("\\x27", "'"),
    ("\\x3c", "<"),
    ("\\x3e", ">"),
    ("\\x0a", "\n"),
)


def js_decode(text: str) -> str:
    r"""WeChat's ``JsDecode``: turns the *literal* sequences ``\x26``, ``\x0a``… left in a string into
    characters (the page double-escapes some values)."""
    if "\\x" not in text:
        return text
    for old, new in _JSDECODE:
        text = text.replace(old, new)
    return text


def html_decode(text: str) -> str:
    """WeChat's ``htmlDecode`` / ``String.prototype.html(false)``: HTML entities to characters.

    Python's ``html.unescape`` covers WeChat's list (``&#39; &quot; &nbsp; &gt; &lt; &amp; &yen;``).
    """
    if "&" not in text:
        return text
    return _html.unescape(text)


# ---------------------------------------------------------------------------------------------
# A tolerant evaluator of literal expressions


class _ParseError(Exception):
    pass


_WS = re.compile(r"(?:\s++|//[^\n]*+|/\*[\s\S]*?\*/)*+")
_COMPARE = re.compile(r"===|!==|==|!=|<=|>=|<(?!<)|>(?!>)")
_STRING = {
    "'": re.compile(r"'((?:[^'\\\n]++|\\[\s\S])*+)'"),
    '"': re.compile(r'"((?:[^"\\\n]++|\\[\s\S])*+)"'),
    "`": re.compile(r"`((?:[^`\\$]++|\\[\s\S]|\$(?!\{))*+)`"),
}
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_REGEX = re.compile(r"/(?![*/])(?:[^/\\\n\[]++|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
_PUNCT = re.compile(r"===|!==|==|!=|\|\||&&|<=|>=|=>|\.\.\.|[{}\[\](),:;?.+\-*/%!<>=&|^~]")
_DIGITS = "0123456789"


def _is_digit(ch: str) -> bool:
    return len(ch) == 1 and ch in _DIGITS


_PLAIN_KEY = re.compile(
    f"{_WS.pattern}(?:([A-Za-z_$][\\w$]*+)|\"([^\"\\\\\\n]*+)\"|'([^'\\\\\\n]*+)'){_WS.pattern}:{_WS.pattern}"
)
"""An identifier key, or a quoted one without escapes (JSON data inside JS: ``{"name": …}``), and its
colon, white space and comments around them (as ``key`` + ``eat(":")``); the key is the last group."""
_SKIP_STOP = re.compile(r"""[{}\[\]()'"`,;/]""")
_RUN_ITEM = r"""[^{}\[\]()'"`/]++|'(?:[^'\\\n]++|\\[\s\S])*+'|"(?:[^"\\\n]++|\\[\s\S])*+""" '"'
_BALANCED_RUN = re.compile(
    rf"(?:{_RUN_ITEM}|\{{(?:{_RUN_ITEM})*+\}}|\[(?:{_RUN_ITEM})*+\]|\((?:{_RUN_ITEM})*+\))*+"
)
"""What skipping a bracketed value steps over in one match: text without brackets, quotes and
slashes, whole '…' and "…" strings (as ``_STRING`` matches them), and brackets that hold only
those (``{"name": "x"}``, a list's items: each was a push and a pop of the bracket stack)."""

_FAST_VALUE = re.compile(
    r"""(?:(JsDecode|htmlDecode)\(\s*)?"""
    r"""(?:'((?:[^'\\\n]++|\\[\s\S])*+)'|"((?:[^"\\\n]++|\\[\s\S])*+)")"""
    r"""(?(1)\s*\))(\s*\*\s*1(?![\d.]))?(?=\s*[,}\]])"""
)
"""``'x'``, ``"x"``, ``JsDecode('x')``, ``'7' * 1`` directly followed by the end of the member."""
_CALLS: dict[str, Callable[[str], Any]] = {
    "JsDecode": js_decode,
    "htmlDecode": html_decode,
    "decodeURIComponent": lambda s: _url_unquote(s),
    "String": lambda s: s,
    "JSON.parse": lambda s: _json_parse(s),
}
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "undefined": None, "NaN": UNKNOWN}


def _url_unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_parse(text: str) -> Any:
    """``JSON.parse`` of a literal string (Toutiao's ``gallery: JSON.parse("{…}")``); ``UNKNOWN``
    where JS would throw (Python's ``NaN``/``Infinity`` extensions included)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return UNKNOWN


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _js_slice(text: str, args: list[Any]) -> Any:
    """``String.prototype.slice(start, end)`` with literal numbers; JS counts UTF-16 code units.

    Toutiao wraps its BASE_DATA strings as ``'&quot;…&quot;'.slice(6, -6)``. Any argument that is not
    a number (a variable, ``undefined``) gives ``UNKNOWN``.
    """
    bounds: list[int | None] = [0, None]  # slice() and slice(start) run to the end
    for i, arg in enumerate(args[:2]):
        if isinstance(arg, bool) or not isinstance(arg, (int, float)) or arg != arg:
            return UNKNOWN
        bounds[i] = int(max(min(arg, len(text) * 2), -len(text) * 2))  # ±Infinity: past either end
    start, end = bounds
    if _ASTRAL.search(text) is None:
        return text[start:end]
    units = text.encode("utf-16-le", "surrogatepass")
    return units[2 * (start or 0) : None if end is None else 2 * end].decode("utf-16-le", "surrogatepass")


def _truthy(value: Any) -> bool:
    if value is UNKNOWN:
        raise ValueError("unknown")
    if isinstance(value, (dict, list)):
        return True
    return bool(value)


def _to_number(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return UNKNOWN
    return UNKNOWN


class _Parser:
    """Recursive descent over one JS expression; unknown parts become ``UNKNOWN``."""

    def __init__(self, text: str, pos: int, end: int) -> None:
        self.text = text
        self.pos = pos
        self.end = end
        self.depth = 0
        self.bare_slash = False  # a skip stepped over a "/" that is no comment (a regex literal?)

    # -- lexing
    def ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos, self.end).end()  # type: ignore[union-attr]

    def peek(self, token: str) -> bool:
        self.ws()
        return self.text.startswith(token, self.pos)

    def eat(self, token: str) -> bool:
        if self.peek(token):
            # do not read "=" out of "===", "|" out of "||"
            after = self.text[self.pos + len(token) : self.pos + len(token) + 1]
            if token in ("=", "==", "|", "&", "!") and after == "=":
                return False
            if token in ("|", "&") and after == token:
                return False
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.eat(token):
            raise _ParseError(f"expected {token!r} at {self.pos}")

    def ident(self) -> str | None:
        self.ws()
        m = _IDENT.match(self.text, self.pos, self.end)
        if m is None:
            return None
        self.pos = m.end()
        return m.group(0)

    # -- grammar
    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _ParseError("too deep")
        try:
            return self.ternary()
        finally:
            self.depth -= 1

    def ternary(self) -> Any:
        cond = self.logic_or()
        if self.eat("?"):
            yes = self.expression()
            self.expect(":")
            no = self.expression()
            try:
                return yes if _truthy(cond) else no
            except ValueError:
                return UNKNOWN
        return cond

    def logic_or(self) -> Any:
        value = self.logic_and()
        while self.eat("||"):
            right = self.logic_and()
            try:
                value = value if _truthy(value) else right
            except ValueError:
                value = UNKNOWN
        return value

    def logic_and(self) -> Any:
        value = self.equality()
        while self.eat("&&"):
            right = self.equality()
            try:
                value = right if _truthy(value) else value
            except ValueError:
                value = UNKNOWN
        return value

    def equality(self) -> Any:
        value = self.additive()
        while True:
            self.ws()
            m = _COMPARE.match(self.text, self.pos, self.end)
            if m is None:
                return value
            self.pos = m.end()
            right = self.additive()
            if value is UNKNOWN or right is UNKNOWN:
                value = UNKNOWN
                continue
            op = m.group(0)
            if op in ("===", "=="):
                value = value == right
            elif op in ("!==", "!="):
                value = value != right
            else:
                value = UNKNOWN

    def additive(self) -> Any:
        value = self.multiplicative()
        while True:
            self.ws()
            ch = self.text[self.pos : self.pos + 1]
            nxt = self.text[self.pos + 1 : self.pos + 2]
            if ch not in ("+", "-") or nxt in ("+", "-", "="):
                return value
            self.pos += 1
            right = self.multiplicative()
            if value is UNKNOWN or right is UNKNOWN:
                value = UNKNOWN
            elif ch == "+" and (isinstance(value, str) or isinstance(right, str)):
                value = _to_str(value) + _to_str(right)
            else:
                a, b = _to_number(value), _to_number(right)
                value = UNKNOWN if UNKNOWN in (a, b) else (a + b if ch == "+" else a - b)

    def multiplicative(self) -> Any:
        value = self.unary()
        while True:
            self.ws()
            ch = self.text[self.pos : self.pos + 1]
            nxt = self.text[self.pos + 1 : self.pos + 2]
            if ch not in ("*", "/", "%") or nxt in ("*", "/", "="):
                return value
            self.pos += 1
            right = self.unary()
            a, b = _to_number(value), _to_number(right)
            if a is UNKNOWN or b is UNKNOWN:
                value = UNKNOWN
            elif ch == "*":
                value = a * b
            elif b == 0:
                value = UNKNOWN
            elif ch == "/":
                value = a / b
            else:
                value = a % b

    def unary(self) -> Any:
        self.ws()
        ch = self.text[self.pos : self.pos + 1]
        if ch == "!" and not self.text.startswith("!=", self.pos):
            self.pos += 1
            value = self.unary()
            try:
                return not _truthy(value)
            except ValueError:
                return UNKNOWN
        if ch in ("-", "+") and self.text[self.pos + 1 : self.pos + 2] not in ("-", "+"):
            self.pos += 1
            value = _to_number(self.unary())
            if value is UNKNOWN:
                return UNKNOWN
            return -value if ch == "-" else value
        word = _IDENT.match(self.text, self.pos, self.end)
        if word is not None and word.group(0) in ("typeof", "void", "new", "delete"):
            self.pos = word.end()
            self.unary()
            return UNKNOWN
        return self.postfix()

    def postfix(self) -> Any:
        value, name = self.primary()
        while True:
            if self.eat("("):
                args = self.arguments()
                if name in _CALLS and args and isinstance(args[0], str):
                    value = _CALLS[name](args[0])
                else:
                    value = UNKNOWN
                name = None
            elif self.peek(".") and not self.peek("..."):
                self.pos += 1
                prop = self.ident()
                if prop is None:
                    raise _ParseError("property name expected")
                if self.eat("("):
                    args = self.arguments()
                    called = f"{name}.{prop}" if name else ""
                    if called in _CALLS and args and isinstance(args[0], str):
                        value = _CALLS[called](args[0])  # JSON.parse("…")
                    elif isinstance(value, str) and prop == "html":
                        # String.prototype.html(false) decodes entities; html(true) encodes
                        value = html_decode(value) if not args or args[0] is False else value
                    elif isinstance(value, str) and prop in ("replace", "trim", "toString"):
                        value = value.strip() if prop == "trim" else value
                    elif isinstance(value, str) and prop == "slice":
                        value = _js_slice(value, args)
                    else:
                        value = UNKNOWN
                    name = None
                else:
                    name = f"{name}.{prop}" if name else None
                    value = UNKNOWN
            elif self.peek("["):
                self.pos += 1
                self.expression()
                self.expect("]")
                value, name = UNKNOWN, None
            else:
                return value

    def arguments(self) -> list[Any]:
        args: list[Any] = []
        if self.eat(")"):
            return args
        while True:
            args.append(self.expression())
            if self.eat(","):
                if self.eat(")"):
                    return args
                continue
            self.expect(")")
            return args

    def primary(self) -> tuple[Any, str | None]:
        self.ws()
        if self.pos >= self.end:
            raise _ParseError("unexpected end")
        ch = self.text[self.pos]
        if ch in _STRING:
            m = _STRING[ch].match(self.text, self.pos, self.end)
            if m is None:
                raise _ParseError("unterminated string")
            self.pos = m.end()
            return js_unescape(m.group(1)), None
        if _is_digit(ch) or (ch == "." and _is_digit(self.text[self.pos + 1 : self.pos + 2])):
            m = _NUMBER.match(self.text, self.pos, self.end)
            assert m is not None
            self.pos = m.end()
            raw = m.group(0)
            if raw[:2].lower() == "0x":
                return int(raw, 16), None
            return (float(raw) if any(c in raw for c in ".eE") else int(raw)), None
        if ch == "{":
            return self.object(), None
        if ch == "[":
            return self.array(), None
        if ch == "(":
            self.pos += 1
            value = self.expression()
            while self.eat(","):  # comma operator: the last value counts
                value = self.expression()
            self.expect(")")
            return value, None
        if ch == "/":
            m = _REGEX.match(self.text, self.pos, self.end)
            if m is None:
                raise _ParseError("bad regex")
            self.pos = m.end()
            return UNKNOWN, None
        word = self.ident()
        if word is None:
            raise _ParseError(f"unexpected {ch!r} at {self.pos}")
        if word in _CONSTANTS:
            return _CONSTANTS[word], None
        if word == "function":
            self.skip_function()
            return UNKNOWN, None
        return UNKNOWN, word

    def skip_function(self) -> None:
        self.ident()
        self.expect("(")
        self.skip_balanced(")")
        self.expect("{")
        self.skip_balanced("}")

    def skip_balanced(self, closer: str) -> None:
        """Skip to just after the ``closer`` that balances an already-consumed opener."""
        stack = [closer]
        text, end = self.text, self.end
        pairs = {"(": ")", "[": "]", "{": "}"}
        while stack:
            self.pos = _BALANCED_RUN.match(text, self.pos, end).end()  # type: ignore[union-attr]
            if self.pos >= end:
                raise _ParseError("unbalanced")
            ch = text[self.pos]
            if ch in _STRING:  # a quote that opens no complete string, or a template literal
                sm = _STRING[ch].match(text, self.pos, end)
                self.pos = sm.end() if sm else self.pos + 1
                continue
            if ch == "/":
                if text.startswith("//", self.pos) or text.startswith("/*", self.pos):
                    self.ws()
                else:
                    self.bare_slash = True
                    self.pos += 1
                continue
            self.pos += 1
            if ch in pairs:
                stack.append(pairs[ch])
            elif ch in ")]}":
                if ch != stack[-1]:
                    raise _ParseError("mismatched bracket")
                stack.pop()

    def skip_value(self) -> None:
        """Skip an expression we cannot read, up to the next ``,`` ``}`` ``]`` at this level."""
        text, end = self.text, self.end
        pairs = {"(": ")", "[": "]", "{": "}"}
        while True:
            m = _SKIP_STOP.search(text, self.pos, end)
            if m is None:
                raise _ParseError("runaway value")
            ch = m.group(0)
            self.pos = m.start()
            if ch in ",}]);":
                return
            if ch in _STRING:
                sm = _STRING[ch].match(text, self.pos, end)
                self.pos = sm.end() if sm else self.pos + 1
            elif ch == "/":
                if text.startswith("//", self.pos) or text.startswith("/*", self.pos):
                    self.ws()
                else:
                    self.bare_slash = True
                    self.pos += 1
            else:
                self.pos += 1
                self.skip_balanced(pairs[ch])

    def key(self) -> str | None:
        self.ws()
        ch = self.text[self.pos : self.pos + 1]
        if ch in ("'", '"'):
            value, _ = self.primary()
            return str(value)
        if _is_digit(ch):
            m = _NUMBER.match(self.text, self.pos, self.end)
            assert m is not None
            self.pos = m.end()
            return m.group(0)
        if ch == "[":
            self.pos += 1
            value = self.expression()
            self.expect("]")
            return value if isinstance(value, str) else None
        return self.ident()

    def object(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.members(later=False):
            if value is not UNKNOWN:
                out[key] = value
        return out

    def members(self, later: bool) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` of an object literal's members in source order (``UNKNOWN`` values too).

        With ``later``, a value whose end can be found without reading it is a :class:`_Later`.
        """
        self.expect("{")
        while True:
            if self.eat("}"):
                return
            plain = _PLAIN_KEY.match(self.text, self.pos, self.end)
            if plain is not None:  # ``name: value``, nearly every member: one regex for key() + eat(":")
                self.pos = plain.end()
                key = plain.group(plain.lastindex or 0)
                yield key, self.value_later() if later else self.value_or_skip()
            elif self.eat("..."):
                self.skip_value()
            else:
                start = self.pos
                key = self.key()
                if key is None:
                    raise _ParseError(f"object key expected at {self.pos}")
                if self.eat(":"):
                    yield key, self.value_later() if later else self.value_or_skip()
                elif self.peek("("):  # method shorthand
                    self.pos += 1
                    self.skip_balanced(")")
                    self.expect("{")
                    self.skip_balanced("}")
                elif not (self.peek(",") or self.peek("}")):
                    self.pos = start
                    self.skip_value()
            if not self.eat(","):
                self.expect("}")
                return

    def array(self) -> list[Any]:
        self.expect("[")
        out: list[Any] = []
        while True:
            if self.eat("]"):
                return out
            if self.peek(","):
                self.pos += 1
                continue
            value = self.value_or_skip()
            if value is not UNKNOWN:
                out.append(value)
            if not self.eat(","):
                self.expect("]")
                return out

    def value_or_skip(self) -> Any:
        self.ws()
        start = self.pos
        fast = _FAST_VALUE.match(self.text, start, self.end)
        if fast is not None:  # the common member forms, without the descent through the grammar
            call, single, double, times = fast.group(1, 2, 3, 4)
            value: Any = js_unescape(single if single is not None else double)
            if call:
                value = _CALLS[call](value)
            if times:
                value = _to_number(value)
            self.pos = fast.end()
            return value
        try:
            value = self.expression()
            self.ws()
            if self.text[self.pos : self.pos + 1] in _MEMBER_END:
                return value
        except _ParseError:
            pass
        self.pos = start
        self.skip_value()
        return UNKNOWN

    def value_later(self) -> Any:
        """Step over a member's value without reading it: a :class:`_Later` for it.

        The end must be the one :meth:`value_or_skip` would reach, or the next member is misread:
        a string literal is matched as :meth:`value_or_skip` matches it; anything else is skipped
        bracket by bracket, which ends where reading would end unless a regex literal (a bare "/")
        hides a bracket or a comma, so then the value is read now.
        """
        self.ws()
        start = self.pos
        fast = _FAST_VALUE.match(self.text, start, self.end)
        if fast is not None:
            self.pos = fast.end()
            return _Later(self.text, start, self.end, self.depth)
        self.bare_slash = False
        try:
            self.skip_value()
        except _ParseError:
            if not self.bare_slash:
                raise  # reading the value would end in the same skip, and fail the same way
        if not self.bare_slash:
            return _Later(self.text, start, self.end, self.depth)
        self.pos = start
        return self.value_or_skip()


class _Later:
    """A member value to read when it is asked for: where it starts and how the parser stood there."""

    __slots__ = ("depth", "end", "start", "text")

    def __init__(self, text: str, start: int, end: int, depth: int) -> None:
        self.text, self.start, self.end, self.depth = text, start, end, depth

    def read(self) -> Any:
        parser = _Parser(self.text, self.start, self.end)
        parser.depth = self.depth
        try:
            return parser.value_or_skip()
        except (_ParseError, RecursionError, ValueError, OverflowError):
            return UNKNOWN

    def lazy_object(self) -> LazyObject | None:
        """The value as a :class:`LazyObject` when it is an object literal and nothing more (what
        :meth:`read` would end on); ``None`` otherwise (then :meth:`read` says what it is)."""
        parser = _Parser(self.text, self.start, self.end)
        parser.depth = self.depth + 1  # as in read(): the members sit inside one expression()
        parser.ws()
        if not self.text.startswith("{", parser.pos):
            return None
        members: dict[str, list[Any]] = {}
        try:
            for key, value in parser.members(later=True):
                members.setdefault(key, []).append(value)
            parser.ws()
        except (_ParseError, RecursionError, ValueError, OverflowError):
            return None
        if self.text[parser.pos : parser.pos + 1] not in _MEMBER_END:
            return None  # "{…} || {}", "{…}.x": an expression that read() evaluates
        return LazyObject(members)


_MEMBER_END = frozenset({",", "}", "]", ")", ";", ""})
"""What follows a value that is a whole member (as value_or_skip checks)."""


class LazyObject(Mapping[str, Any]):
    """An object literal whose members are read when first asked for (then kept).

    Why: ``window.cgiDataNew`` holds ~130 members, among them the whole article HTML
    (``content_noencode``) and long picture lists; an adapter reads a dozen small ones. Reading it
    eagerly cost more than the rest of an extraction. The values are those of :func:`js_object`
    (the last literal of a repeated key wins, a member that is not a literal is absent), except that
    a member whose reading fails (a ``\\u{…}`` escape past U+10FFFF, a float overflow) is absent
    instead of making the whole object unreadable.
    """

    def __init__(self, members: dict[str, list[Any]]) -> None:
        self._members = members  # key -> its values in source order (_Later or already read)
        self._read: dict[str, Any] = {}

    def _value(self, key: str) -> Any:
        if key not in self._read:
            value = UNKNOWN
            for item in reversed(self._members.get(key, ())):
                value = item.read() if isinstance(item, _Later) else item
                if value is not UNKNOWN:
                    break
            self._read[key] = value
        return self._read[key]

    def record(self, key: str) -> Mapping[str, Any] | None:
        """The member ``key`` when it is an object, itself read lazily; ``None`` when it is not one.

        Why: a record inside a large object (Toutiao's ``BASE_DATA.articleInfo``: the body next to
        tags, flags and ids) is asked for a few members too. Its values are those of ``self[key]``.
        """
        for item in reversed(self._members.get(key, ())):
            lazy = item.lazy_object() if isinstance(item, _Later) else None
            if lazy is not None:
                return lazy
            value = item.read() if isinstance(item, _Later) else item
            if value is not UNKNOWN:
                return value if isinstance(value, dict) else None
        return None

    def __getitem__(self, key: str) -> Any:
        value = self._value(key)
        if value is UNKNOWN:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._members if self._value(key) is not UNKNOWN)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def object_member(obj: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    """``obj[key]`` when it is an object, ``None`` otherwise; read lazily when ``obj`` is a
    :class:`LazyObject` (see :meth:`LazyObject.record`)."""
    if isinstance(obj, LazyObject):
        return obj.record(key)
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, Mapping) else None


_OPERATOR_NEXT = frozenset("(.[*/%+-=!<>&|?")
"""What may follow an operand inside a larger expression (a call, a member, an operator)."""


_JSON = json.JSONDecoder(parse_constant=_reject_constant)
_JSON_START = re.compile(r'\{\s*["}]')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"
)


def _json_object_at(text: str, start: int, stop: int) -> tuple[dict[str, Any], int] | None:
    """The object literal at ``text[start]`` read by the C JSON decoder when it is strict JSON, with
    the end of the expression; ``None`` for anything else (JS syntax: unquoted keys, quotes ', …).

    Why: ifeng's ``var allData = {"…": …}`` (100-400 KB of JSON) read by the JS reader cost 1-4 ms a
    page, the decoder 0.1 ms. The value is the one the JS reader gives: JSON is JS; ``NaN`` and
    ``Infinity`` (which Python's json accepts) are refused, and text with a lone surrogate escape is
    left to the JS reader, which turns it into U+FFFD. (Two differences remain, on input no page
    has: an unescaped lone surrogate, which decoded bytes never hold, is kept, and nesting deeper
    than ``MAX_DEPTH`` is read.)
    """
    if _JSON_START.match(text, start, stop) is None:
        return None  # "{title: …": JS, not JSON (the usual case on WeChat), refused without a try
    try:
        # no slice (a copy costs as much as the decoding); an error, rare after the test above,
        # counts the lines of the page up to it
        value, end = _JSON.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or end > stop:
        return None
    if _SURROGATE_ESCAPE.search(text, start, end) and _LONE_SURROGATE_ESCAPE.search(text, start, end):
        return None  # (the plain search first: the precise one costs 30 times more on 300 KB)
    after = _WS.match(text, end, stop).end()  # type: ignore[union-attr]
    if text[after : after + 1] in _OPERATOR_NEXT:
        return None  # "{…} || {}": the expression is larger than the literal
    return value, after


def _object_at(text: str, pos: int) -> tuple[Mapping[str, Any] | None, int]:
    """The object literal that is the whole expression at ``text[pos:]``, read lazily
    (:class:`LazyObject`) or, when it is strict JSON, at once by the JSON decoder, and the
    expression's end, as :func:`parse_js_value` gives them.

    An expression that is more than an object literal (``{…} || {}``, ``({…})``) is read by
    :func:`parse_js_value`; ``None`` when the value is not an object.
    """
    parser = _Parser(text, pos, min(len(text), pos + MAX_VALUE_CHARS))
    parser.ws()
    if text.startswith("{", parser.pos):
        fast = _json_object_at(text, parser.pos, parser.end)
        if fast is not None:
            return fast
        parser.depth = 1  # as inside parse_js_value's expression(): the member depths must agree
        members: dict[str, list[Any]] = {}
        try:
            for key, value in parser.members(later=True):
                members.setdefault(key, []).append(value)
            parser.ws()
        except (_ParseError, RecursionError, ValueError, OverflowError):
            return None, pos
        if text[parser.pos : parser.pos + 1] not in _OPERATOR_NEXT:
            return LazyObject(members), parser.pos
    value, end = parse_js_value(text, pos)
    return (value if isinstance(value, dict) else None), end


def parse_js_value(text: str, pos: int = 0, end: int | None = None) -> tuple[Any, int]:
    """Evaluate the literal JS expression at ``text[pos:]``; return ``(value, end position)``.

    The value is a ``str``, ``int``/``float``, ``bool``, ``None``, ``dict``, ``list`` or ``UNKNOWN``
    (nested unknown members are left out of dicts and lists). Never raises: a syntax we cannot
    follow gives ``UNKNOWN``.
    """
    stop = min(len(text), end if end is not None else len(text), pos + MAX_VALUE_CHARS)
    parser = _Parser(text, pos, stop)
    try:
        value = parser.expression()
    except (_ParseError, RecursionError, ValueError, OverflowError):
        return UNKNOWN, pos
    return value, parser.pos


def _to_str(value: Any) -> str:
    if value is UNKNOWN or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return ""
    return str(value)


# ---------------------------------------------------------------------------------------------
# Finding assignments in a page


_DEFAULT_OWNERS = ("window", "_g", "d")
_DECL_BEFORE = re.compile(r"(?:^|[^\w$.])(?:var|let|const)\s+$")
_STATEMENT_BEFORE = re.compile(r"(?:^|\n|[;{}]\s)\s*$")


def _owner_ok(html: str, start: int, name: str, owners: tuple[str, ...]) -> bool:
    before = html[max(0, start - 24) : start]
    if "." in name:
        return not before or not (before[-1].isalnum() or before[-1] in "_$.")
    if _DECL_BEFORE.search(before) or _STATEMENT_BEFORE.search(before):
        return True
    for owner in owners:
        if before.endswith(owner + "."):
            head = before[: -len(owner) - 1]
            if not head or not (head[-1].isalnum() or head[-1] in "_$."):
                return True
    return False


def js_assignments(
    html: str, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS, limit: int = MAX_ASSIGNMENTS
) -> Iterator[Any]:
    """Values of the assignments to ``name`` in page order (``UNKNOWN`` for non-literal ones).

    A bare ``name`` matches ``var name =``, a statement-initial ``name =`` and ``<owner>.name =``
    for the ``owners`` (``window``, ``_g``, ``d``: the objects WeChat's templates fill). A dotted
    name (``d.title``, ``window.cgiDataNew``) matches only itself. (To ask one page many names,
    :class:`JsPage` finds them all in one pass.)
    """
    return _values(html, _candidates(html, name), name, owners, limit)


def _candidates(html: str, name: str) -> Iterator[tuple[int, int]]:
    """``(start of the name, start of the value)`` of every ``name =`` in the page."""
    pattern = re.compile(re.escape(name) + r"\s*=(?![=>])")
    return ((m.start(), m.end()) for m in pattern.finditer(html))


def _values(
    html: str, candidates: Iterable[tuple[int, int]], name: str, owners: tuple[str, ...], limit: int
) -> Iterator[Any]:
    seen = 0
    for start, value_pos in candidates:
        if not _owner_ok(html, start, name, owners):
            continue
        seen += 1
        if seen > limit:
            return
        value, end = parse_js_value(html, value_pos)
        yield value if _ends_statement(html, end) else UNKNOWN


@lru_cache(maxsize=16)
def _stops(names: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that stops at every ``=`` of an assignment to one of ``names``.

    Why this shape: ``=`` is a literal the regex engine finds fast; look-behinds then keep only the
    ``=`` right after a name (or after a name and one white-space character) without Python code:
    first the names' last character (one class test turns away most of a page's ``=``), then their
    last two characters, then the whole names. A longer run of white space before the ``=`` always
    stops; the caller checks the name.
    """

    def behind(words: Iterable[str], space: str) -> str:
        by_width: dict[int, set[str]] = {}
        for word in words:
            by_width.setdefault(len(word), set()).add(re.escape(word))
        alternatives = ("|".join(sorted(group)) for group in by_width.values())
        return "|".join(f"(?<=(?:{alts}){space}=)" for alts in alternatives)

    def right_before(space: str) -> str:
        last = "".join(sorted({re.escape(name[-1]) for name in names}))
        tails = {name[-2:] for name in names}
        return f"(?<=[{last}]{space}=)(?:{behind(tails, space)})(?:{behind(names, space)})"

    after_name, after_space = right_before(""), right_before(r"\s")
    return re.compile(rf"=(?![=>])(?:(?<=\s=)(?:(?<=\s\s=)|{after_space})|{after_name})")


class JsPage:
    """The assignments to a set of names in one page, found in a single pass.

    Why: :func:`js_var` scans the whole page for one name; a WeChat page is asked ~40 names and
    carries 1-4 MB of inline scripts, so those scans were most of an extraction's time. The answers
    are exactly those of the module functions (same candidates, owner rules, order and limit); a
    name outside ``names`` falls back to its own scan.
    """

    def __init__(self, html: str, names: Iterable[str]) -> None:
        self.html = html
        self.names = tuple(sorted(set(names)))
        by_tail: dict[str, list[str]] = {}
        for name in self.names:
            by_tail.setdefault(name[-2:], []).append(name)
        widths = sorted({len(tail) for tail in by_tail})
        found: dict[str, list[tuple[int, int]]] = {name: [] for name in self.names}
        for m in _stops(self.names).finditer(html):
            end = m.start()  # the name ends where the white space before the "=" starts
            while end and html[end - 1].isspace():  # str.isspace is the regex \s
                end -= 1
            for width in widths:
                for name in by_tail.get(html[end - width : end] if end >= width else "", ()):
                    if end >= len(name) and html.startswith(name, end - len(name)):
                        found[name].append((end - len(name), m.end()))
        self._found = found

    def assignments(
        self, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS, limit: int = MAX_ASSIGNMENTS
    ) -> Iterator[Any]:
        """As :func:`js_assignments`."""
        found = self._found.get(name)
        candidates = found if found is not None else _candidates(self.html, name)
        return _values(self.html, candidates, name, owners, limit)

    def var(self, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> str | None:
        """As :func:`js_var`."""
        return _first_text(self.assignments(name, owners))

    def object(self, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> Mapping[str, Any] | None:
        """As :func:`js_object`, but the object's members are read when first asked for
        (:class:`LazyObject`)."""
        found = self._found.get(name)
        candidates = found if found is not None else _candidates(self.html, name)
        return _first_object(self.html, candidates, name, owners)


def _first_object(
    html: str, candidates: Iterable[tuple[int, int]], name: str, owners: tuple[str, ...]
) -> Mapping[str, Any] | None:
    seen = 0
    for start, value_pos in candidates:
        if not _owner_ok(html, start, name, owners):
            continue
        seen += 1
        if seen > MAX_ASSIGNMENTS:
            return None
        value, end = _object_at(html, value_pos)
        if value is not None and _ends_statement(html, end):
            return value
    return None


_STATEMENT_END = re.compile(r"[ \t]*(?:$|[;,)}\]\n\r]|</|//)")


_GAP_LOOKBACK = 256  # why: the white space between a value and the next statement is a few characters


def _ends_statement(text: str, end: int) -> bool:
    """A real assignment's value ends the statement; ``mid=2247\\x26amp;…`` inside a URL does not.

    ``end`` is where the parser stopped, past the white space after the value; a line break in that
    white space ends the statement too (JS inserts the ``;``: ``var a = {…}`` then
    ``a.more = {…}`` on the next line, as Toutiao writes BASE_DATA).
    """
    if _STATEMENT_END.match(text, end) is not None:
        return True
    before = text[max(0, end - _GAP_LOOKBACK) : end]
    gap = before[len(before.rstrip()) :]
    return "\n" in gap or "\r" in gap


def js_literal(html: str, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> Any:
    """The first literal (non-``UNKNOWN``) value assigned to ``name``; ``UNKNOWN`` if none."""
    for value in js_assignments(html, name, owners):
        if value is not UNKNOWN:
            return value
    return UNKNOWN


def js_var(html: str, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> str | None:
    """The first non-empty literal value assigned to ``name``, as text.

    ``""`` when the page assigns only empty literals (the field exists but is blank), ``None`` when
    it assigns no literal at all. Numbers come back as their decimal text (``"1700000000"``).
    """
    return _first_text(js_assignments(html, name, owners))


def _first_text(values: Iterable[Any]) -> str | None:
    found = False
    for value in values:
        if value is UNKNOWN or isinstance(value, (dict, list)):
            continue
        found = True
        text = _to_str(value)
        if text:
            return text
    return "" if found else None


def js_object(html: str, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> dict[str, Any] | None:
    """The first object literal assigned to ``name`` (e.g. ``window.cgiDataNew = {…}``), parsed."""
    for value in js_assignments(html, name, owners):
        if isinstance(value, dict):
            return value
    return None


def js_record(html: str, name: str, owners: tuple[str, ...] = _DEFAULT_OWNERS) -> Mapping[str, Any] | None:
    """:func:`js_object` for a page asked for one large object of which it reads a few members
    (ifeng's ``var allData = {…}``): members are read when asked for, as :meth:`JsPage.object`."""
    return _first_object(html, _candidates(html, name), name, owners)


# ---------------------------------------------------------------------------------------------
# Text written by scripts

_DOC_WRITE = re.compile(r"document\.write(?:ln)?\s*\(")
_INNER_HTML = re.compile(
    r"""(?:document\.getElementById\(\s*(['"])([^'"]+)\1\s*\)|\$\(\s*(['"])#([^'"]+)\3\s*\))"""
    r"""\s*\.innerHTML\s*=(?!=)"""
)


def document_writes(script: str) -> list[str]:
    """The literal strings a script passes to ``document.write(…)``, in order."""
    out = []
    for m in _DOC_WRITE.finditer(script):
        value, _ = parse_js_value(script, m.end())
        if isinstance(value, str) and value:
            out.append(value)
    return out


def inner_html_assignments(script: str) -> dict[str, str]:
    """``{element id: html}`` for ``document.getElementById('x').innerHTML = "…"`` with literal values."""
    out: dict[str, str] = {}
    for m in _INNER_HTML.finditer(script):
        value, _ = parse_js_value(script, m.end())
        if isinstance(value, str) and value:
            out.setdefault(m.group(2) or m.group(4), value)
    return out
