"""``wxarchive clean``: apply the boilerplate rules to Markdown archives made by other tools.

The file is a Hugo page with YAML front matter (like ``../shared/examples/seed-article.md``). What
changes: the body (boilerplate removed by ``scraper.boilerplate.clean_markdown``); the ``summary``
(recomputed from the cleaned body when something was removed, since the old one is typically the
promo line); a date with no UTC offset (``date: "2025-02-13 17:15:34"``, which Hugo reads as UTC), now
written in China time with ``+08:00``; and with ``--localize`` (:mod:`archive.localize`) the remote
pictures of the body and the thumbnail, stored in the page bundle by the image pipeline of
``archive`` and linked there. A file with nothing to change is left byte for byte. Every other
front-matter line is kept byte for byte: the changed entries are replaced in the text, not by
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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from archive.fsutil import atomic_write
from archive.writer import china_iso, dump_front_matter, split_attribution
from scraper.models import Removal

if TYPE_CHECKING:
    from archive.localize import Localizer

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
    target: Path | None = None  # where the document is now (``name/index.md`` after --localize)
    dates: dict[str, str] = field(default_factory=dict)  # date keys given their +08:00
    images_remote: int = 0  # remote pictures found (--localize)
    images_stored: int = 0
    images_failed: list[str] = field(default_factory=list)  # "URL: why" of pictures left remote


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


def _replace_key(lines: list[str], key: str, value: Any) -> list[str] | None:
    """The front-matter lines with the top-level ``key`` entry replaced (None: no such line)."""
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (not lines[end] or lines[end][0] in " \t" or lines[end].startswith("- ")):
        end += 1
    while end - 1 > start and not lines[end - 1].strip():  # keep blank lines that separate keys
        end -= 1
    new_lines = dump_front_matter({key: value}).rstrip("\n").split("\n")
    return lines[:start] + new_lines + lines[end:]


DATE_KEYS = ("date", "publishDate", "lastmod", "expiryDate")
"""Hugo's date keys: one without a UTC offset is read as UTC, so clean writes it in China time."""


def china_dates(meta: dict[str, Any]) -> dict[str, str]:
    """The date keys of ``meta`` whose value is a date and time with no offset, as ``…+08:00``."""
    from scraper.sites._common import parse_china_datetime

    fixed = {}
    for key in DATE_KEYS:
        value = meta.get(key)
        if isinstance(value, datetime):
            naive = value.tzinfo is None
            text = value.isoformat()
        elif isinstance(value, str):
            text = value.strip()
            naive = bool(_NAIVE_DATETIME.fullmatch(text))
        else:
            continue
        if naive and (when := parse_china_datetime(text)) is not None:
            fixed[key] = china_iso(when)
    return fixed


_NAIVE_DATETIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?")


def summarize_body(markdown: str, title: str, limit: int) -> str:
    from scraper.sanitize import text_field
    from scraper.sites._common import summarize

    # why text_field: a mirror's body is not ours; the summary obeys the same rules as every
    # front-matter string that leaves the extractor (no raw HTML, shortcodes or unsafe links)
    return text_field(summarize(markdown, "", title, limit))


