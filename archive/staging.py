"""A bundle appears in ``content/`` whole or not at all: staging and publishing one page bundle.

::

    new bundle   images ─► .staging/bundle-<pid>-<rand>/ ─► index.md beside them ─► one rename into content/
    rewrite      new images beside the live index.md ─► index.md replaced atomically ─► old images pruned

Why: images are written before the page (the page must never point at a missing file). Written
straight into ``content/``, a full disk, a Ctrl-C or a kill -9 between the first image and the page
left a bundle folder of images without ``index.md`` that Hugo and every reader saw as a page
(issue 11). Staged, they stay under ``.staging/`` until the directory moves in with one ``rename``;
debris of a killed run is removed when the archive is next opened (:func:`clean_stale_staging`).

A rewrite keeps the live folder: its new images are named by their content, so putting them beside
the old ``index.md`` changes nothing a reader sees until ``index.md`` itself is replaced.

:class:`Publication` is used around the catalog transaction that records the bundle::

    with Publication(bundle, staging) as pub:
        images = collector.collect(article, pub.directory, ...)
        with catalog.write():
            pub.publish(rendered)
            catalog.upsert_article(...)

Leaving the ``with`` on an error (a full disk, a failed COMMIT, Ctrl-C) undoes the publication: a
new bundle leaves ``content/`` again, a rewritten ``index.md`` is put back from a hard link taken
before (no free space needed), images added for it are removed. Leaving it normally prunes images
the new page no longer references.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import socket
import time
from pathlib import Path
from types import TracebackType

from archive.fsutil import (
    STALE_TMP_SECONDS,
    TMP_PREFIX,
    atomic_write,
    fsync_dir,
    os_error,
    read_bytes_nofollow,
    remove_file,
)
from archive.images import LOCAL_NAME
from archive.writer import Bundle, Rendered, existing_hash
from scraper.errors import StoreError

log = logging.getLogger(__name__)

BUNDLE_PREFIX = "bundle-"
_STAGED = re.compile(rf"^{BUNDLE_PREFIX}(\d+)-[0-9a-f]+(?:-([0-9a-f]{{8}}))?$")
HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
"""Names this machine in its staging folders: a process id means something on its own machine only
(several cluster workers may share one archive root over a network filesystem)."""


def staged_name() -> str:
    """A fresh staging folder name: this process, a random part, this machine."""
    return f"{BUNDLE_PREFIX}{os.getpid()}-{os.urandom(6).hex()}-{HOST_TAG}"


_LOCAL_REF = re.compile(r"[0-9a-f]{16}\.(?:jpg|png|gif|webp|bmp|tif)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(staging: Path, now: float | None = None) -> int:
    """Remove staged bundle folders left by runs that died (their process is gone, or they are older
    than an hour); return how many. A live run's folder is never touched; another machine's is
    judged by its age only."""
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(staging))
    except OSError:
        return 0
    for entry in entries:
        m = _STAGED.match(entry.name)
        if m is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TMP_SECONDS
        except OSError:
            continue
        ours = m.group(2) in (None, HOST_TAG)
        if old or (ours and not _pid_alive(int(m.group(1)))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    return removed


def referenced_images(text: str) -> set[str]:
    """The local image files an index.md refers to (names are content hashes: no false friends)."""
    return set(_LOCAL_REF.findall(text))


class Publication:
    """One page bundle on its way into ``content/`` (see the module docstring)."""

    def __init__(self, bundle: Bundle, staging: Path) -> None:
        self.bundle = bundle
        self.staging = staging
        self.live = read_bytes_nofollow(bundle.index) is not None
        if self.live:
            self.directory = bundle.create()
            self._before = {p.name for p in self.directory.iterdir()}
        else:
            self.directory = staging / staged_name()
            try:
                self.directory.mkdir(parents=True)
            except OSError as exc:
                raise os_error(
                    exc, self.directory, str(self.directory), f"Could not create {self.directory}: {exc}."
                ) from exc
            self._before = set()
        self._moved_in: Path | None = None  # a new bundle, once renamed into content/
        self._backup: Path | None = None  # a hard link of the replaced index.md
        self._files: frozenset[str] = frozenset()
        self.written = False
        self._published = False

    # .................................................................. the one step
    def publish(self, rendered: Rendered) -> bool:
        """Put the bundle in place (call it inside the catalog's write transaction).

        Returns False, touching nothing, when the live bundle already holds exactly this page.
        Every image the page references must be there: a page never points at a missing file.
        """
        self._files = rendered.files
        self._published = True
        for name in rendered.files:
            if read_bytes_nofollow(self.directory / name) is None:
                raise StoreError(
                    f"The image {name} of {self.bundle.relative_index} is missing; the article was not written."
                )
        if not self.live:
            target = self.bundle.directory
            if read_bytes_nofollow(self.bundle.index) is not None:
                self._merge_into(target)  # another run published this bundle while we staged ours
            else:
                for entry in sorted(self.directory.iterdir()):  # a picture staged but not used (an
                    # account template cut it after it was downloaded) does not move in
                    if LOCAL_NAME.match(entry.name) and entry.name not in rendered.files:
                        remove_file(entry)
                atomic_write(self.directory / "index.md", rendered.data, staging=self.staging)
                self._move_in(target)
                self.written = True
                return True
        if existing_hash(self.bundle.index) == rendered.content_hash:
            return False
        self._backup = self._link_backup()
        self.written = atomic_write(self.bundle.index, rendered.data, staging=self.staging)
        return self.written

    def _move_in(self, target: Path) -> None:
        """``rename`` the staged folder to ``target`` (a leftover folder without index.md is set aside)."""
        self.bundle.create()  # content/<site>/<id>/ and its parents, each checked against links
        debris: Path | None = None
        if any(target.iterdir()):
            debris = self.staging / staged_name()
            os.rename(target, debris)
        try:
            os.rename(self.directory, target)
        except OSError as exc:
            raise os_error(
                exc, target, str(target), f"Could not move the bundle into {target}: {exc}."
            ) from exc
        finally:
            if debris is not None:
                shutil.rmtree(debris, ignore_errors=True)
        self._moved_in = target
        fsync_dir(target.parent)

    def _merge_into(self, target: Path) -> None:
        """Our staged images join a bundle another run has just published; we then rewrite it."""
        self.live = True
        self._before = {p.name for p in target.iterdir()}
        for name in self._files:
            os.replace(self.directory / name, target / name)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = target

    def _link_backup(self) -> Path | None:
        """A hard link of the live index.md (costs no space), to put it back if the catalog refuses."""
        for where in (self.staging, self.bundle.directory):
            backup = where / f"{TMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
            try:
                os.link(self.bundle.index, backup, follow_symlinks=False)
                return backup
            except OSError:
                continue
        return None

    # .................................................................. the end
    def commit(self) -> None:
        """The catalog recorded the bundle: prune images the page no longer uses, drop the backup."""
        if self._backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._backup)
            self._backup = None
        if self.live and self._published:
            self._prune(self._files)
        if not self.live and self._moved_in is None:
            shutil.rmtree(self.directory, ignore_errors=True)  # nothing published (e.g. not written)

    def abort(self) -> None:
        """Undo: the bundle is left as it was before this publication (never raises)."""
        try:
            if self._moved_in is not None:
                aside = self.staging / staged_name()
                os.rename(self._moved_in, aside)
                fsync_dir(self._moved_in.parent)
                shutil.rmtree(aside, ignore_errors=True)
                return
            if not self.live:
                shutil.rmtree(self.directory, ignore_errors=True)
                return
            if self._backup is not None and self.written:
                os.replace(self._backup, self.bundle.index)
                fsync_dir(self.bundle.directory)
                self._backup = None
            data = read_bytes_nofollow(self.bundle.index)
            keep = referenced_images(data.decode("utf-8", "replace")) if data is not None else set()
            self._prune(keep | self._before)
        except (OSError, StoreError) as exc:  # the original error is what the caller reports
            log.warning("could not undo the publication of %s: %s", self.bundle.relative_index, exc)
        finally:
            if self._backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self._backup)

    def _prune(self, keep: set[str] | frozenset[str]) -> None:
        for entry in sorted(self.bundle.directory.iterdir()):
            if LOCAL_NAME.match(entry.name) and entry.name not in keep and not entry.is_symlink():
                remove_file(entry)

    def __enter__(self) -> Publication:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
