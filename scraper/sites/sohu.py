"""Sohu (``sohu.com``): 搜狐号 articles (``/a/<id>_<account>``) and the 2005 channel pages.

Selectors and phrases are in ``config/sites/sohu.toml``. Quirks kept here:

* The second half of a 搜狐号 article sits in ``div.hidden-content`` behind a 展开全文 button: it is
  body text and is kept (the button itself is chrome).
* ``span#news-time`` carries the exact publish time in milliseconds (``data-val``).
* The last paragraph holds ``【编辑:…】`` plus the 返回搜狐 link; ``【编辑:…】`` alone is cut by phrase.
"""

from __future__ import annotations

from scraper.html import node_text
from scraper.models import Article, Removal
from scraper.sites import register
from scraper.sites._newsbase import finish, read_page, site_rules

SITE = "sohu"
HOSTS = ("sohu.com",)


@register(SITE, HOSTS)
def extract(html: str, url: str) -> Article:
    draft = read_page(html, url, site_rules(SITE))
    if draft.body is not None:
        # "【编辑:刘欢】" shares its paragraph with the 返回搜狐 link: give it a block of its own
        for span in draft.body.css("p span"):
            if node_text(span).startswith(("【编辑", "[编辑", "责任编辑")) and span.parent is not None:
                draft.removed.append(Removal(rule="site:sohu:editor", text=node_text(span)))
                span.decompose()
    return finish(draft)
