"""``wxarchive list``, ``show``, ``stats`` and ``search`` on an archive made through the fixture web:
their ``--json`` parsed and checked, their plain output in a pipe, their usage errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive import stats as stats_module
from archive.cli import main
from tests.fixtureweb import FixtureWeb
from tests.test_entries import ENTRY, OTHER, QQ, SOHU, SYNDICATED, WECHAT, archive, serve


@pytest.fixture
def site(tmp_path: Path, web: FixtureWeb) -> Path:
    serve(web)
    root = tmp_path / "site"
    archive(root, web, [QQ, WECHAT, SOHU, OTHER])
    return root


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def as_json(*args: str | Path) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_gives_each_entry_once_with_its_copies(site: Path) -> None:
    entries = as_json("list", "--out", site)
    assert [e["url"] for e in entries] == [OTHER, WECHAT]  # newest first
    canteen = entries[1]
    assert (canteen["site"], canteen["account"], canteen["state"]) == ("wechat", "城事观察", "archived")
    assert canteen["published"] == "2025-03-05T08:00:00+08:00"
    assert canteen["path"] == ENTRY.as_posix()
    assert [(c["site"], c["url"], c["page"]) for c in canteen["copies"]] == [
        ("qq", QQ, False),
        ("sohu", SOHU, False),
    ]
    assert entries[0]["copies"] == []
    assert [e["url"] for e in as_json("list", "--out", site, "--site", "sohu")] == [WECHAT]  # a copy's site
    assert [e["url"] for e in as_json("list", "--out", site, "--since", "2025-03-10")] == [OTHER]
    assert [e["url"] for e in as_json("list", "--out", site, "--account", "城事观察", "--limit", "1")] == [
        OTHER
    ]
    assert as_json("list", "--out", site, "--state", "failed") == []


def test_list_state_follows_the_latest_visit(site: Path) -> None:
    with sqlite3.connect(site / "catalog.sqlite") as conn:  # a later visit found the post deleted
        conn.execute(
            "INSERT INTO outcomes (run, url, stage, outcome, error_class, message, at) VALUES "
            "(NULL, ?, 'extract', 'not_article', 'NotAnArticle', 'deleted', '2026-01-01T00:00:00Z')",
            (OTHER,),
        )
    assert [e["url"] for e in as_json("list", "--out", site, "--state", "gone")] == [OTHER]
    deleted = as_json("stats", "--out", site)["deleted_upstream"]
    assert ["archived, gone upstream: wechat", 1] in deleted["rows"]


def test_show_by_url_id_or_copy_gives_the_entry_with_everything(site: Path) -> None:
    item = as_json("show", WECHAT, "--out", site)
    assert item["url"] == WECHAT and item["requested"] == item["id"]
    assert item["front_matter"]["syndicated"] == SYNDICATED
    assert item["front_matter"]["title"] == "社区食堂：一碗热饭里的城市温度"
    assert {f["name"] for f in item["files"]} >= {"index.md"} and len(item["files"]) == 2  # index.md + image
    assert [r["url"] for r in item["raw"]] == [WECHAT] and item["raw"][0]["status"] == 200
    assert item["outcomes"][0]["outcome"] == "archived"
    assert [i["status"] for i in item["images"]] == ["stored"]
    assert [(c["site"], c["raw"][0]["url"]) for c in item["copies"]] == [("qq", QQ), ("sohu", SOHU)]
    copy = as_json("show", SOHU, "--out", site)  # a copy shows its entry
    assert copy["id"] == item["id"] and copy["requested"] != item["id"]
    assert as_json("show", str(item["id"]), "--out", site)["url"] == WECHAT
    assert as_json("show", "EntrCanteen0000000000001", "--out", site)["url"] == WECHAT
    missing = cli("show", "https://example.org/nothing", "--out", site)
    assert missing.exit_code == 1 and "https://example.org/nothing" in missing.output


def test_stats_sections(site: Path) -> None:
    data = as_json("stats", "--out", site)
    assert list(data)[:5] == ["sites", "accounts", "months", "failures", "storage"]
    assert sorted(map(tuple, data["sites"]["rows"])) == [
        ("qq", 0, 1, 0),
        ("sohu", 0, 1, 0),
        ("wechat", 2, 0, 2),
    ]
    assert data["accounts"]["rows"] == [
        ["城事观察", 2, "2025-03-05T08:00:00+08:00", "2025-03-12T08:00:00+08:00"]
    ]
    assert data["months"]["rows"] == [["2025-03", 2]]
    assert data["failures"]["rows"] == []
    storage = {r[0]: r[1:] for r in data["storage"]["rows"]}
    assert storage["images stored (distinct pictures)"][0] == 2  # the qq copy's picture went with its bundle
    assert storage["images stored (distinct pictures)"][1] > 0
    assert storage["raw page captures"][0] == 4
    assert data["paused_hosts"]["rows"] == [] and data["frontier"]["rows"] == []


def test_stats_takes_sections_from_elsewhere(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_module, "SECTIONS", list(stats_module.SECTIONS))
    stats_module.register(
        stats_module.Section(
            "example", "An example section", lambda c, r: stats_module.Table(("n",), [(7,)])
        ),
        after="accounts",
    )
    data = as_json("stats", "--out", site)
    assert list(data)[:3] == ["sites", "accounts", "example"] and data["example"]["rows"] == [[7]]
    with pytest.raises(ValueError, match="example"):
        stats_module.register(stats_module.Section("example", "again", lambda c, r: None))


def test_search_json_and_plain_output(site: Path) -> None:
    hits = as_json("search", "刘师傅", "--out", site)
    assert [h["url"] for h in hits] == [WECHAT]
    hit = hits[0]
    assert "[刘师傅]" in hit["passage"]["marked"]
    s, e = hit["passage"]["spans"][0]
    assert hit["passage"]["text"][s:e] == "刘师傅"
    assert [c["site"] for c in hit["copies"]] == ["qq", "sohu"]
    title = "南门菜市场改造：改的是环境，不改的是烟火气"
    at = title.index("烟火气")
    assert as_json("search", "烟火气", "--out", site)[0]["title_spans"] == [[at, at + 3]]
    plain = cli("search", "菜市场", "--out", site)
    assert plain.exit_code == 0 and plain.output.splitlines()[0].split("\t")[3:] == [
        "南门菜市场改造：改的是环境，不改的是烟火气",
        OTHER,
    ]
    assert "[菜市场]" in plain.output.splitlines()[1]
    assert as_json("search", "没有这个词组", "--out", site) == []


def test_usage_errors_and_a_missing_archive(site: Path, tmp_path: Path) -> None:
    bad = cli("list", "--out", site, "--since", "last week")
    assert bad.exit_code == 2 and "--since" in bad.output
    assert cli("search", "——", "--out", site).exit_code == 2
    nowhere = cli("list", "--out", tmp_path / "nothing-here")
    assert nowhere.exit_code == 2 and "No archive" in nowhere.output


def test_reindex_rebuilds_search_after_the_index_is_lost(site: Path) -> None:
    with sqlite3.connect(site / "catalog.sqlite") as conn:
        conn.execute("DROP TABLE search_fts")
        conn.execute(
            "DELETE FROM article_text WHERE article = (SELECT id FROM articles WHERE url=?)", (OTHER,)
        )
        conn.execute("DELETE FROM sketches")
        conn.execute("UPDATE articles SET account=NULL")
    before = cli("search", "菜市场", "--out", site)
    assert before.exit_code == 0 and "1 archived article(s) are not in the search index" in before.stderr
    result = cli("reindex", "--out", site)
    assert result.exit_code == 0, result.output
    assert (
        "search index: 4 article(s) (1 read from their bundles), 4 syndication sketch(es), "
        "0 syndicated cop(y/ies) newly linked" in result.output
    )
    assert [h["url"] for h in as_json("search", "菜市场", "--out", site)] == [OTHER]
    assert "not in the search index" not in cli("search", "菜市场", "--out", site).stderr
    assert as_json("list", "--out", site, "--account", "城事观察")[0]["url"] == OTHER


def test_stats_shows_paused_hosts_and_the_crawl_frontier(site: Path) -> None:
    with sqlite3.connect(site / "catalog.sqlite") as conn:
        conn.execute(
            "INSERT INTO host_state (host, paused_until, reason, trips) VALUES "
            "('mp.weixin.qq.com', '2999-01-01T00:00:00Z', 'verification page', 2), "
            "('www.sohu.com', '2000-01-01T00:00:00Z', 'burst of 429', 1)"
        )
        conn.executemany(
            "INSERT INTO frontier (url, source, state, first_seen, next_visit) VALUES (?, 'city', ?, '2025-01-01T00:00:00Z', ?)",
            [("https://a.test/1", "deleted", None), ("https://a.test/2", "queued", "2000-01-01T00:00:00Z"),
             ("https://a.test/3", "queued", "2999-01-01T00:00:00Z")],
        )  # fmt: skip
    data = as_json("stats", "--out", site)
    assert data["paused_hosts"]["rows"] == [
        ["mp.weixin.qq.com", "2999-01-01T00:00:00Z", "verification page", 2]
    ]
    assert ["crawl URLs found deleted", 1] in data["deleted_upstream"]["rows"]
    assert data["frontier"]["rows"] == [["city", "queued", 2, 1], ["city", "deleted", 1, 0]]


def test_the_views_on_a_postgresql_catalog(tmp_path: Path, web: FixtureWeb, pg_dsn: str) -> None:
    """The same archive with the shared PostgreSQL catalog ([cluster] catalog): the CLI opens it, and
    list, show, stats and search give what they give on SQLite."""
    serve(web)
    root = tmp_path / "site"
    archive(root, web, [QQ, WECHAT, SOHU, OTHER], pg=pg_dsn)
    toml = tmp_path / "pg.toml"
    toml.write_text(f'[cluster]\ncatalog = "{pg_dsn}"\n[archive]\nroot = "{root}"\n', encoding="utf-8")
    entries = as_json("list", "--config", toml)
    assert [(e["url"], [c["site"] for c in e["copies"]]) for e in entries] == [
        (OTHER, []),
        (WECHAT, ["qq", "sohu"]),
    ]
    assert as_json("show", SOHU, "--config", toml)["front_matter"]["syndicated"] == SYNDICATED
    assert [h["url"] for h in as_json("search", "刘师傅", "--config", toml)] == [WECHAT]
    data = as_json("stats", "--config", toml)
    assert sorted(map(tuple, data["sites"]["rows"])) == [
        ("qq", 0, 1, 0),
        ("sohu", 0, 1, 0),
        ("wechat", 2, 0, 2),
    ]
    assert data["storage"]["rows"][-1] == ["catalog", None, None]  # the server's business
