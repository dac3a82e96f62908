"""Re-extraction: what is skipped and why, worker processes, the writer, the report, dry runs.

Archives are built for real through the local fixture web (a WeChat article with images, a Tencent
News article). "Skipped" is proven by counting extractor calls; "nothing written" by the inode,
mtime and size of every file and by the catalog's rows.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import archive.fingerprint as fingerprint
from archive.catalog import PageBuild
from archive.fingerprint import Fingerprints, effective_rules, rule_packs
from archive.pipeline import Archive, Pipeline
from archive.reextract import KEPT, Change, Listener, PlanRow, Reextract, decide, describe
from scraper import extract
from scraper.fetch import Fetcher
from scraper.models import Article
from tests.archivekit import (
    QQ_URL,
    WECHAT_URL,
    make_config,
    page,
    read_doc,
    serve_qq,
    serve_wechat,
    tree_state,
)
from tests.fixtureweb import FixtureWeb

ROOT = Path(__file__).resolve().parent.parent
REMOVED = "屡屡被用户诟病的服务器繁忙问题，在各大云平台伸出援手后有所缓解。"  # a paragraph of the WeChat fixture only


def build_archive(config: Any, *urls: str) -> None:
    with Archive(config) as archive, Fetcher(config.fetch) as fetcher:
        with Pipeline(archive, fetcher=fetcher) as pipe:
            for url in urls:
                assert pipe.archive_url(url).outcome == "archived"


@pytest.fixture
def site(tmp_path: Path, web: FixtureWeb) -> Any:
    """An archive of the WeChat and the Tencent News fixture articles; the web is gone afterwards."""
    serve_wechat(web)
    serve_qq(web)
    config = make_config(tmp_path / "site", web)
    build_archive(config, WECHAT_URL, QQ_URL)
    web.reset()
    return config


class Counting:
    """The real extractor, counting the pages it is asked to extract."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, body: bytes, url: str) -> Article:
        self.calls.append(url)
        return extract(body, url)


def reextract(config: Any, **kw: Any) -> tuple[Any, Counting]:
    counting = Counting()
    urls = kw.pop("urls", None)
    with Archive(config) as archive, Pipeline(archive, command="reextract", extract=counting) as pipe:
        report = Reextract(pipe, collect=True, **kw).run(urls)
    return report, counting


def outcomes(report: Any) -> dict[str, str]:
    return {r.url: r.outcome for r in report.results}


