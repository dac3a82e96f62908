"""The raw store: every response kept as received, in WARC files, indexed in the catalog.

Why: extraction rules improve; the pages we fetched last year must be re-extractable without the
network (``wxarchive reextract``), and a corrupt record must be noticed before it reaches the extractor.

Layout: ``<root>/raw/wxarchive-<UTC time>-<seq>.warc.gz``, gzip per record (each record is its own gzip
member, so a record can be read by offset), a new file once the current one passes
``archive.warc_max_bytes``. Each file starts with a ``warcinfo`` record. A named writer (a cluster
worker, :mod:`archive.cluster`) appends only to files of its own, ``wxarchive-<writer>-<UTC time>-<seq>.warc.gz``:
workers on several machines share the raw store without sharing a file (no lock spans machines).

Records:

- page (and feed) responses: a ``response`` record, ``WARC-Target-URI`` = final URL, ``WARC-Date`` =
  fetch time, ``WARC-Payload-Digest`` (sha1, computed by warcio) plus our ``WARC-X-Wxarchive-Digest``
  (sha256, the same value as ``RawPage.digest`` and the catalog's ``digest``);
- pages imported from a file: a ``resource`` record (no HTTP response ever existed);
- the same payload fetched again under the same URL: nothing is written (the catalog row's
  ``last_seen_at`` moves); under another URL: a ``revisit`` record (headers only, identical-payload
  profile) pointing at the record that holds the bytes;
- image responses: a ``metadata`` record (status, headers, digest, size, outcome as JSON); the image
  bytes themselves live in the page bundle.

"As received" and HTTP framing: ``RawPage.body`` is the entity after transfer and content decoding,
so ``Content-Encoding``, ``Transfer-Encoding`` and ``Content-Length`` would lie about the stored bytes
(the warctools/Common Crawl unreadable-record bug). They are stored renamed ``X-Archive-Orig-…`` (the
pywb convention) with a true ``Content-Length`` appended, and renamed back on read: the ``RawPage`` read
back equals the one fetched (header order and case included). Header values that are not printable
ASCII are stored percent-encoded and listed in ``WARC-X-Wxarchive-Encoded``, so they round-trip too.

Crash safety: a record is appended and fsynced inside the catalog's write transaction and the row is
committed after it; ``warc_files.size`` is the committed end of each file. A writer killed mid-record
leaves a tail past that end, which the next writer truncates before appending.
"""

from __future__ import annotations

import contextlib
import gzip
import http
import io
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.catalog import Catalog, RawRow, iso, parse_iso, utcnow
from archive.fsutil import fsync_dir, os_error
from scraper.errors import StoreError
from scraper.models import RawPage, body_digest

FRAMING_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
ORIG_PREFIX = "X-Archive-Orig-"
DIGEST_HEADER = "WARC-X-Wxarchive-Digest"
REQUESTED_HEADER = "WARC-X-Wxarchive-Requested-URI"
KIND_HEADER = "WARC-X-Wxarchive-Kind"
ENCODED_HEADER = "WARC-X-Wxarchive-Encoded"

_WRITER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SAFE_HEADER_CHARS = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%") + "\t"


@dataclass(frozen=True)
class Stored:
    """What :meth:`RawStore.put` did: the catalog row of the record, and whether bytes were written."""

    row: RawRow
    written: bool


