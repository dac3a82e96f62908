"""The catalog behaves the same on SQLite and on PostgreSQL (a real server, tests/servers.py).

Every test here runs twice, through the ``target`` fixture: once on an SQLite file, once on a fresh
PostgreSQL database. The SQLite-only behaviour (WAL, corruption of the file, the file lock) stays in
tests/test_catalog.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.catalog import Catalog, ImageRow
from archive.pgcatalog import Row, ddl, translate
from archive.rawstore import RawStore
from archive.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from scraper.errors import StoreError
from scraper.models import RawPage

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a catalog lives: an SQLite file, or a fresh database of the session's PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "catalog.sqlite")
    return str(request.getfixturevalue("pg_dsn"))


def page(url: str, body: bytes, final: str | None = None) -> RawPage:
    return RawPage(url, final or url, 200, (("Content-Type", "text/html"),), body, WHEN)


def test_a_new_catalog_has_every_table_at_the_current_version(target: str) -> None:
    with Catalog.connect(target) as cat:
        assert set(TABLES) <= cat.backend.table_names(cat.conn)
        assert cat.scalar("SELECT value FROM meta WHERE key='schema_version'") == str(SCHEMA_VERSION)
    with Catalog.connect(target) as cat:  # reopening applies nothing
        assert cat.query("SELECT COUNT(*) AS n FROM meta WHERE key='created_at'")[0]["n"] == 1


def test_outcomes_and_runs_survive_reopening(target: str) -> None:
    with Catalog.connect(target) as cat:
        run = cat.start_run("archive")
        second = cat.start_run("crawl")
        assert second == run + 1
        cat.record_outcome(run, "https://e.com/a", "fetch", "failed", "HTTPStatusError", "e.com/a: 404.")
        cat.finish_run(run, 0, 1)
    with Catalog.connect(target) as cat:
        rows = cat.outcomes(run)
        assert [(r["url"], r["stage"], r["outcome"], r["error_class"]) for r in rows] == [
            ("https://e.com/a", "fetch", "failed", "HTTPStatusError")
        ]
        assert tuple(cat.query("SELECT ok, failed FROM runs WHERE id=?", (run,))[0][:]) == (0, 1)
        assert dict(rows[0])["message"] == "e.com/a: 404."


def test_nested_writes_are_one_transaction_and_roll_back_together(target: str) -> None:
    with Catalog.connect(target) as cat:
        with pytest.raises(RuntimeError), cat.write():
            cat.record_outcome(None, "https://e.com/1", "fetch", "failed")
            with cat.write():
                cat.set_crawled("src", WHEN)
            raise RuntimeError("boom")
        assert cat.outcomes() == [] and cat.last_crawled("src") is None
        cat.set_crawled("src", WHEN)
        assert cat.last_crawled("src") == WHEN


def test_raw_records_store_and_read_back(target: str, tmp_path: Path) -> None:
    with Catalog.connect(target) as cat:
        store = RawStore(tmp_path / "raw", cat)
        first = store.put(page("https://e.com/s", b"<html>1</html>", "https://e.com/long?x=1"))
        again = store.put(page("https://e.com/s", b"<html>1</html>", "https://e.com/long?x=1"))
        moved = store.put(page("https://e.com/other", b"<html>1</html>"))  # same payload: a revisit
        assert first.written and not again.written and again.row.id == first.row.id
        assert moved.row.record_type == "revisit" and moved.row.refers_to == first.row.id
        found = cat.raw_for("https://e.com/long?x=1")
        assert found is not None and found.id == first.row.id
        assert cat.page_urls() == ["https://e.com/s", "https://e.com/other"]
        assert store.latest("https://e.com/other") == page("https://e.com/other", b"<html>1</html>")
        assert cat.warc_end(first.row.warc_file) == moved.row.warc_offset + moved.row.warc_length


def test_reindex_rebuilds_the_raw_index_from_the_warc_files(target: str, tmp_path: Path) -> None:
    with Catalog.connect(target) as cat:
        store = RawStore(tmp_path / "raw", cat)
        for i in range(3):
            store.put(page(f"https://e.com/{i}", f"<html>{i}</html>".encode()))
        cat.conn.execute("DELETE FROM raw_records")
        assert store.reindex() == 3
        assert store.reindex() == 0  # rows already present are kept, not doubled
        assert cat.page_urls() == ["https://e.com/0", "https://e.com/1", "https://e.com/2"]
        assert cat.scalar("SELECT COUNT(*) FROM warc_files") == 1


def test_articles_images_placeholders_probes_and_robots(target: str) -> None:
    with Catalog.connect(target) as cat:
        fields = dict(
            url="https://e.com/a",
            canonical_url=None,
            site="web",
            article_id="a1",
            bundle_path="content/web/a1/index.md",
            content_hash="h1",
            extractor_version="1",
            title="标题",
            published=None,
            kind="article",
            status="archived",
            error=None,
            raw_id=None,
            raw_digest="sha256:x",
            updated_at="2025-01-01T00:00:00Z",
        )
        aid = cat.upsert_article(**fields)
        assert cat.upsert_article(**{**fields, "content_hash": "h2"}) == aid
        row = cat.article("web", "a1")
        assert row is not None and row.content_hash == "h2" and row.title == "标题"
        assert cat.article_for_url("https://e.com/a") == row
        img = ImageRow(aid, "https://i.com/1.png", "https://i.com/1.png", "ab", "ab.png", "stored", None, "t")
        cat.set_images(aid, [img, img])  # the same remote URL twice: one row
        assert cat.images_of(aid) == [img] and cat.stored_image("https://i.com/1.png") == [img]
        cat.learn_placeholder("i.com", "ff", 10, 1, 1)
        cat.learn_placeholder("i.com", "ff", 10, 1, 1)
        assert cat.placeholders("i.com") == {"ff"} and cat.placeholders() == {"ff"}
        cat.set_host_probe("i.com", True, WHEN)
        assert cat.host_probed_at("i.com") == WHEN
        cat.set_robots("https://e.com", WHEN, 200, "rules", b"User-agent: *\nDisallow: /x\n\xff", None)
        robots = cat.robots("https://e.com")
        assert robots is not None and robots.body == b"User-agent: *\nDisallow: /x\n\xff"
        assert robots.status == 200 and robots.verdict == "rules"
        total = cat.scalar("SELECT SUM(status) FROM robots")
        assert total == 200 and isinstance(total, int)


def test_a_percent_sign_and_a_question_mark_in_text_are_data(target: str) -> None:
    with Catalog.connect(target) as cat:
        cat.record_outcome(None, "https://e.com/?q=100%", "fetch", "failed", None, "100% 'sure'?")
        rows = cat.query("SELECT message FROM outcomes WHERE url LIKE '%100%' AND message != '?'")
        assert [r["message"] for r in rows] == ["100% 'sure'?"]


def test_lock_article_belongs_inside_a_write(target: str) -> None:
    with Catalog.connect(target) as cat:
        with cat.write():
            cat.lock_article("web", "a1")
        with pytest.raises(AssertionError):
            cat.lock_article("web", "a1")


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from archive.catalog import Catalog
    from archive.rawstore import RawStore
    from scraper.models import RawPage

    tag, n = sys.argv[1], int(sys.argv[2])
    cat = Catalog.connect({target!r})
    store = RawStore(Path({raw!r}), cat, writer=tag)
    for i in range(n):
        store.put(RawPage(f"https://e.com/{{tag}}/{{i}}", f"https://e.com/{{tag}}/{{i}}", 200, (),
                          f"<html>{{tag}} {{i}}</html>".encode(), datetime(2025, 1, 1, tzinfo=UTC)))
        cat.record_outcome(None, f"https://e.com/{{tag}}/{{i}}", "fetch", "archived")
    cat.close()
    """
)


