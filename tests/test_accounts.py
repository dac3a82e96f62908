"""Account templates in an archive (archive/accounts.py): learned from the posts archived, applied by
archive, import, crawl and reextract, kept in the catalog, shown by stats; ``extract`` uses the rules
alone. Hand-written WeChat pages of one made-up account, served by the fixture web."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from archive.accounts import (
    AccountTemplates,
    account_key,
    stats_rows,
    template_fingerprint,
    template_fingerprints,
)
from archive.catalog import Catalog
from archive.pipeline import Archive, Pipeline
from archive.schema import MIGRATIONS, SCHEMA_VERSION
from archive.stats import stats
from scraper import extract
from scraper.fetch import Fetcher
from tests.archivekit import make_config, read_doc
from tests.fixtureweb import FixtureWeb, make_png

BIZ = "MzA5NzAxMjM0NQ=="
SLOGAN = "军旅观察，与你同行"
MOTTO = "感恩军旅，砥砺前行！"
FOOTER = "三位老兵，一个故事会"
BANNER_PNG = make_png(60, 20, (10, 90, 10))
QR_PNG = make_png(40, 40, (0, 0, 0))


def url_of(n: int) -> str:
    return f"https://mp.weixin.qq.com/s/JunLvGuanCha{n:010d}"


# the account uploads its banner and QR code again for every post: a new address, the same bytes (on a
# host without a Referer check: on mmbiz two addresses answering the same bytes is a placeholder's sign)
def banner_url(n: int) -> str:
    return f"https://img.junlv.test/banner{n}.png"


def qr_url(n: int) -> str:
    return f"https://img.junlv.test/qr{n}.png"


def words(seed: int) -> str:
    """A sentence of its own for every seed (posts must not look like syndicated copies of each other)."""
    pool = list("春夏秋冬山川河海风雨雷电日月星辰江湖城乡兵将营连排班哨岗枪炮车船路桥田林")
    random.Random(seed).shuffle(pool)
    return "".join(pool[:30]) + "。"


def post(n: int, *, frame: bool = True, middle: bool = False) -> bytes:
    own = "".join(f"<p>第{n}篇第{i}段：{words(n * 10 + i)}</p>" for i in range(5))
    if middle:  # the account's lines inside the post, not around it
        own = own.replace("</p><p>", f"</p><p>{MOTTO}</p><p>", 1)
    head = f'<p><img data-src="{banner_url(n)}"></p><p>{SLOGAN}</p>' if frame else ""
    tail = f'<p>{MOTTO}</p><p>{FOOTER}</p><p><img data-src="{qr_url(n)}"></p>' if frame else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>军旅观察第{n}篇</title>
<meta property="og:title" content="军旅观察第{n}篇"></head><body>
<div id="js_article"><h1 id="activity-name">军旅观察第{n}篇</h1><a id="js_name">军旅观察</a>
<div id="js_content" style="visibility: hidden;">{head}{own}{tail}</div></div>
<script>var biz = "{BIZ}"; var mid = "22474{n:05d}"; var idx = "1"; var ct = "{1700000000 + n * 86400}";</script>
</body></html>""".encode()


def serve(web: FixtureWeb, numbers: range) -> None:
    for n in numbers:
        web.add(url_of(n), post(n))
        for url, body in ((banner_url(n), BANNER_PNG), (qr_url(n), QR_PNG)):
            web.add(url, body, content_type="image/png")


def archive_all(root: Path, web: FixtureWeb, urls: list[str], **archive: object) -> list:  # type: ignore[type-arg]
    config = make_config(root, web, archive=archive) if archive else make_config(root, web)
    fetcher = Fetcher(config.fetch)
    with Archive(config) as arch, Pipeline(arch, fetcher=fetcher) as pipe:
        results = [pipe.archive_url(u) for u in urls]
    fetcher.close()
    return results


def body_of(result) -> str:  # type: ignore[no-untyped-def]
    return read_doc(result.path)[1]


