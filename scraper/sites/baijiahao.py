"""Baijiahao (``baijiahao.baidu.com/s?id=…``, ``mbd.baidu.com/newspage/…``): Baidu's 百家号 posts.

Selectors and phrases are in ``config/sites/baijiahao.toml``. The visible dateline omits the year
(``发布时间：10-08`` ``12:00``); the exact time is in ``<meta itemprop=dateUpdate>``. The account is
the poster's name (``p.author-name``): Baijiahao has no separate 来源 line, so it is the source too.
Unknown hosts under ``baidu.com`` are not claimed: only the article hosts are registered.
"""

from __future__ import annotations

from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import finish, read_page, site_rules

SITE = "baijiahao"
HOSTS = ("baijiahao.baidu.com", "mbd.baidu.com")


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    # the dateline ends with a verification label (a company name), not a 来源: the poster is the source
    draft.source = draft.account or draft.source
    return finish(draft)
