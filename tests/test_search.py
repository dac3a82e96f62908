"""Full-text search: the bigram tokenizer, phrase queries, ranking, highlighted passages, the index
kept with the texts and rebuilt from the bundles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import archive.search as search
from archive.catalog import Catalog
from archive.entries import reindex
from archive.search import SearchIndex, SqliteFts5, highlight, parse_query, tokenize

LONG_BODY = (
    "今年春天，东南沿海的一家工厂里，工程师们正在调试一条新的封装产线。"
    "厂长说，订单排到了年底，最缺的不是设备而是熟练的技术工人。"
    "谈到行业的未来，他认为国产芯片设计的突破需要十年以上的积累，眼下最要紧的是把良品率提上去。"
    "产线旁的白板上写满了参数，角落里放着一盆绿萝。"
    "下班时分，工人们骑着电动车陆续离开，园区的路灯一盏盏亮起来。"
)


def _add(cat: Catalog, index: SearchIndex, n: int, title: str, body: str, site: str = "wechat") -> int:
    row = cat.upsert_article(
        url=f"https://example.org/{n}",
        canonical_url=None,
        site=site,
        article_id=f"a{n}",
        bundle_path=f"content/{site}/a{n}/index.md",
        content_hash="sha256:0",
        extractor_version="1",
        title=title,
        published=f"2025-0{1 + n % 9}-01T08:00:00+08:00",
        kind="article",
        status="archived",
        error=None,
        raw_id=None,
        raw_digest=None,
        updated_at="2025-01-01T00:00:00Z",
    )
    index.put(row, title, body)
    return row


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A catalog on SQLite (FTS5) and on PostgreSQL (tsvector; a real server): one tokenizer, the
    same results."""
    target = (
        str(tmp_path / "catalog.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_dsn")
    )
    with Catalog.connect(target) as cat:
        yield cat


def test_tokenize_cuts_cjk_runs_into_bigrams_and_keeps_latin_words() -> None:
    assert tokenize("国产芯片") == ["国产", "产芯", "芯片"]
    assert tokenize("芯，片") == ["芯", "片"]  # a lone character between punctuation is itself
    assert tokenize("DeepSeek发布R1模型，Ｖ３版本2025年") == [
        "deepseek", "发布", "r1", "模型", "v3", "版本", "2025", "年",
    ]  # fmt: skip
    assert tokenize("日本語のテキスト한국어") == [
        "日本",
        "本語",
        "語の",
        "のテ",
        "テキ",
        "キス",
        "スト",
        "ト한",
        "한국",
        "국어",
    ]
    assert tokenize("——！？") == []


def test_a_query_term_is_a_phrase_of_its_tokens() -> None:
    q = parse_query('芯片  "machine learning" 国产芯片设计 芯')
    assert [t.tokens for t in q.terms] == [
        ("芯片",), ("machine", "learning"), ("国产", "产芯", "芯片", "片设", "设计"), ("芯",),
    ]  # fmt: skip
    assert SqliteFts5.expression(q) == (
        '"芯片" AND "machine learning" AND "国产 产芯 芯片 片设 设计" AND "芯"*'
    )
    assert parse_query("  * —— ").empty


def test_two_and_six_character_phrases_from_the_middle_of_a_body_are_found(catalog: Catalog) -> None:
    index = SearchIndex(catalog)
    target = _add(catalog, index, 1, "一条封装产线的春天", LONG_BODY)
    _add(catalog, index, 2, "设计工具", "这篇文章谈的是芯、片上系统和设计工具，没有那两个字连在一起。")
    _add(catalog, index, 3, "菜市场", "改造后重新开业的南门菜市场里人声鼎沸。" * 3)
    assert [h.article for h in index.search("芯片")] == [target]
    assert [h.article for h in index.search("国产芯片设计")] == [target]
    assert [h.article for h in index.search("芯片设计 良品率")] == [target]  # every term must match
    assert index.search("芯片 菜市场") == []
    assert [h.article for h in index.search("芯片设计师")] == []  # a phrase, not a bag of bigrams
    hit = index.search("国产芯片设计")[0]
    assert hit.passage.marked().count("[国产芯片设计]") == 1
    assert "[国产芯片设计]的突破" in hit.passage.marked()


