"""One entry per syndicated article, end to end through the fixture web.

The pages in ``tests/fixtures/entries/`` were written for these tests: one article of a WeChat
account (城事观察) as the WeChat post, as a Tencent News rain/a page and as a Sohu page, each with its
site's own chrome (the Sohu copy has another title), plus another post of the same account framed by
the same header and footer lines. Whatever the order they are archived in, the WeChat post is the
one entry, listing the two copies, and the other post stays an entry of its own.
"""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import frontmatter
import pytest

from archive.entries import COPY, reindex
from archive.fsutil import safe_component
from archive.mdclean import clean_file
from archive.pipeline import Archive, Pipeline
from archive.search import SearchIndex
from archive.syndication import normalise, similarity
from scraper.fetch import Fetcher
from tests.archivekit import make_config
from tests.fixtureweb import PLACEHOLDER_PNG, FixtureWeb, make_png
from tests.sitecheck import HUGO, build, problems, unresolved

FIXTURES = Path(__file__).parent / "fixtures" / "entries"

WECHAT = "https://mp.weixin.qq.com/s/EntrCanteen0000000000001"
QQ = "https://new.qq.com/rain/a/20250305A0CANT00"
SOHU = "https://www.sohu.com/a/870305001_121000"
OTHER = "https://mp.weixin.qq.com/s/EntrMarket00000000000002"
PAGES = {
    WECHAT: "wechat-canteen.html",
    QQ: "qq-canteen.html",
    SOHU: "sohu-canteen.html",
    OTHER: "wechat-market.html",
}
IMAGES = {
    "https://mmbiz.qpic.cn/mmbiz_png/entriesCanteen/640?wx_fmt=png": make_png(40, 30, (200, 100, 0)),
    "https://mmbiz.qpic.cn/mmbiz_png/entriesMarket/640?wx_fmt=png": make_png(40, 30, (0, 100, 200)),
    "https://inews.gtimg.com/om_bt/entriesCanteenQq/641": make_png(40, 30, (100, 0, 200)),
}

ENTRY = Path("content/wechat", safe_component("EntrCanteen0000000000001"), "index.md")
OTHER_ENTRY = Path("content/wechat", safe_component("EntrMarket00000000000002"), "index.md")
QQ_BUNDLE = Path("content/qq", safe_component("20250305A0CANT00"))
SOHU_BUNDLE = Path("content/sohu", safe_component("870305001_121000"))
SYNDICATED = [
    {"site": "qq", "url": QQ, "published": "2025-03-05T10:30:00+08:00"},
    {
        "site": "sohu",
        "url": SOHU,
        "published": "2025-03-06T09:00:00+08:00",
        "title": "老城区社区食堂：每天三百份热饭是怎么做出来的",
    },
]
ALIASES = [
    f"/{QQ_BUNDLE.relative_to('content').as_posix()}/",
    f"/{SOHU_BUNDLE.relative_to('content').as_posix()}/",
]


def serve(web: FixtureWeb) -> None:
    for url, name in PAGES.items():
        web.add(url, (FIXTURES / name).read_bytes())
    for url, data in IMAGES.items():
        referer = "https://mp.weixin.qq.com/" if "mmbiz" in url else None
        web.add(url, data, content_type="image/png", referer_prefix=referer, placeholder=PLACEHOLDER_PNG)


def archive(root: Path, web: FixtureWeb, urls: list[str], pg: str = "", **archive_cfg: object) -> list[str]:
    """Archive ``urls`` in this order into ``root`` (its catalog on PostgreSQL when ``pg`` is a DSN)."""
    config = make_config(root, web, archive=dict(archive_cfg)) if archive_cfg else make_config(root, web)
    if pg:
        config = replace(config, cluster=replace(config.cluster, catalog=pg))
    with Archive(config) as arc, Fetcher(config.fetch) as fetcher, Pipeline(arc, fetcher=fetcher) as pipe:
        return [pipe.archive_url(u).outcome for u in urls]


