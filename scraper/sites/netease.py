"""NetEase (163.com): news / money / tech channel articles, 网易号 (dy) posts and the 2004 biz layout.

Selectors and phrases are in ``config/sites/163.toml``. Quirks kept here:

* The 网易号 (``dy``) layout names the account, not the 来源, on its dateline (``2019-05-17 · 苏皖城市报道``)
  and gives the exact time only in ``data-ptime``; a trailing ``来源：无锡交警`` in its body is the origin.
* The account of a channel article is its 来源 media (``a#ne_article_source``).
"""

from __future__ import annotations

from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import finish, read_page, site_rules

SITE = "163"
HOSTS = ("163.com",)


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    rules = site_rules(SITE)
    draft = read_page(html, url, rules)
    return finish(draft)
