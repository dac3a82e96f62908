"""The raw store: responses kept exactly as received in WARC files, read back by offset, deduplicated,
corruption detected, torn tails repaired, the index rebuilt from the files."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.catalog import Catalog
from archive.rawstore import RawStore
from scraper.errors import StoreError
from scraper.models import RawPage

T0 = datetime(2025, 2, 13, 9, 15, 34, tzinfo=UTC)
BODY = "<html><body><p>你好，世界。</p></body></html>".encode() * 20


def page(url: str = "https://mp.weixin.qq.com/s/abc", body: bytes = BODY, **kw: object) -> RawPage:
    values: dict[str, object] = {
        "url": url,
        "final_url": url + "?redirected=1",
        "status": 200,
        "headers": (
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "123"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Note", "标题 %41 ü"),
        ),
        "body": body,
        "fetched_at": T0,
    }
    values.update(kw)
    return RawPage(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    catalog = Catalog.open(tmp_path / "catalog.sqlite")
    return RawStore(tmp_path / "raw", catalog, max_bytes=1_000_000)


def records(path: Path) -> list[tuple[str, str | None, bytes]]:
    with path.open("rb") as fh:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.raw_stream.read())
            for r in ArchiveIterator(fh, check_digests=True)
        ]


def test_a_page_reads_back_exactly_as_received(store: RawStore) -> None:
    raw = page()
    stored = store.put(raw)
    assert stored.written
    back = store.get(stored.row)
    assert back == raw  # status, header order/case/duplicates, non-ASCII values, body, final URL
    assert back.fetched_at == T0
    row = stored.row
    assert (row.url, row.final_url, row.status, row.digest) == (raw.url, raw.final_url, 200, raw.digest)
    assert row.fetched_at == "2025-02-13T09:15:34Z" and row.content_type == "text/html"


def test_the_warc_record_is_standard_and_honest(store: RawStore) -> None:
    raw = page()
    row = store.put(raw).row
    path = store.directory / row.warc_file
    with path.open("rb") as fh:
        recs = list(ArchiveIterator(fh, check_digests=True))
        assert [r.rec_type for r in recs] == ["warcinfo", "response"]
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, check_digests=True)
        next(it)
        rec = next(it)
        h = rec.rec_headers
        assert h.get_header("WARC-Target-URI") == raw.final_url
        assert h.get_header("WARC-Date") == "2025-02-13T09:15:34Z"
        assert h.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert h.get_header("WARC-X-Wxarchive-Digest") == raw.digest
        http = rec.http_headers
        assert http.get_statuscode() == "200"
        # framing headers renamed: the stored bytes are the decoded body, Content-Length tells the truth
        assert http.get_header("Content-Encoding") is None
        assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
        assert http.get_header("Content-Length") == str(len(BODY))
        assert rec.content_stream().read() == BODY  # a generic WARC reader gets the right bytes
    check = "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", check, "check", "-v", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.count("digest pass") == 2, proc.stdout + proc.stderr


def test_the_same_payload_is_not_stored_twice(store: RawStore) -> None:
    first = store.put(page())
    size = (store.directory / first.row.warc_file).stat().st_size
    again = store.put(page(fetched_at=datetime(2025, 3, 1, tzinfo=UTC)))
    assert not again.written and again.row.id == first.row.id
    assert (store.directory / first.row.warc_file).stat().st_size == size
    # the same bytes under another URL: a small revisit record, read back in full
    other = page(url="https://mp.weixin.qq.com/s/other", headers=(("Content-Type", "text/html"),))
    rev = store.put(other)
    assert rev.written and rev.row.record_type == "revisit" and rev.row.refers_to == first.row.id
    assert rev.row.warc_length < first.row.warc_length
    back = store.get(rev.row)
    assert back.body == BODY and back.url == other.url and back.headers == (("Content-Type", "text/html"),)
    kinds = [r[0] for r in records(store.directory / first.row.warc_file)]
    assert kinds == ["warcinfo", "response", "revisit"]


def test_changed_payload_is_a_new_record_and_latest_wins(store: RawStore) -> None:
    store.put(page())
    newer = page(body=b"<html><p>changed</p></html>", fetched_at=datetime(2025, 3, 1, tzinfo=UTC))
    store.put(newer)
    latest = store.latest(newer.url)
    assert latest is not None and latest.body == newer.body


def test_files_roll_over_at_the_size_limit(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path / "catalog.sqlite")
    store = RawStore(tmp_path / "raw", catalog, max_bytes=3_000)
    bodies = [random.Random(i).randbytes(2_000) for i in range(4)]  # incompressible: ~2 KB per record
    rows = [store.put(page(url=f"https://e.com/{i}", body=body)).row for i, body in enumerate(bodies)]
    files = sorted(p.name for p in (tmp_path / "raw").iterdir())
    assert len(files) >= 2 and all(f.endswith(".warc.gz") for f in files)
    for i, row in enumerate(rows):
        assert store.get(row).body == bodies[i]


def test_a_corrupt_record_is_detected_on_read(store: RawStore) -> None:
    row = store.put(page()).row
    path = store.directory / row.warc_file
    data = bytearray(path.read_bytes())
    # re-compress the record with one payload byte changed: valid gzip, wrong content
    plain = bytearray(gzip.decompress(bytes(data[row.warc_offset : row.warc_offset + row.warc_length])))
    at = plain.rindex(b"</html>")
    plain[at + 2] ^= 0x20
    member = gzip.compress(bytes(plain))
    path.write_bytes(bytes(data[: row.warc_offset]) + member)
    with pytest.raises(StoreError, match="corrupt"):
        store.get(row)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_damaged_files_raise_store_error_not_garbage(store: RawStore, damage: str) -> None:
    row = store.put(page()).row
    path = store.directory / row.warc_file
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(bytes(data[: row.warc_offset + row.warc_length // 2]))
    elif damage == "garbage":
        data[row.warc_offset : row.warc_offset + 40] = b"\x00" * 40
        path.write_bytes(bytes(data))
    else:
        data[row.warc_offset + row.warc_length - 12] ^= 0xFF  # inside the deflate stream / crc
        path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as err:
        store.get(row)
    assert row.url in str(err.value)


def test_a_torn_tail_from_a_killed_writer_is_cut_before_the_next_append(store: RawStore) -> None:
    first = store.put(page()).row
    path = store.directory / first.warc_file
    with path.open("ab") as fh:  # what a writer killed mid-record leaves behind
        fh.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n")[:25])
    second = store.put(page(url="https://e.com/2", body=b"<html>two</html>")).row
    assert second.warc_offset == first.warc_offset + first.warc_length
    assert [r[0] for r in records(path)] == ["warcinfo", "response", "response"]
    assert store.get(second).body == b"<html>two</html>"


def test_imported_pages_are_resource_records(store: RawStore) -> None:
    stored = store.put_resource("https://new.qq.com/rain/a/X", b"<html>saved</html>", "text/html", T0)
    assert stored.row.record_type == "resource"
    back = store.get(stored.row)
    assert (back.body, back.status, back.final_url) == (
        b"<html>saved</html>",
        200,
        "https://new.qq.com/rain/a/X",
    )
    assert not store.put_resource(
        "https://new.qq.com/rain/a/X", b"<html>saved</html>", "text/html", T0
    ).written


def test_image_metadata_is_kept_without_the_bytes(store: RawStore) -> None:
    img = RawPage(
        url="https://mmbiz.qpic.cn/a/0?wx_fmt=png",
        final_url="https://mmbiz.qpic.cn/a/0?wx_fmt=png",
        status=200,
        headers=(("Content-Type", "image/png"),),
        body=b"\x89PNG" + b"\x00" * 5000,
        fetched_at=T0,
    )
    row = store.put_image_meta(img, "stored").row
    assert row.kind == "image" and row.record_type == "metadata" and row.digest == img.digest
    assert row.warc_length < 2000  # the 5 KB of image bytes are not in the WARC
    assert not store.put_image_meta(img, "stored").written
    with pytest.raises(StoreError):
        store.get(row)


def test_reindex_rebuilds_the_index_from_the_warc_files(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path / "catalog.sqlite")
    store = RawStore(tmp_path / "raw", catalog)
    a = store.put(page()).row
    b = store.put(page(url="https://e.com/other", headers=(("Content-Type", "text/html"),))).row
    c = store.put_resource("https://e.com/saved", b"<html>s</html>", "text/html", T0).row
    catalog.close()
    (tmp_path / "catalog.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"catalog.sqlite{suffix}").unlink(missing_ok=True)

    fresh = Catalog.open(tmp_path / "catalog.sqlite")
    store2 = RawStore(tmp_path / "raw", fresh)
    assert store2.reindex() == 3
    expected = {a.url: BODY, b.url: BODY, c.url: b"<html>s</html>"}
    for old in (a, b, c):
        row = fresh.raw_for(old.url)
        assert row is not None
        assert (row.warc_offset, row.record_type, row.digest) == (
            old.warc_offset,
            old.record_type,
            old.digest,
        )
        assert store2.get(row).body == expected[old.url]  # b is a revisit: its payload comes from a
    # appending after a reindex continues after the last record
    d = store2.put(page(url="https://e.com/new", body=b"<html>new</html>")).row
    assert d.warc_offset >= c.warc_offset + c.warc_length
    assert store2.reindex() == 0  # idempotent


def test_a_warc_file_symlink_is_not_followed(store: RawStore, tmp_path: Path) -> None:
    row = store.put(page()).row
    path = store.directory / row.warc_file
    moved = tmp_path / "elsewhere.warc.gz"
    path.rename(moved)
    path.symlink_to(moved)
    with pytest.raises(StoreError):
        store.get(row)


def test_records_parse_with_a_plain_gzip_reader(store: RawStore) -> None:
    row = store.put(page()).row
    data = (store.directory / row.warc_file).read_bytes()[row.warc_offset : row.warc_offset + row.warc_length]
    text = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    assert text.startswith(b"WARC/1.0\r\n") and BODY in text
