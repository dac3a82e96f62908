"""Disk primitives every writer in ``archive/`` goes through: atomic writes, containment, safe names.

Why a module of its own: crash safety and path safety are only as strong as their weakest caller, so
there is exactly one way to put bytes on disk (:func:`atomic_write`) and one way to turn names we did
not choose (article ids, file names) into paths (:func:`safe_component`, :func:`contained`).

``atomic_write`` follows the classic recipe: temp file → write → fsync → ``os.replace`` → fsync the
directory. ``os.replace`` alone is atomic but not durable (after a power loss the new name may point
to an empty file). The temp file lives in a *staging* directory on the same filesystem when the caller
gives one (the archive root's ``.staging/``) so that a process killed between write and rename leaves
its debris outside the published ``content/`` tree; otherwise it is a hidden file beside the target.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import stat
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from scraper.errors import DiskFullError, StoreError

TMP_PREFIX = ".wxa-tmp-"
"""Every temp file we create starts with this, so leftovers can be recognised and removed."""

STALE_TMP_SECONDS = 3600.0  # why: a live writer holds its temp file for milliseconds, an hour is debris

MAX_COMPONENT_BYTES = 120  # why: well under the 255-byte name limit of ext4/APFS/NTFS, room for suffixes

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

_before_replace: Callable[[Path, Path], None] | None = None
"""Test hook: called with (temp, target) after the temp file is durable, before the rename.

Tests use it to simulate a crash at the worst moment (raise, or block until SIGKILLed)."""


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""OS errors that are the filesystem's state, not one file's: full, over quota, read-only."""


def mount_point(path: Path) -> Path:
    """The mount point of the filesystem holding ``path`` (or its nearest existing parent)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    try:
        dev = path.stat().st_dev
        while path.parent != path and path.parent.stat().st_dev == dev:
            path = path.parent
    except OSError:
        pass
    return path


def filesystem_full(path: Path) -> DiskFullError | None:
    """A ``DiskFullError`` when the filesystem of ``path`` is read-only or has no free block left.

    Used to classify errors that do not carry an errno (SQLite's "disk I/O error")."""
    try:
        st = os.statvfs(mount_point(path))
    except OSError:
        return None
    if st.f_flag & getattr(os, "ST_RDONLY", 1):
        return DiskFullError(device=str(mount_point(path)), readonly=True)
    if st.f_bavail == 0 or (st.f_files and st.f_favail == 0):
        return DiskFullError(device=str(mount_point(path)))
    return None


def os_error(exc: OSError, path: Path, what: str, message: str, url: str = "") -> StoreError:
    """The typed error for ``exc`` met while writing ``what`` at ``path``: a ``DiskFullError`` when the
    filesystem is full or read-only (one clear line), else a ``StoreError`` with ``message``."""
    if exc.errno in DISK_FULL_ERRNOS:
        return DiskFullError(
            "", url, device=str(mount_point(path)), what=what, readonly=exc.errno == errno.EROFS
        )
    return StoreError(message, url)


def fsync_dir(path: Path) -> None:
    """fsync a directory so that a rename inside it survives a power loss."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - e.g. some network filesystems refuse
        pass
    finally:
        os.close(fd)


def read_bytes_nofollow(path: Path) -> bytes | None:
    """The bytes of a regular file, or None when it does not exist.

    A symlink (or anything that is not a regular file) is refused with ``StoreError``: files in the
    archive are ours, and following a planted link could read or compare something outside it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(
                f"{path} is a symbolic link; wxarchive does not follow links in the archive."
            ) from exc
        raise StoreError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StoreError(f"{path} is not a regular file.")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, staging: Path | None = None, mode: int | None = None) -> bool:
    """Write ``data`` to ``path`` atomically and durably; return False when it already holds exactly it.

    Comparing first is what makes re-runs free: an unchanged file keeps its inode and mtime.
    On any error the temp file is removed and ``path`` is untouched; the error is a ``StoreError``.
    ``staging`` is used for the temp file only when it is on the same filesystem as ``path``.
    """
    path = Path(path)
    if read_bytes_nofollow(path) == data:
        return False
    parent = path.parent
    tmp_dir = parent
    if staging is not None:
        try:
            staging.mkdir(parents=True, exist_ok=True)
            if os.stat(staging).st_dev == os.stat(parent).st_dev:
                tmp_dir = staging
        except OSError:
            tmp_dir = parent
    tmp = tmp_dir / f"{TMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)
        if _before_replace is not None:
            _before_replace(tmp, path)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise os_error(
                exc,
                path,
                str(path),
                f"Could not write {path}: {exc.strerror or exc}; the previous file is untouched.",
            ) from exc
        raise
    fsync_dir(parent)
    return True