def test_the_fourth_post_is_archived_without_the_frame_the_first_three_taught(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve(web, range(1, 6))
    results = archive_all(tmp_path / "site", web, [url_of(n) for n in range(1, 6)])
    assert [r.outcome for r in results] == ["archived"] * 5
    first, fourth = body_of(results[0]), body_of(results[3])
    for line in (SLOGAN, MOTTO, FOOTER):
        assert line in first and line not in fourth
    assert "第4篇第0段" in fourth and "第4篇第4段" in fourth
    assert len(list(results[3].path.parent.glob("*.png"))) == 0  # banner and QR (same bytes, new URLs) cut
    assert "learned from 3 posts" in results[2].message and "reextract" in results[2].message
    assert "The account template of 军旅观察 cut 5 block(s)." in results[3].message
    # rules alone (extract FILE, no archive) keep the frame
    alone = extract(post(4), url_of(4))
    assert SLOGAN in alone.body_markdown and not [r for r in alone.removed if r.rule.startswith("account:")]


def test_the_catalog_keeps_what_was_learned_and_stats_shows_it(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web, range(1, 5))
    archive_all(tmp_path / "site", web, [url_of(n) for n in range(1, 5)])
    with Catalog.open(tmp_path / "site" / "catalog.sqlite") as cat:
        rows = cat.query("SELECT account, name, posts, fingerprint FROM account_templates")
        assert [(r["account"], r["name"], r["posts"]) for r in rows] == [(f"wechat:{BIZ}", "军旅观察", 4)]
        assert template_fingerprints(cat) == {f"wechat:{BIZ}": rows[0]["fingerprint"]}
        assert template_fingerprint(cat, f"wechat:{BIZ}").startswith("tpl:")
        assert template_fingerprint(cat, "wechat:nobody") == ""
        columns, table = stats_rows(cat)
        assert columns[0] == "account" and len(table) == 1
        name, posts, head, tail, examples, _ = table[0]
        assert (name, posts, head, tail) == ("军旅观察", 4, 3, 3)  # the motto is in the head window too
        assert SLOGAN in examples and "(+2 pictures)" in examples
        title, shown = stats(cat, tmp_path / "site", only=["templates"])["templates"]
        assert "account templates" in title and shown.rows[0][:4] == ("军旅观察", 4, 3, 3)
        template = AccountTemplates(cat).template(f"wechat:{BIZ}")
        assert template is not None and {b.text for b in template.blocks} >= {SLOGAN, MOTTO, FOOTER}


def test_reextract_after_learning_rewrites_the_earlier_posts_and_says_so(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve(web, range(1, 5))
    root = tmp_path / "site"
    first = archive_all(root, web, [url_of(n) for n in range(1, 5)])
    config = make_config(root)
    with Archive(config) as arch, Pipeline(arch, command="reextract", download_images=False) as pipe:
        again = {r.url: r for r in pipe.reextract()}
    for n in (1, 2, 3):
        r = again[url_of(n)]
        assert r.outcome == "archived", r.message
        assert "The account template of 军旅观察 cut 5 block(s)." in r.message
        assert SLOGAN not in body_of(r) and f"第{n}篇第4段" in body_of(r)
    # built under the same template already: current, so not even read (archive.reextract)
    assert again[url_of(4)].outcome == "skipped" and first[3].path is not None
    with Archive(config) as arch, Pipeline(arch, command="reextract", download_images=False) as pipe:
        assert {r.outcome for r in pipe.reextract()} == {"skipped"}  # and then it is stable
        assert {r.outcome for r in pipe.reextract(force=True)} == {"unchanged"}


def test_the_accounts_lines_inside_a_post_stay(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web, range(1, 5))
    web.add(url_of(9), post(9, frame=False, middle=True))
    results = archive_all(tmp_path / "site", web, [*(url_of(n) for n in range(1, 5)), url_of(9)])
    assert MOTTO in body_of(results[-1]) and "cut" not in results[-1].message


def test_templates_off_learn_nothing_and_cut_nothing(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web, range(1, 5))
    results = archive_all(tmp_path / "site", web, [url_of(n) for n in range(1, 5)], account_templates=False)
    assert SLOGAN in body_of(results[-1])
    with Catalog.open(tmp_path / "site" / "catalog.sqlite") as cat:
        assert cat.query("SELECT COUNT(*) AS n FROM account_templates")[0]["n"] == 0


def test_account_keys() -> None:
    article = extract(post(1), url_of(1))
    assert account_key(article) == f"wechat:{BIZ}"
    from dataclasses import replace

    assert account_key(replace(article, site="qq", extra={})) == "qq:军旅观察"
    assert account_key(replace(article, site="web", extra={}, account=None)) == ""


def test_a_catalog_of_the_version_before_templates_gains_the_account_tables(tmp_path: Path) -> None:
    before = next(m.version for m in MIGRATIONS if "account_blocks" in m.sql) - 1
    path = tmp_path / "catalog.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS:
        if migration.version <= before:
            for statement in migration.statements():
                conn.execute(statement)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(before),))
    conn.execute(
        "INSERT INTO articles (url, site, article_id, bundle_path, content_hash, extractor_version, title, kind, "
        "status, updated_at) VALUES ('https://mp.weixin.qq.com/s/x', 'wechat', 'x', 'content/wechat/x/index.md', "
        "'sha256:0', '1', '旧文章', 'article', 'archived', '2026-01-01T00:00:00Z')"
    )
    conn.close()
    with Catalog.open(path, has_data=True) as cat:
        assert cat.scalar("SELECT value FROM meta WHERE key='schema_version'") == str(SCHEMA_VERSION)
        assert [r["title"] for r in cat.query("SELECT title FROM articles")] == ["旧文章"]
        with cat.write() as c:
            c.execute(
                "INSERT INTO account_blocks (article, account, edge, position, key, text) "
                "VALUES (1, 'wechat:x', 'head', 0, 't:1', '口号')"
            )
        assert stats_rows(cat)[1] == []


def test_a_template_learned_by_another_process_is_seen(tmp_path: Path, web: FixtureWeb) -> None:
    serve(web, range(1, 5))
    root = tmp_path / "site"
    archive_all(root, web, [url_of(1)])
    with Catalog.open(root / "catalog.sqlite") as other:
        templates = AccountTemplates(other)  # e.g. a long-lived cluster worker's
        first = templates.template(f"wechat:{BIZ}")
        assert first is not None and first.posts == 1 and first.blocks == ()  # one post teaches nothing
        archive_all(root, web, [url_of(n) for n in range(2, 5)])
        learned = templates.template(f"wechat:{BIZ}")
        assert learned is not None and learned.posts == 4 and SLOGAN in {b.text for b in learned.blocks}
