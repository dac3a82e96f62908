"""Article identity: which article a URL names, as a pure function of the URL (no network).

A crawl meets one article under several URLs: WeChat's ``/s/<short>`` link and its permanent
``/s?__biz=…&mid=…&idx=…&sn=…`` form (with or without ``chksm``, ``scene``, ``from`` and other
tracking parameters), Tencent News' ``rain/a``, ``omn`` and ``view.inews`` pages. The identity key
lets the crawl fetch each article once::

    wechat:<bizuin>_<mid>_<idx>     /s?__biz=…&mid=…&idx=…  (the WeChat adapter's article id)
    qq:<Tencent id>                 new.qq.com/rain/a/<ID>, news.qq.com/rain/a/<ID>, view.inews.qq.com/a/<ID>,
                                    new.qq.com/omn/<date>/<ID>.html; old *.qq.com/a/<date>/<n>.htm

A ``/s/<short>`` link carries no identity: :func:`article_key` gives None and the crawl learns the
identity from the fetched page (:func:`key_of`, the adapter's ``site`` and ``article_id``), so a later
``/s?__biz=…`` URL of the same article is recognised without a request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scraper.sites import qq, wechat
from scraper.urls import host_matches

STABLE_SITES = frozenset({"wechat", "qq"})
"""Sites whose ``article_id`` is the article's own identity (not a hash of the URL)."""


def article_key(url: str) -> str | None:
    """The identity key of the article ``url`` names, when the URL alone tells it; else None."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    if host_matches(host, wechat.HOST):
        ident = wechat.url_identity(url)
        biz, mid = ident.get("__biz", ""), ident.get("mid", "")
        if biz and mid.isdigit():
            return key_of("wechat", wechat.article_id_for(biz, mid, ident.get("idx", ""), "", url))
        return None
    if host == "qq.com" or host.endswith(".qq.com"):
        tid = qq.tencent_id(url) or qq.old_article_id(url)
        return key_of("qq", tid) if tid else None
    return None


def key_of(site: str, article_id: str) -> str | None:
    """The identity key of an archived article (its adapter's ``site`` and ``article_id``), for the
    sites whose ids are stable; None for the others (their id is a hash of the URL)."""
    if site not in STABLE_SITES or not article_id:
        return None
    return f"{site}:{article_id}"


def split_key(key: str) -> tuple[str, str]:
    """``("wechat", "<bizuin>_<mid>_<idx>")`` for ``"wechat:<bizuin>_<mid>_<idx>"``."""
    site, _, article_id = key.partition(":")
    return site, article_id
