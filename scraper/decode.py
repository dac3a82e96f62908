"""Bytes → text, by our own rules (WHATWG order): BOM, header charset, <meta> prescan, detector.

Contract::

    decode(body: bytes, content_type: str | None = None) -> Decoded(text, encoding, source, suspect)

PLACEHOLDER: the full decoder is being written; this stub tries UTF-8 then GB18030.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    source: str = "default"  # bom | header | meta | detector | default
    suspect: bool = False


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return Decoded(body.decode("gb18030", errors="replace"), "gb18030", suspect=True)
