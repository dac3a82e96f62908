"""Boilerplate removal, explainable and with a safety valve.

Contract (used by ``scraper.sites._common.build_article`` and ``wxarchive clean``)::

    clean_body(node, site=..., url=...) -> Cleaned(removed, meta)      # edits node in place
    clean_markdown(text, site=...) -> (text, Cleaned)

PLACEHOLDER: the rule engine is being written; this stub removes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from scraper.models import Removal


@dataclass
class Cleaned:
    removed: list[Removal] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


def clean_body(node: LexborNode, *, site: str = "", url: str = "") -> Cleaned:
    return Cleaned()


def clean_markdown(text: str, *, site: str = "") -> tuple[str, Cleaned]:
    return text, Cleaned()
