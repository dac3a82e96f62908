"""The pictures a browser saved beside a page (``wxarchive import`` of a "Save page as, complete").

:func:`local_images` maps each image of the page (by the normalised URL the collector fetches) to the
file on disk, when there is one: the path the page names, relative to the page; else, when that
folder is gone (the save was renamed or moved: the page still names ``<original title>_files/``), a
file of the same name in the folder beside the page (``<page name>_files/``). Only files inside the
page's own directory are read. The collector stores them like downloaded pictures (same checks, same
content-addressed names) and the import reports how many pictures came from the folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from archive.images import ImageResult, normalise_image_url
from scraper.errors import WxArchiveError
from scraper.saved import saved_images

FOLDER_SUFFIXES = ("_files", ".files", "_archivos", "-Dateien")  # why: what browsers name the folder


def beside(page: Path) -> list[Path]:
    """The folders a browser may have saved ``page``'s files in, named after the page."""
    return [page.with_name(page.stem + suffix) for suffix in FOLDER_SUFFIXES]


def local_images(page: Path, html: str, page_url: str) -> dict[str, Path]:
    """Normalised image URL → the saved file of it beside ``page`` (see the module docstring)."""
    base = page.parent.resolve()
    folders = [f for f in beside(page) if f.is_dir()]
    out: dict[str, Path] = {}
    for remote, ref in saved_images(html, page_url).items():
        try:
            fetch_url = normalise_image_url(remote, page_url)
        except WxArchiveError:
            continue
        found = _find(base, ref, folders)
        if found is not None:
            out.setdefault(fetch_url, found)
    return out


def _find(base: Path, ref: str, folders: list[Path]) -> Path | None:
    named = PurePosixPath(ref)
    candidates = [base.joinpath(*named.parts)]
    if named.name:
        candidates += [folder / named.name for folder in folders]
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            resolved.relative_to(base)  # why: a page may name ../../anything; only its own directory is read
        except (OSError, ValueError):
            continue
        if resolved.is_file():
            return resolved
    return None


def saved_note(images: Mapping[str, ImageResult], saved: Mapping[str, Path]) -> str:
    """What an import says about its pictures: how many came from the saved folder, how many not."""
    if not saved:
        return ""
    results = list({r.fetch_url: r for r in images.values()}.values())
    from_folder = [r for r in results if r.origin == "saved"]
    folders = sorted({saved[r.fetch_url].parent.name for r in from_folder})
    other = len(results) - len(from_folder)
    where = ", ".join(folders) or "the folder saved beside the page"
    note = f"{len(from_folder)} picture(s) read from {where}"
    return note + (f", {other} not in it." if other else ".")
