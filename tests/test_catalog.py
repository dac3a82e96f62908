"""The catalog: WAL + BEGIN IMMEDIATE so concurrent runs queue up; corruption and loss are loud."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.catalog import Catalog
from archive.pipeline import Archive
from archive.rawstore import RawStore
from archive.schema import SCHEMA_VERSION
from scraper.errors import StoreError
from scraper.models import RawPage
from tests.archivekit import make_config

ROOT = Path(__file__).resolve().parent.parent


def test_a_new_catalog_uses_wal_and_has_every_table(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as cat:
        assert cat.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cat.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        tables = {r[0] for r in cat.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {
            "meta",
            "raw_records",
            "articles",
            "images",
            "placeholders",
            "runs",
            "outcomes",
            "sources",
        } <= tables
        assert cat.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION)


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as cat:
        run = cat.start_run("archive")
        cat.record_outcome(
            run, "https://e.com/a", "fetch", "failed", "HTTPStatusError", "https://e.com/a answered 404."
        )
        cat.finish_run(run, 0, 1)
    with Catalog.open(tmp_path / "c.sqlite") as cat:
        rows = cat.outcomes()
        assert [(r["url"], r["stage"], r["outcome"], r["error_class"]) for r in rows] == [
            ("https://e.com/a", "fetch", "failed", "HTTPStatusError")
        ]
        assert cat.query("SELECT ok, failed FROM runs")[0][:] == (0, 1)


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "mangled-header"],
)
def test_a_corrupt_catalog_is_a_clear_error_with_advice(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError) as err:
        Catalog.open(path)
    message = str(err.value)
    assert "corrupt" in message and "wxarchive reindex" in message and str(path) in message
    assert path.read_bytes() == content  # never "repaired" by starting empty


def test_a_damaged_page_inside_the_catalog_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path) as cat:
        for i in range(400):
            cat.record_outcome(None, f"https://e.com/{i}", "fetch", "failed", "X", "m" * 200)
        cat.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 5 : page * 6] = b"\x07" * page  # overwrite a whole b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        Catalog.open(path)


def test_an_sqlite_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foreign_stuff (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a wxarchive catalog"):
        Catalog.open(path)


def test_a_missing_catalog_beside_archived_data_is_refused(tmp_path: Path) -> None:
    config = make_config(tmp_path / "site")
    with Archive(config) as archive:
        archive.rawstore.put(
            RawPage(
                "https://e.com/",
                "https://e.com/",
                200,
                (),
                b"<html>x</html>",
                datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
    (tmp_path / "site" / "catalog.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / "site" / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError) as err:
        Archive(config)
    assert "missing" in str(err.value) and "wxarchive reindex" in str(err.value)
    assert not (tmp_path / "site" / "catalog.sqlite").exists()  # nothing silently created


def test_an_empty_catalog_file_beside_data_is_refused_too(tmp_path: Path) -> None:
    config = make_config(tmp_path / "site")
    bundle = tmp_path / "site" / "content" / "wechat" / "x"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / "site" / "catalog.sqlite").write_bytes(b"")
    with pytest.raises(StoreError, match="missing"):
        Archive(config)


def test_nested_writes_are_one_transaction_and_roll_back_together(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as cat:
        with pytest.raises(RuntimeError), cat.write():
            cat.record_outcome(None, "https://e.com/1", "fetch", "failed")
            with cat.write():
                cat.set_crawled("src", datetime(2025, 1, 1, tzinfo=UTC))
            raise RuntimeError("boom")
        assert cat.outcomes() == [] and cat.last_crawled("src") is None


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
    cat = Catalog.open(Path({path!r}))
    store = RawStore(Path({raw!r}), cat)
    for i in range(n):
        store.put(RawPage(f"https://e.com/{{tag}}/{{i}}", f"https://e.com/{{tag}}/{{i}}", 200, (),
                          f"<html>{{tag}} {{i}}</html>".encode(), datetime(2025, 1, 1, tzinfo=UTC)))
        cat.record_outcome(None, f"https://e.com/{{tag}}/{{i}}", "fetch", "archived")
    cat.close()
    """
)