class RawStore:
    """Append-only WARC store under ``directory``, indexed in ``catalog``."""

    def __init__(
        self,
        directory: Path,
        catalog: Catalog,
        *,
        max_bytes: int = 1_000_000_000,
        clock: Callable[[], datetime] = utcnow,
        writer: str = "",
    ) -> None:
        if writer and not _WRITER_NAME.fullmatch(writer):
            raise ValueError(f"A raw-store writer name is letters, digits, '.', '_' and '-', not {writer!r}.")
        self.writer = writer  # "": the files of any writer (one machine, SQLite's write lock serialises)
        self.directory = Path(directory)
        self.catalog = catalog
        self.max_bytes = max_bytes
        self.clock = clock

    # ------------------------------------------------------------------ writing
    def put(self, raw: RawPage, *, kind: str = "page") -> Stored:
        """Keep ``raw`` (a page or feed response); identical payloads are not stored twice."""
        with self.catalog.write():
            same = self.catalog.raw_for(raw.url, raw.digest, kind)
            if same is not None and same.final_url == raw.final_url and same.status == raw.status:
                self.catalog.touch_raw(same.id, self.clock())
                return Stored(same, written=False)
            original = self.catalog.raw_with_payload(raw.digest)
            http_headers = _http_headers(raw.status, raw.headers, len(raw.body))
            warc_headers = {
                "WARC-Date": iso(raw.fetched_at),
                DIGEST_HEADER: raw.digest,
                REQUESTED_HEADER: raw.url,
                KIND_HEADER: kind,
                **_encoded_marker(http_headers),
            }
            if original is not None and original.length_payload == len(raw.body):
                record_type = "revisit"

                def build(w: WARCWriter) -> Any:
                    sha1 = _sha1_b32(raw.body)
                    return w.create_revisit_record(
                        raw.final_url,
                        digest=sha1,
                        refers_to_uri=original.final_url,
                        refers_to_date=original.fetched_at,
                        http_headers=http_headers,
                        warc_headers_dict=warc_headers,
                    )

                refers_to: int | None = original.id
            else:
                record_type = "response"

                def build(w: WARCWriter) -> Any:
                    return w.create_warc_record(
                        raw.final_url,
                        "response",
                        payload=io.BytesIO(raw.body),
                        length=len(raw.body),
                        http_headers=http_headers,
                        warc_headers_dict=warc_headers,
                    )

                refers_to = None
            return self._append(
                build,
                url=raw.url,
                final_url=raw.final_url,
                kind=kind,
                record_type=record_type,
                status=raw.status,
                content_type=raw.content_type,
                digest=raw.digest,
                length_payload=len(raw.body),
                refers_to=refers_to,
                fetched_at=raw.fetched_at,
            )

    def put_resource(self, url: str, body: bytes, content_type: str, fetched_at: datetime) -> Stored:
        """Keep a page that did not come from the network (``wxarchive import``) as a resource record."""
        digest = body_digest(body)
        with self.catalog.write():
            same = self.catalog.raw_for(url, digest, "page")
            if same is not None:
                self.catalog.touch_raw(same.id, self.clock())
                return Stored(same, written=False)
            warc_headers = {
                "WARC-Date": iso(fetched_at),
                "Content-Type": content_type,
                DIGEST_HEADER: digest,
                REQUESTED_HEADER: url,
                KIND_HEADER: "page",
            }
            return self._append(
                lambda w: w.create_warc_record(
                    url,
                    "resource",
                    payload=io.BytesIO(body),
                    length=len(body),
                    warc_content_type=content_type,
                    warc_headers_dict=warc_headers,
                ),
                url=url,
                final_url=url,
                kind="page",
                record_type="resource",
                status=200,
                content_type=content_type.split(";")[0].strip().lower(),
                digest=digest,
                length_payload=len(body),
                refers_to=None,
                fetched_at=fetched_at,
            )

    def put_image_meta(self, raw: RawPage, outcome: str, detail: str = "") -> Stored:
        """Keep the metadata of an image response (not its bytes) with what we made of it."""
        with self.catalog.write():
            rows = self.catalog.query(
                "SELECT id FROM raw_records WHERE url=? AND digest=? AND kind='image' LIMIT 1",
                (raw.url, raw.digest),
            )
            if rows:
                row = self.catalog.raw(int(rows[0]["id"]))
                assert row is not None
                self.catalog.touch_raw(row.id, self.clock())
                return Stored(row, written=False)
            info = {
                "url": raw.url,
                "final_url": raw.final_url,
                "status": raw.status,
                "headers": [list(h) for h in raw.headers],
                "digest": raw.digest,
                "length": len(raw.body),
                "outcome": outcome,
                "detail": detail,
            }
            payload = json.dumps(info, ensure_ascii=False, sort_keys=True).encode("utf-8")
            warc_headers = {
                "WARC-Date": iso(raw.fetched_at),
                DIGEST_HEADER: raw.digest,
                REQUESTED_HEADER: raw.url,
                KIND_HEADER: "image",
            }
            return self._append(
                lambda w: w.create_warc_record(
                    raw.final_url,
                    "metadata",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    warc_content_type="application/json",
                    warc_headers_dict=warc_headers,
                ),
                url=raw.url,
                final_url=raw.final_url,
                kind="image",
                record_type="metadata",
                status=raw.status,
                content_type=raw.content_type,
                digest=raw.digest,
                length_payload=len(raw.body),
                refers_to=None,
                fetched_at=raw.fetched_at,
            )

    def _append(self, build: Callable[[WARCWriter], Any], **row: Any) -> Stored:
        """Serialise one record, append it to the current file, fsync, then index it (inside the lock)."""
        buf = io.BytesIO()
        record = build(WARCWriter(buf, gzip=True))
        WARCWriter(buf, gzip=True).write_record(record)
        data = buf.getvalue()
        with self.catalog.write() as c:
            name, end = self._current_file(len(data))
            path = self.directory / name
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except OSError as exc:
                raise os_error(
                    exc,
                    path,
                    f"the raw store ({path.name})",
                    f"Could not open the WARC file {path}: {exc.strerror or exc}.",
                    row["url"],
                ) from exc
            try:
                size = os.fstat(fd).st_size
                if size != end:
                    # why: bytes past the committed end are a record whose writer died before its
                    # commit; they are not indexed anywhere and would corrupt sequential readers.
                    os.ftruncate(fd, end)
                os.lseek(fd, end, os.SEEK_SET)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, end)
                except OSError:
                    pass
                raise os_error(
                    exc,
                    path,
                    f"the raw store ({path.name})",
                    f"Could not append the raw record of {row['url']} to {path}: {exc.strerror or exc}.",
                    row["url"],
                ) from exc
            finally:
                os.close(fd)
            c.execute("UPDATE warc_files SET size=? WHERE name=?", (end + len(data), name))
            fetched = row.pop("fetched_at")
            raw_id = self.catalog.add_raw(
                **row,
                warc_file=name,
                warc_offset=end,
                warc_length=len(data),
                fetched_at=iso(fetched),
                last_seen_at=iso(self.clock()),
            )
        got = self.catalog.raw(raw_id)
        assert got is not None
        return Stored(got, written=True)

    def _current_file(self, incoming: int) -> tuple[str, int]:
        """The file to append to and its committed end; starts a new file (with warcinfo) when needed."""
        c = self.catalog.conn
        prefix = f"wxarchive-{self.writer}-" if self.writer else "wxarchive-"
        mine = (len(prefix), prefix)
        row = c.execute(
            "SELECT name, size FROM warc_files WHERE substr(name, 1, ?) = ? "
            "ORDER BY created_at DESC, name DESC LIMIT 1",
            mine,
        ).fetchone()
        if row is not None and (row[1] + incoming <= self.max_bytes or row[1] == 0):
            return str(row[0]), int(row[1])
        self.directory.mkdir(parents=True, exist_ok=True)
        now = self.clock()
        count = int(
            c.execute("SELECT COUNT(*) FROM warc_files WHERE substr(name, 1, ?) = ?", mine).fetchone()[0]
        )
        name = f"{prefix}{now.astimezone(UTC):%Y%m%d%H%M%S}-{count + 1:05d}.warc.gz"
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True)
        writer.write_record(
            writer.create_warcinfo_record(
                name, {"software": "wxarchive", "format": "WARC File Format 1.0", "gzip": "per record"}
            )
        )
        info = buf.getvalue()
        path = self.directory / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
            try:
                os.write(fd, info)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # why: a half-written warcinfo is not a WARC file
                path.unlink()
            raise os_error(
                exc,
                path,
                f"the raw store ({path.name})",
                f"Could not create the WARC file {path}: {exc.strerror or exc}.",
            ) from exc
        fsync_dir(self.directory)
        c.execute(
            "INSERT INTO warc_files (name, size, created_at) VALUES (?,?,?)", (name, len(info), iso(now))
        )
        return name, len(info)

    # ------------------------------------------------------------------ reading
    def get(self, row: RawRow) -> RawPage:
        """The ``RawPage`` of a page/feed record, verified against its stored digest.

        Raises ``StoreError`` when the record cannot be read or its payload does not match the digest
        the catalog recorded: corrupt bytes never reach the extractor.
        """
        if row.record_type == "metadata":
            raise StoreError(f"The raw record of {row.url} holds image metadata, not a page.", row.url)
        record = self._read_record(row)
        warc = record["warc"]
        if row.record_type == "revisit":
            if row.refers_to is None:
                raise StoreError(f"The revisit record of {row.url} names no original.", row.url)
            original = self.catalog.raw(row.refers_to)
            if original is None:
                raise StoreError(f"The revisit record of {row.url} points at a missing record.", row.url)
            body = self._read_record(original)["payload"]
        else:
            body = record["payload"]
        if body_digest(body) != row.digest:
            raise StoreError(
                f"The raw record of {row.url} in {row.warc_file} (offset {row.warc_offset}) does not match its "
                f"digest: the file is corrupt. Archive the URL again to re-fetch it.",
                row.url,
            )
        fetched = parse_iso(warc.get("WARC-Date", row.fetched_at))
        if row.record_type == "resource":
            ctype = warc.get("Content-Type", row.content_type or "text/html")
            return RawPage(
                url=row.url,
                final_url=row.final_url,
                status=200,
                headers=(("Content-Type", ctype),),
                body=body,
                fetched_at=fetched,
                digest=row.digest,
            )
        status, headers = _restore_headers(record["http"], warc.get(ENCODED_HEADER, ""))
        return RawPage(
            url=warc.get(REQUESTED_HEADER, row.url),
            final_url=warc.get("WARC-Target-URI", row.final_url),
            status=status,
            headers=headers,
            body=body,
            fetched_at=fetched,
            digest=row.digest,
        )

    def latest(self, url: str, kind: str = "page") -> RawPage | None:
        row = self.catalog.raw_for(url, kind=kind)
        return None if row is None else self.get(row)

    def _read_record(self, row: RawRow) -> dict[str, Any]:
        path = self.directory / row.warc_file
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise StoreError(
                f"The WARC file {path} holding {row.url} cannot be read: {exc.strerror or exc}.", row.url
            ) from exc
        try:
            data = os.pread(fd, row.warc_length, row.warc_offset)
        finally:
            os.close(fd)
        problem = f"The raw record of {row.url} in {row.warc_file} (offset {row.warc_offset}) is corrupt"
        if len(data) != row.warc_length:
            raise StoreError(
                f"{problem}: the file is truncated. Archive the URL again to re-fetch it.", row.url
            )
        try:
            plain = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise StoreError(f"{problem}: {exc}. Archive the URL again to re-fetch it.", row.url) from exc
        try:
            records = iter(ArchiveIterator(io.BytesIO(plain), check_digests=True))
            rec = next(records)
            payload = rec.raw_stream.read()
            warc = dict(rec.rec_headers.headers)
            http_headers = rec.http_headers
        except Exception as exc:  # noqa: BLE001 - warcio raises many types on garbage
            raise StoreError(f"{problem}: {exc}. Archive the URL again to re-fetch it.", row.url) from exc
        if rec.digest_checker.problems:
            raise StoreError(f"{problem}: {'; '.join(rec.digest_checker.problems)}.", row.url)
        if warc.get("WARC-Type") != row.record_type:
            raise StoreError(
                f"{problem}: it is a {warc.get('WARC-Type')} record, not {row.record_type}.", row.url
            )
        return {"warc": warc, "payload": payload, "http": http_headers}

    # ------------------------------------------------------------------ recovery
    def reindex(self) -> int:
        """Rebuild the ``raw_records`` index from the WARC files on disk; return the records indexed.

        For a catalog that was lost: the WARC files are the source of truth for what was fetched.
        Rows already present (same file and offset) are kept.
        """
        count = 0
        files = sorted(p for p in self.directory.glob("*.warc.gz") if p.is_file() and not p.is_symlink())
        for path in files:
            with self.catalog.write() as c:
                known = {
                    r[0]
                    for r in c.execute("SELECT warc_offset FROM raw_records WHERE warc_file=?", (path.name,))
                }
                by_payload: dict[str, int] = {}
                end = 0
                with path.open("rb") as fh:
                    it = ArchiveIterator(fh)
                    try:
                        for rec in it:
                            payload = rec.raw_stream.read()
                            offset, length = it.get_record_offset(), it.get_record_length()
                            if offset is None or length is None:  # pragma: no cover - warcio always sets them
                                break
                            end = offset + length
                            rtype = rec.rec_type
                            if rtype == "warcinfo" or offset in known:
                                continue
                            h = rec.rec_headers
                            digest = h.get_header(DIGEST_HEADER) or body_digest(payload)
                            kind = h.get_header(KIND_HEADER) or "page"
                            refers = None
                            status = 200
                            if rec.http_headers is not None and rtype in ("response", "revisit"):
                                status = int(rec.http_headers.get_statuscode() or 0)
                            if rtype == "revisit":
                                original = self.catalog.raw_with_payload(digest)
                                refers = original.id if original else by_payload.get(digest)
                                length_payload = original.length_payload if original else 0
                            elif rtype == "metadata":
                                info = json.loads(payload.decode("utf-8"))
                                status = int(info.get("status", 0))
                                length_payload = int(info.get("length", 0))
                            else:
                                length_payload = len(payload)
                            ctype = ""
                            if rec.http_headers is not None:
                                ctype = (
                                    (rec.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
                                )
                            elif rtype == "resource":
                                ctype = (h.get_header("Content-Type") or "").split(";")[0].strip()
                            date = h.get_header("WARC-Date") or iso(utcnow())
                            raw_id = self.catalog.add_raw(
                                url=h.get_header(REQUESTED_HEADER) or h.get_header("WARC-Target-URI") or "",
                                final_url=h.get_header("WARC-Target-URI") or "",
                                kind=kind,
                                record_type=rtype,
                                status=status,
                                content_type=ctype.lower(),
                                digest=digest,
                                length_payload=length_payload,
                                warc_file=path.name,
                                warc_offset=offset,
                                warc_length=length,
                                refers_to=refers,
                                fetched_at=date,
                                last_seen_at=date,
                            )
                            if rtype in ("response", "resource"):
                                by_payload.setdefault(digest, raw_id)
                            count += 1
                    except Exception:  # noqa: BLE001 - a torn tail ends the file's valid part
                        pass
                c.execute(
                    "INSERT INTO warc_files (name, size, created_at) VALUES (?,?,?) "
                    "ON CONFLICT(name) DO UPDATE SET size=CASE WHEN excluded.size > warc_files.size "
                    "THEN excluded.size ELSE warc_files.size END",
                    (path.name, end, iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))),
                )
        return count


