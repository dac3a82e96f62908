"""Sina (``*.sina.com.cn``, ``sina.cn``, ``k.sina.com.cn``): doc-… articles of every channel since 2005.

Selectors and phrases are in ``config/sites/sina.toml``. The meta ``article:published_time`` is the
publish time; the visible dateline often shows the earlier print time of the original media.
"""

from __future__ import annotations

from scraper.models import Article
from scraper.sites import register
from scraper.sites._newsbase import finish, read_page, site_rules

SITE = "sina"
HOSTS = ("sina.com.cn", "sina.cn", "sina.com")


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    return finish(draft)
