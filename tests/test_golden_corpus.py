"""Golden tests on the real pages of the shared corpus, against their annotations.

For every annotated page: the extracted kind is the annotated kind; every "with" snippet is in the
body, every "without" snippet is not; title, publish time, author and account equal the annotation
where it gives them (a text share without a title of its own is titled by its first line, and its
whole annotated text is in the body: ``tests.corpus.expected_title``). Non-articles must come back typed, with an error message naming the URL.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from scraper import extract
from scraper.html import plain_text
from tests.corpus import annotations, expected_title, site_of, snippet_in, title_is_text, url_for

RECORDS = annotations()


def _id(rec: dict) -> str:
    return rec["file"].split("/", 1)[1]


@pytest.fixture(params=RECORDS or [None], ids=[_id(r) for r in RECORDS] or ["no-corpus"])
def record(request, corpus):  # type: ignore[no-untyped-def]
    return request.param


def _extract(corpus, rec):  # type: ignore[no-untyped-def]
    return extract((corpus / rec["file"]).read_bytes(), url_for(rec))


@pytest.mark.corpus
def test_golden_page(corpus, record) -> None:  # type: ignore[no-untyped-def]
    rec = record
    article = _extract(corpus, rec)
    assert article.kind == rec["kind"], f"{rec['file']}: kind {article.kind!r} ({article.error})"
    if not article.is_article:
        assert article.error and url_for(rec) in article.error
        assert article.body_markdown == ""
        return
    body = plain_text(article.body_markdown)
    missing = [s for s in rec["with"] if not snippet_in(s, body)]
    kept = [s for s in rec["without"] if snippet_in(s, body)]
    assert not missing, f"{rec['file']}: must-keep snippets missing: {missing}"
    assert not kept, f"{rec['file']}: boilerplate kept: {kept}"
    if rec.get("title"):
        assert article.title == expected_title(rec)
        if title_is_text(rec):  # the annotated title is the post's whole text: all of it in the body
            assert "\n" not in article.title
            assert snippet_in(rec["title"], body), (
                f"{rec['file']}: the text share's text is not all in the body"
            )
    if rec.get("published"):
        assert article.published is not None
        assert article.published == datetime.fromisoformat(rec["published"])
        assert article.published.utcoffset() is not None
    if rec.get("author"):
        assert article.author == rec["author"]
    if rec.get("account"):
        assert article.account == rec["account"]
    folder = site_of(rec)
    if folder != "other":
        assert article.site == folder
