"""Site adapters, registered by URL pattern (Scrapy's spider lookup by domain).

An adapter is a pure function ``extract(html: str, url: str) -> Article``: no network, no disk, no
clock. ``adapter_for(url, html)`` picks the adapter whose host suffixes match the URL; when none
does, adapters may claim the page by content (``sniff``: a WeChat page saved under another URL), and
the generic text-density fallback takes the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scraper.models import Article

ExtractFn = Callable[[str, str], Article]


@dataclass(frozen=True)
class Adapter:
    name: str  # the site's short name: categories/tags value and content/<name>/ folder
    hosts: tuple[str, ...]  # host suffixes, e.g. ("mp.weixin.qq.com",)
    extract: ExtractFn
    sniff: Callable[[str], bool] | None = None  # claims a page by its content when the URL is unknown
    priority: int = 0  # higher is tried first among equal host matches


_REGISTRY: list[Adapter] = []

# Modules that register adapters on import; the generic fallback is separate.
_MODULES = ("wechat", "qq", "netease", "sina", "sohu", "toutiao", "baijiahao", "ifeng", "thepaper")
_loaded = False


def register(
    name: str, hosts: tuple[str, ...], *, sniff: Callable[[str], bool] | None = None, priority: int = 0
) -> Callable[[ExtractFn], ExtractFn]:
    """Decorator: register ``fn`` as the adapter for ``hosts``."""

    def deco(fn: ExtractFn) -> ExtractFn:
        _REGISTRY.append(Adapter(name, hosts, fn, sniff, priority))
        return fn

    return deco


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _MODULES:
        try:
            importlib.import_module(f"scraper.sites.{mod}")
        except ModuleNotFoundError as exc:  # a site module not written yet
            if exc.name != f"scraper.sites.{mod}":
                raise


def host_matches(host: str, suffix: str) -> bool:
    host = host.lower().rstrip(".")
    return host == suffix or host.endswith("." + suffix)


def adapters() -> list[Adapter]:
    _load()
    return list(_REGISTRY)


def adapter_for(url: str, html: str | None = None) -> Adapter:
    """The adapter for ``url``; with ``html``, unknown URLs may be claimed by content."""
    _load()
    host = urlsplit(url).hostname or ""
    matches = [a for a in _REGISTRY if any(host_matches(host, h) for h in a.hosts)]
    if matches:
        # the most specific host suffix wins (news.qq.com before qq.com)
        return max(matches, key=lambda a: (max(len(h) for h in a.hosts if host_matches(host, h)), a.priority))
    if html is not None:
        for adapter in sorted(_REGISTRY, key=lambda a: -a.priority):
            if adapter.sniff is not None and adapter.sniff(html):
                return adapter
    from scraper.sites import generic

    return generic.ADAPTER
