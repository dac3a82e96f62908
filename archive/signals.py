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
from typing import Any

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
    """Hold SIGINT and SIGTERM while inside (a process started here inherits the block, so it cannot
    be interrupted before it has set its own handling); one that arrives meanwhile is raised again
    when the block ends, to the handlers of before.

    Two holes closed besides the thread's signal mask:

    - a signal that arrived just *before* the mask was set has already tripped Python's handler,
      which then runs at any later bytecode, inside the block too: a ``KeyboardInterrupt`` between
      the child's spawn and the write of its start-up data left it reading nothing ("EOFError: Ran
      out of input" printed by the worker). Inside, the main thread's handlers only note a signal;
    - multiprocessing starts its resource tracker when the first spawned process starts, and then
      *unblocks* SIGINT and SIGTERM in this thread (``ResourceTracker.ensure_running``): a worker
      started just after inherited no block, and a Ctrl-C during its interpreter's start-up killed
      it with a "Fatal Python error: init_import_site" traceback. It is started here, before.

    (tests/test_reextract.py's Ctrl-C test failed about 1 run in 7 before both.)"""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    noted: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, lambda signum, _frame: noted.append(signum))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a pending one is noted now
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)  # to the handler of before: KeyboardInterrupt, Terminated …


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
