"""Whose article is this: a page's canonical URL is trusted only where the page may speak for it.

A ``<link rel=canonical>`` (or a WeChat page's own ``biz/mid/idx``) names the article a page claims to
be, and the article id — the bundle folder — is derived from it. A page on any host could name
another host's article and so overwrite its archive (issue 11: a copy on ``evil.example.org`` with
the canonical URL of an archived post replaced that post's ``index.md`` and was reported as
"archived"). A claim is therefore trusted only when

- the canonical URL is on the page's own **registrable domain** (``m.blog.example.com`` for
  ``www.blog.example.com``; ``news.qq.com`` for ``mp.weixin.qq.com``), decided with the Public Suffix
  List, private suffixes included, so ``alice.github.io`` cannot claim ``bob.github.io``; or
- both hosts are **one site's own domains**, as its adapter registers them (Sina's ``sina.cn`` and
  ``sina.com.cn``, Toutiao's ``toutiao.cn`` and ``toutiao.com``): the syndication relation the
  site registry knows; or
- the page has no web address of its own (a saved file, ``file:///…``): it is the user's copy.

Otherwise the page is archived as itself: its canonical URL is its own URL, its article id is derived
from its own URL, and the claim is kept in ``Article.extra["canonical_claim"]`` (the catalog records it).

Why ``publicsuffixlist``: it ships a current copy of the list inside the package (released with
every list update) and never fetches anything at run time, unlike tldextract's default of
downloading the list into a cache directory; lookups are a dictionary walk, with no state to share.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from scraper.models import Article

_PSL = PublicSuffixList()  # the list bundled with the package: no network, ever


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """``example.com`` for ``m.blog.example.com``; an IP address or a bare suffix is its own domain."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _PSL.privatesuffix(host) or host


def _site_of(host: str) -> str | None:
    from scraper.sites import adapters, host_matches

    for adapter in adapters():
        if any(host_matches(host, suffix) for suffix in adapter.hosts):
            return adapter.name
    return None


def same_owner(page_url: str, claimed_url: str) -> bool:
    """Whether the page at ``page_url`` may claim to be ``claimed_url`` (see the module docstring)."""
    if urlsplit(page_url.strip()).scheme.lower() not in ("http", "https"):
        return True  # a saved file (file:, no URL): the user's own copy, no other host to protect
    page, claimed = _host(page_url), _host(claimed_url)
    if not page or not claimed:
        return False
    if registrable_domain(page) == registrable_domain(claimed):
        return True
    site = _site_of(page)
    return site is not None and site == _site_of(claimed)


def own_identity(article: Article, page_url: str) -> Article:
    """``article`` as extracted when its canonical claim is trusted; else the page as itself, the
    claim kept in ``extra["canonical_claim"]``."""
    claim = article.canonical_url
    if not claim or not article.is_article or same_owner(page_url, claim):
        return article
    from scraper.sites._common import stable_id

    return dataclasses.replace(
        article,
        canonical_url=None,
        article_id=stable_id(page_url),
        extra={**article.extra, "canonical_claim": claim},
    )