def catalog_rows(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(root / "catalog.sqlite")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


# ---------------------------------------------------------------------- what is skipped


def test_nothing_changed_reads_and_extracts_nothing(site: Any) -> None:
    root = Path(site.archive.root)
    before = tree_state(root / "content")
    report, counting = reextract(site)
    assert counting.calls == []  # not one page extracted …
    assert outcomes(report) == {WECHAT_URL: "skipped", QQ_URL: "skipped"}
    assert report.skipped == 2 and not report.changed and not report.failed
    assert tree_state(root / "content") == before  # … and nothing written
    assert [r[1] for r in catalog_rows(root)["runs"]] == ["archive"]  # no run: nothing to record


def test_a_rule_pack_change_reextracts_every_page(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    packs = rule_packs()
    assert {"boilerplate", "sites/wechat", "sites/qq"} <= set(packs)  # every pack of config/ counts
    changed = {**packs, "sites/qq": {**packs["sites/qq"], "boilerplate": {"phrases": ["^新的规则$"]}}}
    monkeypatch.setattr(fingerprint, "rule_packs", lambda: changed)
    report, counting = reextract(site)
    assert sorted(counting.calls) == sorted([WECHAT_URL, QQ_URL])
    assert outcomes(report) == {WECHAT_URL: "unchanged", QQ_URL: "unchanged"}  # same output: not rewritten
    again, counting = reextract(site)  # built under the new rules now: current again
    assert counting.calls == [] and again.skipped == 2


def test_a_new_extractor_version_reextracts_every_page(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "EXTRACTOR_VERSION", "next")
    report, counting = reextract(site)
    assert sorted(counting.calls) == sorted([WECHAT_URL, QQ_URL])
    assert report.unchanged == 2


def test_output_configuration_counts_but_paths_and_speed_do_not(site: Any) -> None:
    base = effective_rules(site)
    for section, values in (
        ("archive", {"extract_timeout": 5.0, "jobs": 3, "warc_max_bytes": 10, "outcome_history": 5}),
        ("fetch", {"delay": 0.0, "user_agent": "other"}),
        ("images", {"download": False, "max_pixels": 10}),
    ):
        other = dataclasses.replace(site, **{section: dataclasses.replace(getattr(site, section), **values)})
        assert effective_rules(other) == base, section
    for section, values in (
        ("frontmatter", {"sidebar": "left"}),
        ("archive", {"follow_pages": 2}),
        ("images", {"placeholders": ("00" * 32,)}),
    ):
        other = dataclasses.replace(site, **{section: dataclasses.replace(getattr(site, section), **values)})
        assert effective_rules(other) != base, section


def test_a_new_raw_record_reextracts_that_page_only(site: Any) -> None:
    """A page stored but never extracted (a crawl killed between the two) is picked up."""
    with Archive(site) as archive:
        newer = page("qq-article.html").replace("正文".encode(), "正文".encode(), 1) + b"<!-- refetched -->"
        archive.rawstore.put_resource(QQ_URL, newer, "text/html", datetime(2026, 3, 1, tzinfo=UTC))
    report, counting = reextract(site)
    assert counting.calls == [QQ_URL]
    assert outcomes(report) == {WECHAT_URL: "skipped", QQ_URL: "unchanged"}
    assert reextract(site)[1].calls == []


def test_a_missing_or_replaced_bundle_is_rebuilt(site: Any) -> None:
    index = next((Path(site.archive.root) / "content" / "qq").glob("*/index.md"))
    good = index.read_bytes()
    index.unlink()
    report, counting = reextract(site)
    assert counting.calls == [QQ_URL] and [c.url for c in report.changed] == [QQ_URL]
    assert index.read_bytes() == good
    index.write_bytes(good.replace(b'content_hash: "sha256:', b'content_hash: "sha256:0'))  # another version
    report, counting = reextract(site)
    assert counting.calls == [QQ_URL] and index.read_bytes() == good


def test_an_account_template_change_reextracts_that_account_only(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook for learned account templates (issue 9): an account's template joins the fingerprint."""
    monkeypatch.setattr(fingerprint, "template_key", lambda article: f"{article.site}:{article.account}")
    # templates arrive with new rules (a configuration key, an extractor version): every page is
    # rebuilt once, and each article records the template key it falls under
    monkeypatch.setattr(fingerprint, "EXTRACTOR_VERSION", "next")
    first, counting = reextract(site)
    assert len(counting.calls) == 2 and first.unchanged == 2
    with Archive(site) as archive:
        keys = {a.url: a.template_key for a in archive.catalog.articles()}
    assert keys[WECHAT_URL] == "wechat:锌刻度测试号"
    monkeypatch.setattr(fingerprint, "template_fingerprints", lambda catalog: {keys[WECHAT_URL]: "learned-1"})
    report, counting = reextract(site)
    assert counting.calls == [WECHAT_URL] and outcomes(report)[QQ_URL] == "skipped"
    assert reextract(site)[1].calls == []


def test_an_upgraded_archive_is_rebuilt_once_then_skipped(site: Any) -> None:
    """An archive built before fingerprints were kept (schema 3) has none: one full pass records them."""
    conn = sqlite3.connect(Path(site.archive.root) / "catalog.sqlite")
    with conn:
        conn.execute("UPDATE articles SET built_with = NULL")
        conn.execute("DELETE FROM page_builds")
    conn.close()
    report, counting = reextract(site)
    assert len(counting.calls) == 2 and report.unchanged == 2 and not report.changed
    assert reextract(site)[1].calls == []


# ---------------------------------------------------------------------- the plan, as a function


def _row(**kw: Any) -> PlanRow:
    fps = Fingerprints("rules:1")
    base: dict[str, Any] = dict(
        url="u", latest_id=7, digest="d7", b_digest="d7", b_built=fps.base, b_outcome="article", b_article=1,
        a_id=1, a_raw=7, a_built=fps.base, a_key="", a_path="content/x/1/index.md", a_hash="h", a_status="archived",
    )  # fmt: skip
    return PlanRow(**{**base, **kw})


@pytest.mark.parametrize(
    ("row", "bundle_ok", "work"),
    [
        (_row(), True, None),  # current
        (_row(), False, "rebuild"),  # the bundle on disk is not what the catalog says
        (_row(digest="d8", latest_id=8), True, "read"),  # a newer record
        (_row(b_built="rules:0"), True, "read"),  # other rules
        (
            _row(b_digest=None, b_built=None, b_outcome=None, b_article=None, a_id=None),
            True,
            "read",
        ),  # never built
        (_row(a_built="rules:0"), True, "rebuild"),  # the article's template changed
        (_row(b_outcome="not_article", b_article=None, a_id=None), True, None),  # no article, nothing kept
        (_row(b_outcome="not_article", a_raw=7), True, None),  # its own record is no article any more
        (
            _row(b_outcome="not_article", a_raw=3, a_built="rules:0"),
            True,
            "fallback",
        ),  # rebuild the good copy
        (_row(b_outcome=KEPT, a_raw=3, a_built="rules:0"), True, None),  # no record of it is an article
        (_row(a_status="copy"), False, None),  # a syndicated copy has no bundle: its row is enough
    ],
)
def test_decide(row: PlanRow, bundle_ok: bool, work: str | None) -> None:
    from archive.reextract import bundle_matches

    fps = Fingerprints("rules:1")
    ok = (
        (lambda r: bundle_ok)
        if row.a_status != "copy"
        else (lambda r: bundle_matches(Path("/nonexistent"), r))
    )
    task = decide(row, fps, ok)
    if work is None:
        assert task is None
        return
    assert task is not None and task.url == "u" and task.latest_id == row.latest_id
    assert task.probe == (work != "fallback")  # the newest record is known to be no article: not read again
    assert task.article_id == row.b_article


# ---------------------------------------------------------------------- the report


def test_describe_names_the_changed_fields_and_counts_lines() -> None:
    old = '---\ntitle: "A"\nsummary: "s"\ncontent_hash: "sha256:1"\n---\n\none\ntwo\nthree\n'
    new = '---\ntitle: "B"\nsummary: "s"\ncontent_hash: "sha256:2"\n---\n\none\n2\nthree\nfour\n'
    change = describe("u", "content/x/1/index.md", old, new, with_diff=True)
    assert change.fields == ("title",) and (change.added, change.removed) == (2, 1)
    assert "-two\n+2\n" in change.diff and change.diff.startswith("--- a/content/x/1/index.md")
    assert describe("u", "p", None, new, with_diff=False).new


def test_a_change_is_reported_with_its_fields_and_lines(site: Any) -> None:
    """A front-matter setting and a body change: the report says which fields and how many lines."""
    root = Path(site.archive.root)
    left = dataclasses.replace(site, frontmatter=dataclasses.replace(site.frontmatter, sidebar="left"))

    def newer(body: bytes, url: str) -> Article:
        art = extract(body, url)
        if art.site == "wechat":
            return dataclasses.replace(art, body_markdown=art.body_markdown.replace("那么，", "所以，"))
        return art

    with Archive(left) as archive, Pipeline(archive, command="reextract", extract=newer) as pipe:
        report = Reextract(pipe, diff=True).run()
    by_url = {c.url: c for c in report.changed}
    assert set(by_url) == {WECHAT_URL, QQ_URL} and not report.failed
    assert by_url[QQ_URL].fields == ("sidebar",) and (by_url[QQ_URL].added, by_url[QQ_URL].removed) == (0, 0)
    assert by_url[WECHAT_URL].fields == ("sidebar",) and (
        by_url[WECHAT_URL].added,
        by_url[WECHAT_URL].removed,
    ) == (1, 1)
    assert "+所以，神话DeepSeek大可不必。" in by_url[WECHAT_URL].diff
    meta, body, _ = read_doc(root / by_url[WECHAT_URL].path)
    assert meta["sidebar"] == "left" and "所以，神话DeepSeek大可不必。" in body


# ---------------------------------------------------------------------- dry run


def test_dry_run_writes_nothing_but_reports_everything(site: Any) -> None:
    root = Path(site.archive.root)
    files, rows = tree_state(root), catalog_rows(root)
    left = dataclasses.replace(site, frontmatter=dataclasses.replace(site.frontmatter, sidebar="left"))
    report, counting = reextract(left, dry_run=True, diff=True)
    assert len(counting.calls) == 2
    assert sorted(c.url for c in report.changed) == sorted([WECHAT_URL, QQ_URL])
    assert all('-sidebar: "right"\n+sidebar: "left"' in c.diff for c in report.changed)
    assert catalog_rows(root) == rows  # no run, no outcome, no page build, no article row changed
    after = tree_state(root)
    for name in ("catalog.sqlite-wal", "catalog.sqlite-shm"):  # SQLite's own files move when read
        files.pop(name, None), after.pop(name, None)
    assert after == files
    # and a dry run after it still finds the same work to do
    assert len(reextract(left, dry_run=True)[1].calls) == 2


# ---------------------------------------------------------------------- worker processes


def test_two_jobs_write_the_same_bytes_as_one(site: Any, tmp_path: Path) -> None:
    root = Path(site.archive.root)
    copies = {}
    for jobs in (1, 2):
        copy = tmp_path / f"jobs{jobs}"
        shutil.copytree(root, copy)
        config = dataclasses.replace(
            site,
            archive=dataclasses.replace(site.archive, root=str(copy)),
            frontmatter=dataclasses.replace(site.frontmatter, sidebar="left", widgets=("recent",)),
        )
        with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
            report = Reextract(pipe, jobs=jobs).run()
        assert len(report.changed) == 2 and not report.failed, report.failed
        copies[jobs] = {
            str(p.relative_to(copy)): p.read_bytes()
            for p in sorted((copy / "content").rglob("*"))
            if p.is_file()
        }
    assert copies[1] == copies[2] and len(copies[1]) >= 5  # two index.md and their images
    assert any(b'sidebar: "left"' in data for data in copies[2].values())
    assert not multiprocessing.active_children()


def test_a_worker_crash_costs_one_url(site: Any) -> None:
    """A page that kills the parser (os.abort, as a segfault would) fails; the run goes on."""
    crash_url = "https://new.qq.com/rain/a/20250213A0CRASH0"
    hang_url = "https://new.qq.com/rain/a/20250213A00HANG0"
    when = datetime(2026, 3, 1, tzinfo=UTC)
    with Archive(site) as archive:
        archive.rawstore.put_resource(
            crash_url, page("qq-article.html") + b"<!-- CRASH-ME -->", "text/html", when
        )
        archive.rawstore.put_resource(
            hang_url, page("qq-article.html") + b"<!-- HANG-ME -->", "text/html", when
        )
    config = dataclasses.replace(site, archive=dataclasses.replace(site.archive, extract_timeout=2.0))
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        report = Reextract(pipe, jobs=2, force=True, target="tests.archivekit:crashing_extract").run()
    failed = {r.url: r for r in report.failed}
    assert set(failed) == {crash_url, hang_url}, [r.message for r in report.failed]
    assert failed[crash_url].error_class == "ExtractCrashed" and "crashed" in failed[crash_url].message
    assert "longer than 2 s" in failed[hang_url].message
    assert report.unchanged == 2  # the two good pages were rebuilt by the fresh workers
    assert not multiprocessing.active_children()


def test_stopping_a_run_stops_its_workers(site: Any) -> None:
    """Ctrl-C in the parent (KeyboardInterrupt) ends every worker; none is left behind."""

    class Interrupting(Listener):
        def done(self, outcome: str, n: int = 1) -> None:
            raise KeyboardInterrupt

    with Archive(site) as archive, Pipeline(archive, command="reextract") as pipe:
        with pytest.raises(KeyboardInterrupt):
            Reextract(pipe, jobs=2, force=True, listener=Interrupting()).run()
    assert not multiprocessing.active_children()


# ---------------------------------------------------------------------- the command, a real rule change


def _rules_with(tmp: Path, label: str) -> Path:
    """A copy of the shipped rule packs with one more [ad] label (first on PYTHONPATH: the installed
    package itself is not touched)."""
    with resources.as_file(resources.files("wxarchive_config")) as src:
        shutil.copytree(src, tmp / "wxarchive_config", ignore=shutil.ignore_patterns("__pycache__"))
    pack = tmp / "wxarchive_config" / "boilerplate.toml"
    text = pack.read_text(encoding="utf-8")
    pack.write_text(text.replace("\nlabel = [\n", f"\nlabel = [\n  '{label}',\n", 1), encoding="utf-8")
    return tmp


def wxarchive(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *(env or {}).values()])},
        check=False,
        timeout=120,
    )


