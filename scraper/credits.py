"""Credit and source lines: ``作者 | 周沫；编辑 | 倩君；来源 | 红餐网``, ``撰文/陈邓新``, ``【来源：半岛都市报】``.

Contract (called by the boilerplate engine on short blocks near the head and tail of a body)::

    parse_credit(text) -> dict[str, str] | None

returns the metadata the line carries (keys among ``author``, ``source``, ``account``, ``editor``)
when the whole block is a credit/source line, else ``None``.

PLACEHOLDER: being written.
"""

from __future__ import annotations


def parse_credit(text: str) -> dict[str, str] | None:
    return None
