"""Stopping a run: Ctrl-C (SIGINT) and SIGTERM end every process of the run quietly.

Who does what:

- **The run's process** turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``) raised where
  the run is, so a ``kill`` or a service stop takes the same clean path as Ctrl-C: an atomic write
  removes its temp file, a staged bundle is removed (:mod:`archive.staging`), the catalog transaction
  rolls back, worker processes are ended. The CLI then prints one line and exits 130 (SIGINT) or
  143 (SIGTERM), the shell's numbers for those signals.
- **Worker processes** (the extraction worker of :mod:`archive.isolate`) never act on either signal:
  a terminal's Ctrl-C reaches every process of the foreground group, and a worker that raised
  ``KeyboardInterrupt`` printed a 20-line traceback before the one-line message (issue 11). The
  signals are blocked while the worker is started (:func:`blocked`), so it ignores them from its
  first instruction (:func:`ignore_in_worker`); its parent ends it, and it ends itself when the
  parent dies (Linux ``PR_SET_PDEATHSIG``), so a kill -9 of the run leaves no orphan.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_SIGINT, EXIT_SIGTERM = 130, 143  # 128 + the signal number, as shells report them

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stops the way it stops on Ctrl-C."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_stops_the_run() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread (elsewhere: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while inside (a process started here inherits the
    block, so it cannot be interrupted before it has set its own handling); pending ones are
    delivered when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def ignore_in_worker() -> None:
    """In a worker process: ignore SIGINT and SIGTERM, then unblock them (a pending one is dropped),
    and ask the kernel to kill this process when its parent dies."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
