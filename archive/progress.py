"""Feedback for long commands (crawl, reextract …): what happens while it happens, and a summary.

Three displays behind one small API, chosen by :func:`make_progress`:

- ``rich``: on a terminal, live bars per phase (sources, URLs, images …) with every outcome line
  printed above them;
- ``lines``: under cron or in a pipe, one plain log line per outcome, flushed at once
  (``archived URL -> PATH``, ``failed URL: why`` …), so a run that is killed still left its lines;
- ``json``: one JSON object per line (``{"event": "outcome", …}``, then ``{"event": "summary", …}``).

Use::

    with make_progress("auto") as progress:          # "auto": rich on a terminal, else lines
        progress.phase("urls", total=120)             # a counter; total may grow later (None: unknown)
        progress.emit(Event("archived", url, path=str(path)))
        progress.advance("urls")
        progress.pause("mp.weixin.qq.com", until, "verification page")
    tally = progress.tally                            # counts, failures by kind, paused hosts
    sys.exit(tally.exit_status())

Every method is thread-safe (a crawl reports from several worker threads). :class:`Tally` is the
closing summary as data (new, unchanged, known, failed by kind, paused hosts); its exit status is 0
when the only non-successes are deferrals and pauses.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

OK_OUTCOMES = frozenset(
    {"archived", "unchanged", "known", "skipped", "not_modified", "reextracted", "changed", "would change"}
)
"""Outcomes that are successes (nothing to redo)."""

WAITING_OUTCOMES = frozenset({"deferred", "paused"})
"""Outcomes that are not failures: the URL stays queued for a later run (a host asked for a pause,
or its circuit breaker is open). They do not make the exit status 1."""

SUMMARY_ORDER = ("archived", "unchanged", "known", "not_modified", "skipped", "deferred", "paused")
LABELS = {
    "archived": "new or changed",
    "unchanged": "unchanged",
    "known": "skipped as known",
    "not_modified": "sources not modified",
    "skipped": "sources not due",
    "deferred": "deferred",
    "paused": "queued behind a paused host",
}


@dataclass(frozen=True)
class Event:
    """One outcome: ``outcome`` (archived, unchanged, known, failed, not_article, robots, deferred,
    paused, skipped …) for ``subject`` (a URL, or ``source:<name>``), with why and where."""

    outcome: str
    subject: str
    message: str = ""
    path: str = ""
    kind: str = ""  # the error class of a failure, the kind of a non-article

    def line(self) -> str:
        """The one-line form printed under cron: ``archived URL -> PATH``, ``failed URL: why``."""
        message = " ".join(self.message.split())
        if self.path:
            return f"{self.outcome} {self.subject} -> {self.path}" + (f" ({message})" if message else "")
        return f"{self.outcome} {self.subject}" + (f": {message}" if message else "")

    def to_json(self) -> dict[str, Any]:
        return {"event": "outcome", "outcome": self.outcome, "subject": self.subject,
                "message": " ".join(self.message.split()), "path": self.path, "kind": self.kind}  # fmt: skip


@dataclass
class Tally:
    """The summary of a run as data: counts per outcome, failures by kind, paused hosts."""

    counts: Counter[str] = field(default_factory=Counter)
    failed_by_kind: Counter[str] = field(default_factory=Counter)
    paused_hosts: dict[str, tuple[str, str]] = field(default_factory=dict)  # host -> (until ISO, why)

    def add(self, event: Event) -> None:
        self.counts[event.outcome] += 1
        if event.outcome not in OK_OUTCOMES and event.outcome not in WAITING_OUTCOMES:
            self.failed_by_kind[event.kind or event.outcome] += 1

    @property
    def failed(self) -> int:
        return sum(self.failed_by_kind.values())

    def exit_status(self) -> int:
        """0 when every outcome is a success, a deferral or a pause; else 1."""
        return 1 if self.failed else 0

    def lines(self) -> list[str]:
        """The closing summary, a few short lines."""
        parts = [f"{self.counts[o]} {LABELS[o]}" for o in SUMMARY_ORDER if self.counts[o]]
        failed = ", ".join(f"{n} {kind}" for kind, n in sorted(self.failed_by_kind.items()))
        parts.append(f"{self.failed} failed ({failed})" if self.failed else "no failures")
        out = ["summary: " + "; ".join(parts)]
        for host, (until, why) in sorted(self.paused_hosts.items()):
            out.append(f"paused {host} until {until}: {' '.join(why.split())}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "summary",
            "counts": dict(self.counts),
            "failed": self.failed,
            "failed_by_kind": dict(self.failed_by_kind),
            "paused_hosts": {h: {"until": u, "why": w} for h, (u, w) in sorted(self.paused_hosts.items())},
            "exit_status": self.exit_status(),
        }


class Progress:
    """The plain display (``lines``): one line per outcome, the summary at the end.

    Subclasses change how things are shown; the bookkeeping (:attr:`tally`, the phase counters) is
    the same for all. ``quiet_ok``: successes are counted but not printed (a re-extraction of
    thousands of unchanged pages).
    """

    def __init__(self, stream: TextIO | None = None, *, quiet_ok: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.quiet_ok = quiet_ok
        self.tally = Tally()
        self.phases: dict[str, list[int | None]] = {}  # name -> [done, total]
        self._lock = threading.RLock()
        self._closed = False

    # ---- the API
    def phase(self, name: str, total: int | None = None) -> None:
        """Start (or re-total) the counter ``name``; ``total`` None while unknown."""
        with self._lock:
            done = self.phases.get(name, [0, None])[0]
            self.phases[name] = [done, total]
            self._phase_changed(name)

    def grow(self, name: str, more: int) -> None:
        """Add ``more`` to the total of ``name`` (a source discovered more URLs)."""
        with self._lock:
            done, total = self.phases.get(name, [0, 0])
            self.phases[name] = [done, (total or 0) + more]
            self._phase_changed(name)

    def advance(self, name: str, n: int = 1) -> None:
        with self._lock:
            done, total = self.phases.get(name, [0, None])
            self.phases[name] = [(done or 0) + n, total]
            self._phase_changed(name)

    def emit(self, event: Event) -> None:
        """Record one outcome and show it."""
        with self._lock:
            self.tally.add(event)
            if not (self.quiet_ok and event.outcome in OK_OUTCOMES):
                self._show(event)

    def pause(self, host: str, until: str, why: str) -> None:
        """Note that ``host`` is paused until ``until`` (ISO 8601) for ``why``; named in the summary."""
        with self._lock:
            self.tally.paused_hosts[host] = (until, why)
            self._show_note(f"paused {host} until {until}: {' '.join(why.split())}")

    def note(self, text: str) -> None:
        """A free line of information (a source that yielded nothing, and why)."""
        with self._lock:
            self._show_note(text)

    def block(self, text: str) -> None:
        """Lines shown as they are (a diff), above the bars on a terminal."""
        with self._lock:
            self._show_block(text)

    def close(self, *, summary: bool = True) -> Tally:
        """Print the summary (once; not with ``summary=False``) and return the tally."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._finish(summary)
            return self.tally

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- display hooks
    def _phase_changed(self, name: str) -> None:
        pass

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # why: a closed pipe (| head) must not fail the run
            pass

    def _show(self, event: Event) -> None:
        self._write(event.line())

    def _show_note(self, text: str) -> None:
        self._write(text)

    def _show_block(self, text: str) -> None:
        self._write(text.rstrip("\n"))

    def _finish(self, summary: bool = True) -> None:
        for line in self.tally.lines() if summary else []:
            self._write(line)


