"""The writer's ``syndicated`` and ``aliases`` keys: written by render, set later by restamp, same bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import frontmatter
import pytest

from archive.writer import FRONT_MATTER_KEYS, bundle_for, publish, render, restamp
from scraper.config import FrontMatterConfig, config_from_dict
from scraper.errors import ConfigError
from scraper.models import Article
from tests.archivekit import ARCHIVE_KEYS, SEED_KEYS, front_keys

CN = timezone(timedelta(hours=8))
FETCHED = datetime(2025, 2, 14, 1, 2, 3, tzinfo=UTC)
URL = "https://mp.weixin.qq.com/s/SyNdIcAtEd01"
COPIES = [
    {
        "site": "qq",
        "url": "https://new.qq.com/rain/a/20250213A0SYND00",
        "published": "2025-02-13T18:00:00+08:00",
    },
    {
        "site": "sohu",
        "url": "https://www.sohu.com/a/870000001_120000",
        "published": "2025-02-14T09:00:00+08:00",
        "title": "别再捧杀DeepSeek了（转载）",
    },
]
ALIASES = ["/qq/20250213a0synd00/", "/sohu/870000001_120000/"]


def _article() -> Article:
    return Article(
        url=URL,
        site="wechat",
        kind="article",
        title="别再捧杀DeepSeek了",
        published=datetime(2025, 2, 13, 17, 15, 34, tzinfo=CN),
        body_markdown="DeepSeek，持续正反馈AI赛道。\n\n结尾。",
        article_id="SyNdIcAtEd01",
    )


def test_syndicated_and_aliases_follow_the_archive_keys_and_only_when_there_are_copies(
    tmp_path: Path,
) -> None:
    a = _article()
    bundle = bundle_for(tmp_path, "content", a)
    plain = render(a, bundle, page_url=URL, fetched=FETCHED, fm=FrontMatterConfig())
    assert "syndicated" not in plain.front and "aliases" not in plain.front
    with_copies = render(
        a, bundle, page_url=URL, fetched=FETCHED, fm=FrontMatterConfig(), syndicated=COPIES, aliases=ALIASES
    )
    keys = front_keys(with_copies.text)
    assert keys == [k for k in SEED_KEYS + ARCHIVE_KEYS if k != "original_url"] + ["syndicated", "aliases"]
    assert keys == [k for k in FRONT_MATTER_KEYS if k in keys]
    meta = frontmatter.loads(with_copies.text).metadata
    assert meta["syndicated"] == COPIES and meta["aliases"] == ALIASES
    assert with_copies.content_hash != plain.content_hash


def test_restamp_gives_the_bytes_render_would_and_back(tmp_path: Path) -> None:
    a = _article()
    bundle = bundle_for(tmp_path, "content", a)
    fm = FrontMatterConfig()
    plain = render(a, bundle, page_url=URL, fetched=FETCHED, fm=fm)
    full = render(a, bundle, page_url=URL, fetched=FETCHED, fm=fm, syndicated=COPIES, aliases=ALIASES)
    publish(bundle, plain)
    assert restamp(bundle, syndicated=COPIES, aliases=ALIASES) is True
    assert bundle.index.read_text(encoding="utf-8") == full.text
    assert restamp(bundle, syndicated=COPIES, aliases=ALIASES) is False  # nothing to change: not written
    assert restamp(bundle, syndicated=[], aliases=[]) is True
    assert bundle.index.read_text(encoding="utf-8") == plain.text


def test_syndication_settings_are_checked() -> None:
    assert config_from_dict({}).archive.syndicated_copies == "link"
    assert (
        config_from_dict({"archive": {"syndicated_copies": "bundle"}}).archive.syndicated_copies == "bundle"
    )
    with pytest.raises(ConfigError, match="syndicated_copies"):
        config_from_dict({"archive": {"syndicated_copies": "merge"}})
    with pytest.raises(ConfigError, match="syndication_threshold"):
        config_from_dict({"archive": {"syndication_threshold": 1.5}})
