"""A file of URLs: one a line, blank lines and ``#`` comments ignored (no network to list them)."""

from __future__ import annotations

from pathlib import Path

from archive.frontier import Discovered
from archive.sources import Discovery, Fetch, absolute, register
from scraper.config import Source
from scraper.errors import ConfigError
from scraper.identity import article_key


def parse(text: str) -> list[str]:
    """The http(s) URLs of a URL file, in order, first of each kept."""
    out: dict[str, None] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line and (url := absolute(line.split()[0], "")):
            out[url] = None
    return list(out)


@register("file")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    path = Path(source.file).expanduser()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(
            f"[[sources]] {source.name}: the URL file {path} cannot be read ({exc.strerror or exc})."
        ) from exc
    urls = parse(text)
    entries = [Discovered(u, "", article_key(u)) for u in urls]
    return Discovery(entries, note="" if entries else f"the file {path} holds no http(s) URL")
