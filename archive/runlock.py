"""One crawl at a time per archive: an OS file lock that dies with its holder.

``fcntl.flock`` on ``<root>/.crawl.lock``: the kernel releases it when the holding process ends,
however it ends (SIGKILL, power loss of the process, a crash), so a stale lock never blocks the next
cron run and there is no PID file to clean up. The holder writes its PID and start time into the file
so the run that finds it taken can say who holds it. An overlapping run exits at once (status 0:
the archive is being crawled, which is what the cron line asked for).
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path

from archive.catalog import iso, utcnow
from scraper.errors import WxArchiveError

LOCK_NAME = ".crawl.lock"


class AlreadyRunning(WxArchiveError):
    """Another crawl holds this archive's lock; this one did nothing."""


class RunLock:
    """The crawl lock of the archive root ``root``; ``acquire`` never waits."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, now: datetime | None = None) -> None:
        """Take the lock or raise :class:`AlreadyRunning` naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            finally:
                os.close(fd)
            raise AlreadyRunning(
                f"Another crawl of {self.path.parent} is running ({holder or 'holder unknown'}); this one exits "
                "without doing anything."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {iso(now or utcnow())}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
