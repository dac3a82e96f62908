"""The pipelines on both catalog backends: archiving, re-archiving and re-extraction give the same
bundles, byte for byte, whether the catalog is the SQLite file or a PostgreSQL database (a real server).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.pipeline import Archive, Pipeline
from scraper.config import Config
from scraper.fetch import Fetcher
from tests.archivekit import DELETED_URL, QQ_URL, WECHAT_URL, make_config, page, serve_qq, serve_wechat
from tests.fixtureweb import FixtureWeb

FETCHED = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)  # why fixed: the bundles record the fetch time


def backend_config(root: Path, web: FixtureWeb, catalog: str) -> Config:
    config = make_config(root, web)
    return dataclasses.replace(config, cluster=dataclasses.replace(config.cluster, catalog=catalog))


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest) -> str:
    """'' (the SQLite file in the archive root) or the DSN of a fresh PostgreSQL database."""
    return "" if request.param == "sqlite" else str(request.getfixturevalue("pg_dsn"))


def archive_urls(
    config: Config, *urls: str, reextract: bool = False, force: bool = False
) -> list[tuple[str, str]]:
    with Archive(config) as archive, Fetcher(config.fetch, now=lambda: FETCHED) as fetcher:
        with Pipeline(archive, fetcher=fetcher) as pipe:
            results = pipe.reextract(force=force) if reextract else [pipe.archive_url(u) for u in urls]
    return [(r.url, r.outcome) for r in results]


def content(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "content").rglob("*")) if p.is_file()
    }


def test_archive_again_and_reextract_on_each_backend(tmp_path: Path, web: FixtureWeb, catalog: str) -> None:
    serve_wechat(web)
    serve_qq(web)
    web.add(DELETED_URL, page("wechat-deleted.html"))
    config = backend_config(tmp_path / "site", web, catalog)
    assert archive_urls(config, WECHAT_URL, QQ_URL, DELETED_URL) == [
        (WECHAT_URL, "archived"),
        (QQ_URL, "archived"),
        (DELETED_URL, "not_article"),
    ]
    first = content(tmp_path / "site")
    assert len([k for k in first if k.endswith("index.md")]) == 2
    assert archive_urls(config, WECHAT_URL, QQ_URL) == [(WECHAT_URL, "unchanged"), (QQ_URL, "unchanged")]
    web.reset()  # re-extraction needs no network
    # every page is current (archive.reextract): none is even read …
    assert sorted(archive_urls(config, reextract=True)) == sorted(
        [(WECHAT_URL, "skipped"), (QQ_URL, "skipped"), (DELETED_URL, "skipped")]
    )
    # … and rebuilt (--force) they come out the same
    assert sorted(archive_urls(config, reextract=True, force=True)) == sorted(
        [(WECHAT_URL, "unchanged"), (QQ_URL, "unchanged"), (DELETED_URL, "not_article")]
    )
    assert content(tmp_path / "site") == first
    with Archive(config) as archive:
        rows = archive.catalog.articles()
        assert sorted(r.url for r in rows) == sorted([WECHAT_URL, QQ_URL])
        assert all(r.status == "archived" and r.raw_id is not None for r in rows)
        images = archive.catalog.query("SELECT COUNT(*) AS n FROM images WHERE status='stored'")[0]["n"]
        assert images == 5  # 4 WeChat image references (two share bytes) + the Tencent News one


def test_postgresql_and_sqlite_archives_of_the_same_pages_are_byte_identical(
    tmp_path: Path, web: FixtureWeb, pg_dsn: str
) -> None:
    serve_wechat(web)
    serve_qq(web)
    lite = backend_config(tmp_path / "lite", web, "")
    pg = backend_config(tmp_path / "pg", web, pg_dsn)
    assert archive_urls(lite, WECHAT_URL, QQ_URL) == archive_urls(pg, WECHAT_URL, QQ_URL)
    bundles = content(tmp_path / "lite")
    assert len(bundles) > 4 and bundles == content(tmp_path / "pg")
    assert not (tmp_path / "pg" / "catalog.sqlite").exists()