class JsonProgress(Progress):
    """One JSON object per line: outcomes, notes, pauses, then the summary."""

    def _show(self, event: Event) -> None:
        self._write(json.dumps(event.to_json(), ensure_ascii=False))

    def _show_note(self, text: str) -> None:
        self._write(json.dumps({"event": "note", "message": text}, ensure_ascii=False))

    def _show_block(self, text: str) -> None:
        self._write(json.dumps({"event": "text", "text": text}, ensure_ascii=False))

    def _finish(self, summary: bool = True) -> None:
        if summary:
            self._write(json.dumps(self.tally.to_json(), ensure_ascii=False))


class RichProgress(Progress):
    """Live bars (rich) on a terminal, outcome lines printed above them, the summary at the end."""

    def __init__(self, stream: TextIO | None = None, *, quiet_ok: bool = False) -> None:
        super().__init__(stream, quiet_ok=quiet_ok)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
        from rich.progress import Progress as Bars

        self.console = Console(file=self.stream)
        self._bars = Bars(
            TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), console=self.console,
            transient=True,
        )  # fmt: skip
        self._tasks: dict[str, Any] = {}
        self._bars.start()

    _STYLE = {
        "archived": "green",
        "changed": "green",
        "unchanged": "dim",
        "known": "dim",
        "deferred": "yellow",
        "paused": "yellow",
    }

    def _phase_changed(self, name: str) -> None:
        done, total = self.phases[name]
        if name not in self._tasks:
            self._tasks[name] = self._bars.add_task(name, total=total)
        self._bars.update(self._tasks[name], completed=done or 0, total=total)

    def _show(self, event: Event) -> None:
        from rich.markup import escape

        style = self._STYLE.get(event.outcome, "red" if event.outcome not in OK_OUTCOMES else "")
        self.console.print(escape(event.line()), style=style or None, highlight=False, soft_wrap=True)

    def _show_note(self, text: str) -> None:
        from rich.markup import escape

        self.console.print(escape(text), style="yellow", highlight=False, soft_wrap=True)

    def _show_block(self, text: str) -> None:
        self.console.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)

    def _finish(self, summary: bool = True) -> None:
        self._bars.stop()
        for line in self.tally.lines() if summary else []:
            self.console.print(line, highlight=False, soft_wrap=True)


MODES = ("auto", "rich", "lines", "json")


def make_progress(mode: str = "auto", stream: TextIO | None = None, *, quiet_ok: bool = False) -> Progress:
    """The display for ``mode``: ``auto`` is ``rich`` on a terminal and ``lines`` otherwise."""
    stream = stream if stream is not None else sys.stdout
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {MODES}, not {mode!r}")
    if mode == "auto":
        isatty = getattr(stream, "isatty", None)
        mode = "rich" if callable(isatty) and isatty() else "lines"
    cls = {"rich": RichProgress, "lines": Progress, "json": JsonProgress}[mode]
    return cls(stream, quiet_ok=quiet_ok)
