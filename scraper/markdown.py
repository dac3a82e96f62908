"""HTML → Markdown: the one converter every adapter hands its cleaned body node to.

Contract (used by ``scraper.sites._common.build_article``)::

    to_markdown(node, base_url) -> Markdown(text, images, headings, has_math)

PLACEHOLDER: the full converter is being written; this stub keeps the pipeline runnable.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from scraper.html import squash
from scraper.models import ImageRef


@dataclass(frozen=True)
class Markdown:
    text: str
    images: tuple[ImageRef, ...] = ()
    headings: int = 0
    has_math: bool = False


def to_markdown(node: LexborNode, base_url: str) -> Markdown:
    return Markdown(text=squash(node.text(deep=True, separator="\n")))
