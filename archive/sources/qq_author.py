"""A Tencent News author's article list (the ``om_index`` tab of an author page).

::

    GET https://i.news.qq.com/getSubNewsMixedList?guestSuid=<suid>&tabId=om_index
    → {"ret": 0, "newslist": [{"title", "url", "timestamp", "articletype"} …]}

``articletype`` "0" is an article; videos, picture sets and the rest are left out. The source's ``url``
is that API URL or the author page ``https://news.qq.com/omn/author/<suid>``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from archive.sources import Discovery, Fetch, Found, entries_from, register
from scraper.config import Source
from scraper.errors import Blocked, ExtractError

API = "https://i.news.qq.com/getSubNewsMixedList"
_AUTHOR = re.compile(r"/omn/author/([^/?#]+)")


def api_url(url: str) -> str:
    """The list API URL for an author page or API URL."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    suid = query.get("guestSuid") or ((m := _AUTHOR.search(parts.path)) and m.group(1)) or ""
    return f"{API}?{urlencode({'guestSuid': suid, 'tabId': query.get('tabId', 'om_index')})}"


def parse(body: bytes, url: str) -> list[Found]:
    """The articles (articletype "0") of one answer, newest first as listed."""
    try:
        data: Any = json.loads(body.decode("utf-8", "replace"))
    except ValueError as exc:
        raise ExtractError(f"The author list {url} is not JSON ({exc}).", url) from exc
    if not isinstance(data, dict):
        raise ExtractError(f"The author list {url} is not a JSON object.", url)
    ret = data.get("ret", 0)
    if str(ret) not in ("0", ""):
        message = str(data.get("msg") or data.get("errmsg") or "")
        if "freq" in message.lower() or "频繁" in message:
            raise Blocked(
                f"{url} answered a rate limit (ret {ret}: {message}).", url, urlsplit(url).hostname or ""
            )
        raise ExtractError(f"The author list {url} answered ret {ret} ({message or 'no message'}).", url)
    items = data.get("newslist") or []
    if isinstance(items, dict):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, dict) and str(item.get("articletype", "0")) == "0" and item.get("url"):
            out.append(Found(str(item["url"]), str(item.get("title") or "")))
    return out


@register("qq_author")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    url = api_url(source.url or source.feed)
    raw = fetch(url, conditional=False)
    if raw is None:  # pragma: no cover - never conditional
        return Discovery()
    entries = entries_from(parse(raw.body, url), url, source.max_entries)
    return Discovery(entries, note="" if entries else "the author list has no article (articletype 0)")
