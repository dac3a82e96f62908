"""WeChat albums (合集): the article list of one album through its JSON API.

::

    GET https://mp.weixin.qq.com/mp/appmsgalbum?action=getalbum&__biz=<biz>&album_id=<id>&count=20&f=json
        [&begin_msgid=<msgid>&begin_itemidx=<itemidx>]        (the next page: the last item's ids)
    → {"base_resp": {"ret": 0, "errmsg": "ok"},
       "getalbum_resp": {"article_list": [{"title", "url", "msgid", "itemidx", "create_time"} …]
                                          (an object, not a list, when the album has one item),
                         "continue_flag": "1" while there are older items}}

A non-zero ``base_resp.ret`` (``freq control`` …) or a ``verify_status`` is a block (the crawl
pauses the host), never an empty album.

Incremental: a run reads pages from the newest until a page holds an article the frontier already
has (a second run with nothing new costs one request), the album ends, or ``max_pages`` pages were
read; then the place where it stopped (``backfill_msgid`` / ``backfill_itemidx``) is kept in the
cursor and the next run goes on from there after reading the newest page.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from archive.sources import Discovery, Fetch, Found, entries_from, register
from scraper.config import Source
from scraper.errors import Blocked, ExtractError

API = "https://mp.weixin.qq.com/mp/appmsgalbum"
PAGE_SIZE = 20  # why: the size the WeChat client itself asks for


def api_url(album: str, begin_msgid: str = "", begin_itemidx: str = "") -> str:
    """The JSON API URL for an album page URL (or an API URL), at the given position."""
    query = dict(parse_qsl(urlsplit(album).query))
    params = {
        "action": "getalbum",
        "__biz": query.get("__biz", ""),
        "album_id": query.get("album_id", ""),
        "count": str(PAGE_SIZE),
        "f": "json",
    }
    if begin_msgid:
        params["begin_msgid"] = begin_msgid
        params["begin_itemidx"] = begin_itemidx or "1"
    return f"{API}?{urlencode(params)}"


def parse(body: bytes, url: str) -> tuple[list[dict[str, str]], bool]:
    """The items of one album page (title, url, msgid, itemidx) and whether older ones follow.

    Raises :class:`Blocked` for a non-zero ``base_resp.ret`` or a ``verify_status``, and
    :class:`ExtractError` for an answer that is not the album JSON.
    """
    try:
        data: Any = json.loads(body.decode("utf-8", "replace"))
    except ValueError as exc:
        if b"\xe7\x8e\xaf\xe5\xa2\x83\xe5\xbc\x82\xe5\xb8\xb8" in body:  # 环境异常: the verification page
            raise Blocked(f"{url} answered WeChat's verification page (环境异常) instead of the album.", url,
                          "mp.weixin.qq.com") from exc  # fmt: skip
        raise ExtractError(f"The album answer of {url} is not JSON ({exc}).", url) from exc
    if not isinstance(data, dict):
        raise ExtractError(f"The album answer of {url} is not a JSON object.", url)
    base = data.get("base_resp") or {}
    ret = base.get("ret", 0) if isinstance(base, dict) else 0
    resp = data.get("getalbum_resp") or {}
    verify = data.get("verify_status") or (resp.get("verify_status") if isinstance(resp, dict) else None)
    if str(ret) not in ("0", "") or verify:
        why = (base.get("errmsg") if isinstance(base, dict) else "") or f"verify_status {verify}"
        raise Blocked(f"{url} answered a block from WeChat (ret {ret}: {why}), not the album.", url,
                      "mp.weixin.qq.com")  # fmt: skip
    if not isinstance(resp, dict):
        raise ExtractError(f"The album answer of {url} has no getalbum_resp.", url)
    items = resp.get("article_list") or []
    if isinstance(items, dict):
        items = [items]  # why: one item comes as an object, not a list of one
    out = []
    for item in items:
        if isinstance(item, dict) and item.get("url"):
            out.append(
                {k: html.unescape(str(item.get(k) or "")) for k in ("title", "url", "msgid", "itemidx")}
            )
    return out, str(resp.get("continue_flag", "0")) == "1"


@register("wechat_album")
def discover(source: Source, fetch: Fetch, cursor: dict[str, str]) -> Discovery:
    album = source.url or source.feed
    result = Discovery()
    pages = 0
    items, more = _page(fetch, api_url(album))
    pages += 1
    found = list(items)
    met_known = any(fetch.known(i["url"]) for i in items)
    last = items[-1] if items else None
    while more and not met_known and last and pages < source.max_pages:
        items, more = _page(fetch, api_url(album, last["msgid"], last["itemidx"]))
        pages += 1
        found.extend(items)
        met_known = any(fetch.known(i["url"]) for i in items)
        last = items[-1] if items else None
    if more and not met_known and last and not cursor.get("backfill_msgid"):
        result.cursor.update(backfill_msgid=last["msgid"], backfill_itemidx=last["itemidx"])
    resume = cursor.get("backfill_msgid", "")
    if resume:  # an earlier run stopped in the older part of the album: go on from there
        position = (resume, cursor.get("backfill_itemidx", "1"))
        while pages < source.max_pages:
            items, more = _page(fetch, api_url(album, *position))
            pages += 1
            found.extend(items)
            if not more or not items:
                result.cursor.update(backfill_msgid="", backfill_itemidx="")
                break
            position = (items[-1]["msgid"], items[-1]["itemidx"])
            result.cursor.update(backfill_msgid=position[0], backfill_itemidx=position[1])
    limit = max(source.max_entries, PAGE_SIZE * pages)  # why: what was paged through is all queued
    result.entries = entries_from([Found(i["url"], i["title"]) for i in found], API, limit)
    if not result.entries:
        result.note = "the album lists no article"
    return result


def _page(fetch: Fetch, url: str) -> tuple[list[dict[str, str]], bool]:
    raw = fetch(url, conditional=False)
    if raw is None:  # pragma: no cover - never conditional
        return [], False
    return parse(raw.body, url)


_ALBUM_LINK = re.compile(
    r"""(?:https?:)?//mp\.weixin\.qq\.com/mp/appmsgalbum\?[^"'\s<>]*album_id=\d+[^"'\s<>]*"""
)
_ALBUM_ID = re.compile(r"""["']?album_id["']?\s*[:=]\s*["']?(\d{6,})""")
_BIZ = re.compile(r"""var\s+biz\s*=\s*["']([A-Za-z0-9+/=]+)["']""")


def albums_in(html_text: str) -> list[str]:
    """The albums (合集) a WeChat article names: its ``#js_tags`` links and the ``album_id`` of its
    ``appmsg_album_infos`` data, as album page URLs (``follow_albums``)."""
    out: dict[str, str] = {}
    for link in _ALBUM_LINK.findall(html_text):
        query = dict(parse_qsl(urlsplit(html.unescape(link)).query))
        if query.get("album_id") and query.get("__biz"):
            out[query["album_id"]] = query["__biz"]
    biz = _BIZ.search(html_text)
    if biz:
        for album_id in _ALBUM_ID.findall(html_text):
            out.setdefault(album_id, biz.group(1))
    return [f"{API}?{urlencode({'__biz': b, 'action': 'getalbum', 'album_id': a})}" for a, b in out.items()]
