"""archive.progress: the outcome lines, the JSON stream and the closing summary (exit status)."""

from __future__ import annotations

import io
import json

from archive.progress import Event, JsonProgress, Progress, RichProgress, make_progress


def test_lines_print_one_line_per_outcome_and_a_summary() -> None:
    out = io.StringIO()
    with Progress(out) as progress:
        progress.phase("urls", total=3)
        progress.emit(Event("archived", "https://a.example/1", path="content/web/1/index.md"))
        progress.emit(Event("known", "https://a.example/2", message="archived before"))
        progress.emit(Event("failed", "https://a.example/3", message="HTTP 404.", kind="HTTPStatusError"))
        progress.pause("mp.weixin.qq.com", "2025-03-01T10:00:00Z", "a verification page (环境异常)")
        progress.emit(Event("paused", "https://mp.weixin.qq.com/s/x", message="host paused"))
        progress.advance("urls", 3)
    lines = out.getvalue().splitlines()
    assert lines[0] == "archived https://a.example/1 -> content/web/1/index.md"
    assert lines[2] == "failed https://a.example/3: HTTP 404."
    assert (
        lines[-2]
        == "summary: 1 new or changed; 1 skipped as known; 1 queued behind a paused host; 1 failed (1 HTTPStatusError)"
    )
    assert lines[-1] == "paused mp.weixin.qq.com until 2025-03-01T10:00:00Z: a verification page (环境异常)"
    assert progress.tally.exit_status() == 1 and progress.phases["urls"] == [3, 3]


def test_pauses_and_deferrals_alone_exit_zero() -> None:
    progress = Progress(io.StringIO())
    progress.emit(Event("deferred", "https://busy.example/a", message="Retry-After"))
    progress.emit(Event("paused", "https://busy.example/b"))
    progress.emit(Event("unchanged", "https://ok.example/c"))
    assert progress.close().exit_status() == 0


def test_json_is_one_object_per_line_ending_with_the_summary() -> None:
    out = io.StringIO()
    with JsonProgress(out) as progress:
        progress.emit(Event("not_article", "https://mp.weixin.qq.com/s/d", message="deleted", kind="deleted"))
        progress.note("source feed: nothing new (HTTP 304)")
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["event"] for o in objects] == ["outcome", "note", "summary"]
    assert objects[-1]["failed_by_kind"] == {"deleted": 1} and objects[-1]["exit_status"] == 1


def test_auto_is_lines_off_a_terminal_and_rich_draws_on_one() -> None:
    assert type(make_progress("auto", io.StringIO())) is Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    progress = make_progress("auto", out)
    assert isinstance(progress, RichProgress)
    progress.phase("urls", 1)
    progress.emit(Event("archived", "https://a.example/[1]", path="x/index.md"))
    progress.close()
    assert "archived https://a.example/[1] -> x/index.md" in out.getvalue()
    assert "summary: 1 new or changed; no failures" in out.getvalue()
