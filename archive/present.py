"""Laying out the catalog views (:mod:`archive.views`, :mod:`archive.stats`) for a person.

On a terminal: rich tables, matches in bold reverse, wrapped to the terminal's width. In a pipe or
a file: plain lines, one record per line, tab-separated, nothing cut (``cut``/``sort``/``grep``
work on them). ``--json`` bypasses this module entirely.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from archive.stats import Table


def print_json(value: Any, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _console(stream: TextIO | None) -> Console | None:
    """A rich console when writing to a terminal, else None (plain lines)."""
    stream = stream or sys.stdout
    return Console(file=stream, highlight=False) if stream.isatty() else None


def _date(value: str | None) -> str:
    return (value or "")[:10]


def _copies_label(copies: Sequence[dict[str, Any]]) -> str:
    return ", ".join(c["site"] for c in copies)


def print_entries(entries: list[dict[str, Any]], stream: TextIO | None = None) -> None:
    console = _console(stream)
    if console is None:
        out = stream or sys.stdout
        for e in entries:
            fields = [
                str(e["id"]),
                _date(e["published"]),
                e["site"],
                e["account"],
                e["state"],
                e["title"],
                e["url"],
            ]
            fields.append(_copies_label(e["copies"]))
            out.write("\t".join(f.replace("\t", " ") for f in fields) + "\n")
        return
    table = RichTable(show_edge=False, pad_edge=False, expand=False)
    for name, kw in (
        ("id", {"justify": "right"}),
        ("published", {"no_wrap": True}),
        ("site", {}),
        ("account", {"max_width": 16}),
        ("title", {"ratio": 1}),
        ("copies", {}),
        ("state", {}),
    ):
        table.add_column(name, **kw)
    for e in entries:
        state = Text(e["state"], style="" if e["state"] == "archived" else "bold red")
        table.add_row(
            str(e["id"]),
            _date(e["published"]),
            e["site"],
            e["account"],
            e["title"],
            _copies_label(e["copies"]),
            state,
        )
    console.print(table)
    console.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", style="dim")


def _marked(text: str, spans: Sequence[Sequence[int]]) -> Text:
    out = Text(text)
    for start, end in spans:
        out.stylize("bold reverse", start, end)
    return out


def print_hits(hits: list[dict[str, Any]], stream: TextIO | None = None) -> None:
    console = _console(stream)
    if console is None:
        out = stream or sys.stdout
        for h in hits:
            head = "\t".join([str(h["id"]), _date(h["published"]), h["site"], h["title"], h["url"]])
            out.write(head + "\n\t" + " ".join(h["passage"]["marked"].split()) + "\n")
        return
    for n, h in enumerate(hits, 1):
        line = Text()
        line.append(f"{n:>2}. ", style="dim")
        line.append_text(_marked(h["title"], h["title_spans"]))
        console.print(line)
        console.print(
            Text(f"    {_date(h['published'])}  {h['site']}  {h['account']}  {h['url']}", style="dim"),
            soft_wrap=True,
        )
        if h["copies"]:
            console.print(Text(f"    also on {_copies_label(h['copies'])}", style="dim"))
        passage = h["passage"]
        body = Text("    " + ("…" if passage["clipped_start"] else ""))
        body.append_text(_marked(passage["text"].replace("\n", " "), passage["spans"]))
        body.append("…" if passage["clipped_end"] else "")
        console.print(body)
    if not hits:
        console.print("no match", style="dim")


def print_show(item: dict[str, Any], stream: TextIO | None = None) -> None:
    console = _console(stream)
    lines: list[str] = []
    lines.append(f"{item['title']}")
    for key in ("id", "site", "account", "published", "state", "url", "canonical_url", "path", "kind",
                "extractor_version", "content_hash", "updated_at"):  # fmt: skip
        lines.append(f"  {key + ':':<19}{item.get(key) if item.get(key) is not None else ''}")
    if item["requested"] != item["id"]:
        lines.append(f"  {'asked for:':<19}catalog id {item['requested']}, a syndicated copy of this entry")
    fm = item["front_matter"]
    lines.append("front matter:" + ("" if fm else " (no index.md)"))
    for key, value in (fm or {}).items():
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        lines.append(f"  {key}: {shown}")
    lines.append(f"files ({len(item['files'])}):")
    lines += [f"  {f['name']}  {f['bytes']} bytes" for f in item["files"]]
    lines.append(f"raw captures ({len(item['raw'])}):")
    lines += [_raw_line(r) for r in item["raw"]]
    lines.append(f"latest outcomes ({len(item['outcomes'])}):")
    lines += [
        f"  {o['at']}  {o['stage']}  {o['outcome']}"
        + (f"  {o['error_class']}: {o['message']}" if o["error_class"] else "")
        for o in item["outcomes"]
    ]
    lines.append(f"images ({len(item['images'])}):")
    lines += [f"  {i['status']}  {i['local_file'] or ''}  {i['remote_url']}" for i in item["images"]]
    lines.append(f"syndicated copies ({len(item['copies'])}):")
    for c in item["copies"]:
        page = "own page" if c["page"] else "no page"
        lines.append(
            f"  {c['site']}  {_date(c['published'])}  {c['url']}  (similarity {c['similarity']}, {page})"
        )
        if c["title"] != item["title"]:
            lines.append(f"    title: {c['title']}")
        lines += ["  " + _raw_line(r) for r in c["raw"]]
    text = "\n".join(lines)
    if console is None:
        (stream or sys.stdout).write(text + "\n")
    else:
        console.print(Text(text))


def _raw_line(r: dict[str, Any]) -> str:
    return (
        f"  #{r['id']} {r['fetched_at']}  {r['kind']} {r['record_type']} HTTP {r['status']}  "
        f"{r['length_payload']} bytes  {r['digest'][:19]}…  {r['warc_file']}@{r['warc_offset']}"
    )


def print_stats(sections: dict[str, tuple[str, Table]], stream: TextIO | None = None) -> None:
    console = _console(stream)
    out = stream or sys.stdout
    for title, table in sections.values():
        if console is None:
            out.write(f"# {title}\n")
            for row in table.rows:
                out.write("\t".join("" if v is None else str(v) for v in row) + "\n")
            if table.note:
                out.write(f"({table.note})\n")
            continue
        console.print(Text(title, style="bold"))
        rich_table = RichTable(show_edge=False, pad_edge=False)
        for i, column in enumerate(table.columns):
            rich_table.add_column(column, justify="right" if i and _numeric(table, i) else "left")
        for row in table.rows:
            rich_table.add_row(
                *("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row)
            )
        if not table.rows:
            rich_table.add_row(*(["(none)"] + [""] * (len(table.columns) - 1)))
        console.print(rich_table)
        if table.note:
            console.print(f"({table.note})", style="dim")
        console.print()


def _numeric(table: Table, i: int) -> bool:
    return all(isinstance(r[i], int | float) or r[i] is None for r in table.rows)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column == "bytes" and isinstance(value, int):
        return _size(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _size(n: int) -> str:
    """1,536 → 1.5 KiB."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return str(n)  # pragma: no cover