def rows(root: Path) -> dict[str, tuple[str, str | None]]:
    """url → (status, the url of the original it is a copy of)."""
    with sqlite3.connect(root / "catalog.sqlite") as conn:
        found = conn.execute(
            "SELECT a.url, a.status, o.url FROM articles a LEFT JOIN syndication s ON s.article = a.id "
            "LEFT JOIN articles o ON o.id = s.original"
        ).fetchall()
    return {url: (status, original) for url, status, original in found}


def meta(root: Path, index: Path) -> dict[str, object]:
    return dict(frontmatter.loads((root / index).read_text(encoding="utf-8")).metadata)


ORDERS = list(itertools.permutations([WECHAT, QQ, SOHU]))


def test_the_same_article_from_three_sites_is_one_entry_in_any_order(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web)
    hashes = set()
    for n, order in enumerate(ORDERS):
        root = tmp_path / f"order{n}"
        urls = list(order)
        urls.insert(n % 3, OTHER)  # the account's other post arrives at some point too
        assert archive(root, web, urls) == ["archived"] * 4, order
        assert rows(root) == {
            WECHAT: ("archived", None),
            QQ: (COPY, WECHAT),
            SOHU: (COPY, WECHAT),
            OTHER: ("archived", None),
        }, order
        entry = meta(root, ENTRY)
        assert entry["syndicated"] == SYNDICATED, order
        assert entry["aliases"] == ALIASES, order
        assert "syndicated" not in meta(root, OTHER_ENTRY)
        # the copies have no page (a bundle made while a copy was the entry was retired) …
        assert not (root / QQ_BUNDLE).exists() and not (root / SOHU_BUNDLE).exists(), order
        assert sorted(p.parent.relative_to(root).as_posix() for p in root.glob("content/*/*/index.md")) == [
            ENTRY.parent.as_posix(),
            OTHER_ENTRY.parent.as_posix(),
        ]
        # … but their raw pages are kept
        with sqlite3.connect(root / "catalog.sqlite") as conn:
            kept = {u for (u,) in conn.execute("SELECT url FROM raw_records WHERE kind='page'")}
        assert {QQ, SOHU} <= kept
        hashes.add(entry["content_hash"])
    assert len(hashes) == 1  # the entry's page is the same whatever the order


