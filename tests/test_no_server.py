"""The single-machine default needs no server and no cluster library: the README's commands run with
the ``[cluster]`` section absent in a Python that cannot import Redis, Dramatiq or psycopg at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.archivekit import QQ_URL, WECHAT_URL, serve_qq, serve_wechat
from tests.fixtureweb import FixtureWeb

ROOT = Path(__file__).resolve().parent.parent

# Installed as sitecustomize: any import of a cluster library fails, as on a machine without them.
BLOCKER = """
import sys

class _NoServerLibraries:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("redis", "dramatiq", "psycopg", "psycopg_binary"):
            raise ImportError(f"{name} is not installed on this machine (test_no_server)")
        return None

sys.meta_path.insert(0, _NoServerLibraries())
"""


@pytest.mark.slow
def test_the_readme_commands_work_with_no_server_and_no_cluster_library(
    tmp_path: Path, web: FixtureWeb
) -> None:
    serve_wechat(web)
    serve_qq(web)
    web.add("https://feeds.test/feed.xml", _feed(QQ_URL), content_type="application/rss+xml")
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    config = tmp_path / "wxarchive.toml"
    config.write_text(
        "[fetch]\ndelay = 0.0\nimage_delay = 0.0\nretries = 1\n\n"
        '[[sources]]\nname = "feed"\nfeed = "https://feeds.test/feed.xml"\n',
        encoding="utf-8",
    )
    env = {**_clean_env(), **web.env(), "PYTHONPATH": f"{blocker}:{ROOT}"}
    site = tmp_path / "site"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive.cli", *args, "--out", str(site), "--config", str(config)],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip

    probe = subprocess.run(
        [sys.executable, "-c", "import redis"], capture_output=True, text=True, env=env, timeout=60
    )
    assert probe.returncode != 0 and "not installed on this machine" in probe.stderr  # the blocker works
    archived = run("archive", WECHAT_URL)
    assert archived.returncode == 0, archived.stderr
    assert archived.stdout.startswith(f"archived {WECHAT_URL} -> ")
    crawled = run("crawl")
    assert crawled.returncode == 0, crawled.stderr
    assert f"archived {QQ_URL}" in crawled.stdout
    again = run("reextract", "--force")  # rebuilt by worker processes: the same two pages
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1].endswith(": 0 changed, 2 unchanged, 0 skipped (current), 0 failed")
    assert (site / "catalog.sqlite").is_file()
    assert len(list((site / "content").glob("*/*/index.md"))) == 2


def _feed(url: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>x</title><link>{url}</link></item></channel></rss>"
    ).encode()


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "PYTHONPATH"}
