"""Scores used by the quality benchmark: snippet matching and character n-gram F1.

Both ignore white space entirely: CJK text wraps anywhere, and extractors differ only in where they
put line breaks and indents (U+3000, NBSP), which says nothing about what they extracted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_WS = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")


def normalize(text: str) -> str:
    """White space (incl. NBSP, ideographic space, zero-width) removed: the form all scores use."""
    return _WS.sub("", text or "")


def snippet_in(snippet: str, text: str) -> bool:
    """Whether ``snippet`` occurs in ``text``, white space ignored (the golden tests' rule)."""
    return normalize(snippet) in normalize(text)


@dataclass(frozen=True)
class F1:
    precision: float
    recall: float
    f1: float


def char_ngrams(text: str, n: int = 4) -> Counter[str]:
    """The multiset of character ``n``-grams of ``text`` after :func:`normalize`.

    A text shorter than ``n`` (but not empty) counts as one gram, so tiny texts still compare.
    """
    text = normalize(text)
    if not text:
        return Counter()
    if len(text) < n:
        return Counter([text])
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def char_ngram_f1(extracted: str, reference: str, n: int = 4) -> F1:
    """Precision, recall and F1 of ``extracted`` against ``reference`` on character ``n``-grams.

    Counts are clipped (a gram found twice in the output but once in the reference counts once),
    so repeating text is not rewarded. Character grams rather than words: Chinese has no spaces.
    Two empty texts agree perfectly; one empty text scores 0.
    """
    got, want = char_ngrams(extracted, n), char_ngrams(reference, n)
    if not got and not want:
        return F1(1.0, 1.0, 1.0)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return F1(precision, recall, f1)
