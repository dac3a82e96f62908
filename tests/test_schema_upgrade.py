"""Migrations: a catalog made by an earlier wxarchive is upgraded in place, its rows kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.catalog import Catalog
from archive.schema import MIGRATIONS, SCHEMA_VERSION


def _catalog_at(path: Path, version: int) -> None:
    """A catalog as the wxarchive of schema ``version`` left it, with one article."""
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS:
        if migration.version <= version:
            for statement in migration.statements():
                conn.execute(statement)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))
    conn.execute("INSERT INTO meta(key, value) VALUES ('created_at', '2026-01-01T00:00:00Z')")
    conn.execute(
        "INSERT INTO articles (url, site, article_id, bundle_path, content_hash, extractor_version, title, kind, "
        "status, updated_at) VALUES ('https://mp.weixin.qq.com/s/x', 'wechat', 'x', 'content/wechat/x/index.md', "
        "'sha256:0', '1', '旧文章', 'article', 'archived', '2026-01-01T00:00:00Z')"
    )
    conn.close()


def test_a_version_1_catalog_gains_the_search_and_syndication_tables(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    _catalog_at(path, 1)
    with Catalog.open(path, has_data=True) as cat:
        tables = {r["name"] for r in cat.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"article_text", "sketches", "sketch_buckets", "syndication"} <= tables
        assert cat.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION)
        assert [r["title"] for r in cat.query("SELECT title FROM articles")] == ["旧文章"]
        assert cat.query("SELECT value FROM meta WHERE key='created_at'")[0][0] == "2026-01-01T00:00:00Z"
        with cat.write() as c:  # the new tables take rows that name the old article
            c.execute(
                "INSERT INTO syndication (article, original, similarity, linked_at) VALUES (1, 1, 1.0, 'now')"
            )
    with Catalog.open(path, has_data=True) as cat:  # reopening a current catalog changes nothing
        assert cat.query("SELECT COUNT(*) AS n FROM syndication")[0]["n"] == 1


def test_a_version_3_catalog_gains_build_fingerprints_and_compacted_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    _catalog_at(path, 3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO runs (id, command, started_at) VALUES (1, 'crawl', '2026-01-01T00:00:00Z')")
    for i in range(30):  # 30 runs of an old crawl over one URL (one row per run, forever), and one other URL
        stage, outcome = ("fetch", "failed") if i % 10 == 3 else ("write", "unchanged")
        conn.execute(
            "INSERT INTO outcomes (run, url, stage, outcome, message, at) VALUES (1, 'https://a/1', ?, ?, ?, ?)",
            (stage, outcome, f"run {i}", f"2026-01-{i // 24 + 1:02d}T{i % 24:02d}:00:00Z"),
        )
    conn.execute(
        "INSERT INTO outcomes (run, url, stage, outcome, at) VALUES (1, 'https://b/2', 'write', 'archived', 'x')"
    )
    conn.close()
    with Catalog.open(path, has_data=True) as cat:
        [article] = cat.articles()
        assert article.title == "旧文章" and article.built_with is None and article.template_key == ""
        # the latest outcome per URL and stage, however old
        latest = {(r["url"], r["stage"]): r["message"] for r in cat.query("SELECT * FROM outcome_latest")}
        assert latest == {
            ("https://a/1", "write"): "run 29",
            ("https://a/1", "fetch"): "run 23",
            ("https://b/2", "write"): None,
        }
        # the history is cut to the newest 20 outcomes of each URL
        kept = [
            r["message"]
            for r in cat.query("SELECT message FROM outcomes WHERE url='https://a/1' ORDER BY id")
        ]
        assert kept == [f"run {i}" for i in range(10, 30)]
        assert len(cat.outcomes()) == 21
        # the lookups reextract and archive make are indexed
        indexes = {r["name"] for r in cat.query("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"raw_final_url", "raw_kind_url", "articles_canonical_url", "outcomes_url_id"} <= indexes
