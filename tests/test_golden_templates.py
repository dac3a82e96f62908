"""Account templates on the real pages of the corpus: learning removes no must-keep snippet anywhere.

Every annotated page (the corpus's annotations and ``bench/savetruth-annotations.json``) is extracted
with the rules; the pages are grouped by account (``archive.accounts.account_key``), each account
with enough posts learns its template from all of them (the page itself included: the hardest case
for over-cutting) and applies it back to each page. A second, harsher round pools every page of a
site as if one account had written them all. Must-keep snippets must all survive; what the rules
already removed stays removed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from archive.accounts import account_key
from scraper import extract
from scraper.html import plain_text
from scraper.models import Article
from scraper.templates import MIN_POSTS, apply, edges, learn
from tests.corpus import annotations, snippet_in, url_for

ROOT = Path(__file__).resolve().parent.parent
OURS = ROOT / "bench" / "savetruth-annotations.json"


def url_key(url: str) -> str:
    return "u:" + url.split("#")[0]


@cache
def _pages(corpus: Path) -> list[tuple[dict[str, Any], Article]]:
    records = annotations() + json.loads(OURS.read_text(encoding="utf-8"))
    out = []
    for rec in records:
        article = extract((corpus / rec["file"]).read_bytes(), url_for(rec))
        if article.is_article:
            out.append((rec, article))
    return out


def _check(groups: dict[str, list[tuple[dict[str, Any], Article]]]) -> tuple[int, list[str]]:
    learned, problems = 0, []
    for name, members in sorted(groups.items()):
        if len(members) < MIN_POSTS:
            continue
        template = learn(name, name, [edges(a.body_markdown, url_key) for _, a in members])
        learned += len(template.blocks)
        for rec, article in members:
            body = plain_text(apply(article, template, url_key).body_markdown)
            before = plain_text(article.body_markdown)
            problems += [f"{rec['file']}: lost {s!r}" for s in rec["with"] if not snippet_in(s, body)]
            problems += [
                f"{rec['file']}: brought back {s!r}"
                for s in rec["without"]
                if snippet_in(s, body) and not snippet_in(s, before)
            ]
    return learned, problems


@pytest.mark.corpus
def test_learning_per_account_removes_no_must_keep_snippet(corpus: Path) -> None:
    groups: dict[str, list[tuple[dict[str, Any], Article]]] = defaultdict(list)
    for rec, article in _pages(corpus):
        key = account_key(article)
        if key:
            groups[key].append((rec, article))
    learned, problems = _check(groups)
    assert learned > 0, "no account of the corpus learned anything: the test would prove nothing"
    assert problems == []


@pytest.mark.corpus
def test_learning_from_a_whole_site_as_one_account_removes_no_must_keep_snippet(corpus: Path) -> None:
    groups: dict[str, list[tuple[dict[str, Any], Article]]] = defaultdict(list)
    for rec, article in _pages(corpus):
        groups[article.site].append((rec, article))
    _, problems = _check(groups)
    assert problems == []