def test_archiving_a_copy_again_changes_nothing_and_points_at_the_entry(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve(web)
    archive(tmp_path, web, [QQ, WECHAT, SOHU])
    before = (tmp_path / ENTRY).read_bytes()
    config = make_config(tmp_path, web)
    with Archive(config) as arc, Fetcher(config.fetch) as fetcher, Pipeline(arc, fetcher=fetcher) as pipe:
        again = [pipe.archive_url(u) for u in (QQ, SOHU, WECHAT)]
    assert [r.outcome for r in again] == ["unchanged"] * 3
    assert again[0].path == again[1].path == tmp_path / ENTRY
    assert (tmp_path / ENTRY).read_bytes() == before


def test_reextract_and_clean_keep_the_links(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web)
    archive(tmp_path, web, [SOHU, WECHAT, QQ, OTHER])
    before = rows(tmp_path)
    config = make_config(tmp_path)
    with Archive(config) as arc, Pipeline(arc, command="reextract") as pipe:
        assert {r.outcome for r in pipe.reextract()} == {"skipped"}  # current: not even read
        results = pipe.reextract(force=True)  # rebuilt: the same pages, the same links
    assert {r.outcome for r in results} == {"unchanged"}
    assert rows(tmp_path) == before
    assert meta(tmp_path, ENTRY)["syndicated"] == SYNDICATED
    result = clean_file(tmp_path / ENTRY)
    assert meta(tmp_path, ENTRY)["syndicated"] == SYNDICATED, result


def test_bundle_mode_keeps_a_page_per_copy_and_the_entry_lists_them(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web)
    archive(tmp_path, web, [QQ, SOHU, WECHAT], syndicated_copies="bundle")
    assert rows(tmp_path) == {
        WECHAT: ("archived", None),
        QQ: ("archived", WECHAT),
        SOHU: ("archived", WECHAT),
    }
    entry = meta(tmp_path, ENTRY)
    assert entry["syndicated"] == SYNDICATED and "aliases" not in entry
    copy = meta(tmp_path, QQ_BUNDLE / "index.md")  # it was the entry before the WeChat post came
    assert "syndicated" not in copy and "aliases" not in copy
    assert (tmp_path / SOHU_BUNDLE / "index.md").is_file()


def test_a_search_gives_the_entry_once(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web)
    archive(tmp_path, web, [QQ, SOHU, WECHAT, OTHER])
    with Archive(make_config(tmp_path)) as arc:
        hits = SearchIndex(arc.catalog).search("社区食堂")
        assert [arc.entries.member(h.article).url for h in hits] == [WECHAT]  # type: ignore[union-attr]
        # a word only the Sohu copy's title has finds the entry too
        hits = SearchIndex(arc.catalog).search("三百份热饭是怎么做出来的")
        assert [arc.entries.member(h.article).url for h in hits] == [WECHAT]  # type: ignore[union-attr]


FRAME_HEAD = (
    "城事观察是一档记录城市日常的栏目，每周三更新，写街巷里的人和事。我们相信，城市的温度藏在一碗饭、一条巷、"
    "一盏路灯里。栏目由三位记者轮流执笔，他们走访过四十多个社区，和上百位居民聊过天。如果你身边也有值得记录的"
    "故事，欢迎在留言区告诉我们，被选中的线索会在下一期刊出，并送出栏目定制的帆布袋一只。本期故事如下。"
)
FRAME_TAIL = (
    "以上就是本期的全部内容。本栏目文字由记者实地走访写成，图片为记者拍摄，文中老人均为化名。城事观察的往期"
    "文章可以在公众号菜单栏的“街巷”一项里找到，按年份和城区整理。转载请联系后台取得授权，并在文首注明来源与"
    "作者。下周三同一时间，我们去看看城北那条开了三十年的夜市。"
)


@pytest.mark.parametrize("min_chars", [200])
def test_two_posts_framed_by_one_long_template_are_not_one_article(min_chars: int) -> None:
    body_a = "清晨六点半，老城区东街的社区食堂已经亮起了灯，掌勺的刘师傅把第一笼包子推进蒸箱。" * 2
    body_b = "周六上午九点，改造后重新开业的南门菜市场里人声鼎沸，地面换成了防滑地砖。" * 2
    a, b = normalise(FRAME_HEAD + body_a + FRAME_TAIL), normalise(FRAME_HEAD + body_b + FRAME_TAIL)
    from archive.syndication import jaccard, shingles

    assert jaccard(shingles(a), shingles(b)) > 0.6  # the frame alone would make them "alike"
    assert similarity(a, b, min_chars=min_chars) < 0.1
    # the same framed post with one note added is still the same article
    c = normalise(FRAME_HEAD + body_a + "（记者手记：感谢东街社区提供帮助）" + FRAME_TAIL)
    assert similarity(a, c, min_chars=min_chars) > 0.8
    assert similarity(a[:150], c[:150], min_chars=min_chars) == 0.0  # too short to say


@pytest.mark.skipif(HUGO is None, reason="hugo is not installed")
@pytest.mark.parametrize("base_url", ["/", "https://example.org/archive/"])
def test_hugo_redirects_a_retired_copy_to_its_entry(tmp_path: Path, web: FixtureWeb, base_url: str) -> None:
    serve(web)
    archive(tmp_path, web, [QQ, WECHAT, SOHU])  # the qq copy had a page before the WeChat post came
    public, printed = build(tmp_path, base_url)
    assert problems(printed) == []
    assert unresolved(public, base_url) == []
    entry_path = (
        urlsplit(urljoin("http://site.test/", base_url)).path + ENTRY.parent.relative_to("content").as_posix()
    )
    for copy in (QQ_BUNDLE, SOHU_BUNDLE):
        redirect = (public / copy.relative_to("content") / "index.html").read_text(encoding="utf-8")
        assert f'{entry_path}/"' in redirect or f"{entry_path}/'" in redirect, redirect


def test_reindex_links_copies_archived_before_they_could_be_linked(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web)
    archive(tmp_path, web, [QQ, WECHAT, SOHU, OTHER], syndication_min_chars=100_000)  # none long enough
    assert set(rows(tmp_path).values()) == {("archived", None)}
    assert (tmp_path / QQ_BUNDLE / "index.md").is_file() and "syndicated" not in meta(tmp_path, ENTRY)
    with Archive(make_config(tmp_path)) as arc:
        counts = reindex(arc.catalog, tmp_path, arc.config.archive, staging=arc.staging)
    assert counts["linked"] == 2  # the WeChat post found its two copies
    assert rows(tmp_path) == {
        WECHAT: ("archived", None),
        QQ: (COPY, WECHAT),
        SOHU: (COPY, WECHAT),
        OTHER: ("archived", None),
    }
    assert meta(tmp_path, ENTRY)["syndicated"] == SYNDICATED and meta(tmp_path, ENTRY)["aliases"] == ALIASES
    assert not (tmp_path / QQ_BUNDLE).exists() and not (tmp_path / SOHU_BUNDLE).exists()
    before = (tmp_path / ENTRY).read_bytes()
    archive(tmp_path, web, [SOHU, WECHAT])  # as if archived that way from the start: nothing to change
    assert (tmp_path / ENTRY).read_bytes() == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_copy_committed_while_a_page_was_being_written_is_still_linked(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Two runs at once: the WeChat post was placed (nothing like it yet) before the other run
    committed its Tencent copy; settling it, under the write lock, finds the copy after all. On both
    catalog backends (sketches, buckets and links in the SQL they share)."""
    from archive.catalog import Catalog
    from archive.entries import Entries
    from scraper.config import ArchiveConfig

    text = (FIXTURES / "wechat-canteen.html").read_text(encoding="utf-8")
    body = "".join(p.split("</p>")[0] for p in text.split("<p>")[1:])  # the paragraphs' words

    def row(cat: Catalog, site: str, n: str, published: str) -> int:
        return cat.upsert_article(
            url=f"https://example.org/{site}/{n}", canonical_url=None, site=site, article_id=n,
            bundle_path=f"content/{site}/{n}/index.md", content_hash="", extractor_version="1", title="社区食堂",
            published=published, kind="article", status="archived", error=None, raw_id=None, raw_digest=None,
            updated_at="2025-03-05T00:00:00Z",
        )  # fmt: skip

    target = str(tmp_path / "catalog.sqlite") if backend == "sqlite" else request.getfixturevalue("pg_dsn")
    with Catalog.connect(target) as cat:
        entries = Entries(cat, tmp_path, ArchiveConfig())
        early = entries.place("wechat", "w1", "https://example.org/wechat/w1", "社区食堂", None, body)
        assert not early.members
        qq = row(cat, "qq", "q1", "2025-03-05T10:30:00+08:00")  # the other run commits its copy
        with cat.write():
            entries.settle(
                qq, "社区食堂", body, entries.place("qq", "q1", "", "社区食堂", None, body), staging=tmp_path
            )
        wechat = row(cat, "wechat", "w1", "2025-03-05T08:00:00+08:00")
        with cat.write():
            entries.settle(wechat, "社区食堂", body, early, staging=tmp_path)
        assert entries.entry_of(qq) == wechat and [m.id for m in entries.copies_of(wechat)] == [qq]
        assert [h.article for h in entries.search.search("社区食堂")] == [wechat]  # the entry, once
