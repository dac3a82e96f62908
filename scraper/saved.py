"""What a page saved by a browser ("Save page as, complete") says about its own pictures (pure).

A complete save rewrites each ``<img src>`` to a file in a folder beside the page
(``<title>_files/640_002.jpeg``, percent-encoded) and leaves the remote address where the page kept
it for lazy loading (WeChat's ``data-src``); a picture never scrolled into view keeps a ``data:``
placeholder in ``src`` and only its ``data-src``. :func:`saved_images` pairs the remote URL the
extractor writes in the Markdown with the local file the browser wrote; ``archive.saved`` finds the
files and the image collector stores them instead of downloading.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from scraper.html import parse

LAZY_ATTRIBUTES = ("data-src", "data-original", "data-actualsrc", "data-lazy-src")
"""Where pages keep an image's remote address while ``src`` holds something else (the order the
boilerplate engine and the Markdown converter read them in)."""


def _local(src: str) -> str | None:
    """``src`` as a path relative to the saved page, percent-decoded; None for a remote or inline one."""
    src = src.strip()
    if not src or src.startswith(("data:", "//", "#")):
        return None
    parts = urlsplit(src)
    if parts.scheme and parts.scheme.lower() != "file":
        return None
    path = unquote(parts.path)
    if parts.scheme.lower() == "file" or path.startswith("/"):
        return None  # an absolute path of the saving machine: nothing to find beside the page
    return path or None


def saved_images(html: str, page_url: str) -> dict[str, str]:
    """Remote image URL (absolute, as the extractor writes it) → the relative path of the file the
    browser saved for it, for every ``<img>`` whose ``src`` is a local file."""
    out: dict[str, str] = {}
    for img in parse(html).css("img[src]"):
        attrs = img.attributes
        local = _local(attrs.get("src") or "")
        if local is None:
            continue
        for name in LAZY_ATTRIBUTES:
            remote = (attrs.get(name) or "").strip()
            if remote and not remote.startswith("data:"):
                out.setdefault(urljoin(page_url, remote), local)
                break
        else:  # no lazy address: the extractor resolves src itself against the page URL
            out.setdefault(urljoin(page_url, attrs.get("src") or ""), local)
    return out
