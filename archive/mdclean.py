"""``wxarchive clean``: apply the boilerplate rules to Markdown archives made by other tools.

The file is a Hugo page with YAML front matter (like ``../shared/examples/seed-article.md``). Only two
things change: the body (boilerplate removed by ``scraper.boilerplate.clean_markdown``) and the
``summary`` (recomputed from the cleaned body when something was removed, since the old one is
typically the promo line; a file with nothing to remove is left byte for byte). Every
other front-matter line is kept byte for byte: the summary entry is replaced in the text, not by
re-dumping the YAML, and the result is parsed back to prove every other key kept its value and place.
The attribution that ends the body (the seed's ``[qq](https://…)`` line, or wxarchive's
``原文：[…](…)`` / ``来源：…`` paragraphs, :func:`archive.writer.split_attribution`) is set aside before
cleaning and put back after it.

Files that are not what we expect are refused with a one-line reason, never half-processed: no front
matter, TOML front matter, an opening ``---`` without a closing one, front matter that is not a YAML
mapping, text that is not UTF-8, mixed line endings. A UTF-8 BOM and CRLF line endings are handled:
they are removed for processing and restored on write.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archive.fsutil import atomic_write
from archive.writer import dump_front_matter, split_attribution
from scraper.models import Removal

_SUMMARY_KEY = re.compile(r"^summary\s*:")
# Some mirrors wrote an image as ``![]()https://…/x.png![]()``: the URL outside the brackets.
_BROKEN_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\)[ \t]*(https?://[^\s()<>!\[\]]+)[ \t]*!\[\]\(\)")


def repair_images(body: str) -> tuple[str, list[Removal]]:
    """Mend images a converter wrote with the URL outside the brackets; report each one mended."""
    repaired: list[Removal] = []

    def mend(m: re.Match[str]) -> str:
        repaired.append(Removal("repair:broken-image", m.group(0)))
        return f"![{m.group(1)}]({m.group(2)})"

    return _BROKEN_IMAGE.sub(mend, body), repaired


class CleanError(Exception):
    """A file ``clean`` refuses to touch; the message says why."""


@dataclass
class CleanResult:
    path: Path
    changed: bool
    removed: list[Removal] = field(default_factory=list)
    summary_before: str | None = None
    summary_after: str | None = None
    diff: str = ""
    written: bool = False


@dataclass(frozen=True)
class _Parts:
    bom: bool
    crlf: bool
    opening: str
    front_lines: list[str]
    closing: str
    body: str


def _split(path: Path, data: bytes) -> _Parts:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CleanError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); not changed."
        ) from exc
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    crlf_count = text.count("\r\n")
    if crlf_count and (crlf_count != text.count("\n") or crlf_count != text.count("\r")):
        raise CleanError(f"{path} mixes CRLF and LF line endings; normalise it first. Not changed.")
    if not crlf_count and "\r" in text:
        raise CleanError(f"{path} uses bare CR line endings; normalise it first. Not changed.")
    crlf = bool(crlf_count)
    if crlf:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    first = lines[0].rstrip()
    if first == "+++":
        raise CleanError(
            f"{path} has TOML front matter (+++); only YAML front matter (---) is supported. Not changed."
        )
    if first != "---":
        raise CleanError(f"{path} has no front matter (it must start with a '---' line); not changed.")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return _Parts(bom, crlf, lines[0], lines[1:i], lines[i], "\n".join(lines[i + 1 :]))
    raise CleanError(f"{path} opens its front matter with '---' but never closes it; not changed.")


def _load_front(path: Path, lines: list[str]) -> dict[str, Any]:
    try:
        meta = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError as exc:
        raise CleanError(f"{path} has front matter that is not valid YAML ({exc}); not changed.") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CleanError(f"{path} has front matter that is not a mapping of keys; not changed.")
    return meta


def _replace_summary(path: Path, lines: list[str], summary: str) -> list[str] | None:
    """The front-matter lines with the top-level ``summary`` entry replaced (None: no summary key)."""
    start = next((i for i, ln in enumerate(lines) if _SUMMARY_KEY.match(ln)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (not lines[end] or lines[end][0] in " \t"):
        end += 1
    while end - 1 > start and not lines[end - 1].strip():  # keep blank lines that separate keys
        end -= 1
    new_line = dump_front_matter({"summary": summary}).rstrip("\n")
    return lines[:start] + [new_line] + lines[end:]


def summarize_body(markdown: str, title: str, limit: int) -> str:
    from scraper.sites._common import summarize

    return summarize(markdown, "", title, limit)


def clean_file(path: str | Path, *, dry_run: bool = False, summary_chars: int = 50) -> CleanResult:
    """Clean one Markdown archive; write it atomically unless ``dry_run``. Raises ``CleanError``."""
    from scraper.boilerplate import clean_markdown

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CleanError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    parts = _split(path, data)
    meta = _load_front(path, parts.front_lines)

    body = parts.body
    trailing_newline = body.endswith("\n")
    stripped, link_line = split_attribution(body.rstrip())
    categories = meta.get("categories")
    site = str(categories[0]) if isinstance(categories, list) and categories else ""
    stripped, repaired = repair_images(stripped)
    cleaned_text, cleaned = clean_markdown(stripped, site=site)
    removed = repaired + list(cleaned.removed)

    new_body_core = cleaned_text.strip("\n") if removed else stripped.strip("\n")
    summary_before = meta.get("summary") if isinstance(meta.get("summary"), str) else None
    new_summary = summarize_body(new_body_core, str(meta.get("title") or ""), summary_chars)
    summary_after: str | None = new_summary
    new_front = parts.front_lines
    if "summary" in meta and removed:  # why: with nothing removed, a page's own digest stays as it was
        replaced = _replace_summary(path, parts.front_lines, new_summary)
        if replaced is None:  # a summary that is not a top-level line of its own (e.g. flow mapping)
            raise CleanError(
                f"{path}: the summary key could not be located in the front matter; not changed."
            )
        new_front = replaced
        check = _load_front(path, new_front)
        others_before = [(k, v) for k, v in meta.items() if k != "summary"]
        others_after = [(k, v) for k, v in check.items() if k != "summary"]
        if (
            others_before != others_after
            or list(check) != list(meta)
            or check.get("summary") != summary_after
        ):
            raise CleanError(
                f"{path}: rewriting the summary would change other front-matter keys; not changed."
            )
    else:
        summary_after = None

    if removed:
        lead = "\n" if body.startswith("\n") else ""
        new_body = lead + new_body_core
        if link_line:
            new_body += "\n\n" + link_line
        if trailing_newline:
            new_body += "\n"
    else:
        new_body = body
    text = "\n".join([parts.opening, *new_front, parts.closing]) + "\n" + new_body
    original = "\n".join([parts.opening, *parts.front_lines, parts.closing]) + "\n" + body
    changed = text != original
    out = text.replace("\n", "\r\n") if parts.crlf else text
    out_bytes = (("\ufeff" if parts.bom else "") + out).encode("utf-8")
    diff = ""
    if changed:
        diff = "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{path.name}",
                tofile=f"b/{path.name}",
            )
        )
    written = False
    if changed and not dry_run:
        mode = os.stat(path).st_mode & 0o7777
        written = atomic_write(path, out_bytes, mode=mode)
    return CleanResult(path, changed, removed, summary_before, summary_after, diff, written)
