"""The ``wxarchive`` command line: output lines, exit statuses, options and environment, ``clean`` on
the seed article, and one real run of the installed console script through HTTPS_PROXY."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import frontmatter
import pytest
import yaml
from click.testing import CliRunner

from archive.cli import main
from tests.archivekit import (
    DELETED_URL,
    FIXTURES,
    QQ_URL,
    WECHAT_URL,
    front_keys,
    read_doc,
    serve_images,
    serve_qq,
    serve_wechat,
)
from tests.fixtureweb import FixtureWeb

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "examples" / "seed-article.md"


def fast_config(tmp_path: Path, extra: str = "", *, archive: str = "", isolate: bool = False) -> Path:
    """A config file without politeness delay or retries (the fixture web answers at once), and by
    default extraction in-process (one test and the installed-script run keep the worker process)."""
    path = tmp_path / "wxarchive.toml"
    path.write_text(
        "[fetch]\ndelay = 0.0\nimage_delay = 0.0\nretries = 1\nconnect_timeout = 2.0\nread_timeout = 2.0\ntotal_timeout = 5.0\n"
        + extra
        + f"\n[archive]\nisolate_extraction = {'true' if isolate else 'false'}\n"
        + archive,
        encoding="utf-8",
    )
    return path


def invoke(*args: str | Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.strip()]


# ---------------------------------------------------------------------- help and usage


def test_every_command_has_help_with_an_example() -> None:
    names = sorted(main.commands)
    assert names == [
        "archive", "clean", "crawl", "extract", "import", "list", "reextract", "reindex", "search", "show", "stats",
        "status", "worker",
    ]  # fmt: skip
    for name in names:
        result = invoke(name, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output and f"wxarchive {name}" in result.output


@pytest.mark.parametrize(
    "args",
    [("archive",), ("extract", "missing.html", "--url", "x"), ("import", "README"), ("nope",), ("clean",)],
    ids=["no-url", "missing-file", "no-url-option", "unknown-command", "no-file"],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert invoke(*args).exit_code == 2


def test_a_bad_config_key_is_a_usage_error_on_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\ndelay_ms = 3\n", encoding="utf-8")
    result = invoke("archive", "https://mp.weixin.qq.com/s/x", "--config", bad, "--out", tmp_path / "site")
    assert result.exit_code == 2
    assert lines(result.output) == ["error: Unknown configuration key(s) in [fetch]: delay_ms."]


# ---------------------------------------------------------------------- archive / import / reextract


def test_archive_prints_where_each_article_went(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    serve_qq(web)
    out = tmp_path / "site"
    missing = "https://mp.weixin.qq.com/s/missingPage404"
    common = [
        "--out",
        out,
        "--config",
        fast_config(tmp_path),
        "--proxy",
        web.proxy_url,
        "--ca-bundle",
        web.ca_bundle,
    ]
    result = invoke("archive", WECHAT_URL, missing, QQ_URL, *common)
    assert result.exit_code == 1  # one URL failed
    got = lines(result.output)
    assert len(got) == 3
    assert got[0].startswith(f"archived {WECHAT_URL} -> ")
    assert got[1].startswith(f"failed {missing}: ") and "404" in got[1]
    assert got[2].startswith(f"archived {QQ_URL} -> ")
    wx_path = Path(got[0].split(" -> ")[1])
    wx_path = wx_path if wx_path.is_absolute() else Path.cwd() / wx_path
    assert wx_path.name == "index.md" and wx_path.is_relative_to(out / "content" / "wechat")
    assert "Traceback" not in result.output

    again = invoke("archive", WECHAT_URL, QQ_URL, *common)
    assert again.exit_code == 0
    assert [ln.split(" ")[0] for ln in lines(again.output)] == ["unchanged", "unchanged"]


def test_standard_proxy_and_ca_variables_work_without_flags(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_qq(web)
    for key, value in web.env().items():
        monkeypatch.setenv(key, value)
    result = invoke("archive", QQ_URL, "--out", tmp_path / "site", "--config", fast_config(tmp_path))
    assert result.exit_code == 0, result.output
    assert lines(result.output)[0].startswith(f"archived {QQ_URL} -> ")


def test_config_file_keys_apply_and_flags_override_them(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    site = tmp_path / "from-config"
    cfg = fast_config(
        tmp_path,
        f'proxy = "http://127.0.0.1:9"\nca_bundle = "{web.ca_bundle}"\n[frontmatter]\nsidebar = "left"\n',
        archive=f'root = "{site}"\n',
        isolate=True,  # the CLI's default: extraction in a worker process
    )
    # the config's proxy is wrong: --proxy overrides it; the archive root comes from the config
    result = invoke("archive", QQ_URL, "--config", cfg, "--proxy", web.proxy_url)
    assert result.exit_code == 0, result.output
    index = next((site / "content" / "qq").glob("*/index.md"))
    assert read_doc(index)[0]["sidebar"] == "left"
    # without the override the configured (dead) proxy is used: a clean one-line failure
    bad = invoke("archive", "https://new.qq.com/rain/a/20250101A00000000", "--config", cfg)
    assert bad.exit_code == 1 and lines(bad.output)[0].startswith(
        "failed https://new.qq.com/rain/a/20250101A00000000: "
    )


def test_import_reextract_and_no_images(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    out = tmp_path / "site"
    saved = tmp_path / "saved.html"
    saved.write_bytes((FIXTURES / "wechat-article.html").read_bytes())
    common = [
        "--out",
        out,
        "--config",
        fast_config(tmp_path),
        "--proxy",
        web.proxy_url,
        "--ca-bundle",
        web.ca_bundle,
    ]
    result = invoke("import", saved, "--url", WECHAT_URL, "--no-images", *common)
    assert result.exit_code == 0, result.output
    assert lines(result.output)[0].startswith(f"archived {WECHAT_URL} -> ")
    assert web.requests == []  # neither the page nor its images
    index = next((out / "content" / "wechat").glob("*/index.md"))
    assert "https://mmbiz.qpic.cn/" in index.read_text(encoding="utf-8")

    web.reset()
    again = invoke("reextract", "--out", out, "--config", fast_config(tmp_path))
    assert again.exit_code == 0 and len(lines(again.output)) == 1, again.output
    assert lines(again.output)[0].startswith("reextract: 1 page in ")
    assert lines(again.output)[0].endswith(": 0 changed, 0 unchanged, 1 skipped (current), 0 failed")
    assert web.requests == []


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "catalog.sqlite").write_bytes(b"garbage" * 1000)
    result = invoke("reextract", "--out", out)
    assert result.exit_code == 1
    assert len(lines(result.output)) == 1 and lines(result.output)[0].startswith("error: The catalog ")
    assert "corrupt" in result.output and "Traceback" not in result.output


def test_lost_catalog_then_reindex_then_reextract(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    out = tmp_path / "site"
    cfg = fast_config(tmp_path)
    assert (
        invoke(
            "archive",
            QQ_URL,
            "--out",
            out,
            "--config",
            cfg,
            "--proxy",
            web.proxy_url,
            "--ca-bundle",
            web.ca_bundle,
        ).exit_code
        == 0
    )
    index = next((out / "content" / "qq").glob("*/index.md"))
    before = index.stat().st_mtime_ns
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (out / name).unlink(missing_ok=True)
    refused = invoke("reextract", "--out", out, "--config", cfg)
    assert refused.exit_code == 1 and "wxarchive reindex" in refused.output
    reindexed = invoke("reindex", "--out", out, "--config", cfg)
    assert reindexed.exit_code == 0 and lines(reindexed.output)[0].startswith("reindexed ")
    web.reset()
    rebuilt = invoke("reextract", "--out", out, "--config", cfg)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert lines(rebuilt.output)[-1].endswith(": 0 changed, 1 unchanged, 0 skipped (current), 0 failed")
    assert index.stat().st_mtime_ns == before and web.requests == []
    conn = sqlite3.connect(out / "catalog.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


def test_crawl_from_the_command_line(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    out = tmp_path / "site"
    web.add(
        "https://feeds.example.org/atom.xml",
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f'<entry><title>a</title><link href="{QQ_URL}"/><id>1</id><updated>2025-02-13T00:00:00Z</updated></entry></feed>',
        content_type="application/atom+xml",
    )
    cfg = fast_config(
        tmp_path,
        archive='[[sources]]\nname = "tencent"\nfeed = "https://feeds.example.org/atom.xml"\ninterval_minutes = 60\n',
    )
    common = ["--out", out, "--config", cfg, "--proxy", web.proxy_url, "--ca-bundle", web.ca_bundle]
    first = invoke("crawl", *common)
    assert first.exit_code == 0 and lines(first.output)[0].startswith(f"archived {QQ_URL} -> ")
    assert lines(first.output)[-1] == "summary: 1 new or changed; no failures"
    second = invoke("crawl", *common)
    assert second.exit_code == 0 and len(lines(second.output)) == 2
    assert lines(second.output)[0].startswith("skipped source:tencent: The source tencent is not due before ")
    forced = invoke("crawl", "--source", "tencent", "--force", *common)  # due now, but nothing new
    assert forced.exit_code == 0
    assert lines(forced.output) == [
        "source tencent: nothing new (all 1 listed URL(s) are known)",
        "summary: no failures",
    ]
    assert invoke("crawl", "--source", "nope", *common).exit_code == 2
    assert invoke("crawl", "--out", out, "--config", fast_config(tmp_path)).exit_code == 2  # no sources


# ---------------------------------------------------------------------- extract


def test_extract_json_has_the_contract_keys(tmp_path: Path) -> None:
    result = invoke("extract", FIXTURES / "wechat-article.html", "--url", WECHAT_URL, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    for key in ("url", "site", "kind", "title", "author", "account", "published", "summary", "cover", "tags",
                "body_markdown", "images", "removed"):  # fmt: skip
        assert key in data
    assert data["site"] == "wechat" and data["kind"] == "article"
    assert data["published"] == "2025-02-13T17:15:34+08:00"
    assert all(set(i) == {"url", "alt"} for i in data["images"]) and len(data["images"]) == 3
    assert "落选“果链”" in result.output  # ensure_ascii=False: the characters themselves


def test_extract_a_non_article_exits_3(tmp_path: Path) -> None:
    result = invoke("extract", FIXTURES / "wechat-deleted.html", "--url", DELETED_URL, "--json")
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert data["kind"] == "deleted" and DELETED_URL in data["error"]
    plain = invoke("extract", FIXTURES / "wechat-deleted.html", "--url", DELETED_URL)
    assert plain.exit_code == 3 and lines(plain.output)[0].startswith("not an article (deleted): ")


def test_extract_without_json_is_a_readable_summary_then_the_markdown() -> None:
    result = invoke("extract", FIXTURES / "qq-article.html", "--url", QQ_URL)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("title:     落选“果链”，别再捧杀DeepSeek了\n")
    assert "published: 2025-02-13T17:15:34+08:00" in out
    assert out.rstrip().endswith("那么，神话DeepSeek大可不必。")


# ---------------------------------------------------------------------- clean


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    if not SEED.is_file():
        pytest.skip(f"the shared seed article is absent ({SEED})")
    path = tmp_path / "seed-article.md"
    shutil.copyfile(SEED, path)
    return path


def test_clean_the_seed_keeps_every_other_key_and_the_source_link(seed_copy: Path) -> None:
    original = seed_copy.read_text(encoding="utf-8")
    before = frontmatter.loads(original).metadata
    result = invoke("clean", seed_copy)
    assert result.exit_code == 0
    out = lines(result.output)
    assert out[0].startswith(f"cleaned {seed_copy}: removed ") and any(ln.startswith("  - ") for ln in out)
    text = seed_copy.read_text(encoding="utf-8")
    after = frontmatter.loads(text)
    assert list(after.metadata) == list(before) and front_keys(text) == front_keys(original)
    assert {k: v for k, v in after.metadata.items() if k not in ("summary", "date")} == {
        k: v for k, v in before.items() if k not in ("summary", "date")
    }
    # every other front-matter line is byte-identical; the date gets its offset (Hugo reads none as UTC)
    fm_old, fm_new = original.split("\n---\n", 1)[0].splitlines(), text.split("\n---\n", 1)[0].splitlines()
    assert [a for a in fm_old if not a.startswith(("summary:", "date:"))] == [
        b for b in fm_new if not b.startswith(("summary:", "date:"))
    ]
    assert before["date"] == "2025-02-13 17:15:34" and after.metadata["date"] == "2025-02-13T17:15:34+08:00"
    assert "  date: 2025-02-13T17:15:34+08:00" in result.output
    assert "锌刻度" not in after.metadata["summary"] and "关注" not in after.metadata["summary"]
    assert after.metadata["summary"].startswith("DeepSeek，持续正反馈AI赛道")  # the lede, not the sub-title
    body = after.content
    # the seed's last line, with the credits the cleaning found: the same link, now saying who wrote it
    assert (
        body.rstrip().splitlines()[-1]
        == "原文：[锌刻度 · 陈邓新](https://new.qq.com/rain/a/20250213A06FMB00)"
    )
    for kept in (
        "DeepSeek，持续正反馈AI赛道。",
        "那么，神话DeepSeek大可不必。",
        "是对手也是队友",
        "图源：AI产品榜",
    ):
        assert kept in body
    for gone in ("记得先点", "排版", "邮箱：cdx@cpcw.com", "入驻平台", "交流爆料"):
        assert gone not in body
    assert invoke("clean", seed_copy).output.startswith(f"unchanged {seed_copy}")  # idempotent


def test_clean_localize_stores_the_seeds_pictures_in_its_bundle(
    seed_copy: Path, tmp_path: Path, web: FixtureWeb
) -> None:
    """The issue's done-when: local pictures, a +08:00 date, a summary that starts at the lede."""
    for scheme in ("https", "http"):
        serve_images(web, f"{scheme}://inews.gtimg.com/")
    mirror = tmp_path / "content" / "qq" / "seed-article.md"
    mirror.parent.mkdir(parents=True)
    shutil.move(seed_copy, mirror)
    original = mirror.read_text(encoding="utf-8")
    config = fast_config(tmp_path, f'proxy = "{web.proxy_url}"\nca_bundle = "{web.ca_bundle}"\n')
    result = invoke("clean", "--localize", "--config", config, "--out", tmp_path / "site", mirror)
    assert result.exit_code == 0, result.output
    bundle = mirror.parent / "seed-article"
    index = bundle / "index.md"
    assert not mirror.exists() and index.is_file()  # a page bundle at the same URL
    assert lines(result.output)[0] == f"cleaned {mirror} -> {index}: removed 25 block(s)"
    assert "  pictures: 4 of 4 stored in the bundle" in result.output
    post = frontmatter.loads(index.read_text(encoding="utf-8"))
    files = sorted(p.name for p in bundle.iterdir() if p.name != "index.md")
    assert len(files) == 4 and all(re.fullmatch(r"[0-9a-f]{16}\.png", f) for f in files)
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", post.content)
    assert len(linked) == 3 and set(linked) < set(files)  # every body picture is local
    thumbnail = post.metadata["thumbnail"]
    assert thumbnail["visibility"] == ["list"] and thumbnail["src"].startswith("qq/seed-article/")
    assert thumbnail["src"].rsplit("/", 1)[1] in files
    assert post.metadata["date"] == "2025-02-13T17:15:34+08:00"
    assert post.metadata["summary"].startswith("DeepSeek，持续正反馈AI赛道")
    assert post.content.rstrip().endswith(
        "原文：[锌刻度 · 陈邓新](https://new.qq.com/rain/a/20250213A06FMB00)"
    )
    # asked for as archive asks (gtimg.com's Referer, then its placeholder probe), kept in the raw store
    first: dict[str, object] = {}
    for seen in web.requests:
        first.setdefault(seen.url, seen.headers.get("referer"))
    assert len(first) == 4 and set(first.values()) == {"https://new.qq.com/"}
    assert list((tmp_path / "site" / "raw").glob("*.warc.gz"))
    # every key but summary, date and thumbnail is as it was, in its place
    before = frontmatter.loads(original).metadata
    changed = ("summary", "date", "thumbnail")
    assert list(post.metadata) == list(before)
    assert {k: v for k, v in post.metadata.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    again = invoke("clean", "--localize", "--config", config, "--out", tmp_path / "site", index)
    assert lines(again.output) == [f"unchanged {index}"]


def test_clean_dry_run_prints_a_diff_and_writes_nothing(seed_copy: Path) -> None:
    before = seed_copy.read_bytes()
    mtime = seed_copy.stat().st_mtime_ns
    result = invoke("clean", "--dry-run", seed_copy)
    assert result.exit_code == 0
    assert f"would clean {seed_copy}" in result.output
    assert "\n--- a/seed-article.md\n+++ b/seed-article.md\n" in result.output
    assert "\n-是新朋友吗？记得先点**蓝字“锌刻度”**关注我哦～\n" in result.output
    assert seed_copy.read_bytes() == before and seed_copy.stat().st_mtime_ns == mtime


def test_clean_keeps_a_bom_and_crlf_line_endings(seed_copy: Path, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.md"
    crlf.write_bytes(b"\xef\xbb\xbf" + seed_copy.read_bytes().replace(b"\n", b"\r\n"))
    assert invoke("clean", crlf).exit_code == 0
    assert invoke("clean", seed_copy).exit_code == 0
    data = crlf.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf---\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert data[3:].replace(b"\r\n", b"\n") == seed_copy.read_bytes()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("---\ntitle: x\nsummary: y\n\nbody without a closing line\n", "never closes"),
        ("# Just Markdown\n\nNo front matter here.\n", "no front matter"),
        ('+++\ntitle = "x"\n+++\nbody\n', "TOML"),
        ("---\ntitle: x\r\n---\nmixed\n", "mixes CRLF"),
        ("---\n- a\n- b\n---\nbody\n", "not a mapping"),
        ("---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
    ],
)
def test_clean_refuses_files_it_cannot_handle_safely(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "post.md"
    path.write_bytes(content.encode("utf-8"))
    result = invoke("clean", path)
    assert result.exit_code == 1
    assert lines(result.output) == [lines(result.output)[0]] and lines(result.output)[0].startswith(
        f"failed {path}: "
    )
    assert why in result.output
    assert path.read_bytes() == content.encode("utf-8")


def test_clean_goes_on_after_a_bad_file(seed_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter\n", encoding="utf-8")
    result = invoke("clean", bad, seed_copy)
    assert result.exit_code == 1
    assert lines(result.output)[0].startswith(f"failed {bad}") and f"cleaned {seed_copy}" in result.output


def test_clean_a_file_written_by_the_archiver_changes_nothing_without_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "index.md"
    text = '---\ntitle: "标题"\nsummary: "页面自己的摘要"\ncategories:\n  - "wechat"\n---\n\n正文第一段，足够长的正文内容在这里。\n\n[wechat](https://mp.weixin.qq.com/s/x)\n'
    path.write_text(text, encoding="utf-8")
    result = invoke("clean", path)
    assert result.exit_code == 0 and lines(result.output) == [f"unchanged {path}"]
    assert path.read_text(encoding="utf-8") == text
    assert yaml.safe_load(text.split("---")[1])["summary"] == "页面自己的摘要"


def test_clean_mends_images_written_with_the_url_outside_the_brackets(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    broken = "![]()https://static001.example.cn/wechat/images/cd/cd2c.png![]()"
    text = (
        '---\ntitle: "标题"\nsummary: "摘要"\ncategories:\n  - "infoq"\n---\n\n'
        f"第一段正文，足够长的正文内容在这里。\n\n{broken}\n\n第二段正文。\n\n[infoq](https://www.infoq.cn/article/x)\n"
    )
    path.write_text(text, encoding="utf-8")
    result = invoke("clean", path)
    assert result.exit_code == 0, result.output
    assert f"repair:broken-image: {broken}" in result.output
    after = path.read_text(encoding="utf-8")
    assert "![](https://static001.example.cn/wechat/images/cd/cd2c.png)" in after and "![]()" not in after
    assert after.rstrip().endswith("[infoq](https://www.infoq.cn/article/x)")


# ---------------------------------------------------------------------- the installed console script


@pytest.mark.skipif(shutil.which("wxarchive") is None, reason="the wxarchive console script is not installed")
def test_the_installed_command_archives_through_https_proxy_env(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "SSL_CERT_FILE"}
    env.update(web.env())
    out = tmp_path / "site"
    cfg = fast_config(tmp_path, isolate=True)
    proc = subprocess.run(
        ["wxarchive", "archive", WECHAT_URL, "--out", str(out), "--config", str(cfg)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"archived {WECHAT_URL} -> ")
    index = next((out / "content" / "wechat").glob("*/index.md"))
    meta, body, _ = read_doc(index)
    assert meta["date"] == "2025-02-13T17:15:34+08:00"
    assert not any("http" in ln for ln in body.splitlines() if ln.startswith("!["))
    again = subprocess.run(
        ["wxarchive", "archive", WECHAT_URL, "--out", str(out), "--config", str(cfg)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.startswith(f"unchanged {WECHAT_URL} -> ")
    bad = subprocess.run(
        ["wxarchive", "extract", str(FIXTURES / "wechat-deleted.html"), "--url", DELETED_URL],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 3


def test_the_example_sources_config_loads() -> None:
    from scraper.config import load_config

    config = load_config(Path(__file__).resolve().parent.parent / "config" / "sources.example.toml")
    from archive.sources import kind_of

    assert [(s.name, kind_of(s)) for s in config.sources] == [
        ("tech-feed", "rss"), ("reading-list", "urls"), ("news-sitemap", "sitemap"), ("account-album", "wechat_album"),
        ("tencent-author", "qq_author"), ("column", "list"), ("file", "file"),
    ]  # fmt: skip
    assert config.sources[0].feed and config.sources[1].urls and not config.sources[1].enabled
