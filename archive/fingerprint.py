"""What a bundle was built from: the fingerprint that lets ``reextract`` skip a page without parsing it.

A bundle is the pure result of four inputs (STYLE.md habit 1: the extractor is a function of the page):

1. the raw page (its digest, kept per URL in ``page_builds`` and per article in ``articles.raw_digest``);
2. the extractor's code (:data:`scraper.models.EXTRACTOR_VERSION`);
3. the **effective rules**: every rule pack of ``config/`` as loaded (``boilerplate.toml``,
   ``sites/*.toml`` and any pack added later), plus the configuration that shapes the output: the
   ``[frontmatter]`` section, the ``[images]`` keys that decide what an offline run links, and the
   ``[archive]`` keys that change the Markdown (``follow_pages``, the syndication keys …). Keys
   that only say *where* or *how fast* (paths, timeouts, WARC size, ``jobs``) are listed in
   :data:`OUTPUT_NEUTRAL`; any other key, including one added later, counts (a new key that shapes
   nothing costs one re-extraction; a key wrongly left out would cost stale bundles);
4. the account template the page's account has learned (issue 9), when there is one.

(2) and (3) make the **base** fingerprint of a run, :func:`effective_rules`; with (4) it is an
article's fingerprint, :meth:`Fingerprints.of`. Both are stored when a page is built: the base one per
page URL (``page_builds.built_with``: "this record was extracted under these rules"), the full one per
article (``articles.built_with`` + ``articles.template_key``).

Rule packs are hashed *as loaded* (parsed TOML, canonical JSON): editing a comment or re-indenting a
pack changes nothing; changing a selector, phrase or anchor re-extracts every page.

Account templates (the hook for issue 9): :func:`template_key` names the template an article falls
under (its account, as the template learner keys it; '' for none) and :func:`template_fingerprints`
returns the fingerprint of every learned template in one catalog query. When an account's template is
learned or changes, the articles with that ``template_key`` are no longer current and are rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from scraper.config import Config
from scraper.models import EXTRACTOR_VERSION, Article

CONFIG_PACKAGE = "wxarchive_config"
NOT_RULE_PACKS = frozenset({"defaults.toml", "sources.example.toml"})
"""Files of ``config/`` that are configuration, not rule packs (the configuration is hashed by section)."""

OUTPUT_SECTIONS = ("frontmatter", "images", "archive")
"""The configuration sections that can shape a bundle (``[fetch]`` and ``[[sources]]`` never do)."""

OUTPUT_NEUTRAL: Mapping[str, frozenset[str]] = {
    "archive": frozenset(
        {
            "root",
            "content_dir",  # where bundles live: a moved bundle is missing, and rebuilt for that reason
            "raw_dir",
            "catalog",
            "warc_max_bytes",
            "isolate_extraction",
            "extract_timeout",
            "jobs",
            "outcome_history",
        }
    ),
    # an offline build only links images already stored; these decide what a download accepts
    "images": frozenset({"download", "formats", "max_pixels", "foreign_referer"}),
}
"""Keys of the output sections that do not change what a bundle holds."""


def _packs(directory: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _packs(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".toml") and f"{prefix}{entry.name}" not in NOT_RULE_PACKS:
            yield f"{prefix}{entry.name[: -len('.toml')]}", entry


def rule_packs() -> dict[str, Any]:
    """Every rule pack shipped in ``config/``, parsed, by name (``boilerplate``, ``sites/wechat`` …)."""
    out: dict[str, Any] = {}
    for name, entry in _packs(resources.files(CONFIG_PACKAGE)):
        try:
            out[name] = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            out[name] = {"unreadable": str(exc)}  # the extractor reports it; the hash still moves
    return out


def output_config(config: Config) -> dict[str, Any]:
    """The part of ``config`` that shapes a bundle, as plain data."""
    out: dict[str, Any] = {}
    for section in OUTPUT_SECTIONS:
        neutral = OUTPUT_NEUTRAL.get(section, frozenset())
        values = dataclasses.asdict(getattr(config, section))
        out[section] = {k: v for k, v in values.items() if k not in neutral}
    return out


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def effective_rules(config: Config, packs: Mapping[str, Any] | None = None) -> str:
    """The base fingerprint of a run: extractor version, rule packs as loaded, output configuration."""
    data = {
        "extractor": EXTRACTOR_VERSION,
        "packs": rule_packs() if packs is None else dict(packs),
        "config": output_config(config),
    }
    return "rules:" + _digest(data)[:32]


# ---------------------------------------------------------------------- account templates (issue 9)


def template_key(article: Article) -> str:
    """The account template ``article`` falls under ('' when templates do not apply to it): the key
    :mod:`archive.accounts` files the article's account under, computable from the article alone,
    whether or not a template has been learned yet, so that the first template of an account
    re-extracts its earlier posts. Articles record their key when built: when this starts giving
    keys (or changes what they mean), the base fingerprint must change with it once (here the
    ``[archive] account_templates`` key did), or articles built before keep the key they had."""
    from archive.accounts import account_key

    return account_key(article)


def template_fingerprints(catalog: Any) -> dict[str, str]:
    """The fingerprint of every learned account template, by :func:`template_key`, in one query (a key
    missing here means "no template", the same as ``''``)."""
    from archive.accounts import template_fingerprints as learned

    return learned(catalog)


@dataclasses.dataclass(frozen=True)
class Fingerprints:
    """The fingerprints of one run: the base (rules) one and the learned templates'."""

    base: str
    templates: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, config: Config, catalog: Any) -> Fingerprints:
        templates = template_fingerprints(catalog) if config.archive.account_templates else {}
        return cls(effective_rules(config), templates)

    def of(self, key: str) -> str:
        """The fingerprint of an article under template ``key`` ('' or unknown: rules alone)."""
        template = self.templates.get(key, "") if key else ""
        if not template:
            return self.base
        return "build:" + hashlib.sha256(f"{self.base}\n{key}\n{template}".encode()).hexdigest()[:32]

    def for_article(self, article: Article) -> tuple[str, str]:
        """(template key, fingerprint) of a freshly extracted article."""
        key = template_key(article)
        return key, self.of(key)