def test_processes_creating_and_writing_one_catalog_at_once(target: str, tmp_path: Path) -> None:
    """Three processes open a catalog that does not exist yet and write to it together: one creates
    it, none fails, nothing is lost; each appends to WARC files of its own in the shared raw store, as
    cluster workers do."""
    script = WRITER.format(root=str(ROOT), target=target, raw=str(tmp_path / "raw"))
    procs = [
        subprocess.Popen([sys.executable, "-c", script, tag, "20"], stderr=subprocess.PIPE, text=True)
        for tag in ("a", "b", "c")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with Catalog.connect(target) as cat:
        assert len(cat.outcomes()) == 60
        assert cat.scalar("SELECT COUNT(*) FROM raw_records") == 60
        assert cat.scalar("SELECT COUNT(*) FROM meta WHERE key='created_at'") == 1
        for tag in ("a", "b", "c"):
            got = RawStore(tmp_path / "raw", cat).latest(f"https://e.com/{tag}/19")
            assert got is not None and got.body == f"<html>{tag} 19</html>".encode()
        names = [r["name"] for r in cat.query("SELECT name FROM warc_files ORDER BY name")]
        assert [n.split("-")[1] for n in names] == ["a", "b", "c"]  # one file per writer, named after it


def test_a_catalog_at_the_previous_version_is_upgraded_in_place(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.catalog as catalog_module

    previous = MIGRATIONS[:-1]
    assert previous, "one migration only: nothing to upgrade from"
    with monkeypatch.context() as m:  # a wxarchive that knew one migration less made this catalog
        m.setattr(catalog_module, "MIGRATIONS", previous)
        m.setattr(catalog_module, "SCHEMA_VERSION", previous[-1].version)
        with Catalog.connect(target) as cat:  # as that wxarchive recorded an outcome
            cat.record_outcome(None, "https://e.com/kept", "fetch", "archived")
            assert cat.scalar("SELECT value FROM meta WHERE key='schema_version'") == str(
                previous[-1].version
            )
    with Catalog.connect(target) as cat:
        assert cat.scalar("SELECT value FROM meta WHERE key='schema_version'") == str(SCHEMA_VERSION)
        assert set(TABLES) <= cat.backend.table_names(cat.conn)
        assert [r["url"] for r in cat.outcomes()] == ["https://e.com/kept"]
        assert [r["outcome"] for r in cat.latest_outcomes("https://e.com/kept")] == ["archived"]


def test_an_empty_catalog_beside_archived_data_is_refused(target: str) -> None:
    with pytest.raises(StoreError, match="reindex"):
        Catalog.connect(target, has_data=True)


# ---------------------------------------------------------------------- the PostgreSQL dialect


def test_placeholders_are_translated_outside_quoted_text_only() -> None:
    assert translate("SELECT * FROM t WHERE a=? AND b LIKE 'x%?' AND c=?") == (
        "SELECT * FROM t WHERE a=%s AND b LIKE 'x%%?' AND c=%s"
    )
    assert translate("SELECT 100 % 7") == "SELECT 100 %% 7"


def test_schema_types_are_translated_for_postgresql() -> None:
    out = ddl("CREATE TABLE x (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, b BLOB, r REAL)")
    assert out == (
        "CREATE TABLE x (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, "
        "b BYTEA, r DOUBLE PRECISION)"
    )


def test_rows_read_like_sqlite_rows() -> None:
    row = Row(("a", "b"), (1, "x"))
    assert row["a"] == 1 and row[1] == "x" and row[:] == (1, "x") and dict(row) == {"a": 1, "b": "x"}
    with pytest.raises(IndexError):
        row["c"]


def test_one_writer_per_article_at_a_time_on_postgresql(pg_dsn: str) -> None:
    """The article's row lock: a second writer of the same article waits for the first to commit; a
    writer of another article does not."""
    import threading
    import time

    first, second, other = (Catalog.connect(pg_dsn) for _ in range(3))
    order: list[str] = []
    try:
        with first.write():
            first.lock_article("wechat", "a1")  # a new article: its row is created under the lock

            def write(cat: Catalog, article: str, tag: str) -> None:
                with cat.write():
                    cat.lock_article("wechat", article)
                    order.append(tag)

            waiting = threading.Thread(target=write, args=(second, "a1", "second"))
            free = threading.Thread(target=write, args=(other, "a2", "other"))
            waiting.start()
            free.start()
            free.join(timeout=10)
            time.sleep(0.3)  # the second writer had every chance to get in, and must not have
            order.append("first commits")
        waiting.join(timeout=10)
    finally:
        for cat in (first, second, other):
            cat.close()
    assert order == ["other", "first commits", "second"]


def test_a_growing_postgresql_catalog_gets_planner_statistics(pg_dsn: str) -> None:
    """A new catalog grows faster than autovacuum looks at it: the connection analyses it after its
    first write transactions (without statistics, a page's bucket lookup scanned the whole table:
    the catalog's cost per page grew with the archive)."""
    import psycopg

    with Catalog.connect(pg_dsn) as cat:
        now = datetime(2025, 1, 1, tzinfo=UTC).isoformat()
        for n in range(60):  # 60 write transactions: past the first analysis (ANALYZE_AT)
            with cat.write() as c:
                c.execute(
                    "INSERT INTO articles (url, site, article_id, bundle_path, content_hash, extractor_version, "
                    "kind, status, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (f"https://e.example/{n}", "web", f"a{n}", "", "", "1", "article", "archived", now),
                )
                row = c.execute("SELECT id FROM articles WHERE article_id = ?", (f"a{n}",)).fetchone()
                c.executemany(
                    "INSERT INTO sketch_buckets (bucket, article) VALUES (?, ?)",
                    [(n * 1000 + b, row[0]) for b in range(32)],
                )
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        analysed = conn.execute(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'sketch_buckets'"
        ).fetchone()
        assert analysed is not None and analysed[0] is not None