def test_a_rule_change_rewrites_exactly_the_articles_it_touches(site: Any, tmp_path: Path) -> None:
    root = Path(site.archive.root)
    wx_index = next((root / "content" / "wechat").glob("*/index.md"))
    qq_index = next((root / "content" / "qq").glob("*/index.md"))
    qq_before = qq_index.stat()
    rules = _rules_with(tmp_path / "rules", REMOVED)
    result = wxarchive("reextract", "--out", str(root), "--jobs", "2", "--json", env={"rules": str(rules)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == {"changed": 1, "unchanged": 1, "skipped": 0, "not_article": 0, "failed": 0}
    [change] = report["changed"]
    assert change["url"] == WECHAT_URL and change["path"] == str(wx_index.relative_to(root))
    assert (change["added"], change["removed"]) == (0, 2)  # the paragraph and its blank line
    assert REMOVED not in wx_index.read_text(encoding="utf-8")
    assert qq_index.stat().st_mtime_ns == qq_before.st_mtime_ns and qq_index.stat().st_ino == qq_before.st_ino
    # the text report of the same rules taken away again: one line per change, then the summary
    result = wxarchive("reextract", "--out", str(root), "--jobs", "1", "--diff")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"changed {WECHAT_URL} -> {change['path']} (body +2 -0)"
    assert f"+{REMOVED}" in result.stdout
    assert lines[-1].startswith("reextract: 2 pages in ")
    assert lines[-1].endswith(": 1 changed, 1 unchanged, 0 skipped (current), 0 failed")


def test_outcomes_of_many_runs_stay_bounded(site: Any) -> None:
    config = dataclasses.replace(site, archive=dataclasses.replace(site.archive, outcome_history=4))
    for _ in range(6):
        reextract(config, force=True)
    with Archive(config) as archive:
        history = archive.catalog.query("SELECT url, COUNT(*) AS n FROM outcomes GROUP BY url")
        latest = archive.catalog.latest_outcomes(QQ_URL)
    assert {r["url"]: r["n"] for r in history} == {WECHAT_URL: 4, QQ_URL: 4}
    assert [(r["stage"], r["outcome"]) for r in latest] == [("write", "unchanged")]


def test_page_builds_remember_a_non_article_so_it_is_not_read_again(site: Any, web: FixtureWeb) -> None:
    """A later fetch that met a deletion notice: the good bundle stays, and the notice is not parsed
    by every later reextract."""
    web.add(WECHAT_URL, page("wechat-deleted.html"))
    with Archive(site) as archive, Fetcher(site.fetch) as fetcher, Pipeline(archive, fetcher=fetcher) as pipe:
        assert pipe.archive_url(WECHAT_URL).outcome == "not_article"
        build = archive.catalog.page_build(WECHAT_URL)
    assert isinstance(build, PageBuild) and build.outcome == "not_article" and build.kind == "deleted"
    report, counting = reextract(site)
    assert counting.calls == [] and report.skipped == 2
    forced, counting = reextract(site, force=True)  # the notice is read, then the good copy rebuilt
    assert counting.calls.count(WECHAT_URL) == 2 and outcomes(forced)[WECHAT_URL] == "unchanged"


def test_a_change_renders_its_summary() -> None:
    assert Change("u", "p", ("title", "summary"), 3, 1).summary() == "title, summary; body +3 -1"
    assert Change("u", "p", (), 0, 2).summary() == "body +0 -2"
    assert Change("u", "p", (), 9, 0, new=True).summary() == "new bundle"


def test_ctrl_c_stops_the_command_and_its_workers_quietly(site: Any) -> None:
    """Ctrl-C reaches every process of the terminal's foreground group: one line, exit 130, no
    traceback from a worker, no worker left."""
    root = Path(site.archive.root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "reextract", "--out", str(root), "--force", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    workers: list[str] = []
    for _ in range(600):  # the workers are started once the plan found work (a few seconds at most)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        workers = [p for p in children if "spawn_main" in _cmdline(p)]  # not multiprocessing's tracker
        if workers or proc.poll() is not None:
            break
        time.sleep(0.02)
    assert workers, "no worker was started"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert err.strip().splitlines() == [
        "error: interrupted; the archive is consistent (files are written atomically), re-run to finish."
    ]
    assert "Traceback" not in out + err
    for pid in workers:  # ended by the command before it exited
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_worker_is_replaced_after_its_share_of_pages(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory a worker accumulates cannot grow with the archive: it is replaced after a set number."""
    import archive.reextract as module

    started: list[int] = []
    real_start = module.WorkerPool._start

    def counting(self: Any, index: int | None = None) -> Any:
        started.append(1)
        return real_start(self, index)

    monkeypatch.setattr(module, "TASKS_PER_WORKER", 1)
    monkeypatch.setattr(module.WorkerPool, "_start", counting)
    with Archive(site) as archive, Pipeline(archive, command="reextract") as pipe:
        report = Reextract(pipe, jobs=1, force=True).run()
    assert report.unchanged == 2 and not report.failed and len(started) == 2
    assert not multiprocessing.active_children()


def test_a_page_prepared_again_by_the_writer_gets_its_template_once(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a write of the run may have moved a page among syndicated copies, the writer prepares it
    again: from the article as the rules left it, so its account template is applied once and what
    the template learns from (the posts' edge blocks) stays the same."""
    from tests.test_accounts import archive_all, url_of
    from tests.test_accounts import serve as serve_posts

    serve_posts(web, range(1, 6))
    root = tmp_path / "site"
    archive_all(root, web, [url_of(n) for n in range(1, 6)])
    config = make_config(root)
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        Reextract(pipe, force=True).run()  # every post under the final template
    blocks = catalog_rows(root)["account_blocks"]
    before = tree_state(root / "content")
    monkeypatch.setattr(Reextract, "_may_be_misplaced", lambda self, prepared, sent_at: True)
    with Archive(config) as archive, Pipeline(archive, command="reextract") as pipe:
        report = Reextract(pipe, force=True).run()
    assert report.unchanged == 5 and not report.changed and not report.again
    assert catalog_rows(root)["account_blocks"] == blocks
    assert tree_state(root / "content") == before


def test_a_page_its_worker_found_current_is_built_whole_when_its_bundle_changed_meanwhile(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that finds the bundle already holding what it built sends the writer a slim message
    (no rendered text). When a write of the run changed that bundle after the worker looked (its
    catalog row and file), the writer builds the page whole again instead of trusting the worker."""
    import archive.reextract as module

    root = Path(site.archive.root)
    before = {p: p.read_bytes() for p in root.glob("content/*/*/index.md")}
    real = module.slim
    tampered: list[str] = []

    def slim_then_changed(pipe: Any, p: Any) -> Any:
        got = real(pipe, p)
        if got.slim:  # what another write would do now: a new file and its row
            old = p.bundle.index.read_text(encoding="utf-8")
            p.bundle.index.write_text(old.replace(p.rendered.content_hash, "sha256:" + "0" * 64) + "改过\n")
            with pipe.catalog.write() as c:
                c.execute(
                    "UPDATE articles SET content_hash=? WHERE site=? AND article_id=?",
                    ("sha256:" + "0" * 64, p.bundle.site, p.bundle.article_id),
                )
            tampered.append(p.url)
        return got

    monkeypatch.setattr(module, "slim", slim_then_changed)
    report, _ = reextract(site, force=True)
    assert sorted(tampered) == sorted([WECHAT_URL, QQ_URL])  # both were found current by their worker
    assert sorted(c.url for c in report.changed) == sorted(tampered) and not report.failed
    assert {p: p.read_bytes() for p in root.glob("content/*/*/index.md")} == before  # built whole again
    monkeypatch.setattr(module, "slim", real)
    again, _ = reextract(site, force=True)
    assert again.unchanged == 2 and not again.changed  # and the catalog agrees with the files