def test_a_title_match_ranks_above_a_passing_mention(catalog: Catalog) -> None:
    index = SearchIndex(catalog)
    passing = _add(catalog, index, 1, "一条封装产线的春天", LONG_BODY)
    titled = _add(
        catalog,
        index,
        2,
        "芯片产业的十年",
        "这个行业的故事要从一间实验室说起，那里后来走出了很多创业者。" * 4,
    )
    again = _add(catalog, index, 3, "园区见闻", "园区里的芯片公司越来越多。" + "工人们骑着电动车离开。" * 30)
    hits = index.search("芯片")
    assert [h.article for h in hits][0] == titled
    assert {h.article for h in hits} == {passing, titled, again}
    assert hits[0].title_spans == ((0, 2),)
    assert hits[0].passage.spans == ()  # nothing in its body: the passage is its beginning


def test_single_characters_latin_words_and_mixed_terms(catalog: Catalog) -> None:
    index = SearchIndex(catalog)
    a = _add(catalog, index, 1, "DeepSeek 发布 R1", "DeepSeek今天发布了R1推理模型，代码开源。")
    b = _add(catalog, index, 2, "绿萝", "角落里放着一盆绿萝。")
    assert [h.article for h in index.search("deepseek")] == [a]
    assert [h.article for h in index.search("DEEPSEEK发布")] == [
        a
    ]  # "DeepSeek今天发布" is not a phrase of it
    assert [h.article for h in index.search("r1推理")] == [a]
    assert [h.article for h in index.search("萝")] == []  # only at the end of a run: not a bigram's start
    assert [h.article for h in index.search("绿")] == [b]
    hit = index.search("r1推理")[0]
    assert "[R1推理]" in hit.passage.marked()


def test_highlight_picks_the_passage_with_most_terms_and_starts_at_a_sentence() -> None:
    text = "开头一句话。" + "无关的内容。" * 40 + "这里谈到芯片，也谈到良品率。" + "结尾。" * 40
    p = highlight(text, parse_query("芯片 良品率"))
    assert p.text.startswith("这里谈到芯片")
    assert p.marked().startswith("…这里谈到[芯片]，也谈到[良品率]。")
    assert p.clipped_end


def test_reindex_rebuilds_the_index_from_the_texts_and_fills_texts_from_bundles(tmp_path: Path) -> None:
    root = tmp_path
    with Catalog.open(root / "catalog.sqlite") as cat:
        index = SearchIndex(cat)
        a = _add(cat, index, 1, "封装产线", LONG_BODY)
        b = cat.upsert_article(  # archived before search existed: a bundle, no text row
            url="https://example.org/old",
            canonical_url=None,
            site="qq",
            article_id="old",
            bundle_path="content/qq/old/index.md",
            content_hash="sha256:0",
            extractor_version="1",
            title="旧文章",
            published=None,
            kind="article",
            status="archived",
            error=None,
            raw_id=None,
            raw_digest=None,
            updated_at="2025-01-01T00:00:00Z",
        )
    bundle = root / "content/qq/old/index.md"
    bundle.parent.mkdir(parents=True)
    bundle.write_text(
        '---\ntitle: "旧文章"\n---\n\n老城区的社区食堂已经亮起了灯。\n\n[qq](https://example.org/old)\n',
        encoding="utf-8",
    )
    with sqlite3.connect(root / "catalog.sqlite") as conn:  # the FTS table is lost (or was never made)
        conn.execute("DROP TABLE search_fts")
    with Catalog.open(root / "catalog.sqlite") as cat:
        index = SearchIndex(cat)
        assert index.missing() == [b]
        assert reindex(cat, root)["indexed"] == 2
        assert index.missing() == []
        assert [h.article for h in index.search("社区食堂")] == [b]
        assert [h.article for h in index.search("良品率")] == [a]
        assert cat.query("SELECT body FROM article_text WHERE article=?", (b,))[0]["body"] == (
            "老城区的社区食堂已经亮起了灯。"
        )


def test_a_changed_text_replaces_the_old_one_and_a_new_tokenizer_rebuilds(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SearchIndex(catalog)
    a = _add(catalog, index, 1, "封装产线", LONG_BODY)
    index.put(a, "封装产线", "全新的正文讲的是菜市场。")
    assert index.search("良品率") == []
    assert [h.article for h in index.search("菜市场")] == [a]
    index.remove(a)
    assert index.search("菜市场") == []
    index.put(a, "封装产线", LONG_BODY)
    monkeypatch.setattr(search, "TOKENIZER_VERSION", "bigram-test")
    assert not index.engine.ready(catalog)
    assert [h.article for h in index.search("良品率")] == [a]  # rebuilt before searching
    assert catalog.query("SELECT tokenizer FROM article_text")[0]["tokenizer"] == "bigram-test"