def clean_file(
    path: str | Path,
    *,
    dry_run: bool = False,
    summary_chars: int = 50,
    localizer: Localizer | None = None,
) -> CleanResult:
    """Clean one Markdown archive; write it atomically unless ``dry_run``. Raises ``CleanError``.

    ``localizer`` (``clean --localize``): the remote pictures of the body and the thumbnail are
    stored in the page's bundle and linked there (a ``name.md`` becomes ``name/index.md``, the
    bundle Hugo publishes at the same URL)."""
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
    if removed and (named := _named_attribution(link_line, site, cleaned.meta)):
        link_line = named

    changes: dict[str, Any] = dict(china_dates(meta))  # front-matter keys to rewrite
    summary_before = meta.get("summary") if isinstance(meta.get("summary"), str) else None
    summary_after: str | None = None
    if "summary" in meta and removed:  # why: with nothing removed, a page's own digest stays as it was
        summary_after = summarize_body(new_body_core, str(meta.get("title") or ""), summary_chars)
        changes["summary"] = summary_after

    target, localized = path, None
    if localizer is not None:
        target = path if path.name == "index.md" else path.parent / path.stem / "index.md"
        if target != path and (target.exists() or target.is_symlink()):
            raise CleanError(f"{path}: its bundle {target} exists already; not changed.")
        thumbnail = meta.get("thumbnail")
        remote_cover = thumbnail.get("src") if isinstance(thumbnail, dict) else thumbnail
        localized = localizer.plan(
            new_body_core,
            remote_cover if isinstance(remote_cover, str) else "",
            page_url=_page_url(meta, link_line),
            site=site,
            bundle_dir=target.parent,
        )
        if localized.remote and not dry_run:
            localized = localizer.fetch(localized)
            new_body_core = localized.body
            if localized.thumbnail is not None:
                changes["thumbnail"] = localized.thumbnail
        if not localized.remote or (not dry_run and not localized.stored):
            target = path  # nothing stored: the document stays where it is

    new_front = parts.front_lines
    for key, value in changes.items():
        replaced = _replace_key(new_front, key, value)
        if replaced is None:  # a key that is not a top-level line of its own (e.g. flow mapping)
            raise CleanError(f"{path}: the {key} key could not be located in the front matter; not changed.")
        new_front = replaced
    if changes:
        check = _load_front(path, new_front)
        others_before = [(k, v) for k, v in meta.items() if k not in changes]
        others_after = [(k, v) for k, v in check.items() if k not in changes]
        if (
            others_before != others_after
            or list(check) != list(meta)
            or any(check.get(k) != v for k, v in changes.items())
        ):
            raise CleanError(f"{path}: rewriting {', '.join(changes)} would change other keys; not changed.")

    if removed or (localized is not None and localized.stored):
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
    changed = text != original or target != path
    out = text.replace("\n", "\r\n") if parts.crlf else text
    out_bytes = (("\ufeff" if parts.bom else "") + out).encode("utf-8")
    diff = ""
    if changed:
        diff = "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{path.name}",
                tofile=f"b/{target.name if target == path else target.relative_to(path.parent)}",
            )
        )
    written = False
    if changed and not dry_run:
        mode = os.stat(path).st_mode & 0o7777
        target.parent.mkdir(parents=True, exist_ok=True)
        written = atomic_write(target, out_bytes, mode=mode)
        if target != path:
            path.unlink()  # why last: the bundle's index.md is complete before the old file goes
    result = CleanResult(path, changed, removed, summary_before, summary_after, diff, written)
    result.target = target
    result.dates = {k: str(v) for k, v in changes.items() if k in DATE_KEYS}
    if localized is not None:
        result.images_stored, result.images_failed = localized.stored, localized.failed
        result.images_remote = len(localized.remote)
    return result


_SEED_LINK = re.compile(r"\[([A-Za-z0-9.-]{1,20})\]\((https?://[^)\s]+)\)")


def _named_attribution(link_line: str, site: str, credits: dict[str, str]) -> str:
    """The seed's last line ``[qq](https://…)`` as wxarchive's attribution, when the credit lines
    the cleaning removed name the account or the author (``原文：[锌刻度 · 陈邓新](https://…)``); ""
    otherwise. The link stays the same link, so the line stays recognisable."""
    m = _SEED_LINK.fullmatch(link_line.strip())
    if m is None or not (credits.get("author") or credits.get("account")):
        return ""
    from archive.writer import attribution
    from scraper.models import Article

    article = Article(
        url=m.group(2),
        site=site or m.group(1),
        kind="article",
        author=credits.get("author"),
        account=credits.get("account"),
        source=credits.get("source"),
    )
    return attribution(article, m.group(2))


def _page_url(meta: dict[str, Any], link_line: str) -> str:
    """The page's own URL (its pictures' Referer): the front matter's, else the attribution link's."""
    for key in ("source_url", "canonical_url", "url"):
        value = meta.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    found = re.search(r"\]\((https?://[^)\s]+)\)", link_line)
    return found.group(1) if found else ""
