"""The Hugo site of an archive root (archive/site.py): written once, never overwritten, and built by
Debian's hugo with no error and no warning, every page, picture and thumbnail resolving at the site
root and under a sub-path ``baseURL``."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from archive.images import ImageResult
from archive.pipeline import Archive
from archive.site import THEME, THEME_FILES, ensure_site, hugo_config, site_sections
from archive.writer import bundle_for, publish, render
from scraper.config import FrontMatterConfig
from scraper.models import Article, ImageRef
from tests.archivekit import make_config
from tests.fixtureweb import make_jpeg, make_png
from tests.sitecheck import HUGO, build, problems, unresolved

needs_hugo = pytest.mark.skipif(HUGO is None, reason="hugo is not installed")
CN = timezone(timedelta(hours=8))
FETCHED = datetime(2025, 2, 14, 1, 2, 3, tzinfo=UTC)


def test_a_new_root_gets_a_config_and_the_theme_and_nothing_is_ever_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "site"
    Archive(make_config(root), root).close()
    config = root / "hugo.toml"
    assert config.read_text(encoding="utf-8") == hugo_config()
    for name in THEME_FILES:
        assert (root / "themes" / THEME / name).is_file()
    # the user edits the configuration and a layout, deletes another: reopening changes nothing
    config.write_text(config.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    single = root / "themes" / THEME / "layouts/_default/single.html"
    single.write_text("mine", encoding="utf-8")
    (root / "themes" / THEME / "layouts/404.html").unlink()
    Archive(make_config(root), root).close()
    assert config.read_text(encoding="utf-8").endswith("# mine\n")
    assert single.read_text(encoding="utf-8") == "mine"
    assert not (root / "themes" / THEME / "layouts/404.html").exists()
    # without a configuration the missing files come back, edited ones stay
    config.unlink()
    assert ensure_site(root)
    assert (root / "themes" / THEME / "layouts/404.html").is_file()
    assert single.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("existing", ["config.toml", "hugo.yaml", "config/_default/hugo.toml"])
def test_a_root_that_has_a_hugo_configuration_of_its_own_is_left_alone(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("title = 'mine'\n", encoding="utf-8")
    assert ensure_site(tmp_path) == []
    assert not (tmp_path / "hugo.toml").exists() or existing == "hugo.toml"
    assert not (tmp_path / "themes").exists()


def test_main_sections_list_every_section_wxarchive_writes() -> None:
    config = tomllib.loads(hugo_config())
    sections = config["params"]["mainSections"]
    assert sections == site_sections()
    for name in ("wechat", "qq", "163", "sina", "sohu", "toutiao", "baijiahao", "ifeng", "thepaper", "web"):
        assert name in sections
    assert config["params"]["dateformat"] == "2006年1月2日"
    assert config["languageCode"] == "zh-CN" and config["theme"] == THEME
    assert tomllib.loads(hugo_config(content_dir="articles"))["contentDir"] == "articles"


COPIES = [
    {
        "site": "qq",
        "url": "https://new.qq.com/rain/a/20250204A0COPY00",
        "published": "2025-02-04T18:00:00+08:00",
    },
    {
        "site": "sohu",
        "url": "https://www.sohu.com/a/870000004_120000",
        "published": "2025-02-05T09:00:00+08:00",
        "title": "转载的标题",
    },
]


def _write(root: Path, site: str, n: int, *, cover: bool = True) -> Path:
    """One article bundle of ``site`` with two local pictures, the first one also the cover."""
    img1, img2 = f"https://img.example.com/{site}/{n}/1.png", f"https://img.example.com/{site}/{n}/2.jpg"
    a = Article(
        url=f"https://{site}.example.com/a/{n}",
        site=site,
        kind="article",
        title=f"{site} 第{n}篇",
        author="作者甲",
        account="某公众号" if site == "wechat" else None,
        published=datetime(2025, 2, n, 17, 15, 34, tzinfo=CN),
        summary=f"第{n}篇的摘要。",
        cover=img1 if cover else None,
        tags=(site, "测试"),
        body_markdown=f"![]({img1})\n\n*图为第一张图*\n\n正文第一段。\n\n## 小标题\n\n![图片]({img2})\n\n结尾。",
        images=(ImageRef(img1), ImageRef(img2, "图片")),
        article_id=f"{site}{n:03d}",
    )
    bundle = bundle_for(root, "content", a)
    bundle.create()
    files = {img1: (f"{n:015d}1.png", make_png(40 + n, 30)), img2: (f"{n:015d}2.jpg", make_jpeg(50, 40 + n))}
    images = {}
    for url, (name, data) in files.items():
        (bundle.directory / name).write_bytes(data)
        images[url] = ImageResult(url, url, "stored", name, "0" * 64)
    copies = COPIES if site == "wechat" else []  # the entry of a syndicated article lists its copies
    aliases = ["/qq/20250204a0copy00/", "/sohu/870000004_120000/"] if copies else []
    publish(
        bundle,
        render(
            a,
            bundle,
            page_url=a.url,
            fetched=FETCHED,
            fm=FrontMatterConfig(),
            images=images,
            syndicated=copies,
            aliases=aliases,
        ),
    )
    return bundle.directory


@needs_hugo
def test_hugo_builds_a_fresh_root_with_no_warning_even_before_any_article(tmp_path: Path) -> None:
    ensure_site(tmp_path)
    public, printed = build(tmp_path)
    assert problems(printed) == [], printed
    assert (public / "index.html").is_file()


@needs_hugo
@pytest.mark.parametrize("base_url", ["/", "https://example.org/archive/"])
def test_every_page_picture_and_thumbnail_resolves_at_the_root_and_under_a_sub_path(
    tmp_path: Path, base_url: str
) -> None:
    root = tmp_path / "site"
    Archive(make_config(root), root).close()
    # more articles in one section than in the others: Hugo's default mainSections would list only it
    for n in range(1, 4):
        _write(root, "qq", n)
    _write(root, "wechat", 4)
    _write(root, "163", 5, cover=False)
    public, printed = build(root, base_url)
    assert problems(printed) == [], printed
    assert unresolved(public, base_url) == []
    prefix = "/archive/" if base_url != "/" else "/"
    home = LexborHTMLParser((public / "index.html").read_text(encoding="utf-8"))
    titles = [a.text() for a in home.css("ul.entries h2 a")]
    assert sorted(titles) == sorted(["qq 第1篇", "qq 第2篇", "qq 第3篇", "wechat 第4篇", "163 第5篇"])
    # lists show the thumbnail (from the site root, under the sub-path), the article page does not
    thumbs = [img.attributes["src"] for img in home.css("img.thumbnail")]
    assert len(thumbs) == 4 and all(
        t.startswith(f"{prefix}qq/") or t.startswith(f"{prefix}wechat/") for t in thumbs
    )
    page = LexborHTMLParser((public / "wechat" / "wechat004" / "index.html").read_text(encoding="utf-8"))
    assert page.css("img.thumbnail") == []
    srcs = [img.attributes["src"] for img in page.css("article img")]
    assert len(srcs) == 2 and len(set(srcs)) == 2  # the cover once: as the body's first picture
    # Chinese dates, the byline, the attribution line
    meta = page.css_first("p.meta").text()
    assert "2025年2月4日" in meta and "某公众号" in meta and "作者甲" in meta
    last = page.css("article > p")[-2].text()  # the tags line follows it
    assert last == "原文：某公众号 · 作者甲"
    # the syndicated copies, linked, with their site and date; the copies' paths redirect here
    copies = [li.text(separator=" ").split() for li in page.css("section.copies li")]
    assert copies == [
        ["qq", "·", "2025年2月4日"],
        ["转载的标题", "·", "sohu", "·", "2025年2月5日"],
    ]
    assert [a.attributes["href"] for a in page.css("section.copies a")] == [c["url"] for c in COPIES]
    redirect = (public / "sohu" / "870000004_120000" / "index.html").read_text(encoding="utf-8")
    assert f"{prefix}wechat/wechat004/" in redirect


def test_the_link_check_finds_a_host_absolute_thumbnail_under_a_sub_path(tmp_path: Path) -> None:
    """What the old ``/qq/<id>/<file>`` thumbnail gave under ``baseURL = …/archive/``: caught."""
    public = tmp_path / "public"
    (public / "qq" / "x").mkdir(parents=True)
    (public / "qq" / "x" / "a.png").write_bytes(make_png())
    (public / "index.html").write_text(
        '<img src="/archive/qq/x/a.png"><img src="/qq/x/a.png"><a href="/archive/qq/y/">y</a>',
        encoding="utf-8",
    )
    assert unresolved(public, "https://example.org/archive/") == [
        "https://example.org/archive/: /qq/x/a.png (outside /archive/)",
        "https://example.org/archive/: /archive/qq/y/",
    ]
    assert unresolved(public, "/") == [
        "http://site.test/: /archive/qq/x/a.png",
        "http://site.test/: /archive/qq/y/",
    ]