def test_two_processes_writing_at_once_serialise_without_errors(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    raw = tmp_path / "raw"
    Catalog.open(path).close()
    script = WRITER.format(root=str(ROOT), path=str(path), raw=str(raw))
    procs = [
        subprocess.Popen([sys.executable, "-c", script, tag, "40"], stderr=subprocess.PIPE, text=True)
        for tag in ("a", "b", "c")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with Catalog.open(path) as cat:
        assert len(cat.outcomes()) == 120
        store = RawStore(raw, cat)
        rows = cat.query("SELECT id FROM raw_records ORDER BY warc_file, warc_offset")
        assert len(rows) == 120
        # every record of the interleaved appends reads back intact, none overlaps another
        spans = cat.query(
            "SELECT warc_file, warc_offset, warc_length FROM raw_records ORDER BY warc_file, warc_offset"
        )
        for (f1, o1, l1), (f2, o2, _) in zip(spans, spans[1:], strict=False):
            assert f1 != f2 or o1 + l1 == o2
        for tag in ("a", "b", "c"):
            for i in (0, 39):
                page = store.latest(f"https://e.com/{tag}/{i}")
                assert page is not None and page.body == f"<html>{tag} {i}</html>".encode()


def test_a_held_write_lock_makes_the_other_writer_wait_not_fail(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    Catalog.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from archive.catalog import Catalog
        cat = Catalog.open(Path({str(path)!r}))
        print("waiting", flush=True)
        cat.record_outcome(None, "https://e.com/late", "fetch", "archived")
        print("done", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "waiting"
    holder.execute(
        "INSERT INTO outcomes (url, stage, outcome, at) VALUES ('https://e.com/first','fetch','archived','x')"
    )
    holder.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "done"
    with Catalog.open(path) as cat:
        assert [r["url"] for r in cat.outcomes()] == ["https://e.com/first", "https://e.com/late"]


def test_raw_rows_are_found_by_requested_or_final_url(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as cat:
        store = RawStore(tmp_path / "raw", cat)
        page = RawPage(
            "https://e.com/s",
            "https://e.com/long?x=1",
            200,
            (),
            b"<html>1</html>",
            datetime(2025, 1, 1, tzinfo=UTC),
        )
        row = store.put(page).row
        found = cat.raw_for("https://e.com/long?x=1")
        assert found is not None and found.id == row.id
        assert cat.page_urls() == ["https://e.com/s"]


def test_outcomes_keep_the_latest_per_stage_and_a_bounded_history(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "catalog.sqlite") as cat:
        cat.outcome_history = 5
        run = cat.start_run("crawl")
        cat.record_outcome(run, "https://a/1", "fetch", "failed", "FetchError", "HTTP 503")
        for i in range(12):
            cat.record_outcome(run, "https://a/1", "write", "unchanged", None, f"pass {i}")
        cat.record_outcomes(run, [("https://b/2", "write", "archived", None, None)] * 3)
        history = [
            r["message"]
            for r in cat.query("SELECT message FROM outcomes WHERE url='https://a/1' ORDER BY id")
        ]
        assert history == [f"pass {i}" for i in range(7, 12)]  # the newest 5; the failure aged out …
        latest = {(r["stage"], r["outcome"], r["message"]) for r in cat.latest_outcomes("https://a/1")}
        assert latest == {
            ("fetch", "failed", "HTTP 503"),
            ("write", "unchanged", "pass 11"),
        }  # … but not here
        assert len(cat.query("SELECT * FROM outcomes WHERE url='https://b/2'")) == 3
        # each URL is bounded: 1,000 more runs leave the table the same size
        for _ in range(1000):
            cat.record_outcomes(run, [("https://a/1", "write", "unchanged", None, None)])
        assert len(cat.outcomes()) == 5 + 3


def test_raw_and_article_lookups_use_their_indexes(tmp_path: Path) -> None:
    """No lookup of one URL scans a table (a scan per page made reextract quadratic in the archive)."""
    with Catalog.open(tmp_path / "catalog.sqlite") as cat:
        statements: list[str] = []
        cat.conn.set_trace_callback(statements.append)
        cat.raw_for("https://a/1", kind="page")
        cat.raw_for("https://a/1", "sha256:00", "page")
        cat.article_for_url("https://a/1")
        cat.page_build("https://a/1")
        cat.record_outcome(None, "https://a/1", "write", "archived")
        cat.conn.set_trace_callback(None)
        reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "DELETE", "INSERT"))]
        assert len(reads) >= 6
        for sql in reads:
            plan = " | ".join(r[3] for r in cat.conn.execute("EXPLAIN QUERY PLAN " + sql))
            # by URL or id, never a scan of a table or of every page
            assert " SCAN " not in f" {plan} " and "(kind=?)" not in plan, (sql, plan)
