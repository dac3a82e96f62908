"""Build an archive root with Debian's hugo and check that every link of the built site resolves.

Shared by ``tests/test_site.py`` (no browser) and ``tests/test_browser.py``. A link resolves when it
names a file of ``public/`` (a directory means its ``index.html``) once the ``baseURL`` path is taken
off; links to other hosts are not followed (an archived page links its original).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

HUGO = shutil.which("hugo")


def build(root: Path, base_url: str = "/", *, dest: str = "public") -> tuple[Path, str]:
    """``hugo`` in ``root`` with ``base_url``; returns (output folder, everything hugo printed).

    Raises AssertionError with hugo's output when it fails.
    """
    assert HUGO is not None, "hugo is not installed"
    out = root / dest
    proc = subprocess.run(
        [HUGO, "-s", str(root), "--baseURL", base_url, "-d", str(out), "--cleanDestinationDir"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = proc.stdout + proc.stderr
    assert proc.returncode == 0, printed
    return out, printed


def problems(printed: str) -> list[str]:
    """hugo's error and warning lines."""
    return [ln for ln in printed.splitlines() if ln.startswith(("WARN", "ERROR")) or " WARN " in ln]


def page_url(public: Path, html_file: Path, base_path: str) -> str:
    """The URL path a built file is served at (``base_path`` is the baseURL's path, ``/`` or ``/x/``)."""
    rel = html_file.relative_to(public).as_posix()
    rel = rel.removesuffix("index.html")
    return base_path + rel


def unresolved(public: Path, base_url: str) -> list[str]:
    """Every internal ``src``/``href`` of every built HTML page that names no file: ``page: link``.

    ``base_url`` is the one the site was built with (``/`` or ``https://example.org/archive/``)."""
    base = urlsplit(urljoin("http://site.test/", base_url))
    site_host, base_path = base.netloc, base.path if base.path.endswith("/") else base.path + "/"
    missing = []
    for html_file in sorted(public.rglob("*.html")):
        here = f"{base.scheme}://{site_host}" + page_url(public, html_file, base_path)
        tree = LexborHTMLParser(html_file.read_text(encoding="utf-8"))
        for node in tree.css("img[src], a[href], link[href], script[src], source[src]"):
            link = node.attributes.get("src") or node.attributes.get("href") or ""
            if not link or link.startswith(("#", "mailto:", "data:")):
                continue
            target = urlsplit(urljoin(here, link))
            if target.netloc != site_host:
                continue  # another host: the original article, a syndicated copy
            path = unquote(target.path)
            if not path.startswith(base_path):
                missing.append(f"{here}: {link} (outside {base_path})")
                continue
            file = public / path[len(base_path) :]
            if path.endswith("/") or file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                missing.append(f"{here}: {link}")
    return missing