# ---------------------------------------------------------------------- helpers


def _http_headers(status: int, headers: tuple[tuple[str, str], ...], length: int) -> StatusAndHeaders:
    """HTTP headers as we store them: framing headers renamed, a true Content-Length appended."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    stored: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() in FRAMING_HEADERS:
            name = ORIG_PREFIX + name
        stored.append((name, value))
    stored.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {phrase}", stored, protocol="HTTP/1.1")


def _encoded_marker(http_headers: StatusAndHeaders) -> dict[str, str]:
    """Percent-encode header values that are not printable ASCII; name their positions for the reader."""
    encoded = []
    for i, (name, value) in enumerate(http_headers.headers):
        if any(ch not in _SAFE_HEADER_CHARS for ch in value):
            http_headers.headers[i] = (name, quote(value, safe=_SAFE_HEADER_CHARS))
            encoded.append(str(i))
    return {ENCODED_HEADER: ",".join(encoded)} if encoded else {}


def _restore_headers(
    http_headers: StatusAndHeaders | None, encoded: str
) -> tuple[int, tuple[tuple[str, str], ...]]:
    if http_headers is None:
        return 200, ()
    positions = {int(i) for i in encoded.split(",") if i.strip().isdigit()}
    out: list[tuple[str, str]] = []
    for i, (name, value) in enumerate(http_headers.headers):
        if i in positions:
            value = unquote(value)
        if name.lower() == "content-length":
            continue  # ours: the original, if any, is the X-Archive-Orig- one
        if name.startswith(ORIG_PREFIX) and name[len(ORIG_PREFIX) :].lower() in FRAMING_HEADERS:
            name = name[len(ORIG_PREFIX) :]
        out.append((name, value))
    return int(http_headers.get_statuscode() or 0), tuple(out)


def _sha1_b32(body: bytes) -> str:
    import base64
    import hashlib

    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
