"""The README is part of the product: its commands and keys must stay true (sqlite-utils habit)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from archive.cli import main
from scraper.config import ArchiveConfig, ClusterConfig, FetchConfig, FrontMatterConfig, ImageConfig, Source

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"```(?:sh|bash)\n(.*?)```", text, re.S)]


def test_readme_opens_with_install_and_test_commands() -> None:
    blocks = _code_blocks(README)
    install, tests = blocks[0], blocks[1]
    assert install.startswith("pip install .") and "wxarchive archive https://" in install
    assert "pytest" in tests
    # nothing but prose comes before the two commands
    assert README.index(install) < README.index("## ")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _code_blocks(README)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_every_cli_command_is_documented() -> None:
    for name in main.commands:
        assert f"wxarchive {name}" in README, f"`wxarchive {name}` is not in the README"


def test_every_config_key_is_documented() -> None:
    for cls in (FetchConfig, ArchiveConfig, FrontMatterConfig, ImageConfig, ClusterConfig, Source):
        for field in dataclasses.fields(cls):
            assert f"`{field.name}`" in README or f"`[fetch.{field.name}]`" in README, (
                f"config key {cls.__name__}.{field.name} is not documented in the README"
            )
