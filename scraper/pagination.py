"""Articles split over several pages ("【1】【2】【3】", "1 2 下一页 余下全文"): where the next page or
the one-page version is, and joining the pages into one article. Pure: HTML, URLs and Articles in,
values out; the pipeline does the fetching.

A continuation is recognised by its URL, not by link words (which vary, or are pictures): a link
in the page to the same directory whose file name is the page's own with a page number added or
raised, ``c1013-31153719.html`` → ``c1013-31153719-2.html``, ``516891_2.shtml`` →
``516891_3.shtml``; or the one-page version, ``516891_s.shtml`` / ``…_all.html``. A "下一页" that
goes anywhere else (the next article, a list) is never followed.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit, urlunsplit

from scraper.models import Article

_NUMBERED = re.compile(r"^(?P<base>.+?)(?P<sep>[_-])(?P<n>\d{1,3})$")
"""A file stem that already carries a page number (``1220000_2``); ids have more than 3 digits."""
_FULL_SUFFIXES = ("s", "all", "full")
_MAX_PAGE = 200


def _split(url: str) -> tuple[str, str, str] | None:
    """(directory URL, file stem, extension) of an article URL, or None when its path ends in no
    file name with an extension (``/s/abc``, ``/a/``)."""
    parts = urlsplit(url)
    directory, _, name = parts.path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext.isalnum():
        return None
    base = urlunsplit((parts.scheme, parts.netloc, directory + "/", "", ""))
    return base, stem, ext


def continuation(html: str, url: str) -> tuple[str | None, str | None]:
    """(next page URL, one-page version URL) named by links in ``html``; None where there is none."""
    split = _split(url)
    if split is None:
        return None, None
    directory, stem, ext = split
    numbered = _NUMBERED.match(stem)
    base, page = (numbered["base"], int(numbered["n"])) if numbered else (stem, 1)
    if base not in html:  # why first: most pages never mention their own file name
        return None, None
    found: set[tuple[str, str]] = set()
    after = re.compile(rf"(?P<sep>[_-])(?P<tail>\d{{1,3}}|{'|'.join(_FULL_SUFFIXES)})\.{re.escape(ext)}\b")
    at = html.find(base)
    while at >= 0:  # why find(): a regex that must look behind the name scans every position of the page
        end = at + len(base)
        if not (at and (html[at - 1].isalnum() or html[at - 1] in "._-")):
            m = after.match(html, end)
            if m:
                found.add((m["sep"], m["tail"]))
        at = html.find(base, end)
    seps = {sep for sep, _ in found}
    if numbered:
        seps &= {numbered["sep"]}
    following = next(
        (f"{base}{sep}{page + 1}" for sep in sorted(seps) if (sep, str(page + 1)) in found), None
    )
    whole = next(
        (f"{base}{sep}{tail}" for sep in sorted(seps) for tail in _FULL_SUFFIXES if (sep, tail) in found),
        None,
    )
    return (
        f"{directory}{following}.{ext}" if following and page < _MAX_PAGE else None,
        f"{directory}{whole}.{ext}" if whole else None,
    )


def join(first: Article, more: list[Article]) -> Article:
    """``first`` with the bodies, images and removals of the following pages appended in order; a
    page whose text repeats what is already there (a lead printed on every page) adds only what is new."""
    if not more:
        return first
    blocks = first.body_markdown.rstrip("\n").split("\n\n")
    for page in more:
        earlier = set(blocks)  # why per page: a paragraph a page itself repeats is the page's own
        blocks.extend(b for b in page.body_markdown.rstrip("\n").split("\n\n") if b and b not in earlier)
    images = tuple(dict.fromkeys((*first.images, *(i for p in more for i in p.images))))
    removed = (*first.removed, *(r for p in more for r in p.removed))
    body = "\n\n".join(blocks) + "\n"
    headings = sum(1 for block in blocks if block.startswith("#"))
    extra = {**first.extra, "pages": [first.url, *(p.url for p in more)]}
    return dataclasses.replace(
        first,
        body_markdown=body,
        images=images,
        removed=removed,
        toc=first.toc or headings >= 3,
        mathjax=first.mathjax or any(p.mathjax for p in more),
        extra=extra,
    )
