"""``wxarchive import`` of a browser's "Save page as, complete": the pictures saved beside the page are
used instead of downloads (scraper/saved.py, archive/saved.py), and the import says which it used."""

from __future__ import annotations

from pathlib import Path

from archive.pipeline import Archive, Pipeline
from archive.saved import local_images
from scraper.fetch import Fetcher
from scraper.saved import saved_images
from tests.archivekit import make_config, read_doc
from tests.fixtureweb import FixtureWeb, make_jpeg, make_png

URL = "https://mp.weixin.qq.com/s/SavedPageFixture00001"
PANEL = "https://mmbiz.qpic.cn/mmbiz_png/panelOne/640?wx_fmt=png"
PHOTO = "https://mmbiz.qpic.cn/mmbiz_jpg/photoTwo/640?wx_fmt=jpeg"
LAZY = "https://mmbiz.qpic.cn/mmbiz_jpg/neverScrolled/640?wx_fmt=jpeg"
FOLDER = (
    "%E6%BC%AB%E7%94%BB%E4%B8%A8%E6%A0%87%E9%A2%98%20_files"  # "漫画丨标题 _files", as the browser named it
)
PNG = make_png(30, 20, (200, 40, 40))
JPEG = make_jpeg(40, 30, (40, 40, 200))
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def page(*imgs: str) -> bytes:
    text = "".join(
        f"<p>第{i}段：保存下来的页面正文，足够长，能被当作正文而不是噪声，也不会被规则删掉。</p>"
        for i in range(3)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>漫画丨标题</title>
<meta property="og:title" content="漫画丨标题"></head><body><div id="js_article">
<h1 id="activity-name">漫画丨标题</h1><a id="js_name">保存测试号</a>
<div id="js_content" style="visibility: hidden;">{text}{"".join(imgs)}{text}</div></div>
<script>var biz = "MzAwMDAwMDAwMQ=="; var mid = "2247400001"; var idx = "1"; var ct = "1700000000";</script>
</body></html>""".encode()


def img(remote: str, src: str) -> str:
    return f'<p><img data-src="{remote}" src="{src}"></p>'


def saved_page(tmp_path: Path, *imgs: str, files: dict[str, bytes] | None = None) -> Path:
    """The page renamed to saved.html, its pictures in saved_files/ (the page still names FOLDER)."""
    saved = tmp_path / "in" / "saved.html"
    (tmp_path / "in" / "saved_files").mkdir(parents=True)
    saved.write_bytes(page(*imgs))
    for name, data in (files or {}).items():
        (tmp_path / "in" / "saved_files" / name).write_bytes(data)
    return saved


def import_it(tmp_path: Path, saved: Path, web: FixtureWeb | None = None):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path / "site", web)
    fetcher = Fetcher(config.fetch) if web is not None else None
    with Archive(config) as arch, Pipeline(arch, fetcher=fetcher, download_images=web is not None) as pipe:
        result = pipe.import_file(saved, URL)
    if fetcher is not None:
        fetcher.close()
    return result


def test_pictures_are_taken_from_the_renamed_folder_by_file_name_offline(tmp_path: Path) -> None:
    saved = saved_page(
        tmp_path,
        img(PANEL, f"{FOLDER}/640.png"),
        img(PHOTO, f"{FOLDER}/640_002.jpeg"),
        files={"640.png": PNG, "640_002.jpeg": JPEG},
    )
    result = import_it(tmp_path, saved)
    assert result.outcome == "archived", result.message
    assert "2 picture(s) read from saved_files." in result.message
    _, body, _ = read_doc(result.path)
    local = sorted(p.name for p in result.path.parent.iterdir() if p.suffix in (".png", ".jpg"))
    assert len(local) == 2 and all(name in body for name in local)
    assert "mmbiz.qpic.cn" not in body


def test_a_never_scrolled_picture_falls_back_to_its_remote_address(tmp_path: Path, web: FixtureWeb) -> None:
    web.add(LAZY, JPEG, content_type="image/jpeg")
    saved = saved_page(
        tmp_path, img(PANEL, f"{FOLDER}/640.png"), img(LAZY, PLACEHOLDER), files={"640.png": PNG}
    )
    result = import_it(tmp_path, saved, web)
    assert result.outcome == "archived", result.message
    assert "1 picture(s) read from saved_files, 1 not in it." in result.message
    asked = {s.url for s in web.requests}
    assert LAZY in asked and PANEL not in asked  # the saved one was not requested


def test_the_folder_the_page_names_is_used_when_it_is_there(tmp_path: Path) -> None:
    saved = saved_page(tmp_path, img(PANEL, "pics/p.png"))
    (tmp_path / "in" / "pics").mkdir()
    (tmp_path / "in" / "pics" / "p.png").write_bytes(PNG)
    result = import_it(tmp_path, saved)
    assert "1 picture(s) read from pics." in result.message


def test_only_files_beside_the_page_are_read_and_broken_ones_are_not_stored(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    saved = saved_page(
        tmp_path,
        img(PANEL, "../secret.png"),
        img(PHOTO, f"{FOLDER}/broken.jpeg"),
        files={"broken.jpeg": b"\xff\xd8junk"},
    )
    assert local_images(saved, saved.read_text(encoding="utf-8"), URL) == {
        PHOTO: tmp_path / "in" / "saved_files" / "broken.jpeg"
    }
    result = import_it(tmp_path, saved)
    assert (
        "0 picture(s) read from" in result.message and "2 image(s) kept their remote URL." in result.message
    )


def test_saved_images_pairs_remote_addresses_with_local_files() -> None:
    html = (
        img(PANEL, f"{FOLDER}/640.png")
        + img(LAZY, PLACEHOLDER)
        + '<img src="https://cdn.example.com/remote.png">'
        + '<img src="local/only.png">'
        + '<img data-src="/rel/x.png" src="x_files/x.png">'
    )
    assert saved_images(html, URL) == {
        PANEL: "漫画丨标题 _files/640.png",
        "https://mp.weixin.qq.com/s/local/only.png": "local/only.png",
        "https://mp.weixin.qq.com/rel/x.png": "x_files/x.png",
    }
