"""The writer: front matter (keys, order, safety), body (images, shortcodes, source link), atomic and
idempotent publishing, path safety. Hugo itself builds a bundle to prove the thumbnail path."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import frontmatter
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archive.fsutil as fsutil
from archive.fsutil import contained, safe_component
from archive.images import ImageResult
from archive.writer import (
    FRONT_MATTER_KEYS,
    Bundle,
    bundle_for,
    neutralise_shortcodes,
    publish,
    render,
    rewrite_images,
    split_attribution,
)
from scraper.config import FrontMatterConfig
from scraper.errors import ExtractError, NotAnArticle, StoreError
from scraper.models import Article, ImageRef
from tests.archivekit import ARCHIVE_KEYS, SEED_KEYS, front_keys, temp_files, tree_state
from tests.fixtureweb import make_jpeg, make_png

CN = timezone(timedelta(hours=8))
FETCHED = datetime(2025, 2, 14, 1, 2, 3, tzinfo=UTC)
IMG1 = "https://mmbiz.qpic.cn/mmbiz_png/aaa/640?wx_fmt=png"
IMG2 = "https://mmbiz.qpic.cn/mmbiz_jpg/bbb/640?wx_fmt=jpeg"
COVER = "https://mmbiz.qpic.cn/mmbiz_jpg/cover/0?wx_fmt=jpeg"
URL = "https://mp.weixin.qq.com/s/AbCdEf123"


def article(**kw: object) -> Article:
    values: dict[str, object] = {
        "url": URL,
        "site": "wechat",
        "kind": "article",
        "title": "落选“果链”，别再捧杀DeepSeek了",
        "author": "陈邓新",
        "account": "锌刻度",
        "published": datetime(2025, 2, 13, 17, 15, 34, tzinfo=CN),
        "summary": "DeepSeek，持续正反馈AI赛道。",
        "cover": COVER,
        "tags": ("wechat", "锌刻度"),
        "body_markdown": f"DeepSeek，持续正反馈AI赛道。\n\n![图片]({IMG1})\n\n图源：DeepSeek官网\n\n![]({IMG2})\n\n结尾。",
        "images": (ImageRef(IMG1, "图片"), ImageRef(IMG2)),
        "canonical_url": URL,
        "article_id": "AbCdEf123",
    }
    values.update(kw)
    return Article(**values)  # type: ignore[arg-type]


def stored(remote: str, name: str) -> ImageResult:
    return ImageResult(remote, remote, "stored", name, "0" * 64)


def write_images(directory: Path, names: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in names.items():
        (directory / name).write_bytes(data)


FM = FrontMatterConfig()


def test_front_matter_has_the_seed_keys_in_order_then_the_archive_keys(tmp_path: Path) -> None:
    a = article(extra={"original_url": "https://example.org/post"})
    bundle = bundle_for(tmp_path, "content", a)
    images = {IMG1: stored(IMG1, "1111111111111111.png"), COVER: stored(COVER, "2222222222222222.jpg")}
    r = render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM, images=images)

    assert front_keys(r.text) == SEED_KEYS + ARCHIVE_KEYS
    meta = frontmatter.loads(r.text).metadata
    assert list(meta) == SEED_KEYS + ARCHIVE_KEYS
    assert meta["date"] == "2025-02-13T17:15:34+08:00"
    assert 'date: "2025-02-13T17:15:34+08:00"' in r.text
    assert meta["categories"] == ["wechat"] and meta["tags"] == ["wechat", "锌刻度"]
    assert meta["lang"] == meta["translations"] == ["zh-CN"]
    assert (meta["menu"], meta["lead"], meta["sidebar"]) == ("", "", "right")
    assert (meta["comments"], meta["authorbox"], meta["pager"], meta["toc"], meta["mathjax"]) == (
        False, False, True, False, False,
    )  # fmt: skip
    assert meta["widgets"] == ["search", "recent", "taglist"]
    # bundle dir is lower-cased (Hugo lower-cases URL paths) with a stable suffix for the change
    assert bundle.article_id.startswith("abcdef123-")
    # Mainroad's map form: relative to the site root without a leading slash (relURL adds a sub-path
    # baseURL), shown in lists only (the post shows the body, where the cover is a picture already)
    assert meta["thumbnail"] == {
        "src": f"wechat/{bundle.article_id}/2222222222222222.jpg",
        "visibility": ["list"],
    }
    assert meta["author"] == "陈邓新" and meta["account"] == "锌刻度"
    assert meta["source_url"] == URL and meta["canonical_url"] == URL
    assert meta["original_url"] == "https://example.org/post"
    assert meta["fetched"] == "2025-02-14T09:02:03+08:00"
    assert meta["content_hash"].startswith("sha256:") and len(meta["content_hash"]) == 71
    assert meta["kind"] == "article" and meta["article_id"] == bundle.article_id
    # list items indented like the seed
    assert '\ncategories:\n  - "wechat"\n' in r.text


def test_body_links_local_images_and_ends_with_the_source_link(tmp_path: Path) -> None:
    a = article()
    bundle = bundle_for(tmp_path, "content", a)
    images = {
        IMG1: stored(IMG1, "1111111111111111.png"),
        IMG2: ImageResult(IMG2, IMG2, "failed", error="404"),
    }
    r = render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM, images=images)
    body = r.text.split("\n---\n", 1)[1]
    assert "![图片](1111111111111111.png)" in body
    assert f"![]({IMG2})" in body  # a failed image keeps its remote URL
    assert body.endswith(f"结尾。\n\n原文：[锌刻度 · 陈邓新]({URL})\n")
    assert r.files == frozenset({"1111111111111111.png"})
    # the cover failed (not in images): the thumbnail is the remote URL
    assert frontmatter.loads(r.text).metadata["thumbnail"] == {"src": COVER, "visibility": ["list"]}


def test_date_is_written_in_china_time_whatever_the_input_zone() -> None:
    a = article(published=datetime(2025, 2, 13, 9, 15, 34, tzinfo=UTC))
    r = render(a, bundle_for(Path("/tmp/x"), "content", a), page_url=URL, fetched=FETCHED, fm=FM)
    assert frontmatter.loads(r.text).metadata["date"] == "2025-02-13T17:15:34+08:00"


def test_toc_and_mathjax_follow_the_article_and_config_defaults_apply() -> None:
    a = article(toc=True, mathjax=True)
    fm = FrontMatterConfig(sidebar="left", widgets=("recent",), comments=True)
    meta = frontmatter.loads(
        render(a, bundle_for(Path("/r"), "content", a), page_url=URL, fetched=FETCHED, fm=fm).text
    ).metadata
    assert (meta["toc"], meta["mathjax"], meta["sidebar"], meta["widgets"], meta["comments"]) == (
        True, True, "left", ["recent"], True,
    )  # fmt: skip


def test_scraped_extras_cannot_inject_front_matter_keys() -> None:
    a = article(
        extra={
            "url": "/index.html",
            "aliases": ["/"],
            "layout": "x",
            "cascade": {"draft": True},
            "draft": True,
        },
        title="x\nurl: /index.html\naliases: [/]",
    )
    r = render(a, bundle_for(Path("/r"), "content", a), page_url=URL, fetched=FETCHED, fm=FM)
    meta = frontmatter.loads(r.text).metadata
    assert set(meta) <= set(FRONT_MATTER_KEYS)
    assert meta["title"] == "x\nurl: /index.html\naliases: [/]"
    assert not any(
        line.startswith(("url:", "aliases:", "layout:", "cascade:", "draft:")) for line in r.text.splitlines()
    )


def test_shortcode_delimiters_are_neutralised_in_prose_and_code() -> None:
    body = '正文 {{< youtube x >}} 与 {{% notice %}}\n\n```\n{{< param "x" >}}\n{{</* raw */>}}\n```\n\n`{{%x%}}`'
    a = article(body_markdown=body, images=(), cover=None)
    r = render(a, bundle_for(Path("/r"), "content", a), page_url=URL, fetched=FETCHED, fm=FM)
    assert "{{<" not in r.text and "{{%" not in r.text
    # still readable: only a zero-width space was inserted
    assert r.text.replace("\u200b", "").count("{{<") == 3
    assert neutralise_shortcodes("a {{ b }} c") == "a {{ b }} c"


def test_rewrite_images_handles_titles_angle_brackets_and_html() -> None:
    md = f'![a]({IMG1} "t")\n![b](<{IMG2}>)\n<img src="{IMG1.replace("&", "&amp;")}">\n[link]({IMG1})'
    out = rewrite_images(md, {IMG1: "1.png", IMG2: "2.jpg"})
    assert out.splitlines()[:3] == ['![a](1.png "t")', "![b](2.jpg)", '<img src="1.png">']
    assert out.splitlines()[3] == f"[link]({IMG1})"  # a plain link to the image is not an embed


def test_non_articles_and_empty_bodies_are_refused() -> None:
    deleted = Article(url=URL, site="wechat", kind="deleted", error=f"The article {URL} was deleted.")
    with pytest.raises(NotAnArticle):
        render(deleted, bundle_for(Path("/r"), "content", article()), page_url=URL, fetched=FETCHED, fm=FM)
    empty = article(body_markdown="  \n\n", images=())
    with pytest.raises(ExtractError):
        render(empty, bundle_for(Path("/r"), "content", empty), page_url=URL, fetched=FETCHED, fm=FM)


def test_publish_twice_writes_nothing_the_second_time(tmp_path: Path) -> None:
    a = article()
    bundle = bundle_for(tmp_path, "content", a)
    write_images(bundle.directory, {"1111111111111111.png": make_png()})
    images = {IMG1: stored(IMG1, "1111111111111111.png")}
    r1 = render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM, images=images)
    assert publish(bundle, r1) is True
    before = tree_state(tmp_path)
    # a later fetch of the same content: only `fetched` differs, the file stays as it is
    r2 = render(a, bundle, page_url=URL, fetched=FETCHED + timedelta(days=3), fm=FM, images=images)
    assert r2.content_hash == r1.content_hash
    assert publish(bundle, r2) is False
    assert tree_state(tmp_path) == before


def test_changed_page_replaces_index_and_drops_unreferenced_images(tmp_path: Path) -> None:
    a = article()
    bundle = bundle_for(tmp_path, "content", a)
    write_images(bundle.directory, {"1111111111111111.png": make_png(), "notes.txt": b"mine"})
    publish(
        bundle,
        render(
            a,
            bundle,
            page_url=URL,
            fetched=FETCHED,
            fm=FM,
            images={IMG1: stored(IMG1, "1111111111111111.png")},
        ),
    )
    b = article(body_markdown=f"新的正文。\n\n![x]({IMG2})", images=(ImageRef(IMG2),))
    write_images(bundle.directory, {"3333333333333333.jpg": make_jpeg()})
    r = render(
        b, bundle, page_url=URL, fetched=FETCHED, fm=FM, images={IMG2: stored(IMG2, "3333333333333333.jpg")}
    )
    assert publish(bundle, r) is True
    names = sorted(p.name for p in bundle.directory.iterdir())
    assert names == ["3333333333333333.jpg", "index.md", "notes.txt"]  # a file we did not name is kept
    assert "新的正文" in bundle.index.read_text(encoding="utf-8")


def test_publish_refuses_a_document_whose_image_is_missing(tmp_path: Path) -> None:
    a = article()
    bundle = bundle_for(tmp_path, "content", a)
    r = render(
        a, bundle, page_url=URL, fetched=FETCHED, fm=FM, images={IMG1: stored(IMG1, "1111111111111111.png")}
    )
    with pytest.raises(StoreError):
        publish(bundle, r)
    assert not bundle.index.exists()


def test_interrupted_write_leaves_the_previous_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = article(images=(), body_markdown="第一版正文。", cover=None)
    bundle = bundle_for(tmp_path, "content", a)
    staging = tmp_path / ".staging"
    publish(bundle, render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM), staging=staging)
    good = bundle.index.read_bytes()

    seen: list[Path] = []

    def crash(tmp: Path, target: Path) -> None:
        seen.append(tmp)
        assert tmp.read_bytes().startswith(b"---\n")  # the temp file was fully written…
        raise KeyboardInterrupt("simulated crash")  # …and we die before the rename

    monkeypatch.setattr(fsutil, "_before_replace", crash)
    b = article(images=(), body_markdown="第二版正文。", cover=None)
    with pytest.raises(KeyboardInterrupt):
        publish(bundle, render(b, bundle, page_url=URL, fetched=FETCHED, fm=FM), staging=staging)
    assert seen and seen[0].parent == staging  # the temp file lived outside content/
    assert bundle.index.read_bytes() == good
    assert temp_files(tmp_path) == []


def test_disk_error_is_a_store_error_and_leaves_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.md"
    target.write_bytes(b"old")

    def full(tmp: Path, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil, "_before_replace", full)
    with pytest.raises(StoreError, match="No space left"):
        fsutil.atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and temp_files(tmp_path) == []


@pytest.mark.parametrize(
    "raw",
    [
        "../etc",
        "/abs/path",
        "a/b",
        "a\\b",
        "x\x00y",
        "CON",
        "nul.txt",
        "..",
        ".hidden",
        "Ａ" * 300,
        "中文标题" * 40,
        "",
    ],
)
def test_safe_component_never_escapes_and_fits(raw: str) -> None:
    name = safe_component(raw)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name not in (".", "..")
    assert len(name.encode("utf-8")) <= fsutil.MAX_COMPONENT_BYTES
    assert name == name.lower()
    assert not fsutil._WINDOWS_RESERVED.match(name)


def test_safe_component_is_stable_and_distinguishes_case_and_normal_forms() -> None:
    assert safe_component("abc123") == "abc123"  # already safe: unchanged
    assert safe_component("AbC") == safe_component("AbC")
    assert safe_component("AbC") != safe_component("aBc")  # case-only collision avoided
    assert safe_component("20250213A06FMB00") == "20250213a06fmb00"  # one case only: just lower-cased
    assert safe_component("KDWh_qGpFN5Vu1TR9t30Mw").startswith("kdwh_qgpfn5vu1tr9t30mw-")
    assert safe_component("caf\u00e9") == safe_component("cafe\u0301")  # NFC: one name for one text


def test_symlink_planted_in_the_content_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "wechat").symlink_to(outside, target_is_directory=True)
    a = article(images=(), cover=None)
    bundle = bundle_for(root, "content", a)
    with pytest.raises(StoreError, match="symbolic link"):
        publish(bundle, render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM))
    assert list(outside.iterdir()) == []
    with pytest.raises(StoreError):
        contained(root, "content", "..", "x")


def test_index_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    a = article(images=(), cover=None)
    bundle = bundle_for(tmp_path, "content", a)
    bundle.create()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    bundle.index.symlink_to(victim)
    with pytest.raises(StoreError, match="symbolic link"):
        publish(bundle, render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM))
    assert victim.read_text() == "precious"


HOSTILE = [
    "---", "Disease---Location", "title: x\n---\nevil: 1", "- item", ": colon", "# hash", "&anchor", "*alias",
    "!!python/object:os.system", "!!python/object/apply:os.system ['ls']", "|", ">", "yes", "no", "on", "null",
    "~", "1e3", "0x10", "2024-01-01", "2024-01-01T00:00:00Z", "'", '"', "\t", "a\u2028b", "\u2029", "\ufeffBOM",
    "\x85", "\x00nul", "x" * 10_000, "中文标题：测试", "{{< shortcode >}}", "\r\n", " leading and trailing ",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)),
    summary=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)),
    author=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=100)),
)
def test_hostile_strings_round_trip_through_the_writer(title: str, summary: str, author: str) -> None:
    a = article(title=title, summary=summary, author=author, account=author, tags=("wechat", title))
    r = render(a, Bundle(Path("/r"), "content", "wechat", "id"), page_url=URL, fetched=FETCHED, fm=FM)
    post = frontmatter.loads(r.text)
    meta = post.metadata
    assert meta["title"] == title and type(meta["title"]) is str
    assert meta["summary"] == summary and meta["author"] == author and meta["account"] == author
    assert list(meta) == front_keys(r.text) == [k for k in SEED_KEYS + ARCHIVE_KEYS if k in meta]
    assert post.content.splitlines()[-1].endswith(f"]({URL})")


def test_hostile_title_round_trips_from_disk(tmp_path: Path) -> None:
    for i, title in enumerate(HOSTILE):
        a = article(title=title, article_id=f"id{i}", images=(), cover=None)
        bundle = bundle_for(tmp_path, "content", a)
        publish(bundle, render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM))
        with bundle.index.open(encoding="utf-8") as fh:
            assert frontmatter.load(fh).metadata["title"] == title


@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo is not installed")
def test_hugo_serves_the_bundle_and_its_thumbnail_at_the_written_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "config.toml").write_text('baseURL = "https://example.org/"\ntitle = "t"\n', encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(
        "THUMB={{ .Params.thumbnail.src | relURL }}\n{{ .Content }}", encoding="utf-8"
    )
    (site / "layouts" / "_default" / "list.html").write_text(
        "{{ range .Pages }}{{ .Title }}{{ end }}", encoding="utf-8"
    )
    a = article(body_markdown="正文 {{< youtube x >}}\n\n```\n{{% raw %}}\n```\n\n![图片](" + IMG1 + ")")
    bundle = bundle_for(site, "content", a)
    png, jpg = make_png(), make_jpeg()
    write_images(bundle.directory, {"1111111111111111.png": png, "2222222222222222.jpg": jpg})
    images = {IMG1: stored(IMG1, "1111111111111111.png"), COVER: stored(COVER, "2222222222222222.jpg")}
    publish(bundle, render(a, bundle, page_url=URL, fetched=FETCHED, fm=FM, images=images))

    proc = subprocess.run(["hugo", "--quiet", "-s", str(site)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    public = site / "public"
    thumb = frontmatter.loads(bundle.index.read_text(encoding="utf-8")).metadata["thumbnail"]["src"]
    assert (public / thumb).read_bytes() == jpg  # the thumbnail path exists from the site root
    html = (public / "wechat" / bundle.article_id / "index.html").read_text(encoding="utf-8")
    assert f"THUMB=/{thumb}" in html
    assert 'src="1111111111111111.png"' in html  # relative body image next to the page
    assert (public / "wechat" / bundle.article_id / "1111111111111111.png").read_bytes() == png
    assert "youtube x" in html.replace("\u200b", "")  # shown as text, not expanded
    assert "<iframe" not in html
    assert os.path.exists(public / "index.html")


@pytest.mark.parametrize(
    ("fields", "lines"),
    [
        # a repost: the reposting account, the original's author, and the original publisher
        (
            {"account": "36氪", "author": "何驰", "source": "新周刊"},
            ["原文：[36氪 · 何驰]({url})", "来源：新周刊"],
        ),
        # a portal page with no account: the site's name; the paper it syndicates
        (
            {"site": "qq", "account": None, "author": "张楠", "source": "扬子晚报"},
            ["原文：[腾讯新闻 · 张楠]({url})", "来源：扬子晚报"],
        ),
        # nothing more to say than the page itself; an author equal to the account is said once
        ({"account": "锌刻度", "author": "锌刻度", "source": "锌刻度"}, ["原文：[锌刻度]({url})"]),
        ({"site": "web", "account": None, "author": None, "source": None}, ["原文：[web]({url})"]),
        # names that are Markdown are escaped
        ({"account": "A*B [C]", "author": None, "source": None}, ["原文：[A\\*B \\[C\\]]({url})"]),
    ],
)
def test_the_body_ends_with_the_attribution_a_reader_needs(
    fields: dict[str, object], lines: list[str]
) -> None:
    a = article(**fields)
    r = render(a, bundle_for(Path("/tmp/x"), "content", a), page_url=URL, fetched=FETCHED, fm=FM)
    body = r.text.split("\n---\n", 1)[1].rstrip("\n")
    expected = "\n\n".join(line.format(url=URL) for line in lines)
    assert body.endswith("结尾。\n\n" + expected)
    assert split_attribution(body) == (body[: -len(expected)].rstrip("\n"), expected)


def test_the_seeds_last_line_and_a_link_ending_the_last_paragraph_are_recognised_as_attribution() -> None:
    seed = "正文。\n\n[qq](https://new.qq.com/rain/a/20250213A06FMB00)\n"
    assert split_attribution(seed) == ("正文。", "[qq](https://new.qq.com/rain/a/20250213A06FMB00)")
    assert split_attribution("正文。\n[qq](https://q.test/a)") == ("正文。", "[qq](https://q.test/a)")
    assert split_attribution("正文。\n\n来源：新周刊\n") == ("正文。\n\n来源：新周刊\n", "")