def remove_file(path: Path) -> bool:
    """Remove a file (never a directory, never following a link's target); True if it was there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"Could not remove {path}: {exc.strerror or exc}.") from exc
    return True


def clean_stale_temp(directory: Path, older_than: float = STALE_TMP_SECONDS, now: float | None = None) -> int:
    """Remove our temp files in ``directory`` older than ``older_than`` seconds; return how many.

    Only names starting with :data:`TMP_PREFIX` are touched, and only old ones, because a concurrent
    run may be between its write and its rename right now.
    """
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        try:
            if (
                entry.is_file(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_mtime > older_than
            ):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def safe_component(name: str, *, fallback: str = "item") -> str:
    """Turn an id we did not choose into one safe, lower-case path component.

    NFC-normalised, only ``[a-z0-9._-]``, no leading dots or dashes, not a Windows device name,
    at most :data:`MAX_COMPONENT_BYTES` bytes. Lower case because Hugo lower-cases URL paths by default
    (so ``/wechat/<id>/`` must equal the directory name for the thumbnail to resolve) and because
    case-insensitive filesystems would merge ids that differ only in case. When anything else had to
    change, or the id mixes upper and lower case, a stable hash of the original is appended, so two
    different ids never land on the same name; an id in one case only is just lower-cased.
    """
    original = unicodedata.normalize("NFC", name or "")
    cleaned = _UNSAFE.sub("-", original)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-.")
    # why: an id in one case only (Tencent's 20250213A06FMB00) loses nothing by lower-casing; a mixed-case
    # id (a WeChat short link) would, so only that one needs the disambiguating hash
    single_case = cleaned == cleaned.upper() or cleaned == cleaned.lower()
    changed = cleaned != original or not single_case
    cleaned = cleaned.lower()
    if not cleaned:
        cleaned, changed = fallback, True
    if _WINDOWS_RESERVED.match(cleaned):  # "nul.txt" is reserved too: the part before the dot counts
        cleaned, changed = f"x-{cleaned}", True
    if changed:
        suffix = hashlib.sha1(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cleaned = f"{cleaned[: MAX_COMPONENT_BYTES - 9].rstrip('-.')}-{suffix}"
    elif len(cleaned) > MAX_COMPONENT_BYTES:
        suffix = hashlib.sha1(original.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned[: MAX_COMPONENT_BYTES - 9].rstrip('-.')}-{suffix}"
    return cleaned


def contained(root: Path, *parts: str) -> Path:
    """``root / parts`` after proving the result stays inside ``root`` and crosses no symlink.

    Each part must be a single component (no separators, not ``.``/``..``); every existing directory
    on the way is checked with ``lstat`` so that a link planted inside the archive cannot lead out
    of it. ``root`` itself may be a link (the user chose it); it is resolved once.
    """
    base = _resolved(os.path.abspath(root))
    path = base
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\\" in part or "\x00" in part:
            raise StoreError(f"Refusing the path component {part!r} under {base}.")
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise StoreError(f"{path} is a symbolic link; wxarchive does not follow links in the archive.")
    return path


@functools.lru_cache(maxsize=64)
def _resolved(root: str) -> Path:
    """The absolute path ``root`` resolved, once per process: an archive root does not move during a
    run, and resolving it (an ``lstat`` of every component) for each of the several paths a page's
    write computes was most of the re-extraction writer's own time on paths. The result is proven
    inside it by the checks of :func:`contained` (single components, no link on the way)."""
    return Path(root).resolve()


def ensure_dir(root: Path, *parts: str) -> Path:
    """Create ``root/parts…`` (each checked by :func:`contained`) and return it."""
    path = root.resolve()
    for i in range(len(parts)):
        path = contained(root, *parts[: i + 1])
        try:
            path.mkdir(exist_ok=True)
        except FileExistsError as exc:
            raise StoreError(f"{path} exists and is not a directory.") from exc
        except OSError as exc:
            raise os_error(exc, path, str(path), f"Could not create {path}: {exc.strerror or exc}.") from exc
    return path
