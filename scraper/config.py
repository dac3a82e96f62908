"""Configuration: TOML loaded once into small frozen dataclasses.

The defaults live in ``config/defaults.toml`` (shipped inside the wheel as the ``wxarchive_config``
package). A user file (``--config FILE``, else ``$WXARCHIVE_CONFIG``, else ``./wxarchive.toml`` when
present) is laid over them section by section. Unknown sections or keys are a ``ConfigError``: a typo
must not silently fall back to a default. Each component receives only its own section.

Rule packs (boilerplate phrases, per-site selectors) are data too: ``load_rules("boilerplate")``
reads ``config/boilerplate.toml`` and ``load_rules("sites/wechat")`` reads ``config/sites/wechat.toml``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from scraper.errors import ConfigError


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = "Mozilla/5.0 (compatible; wxarchive/0.1; personal archive)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # why: httpx's read timeout is per chunk; a trickling server needs a deadline
    max_bytes: int = 20_000_000  # why: the largest real WeChat page seen is ~4 MB
    max_image_bytes: int = 30_000_000
    max_redirects: int = 10
    retries: int = 3  # attempts in all, including the first
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_after_cap: float = 120.0  # why: a server asking for a day's pause defers the URL instead
    delay: float = 2.0  # seconds between two requests to the same page host
    image_delay: float = 0.2  # why: image CDNs serve 30 pictures per article; 2 s each would take a minute
    proxy: str = ""  # empty: the standard HTTP(S)_PROXY / NO_PROXY environment variables apply
    ca_bundle: str = ""  # empty: SSL_CERT_FILE or the system store
    allow_private_hosts: bool = False  # why: on-demand URLs must not reach the local network (SSRF)
    obey_robots: str = "crawl"  # crawl | always | never: see ROBOTS_MODES
    max_crawl_delay: float = 300.0  # why: Heritrix's cap; a host asking more is skipped, not waited for
    referers: dict[str, str] = field(default_factory=dict)  # host suffix -> Referer for images

    def __post_init__(self) -> None:
        if self.obey_robots not in ROBOTS_MODES:
            raise ConfigError(
                f"[fetch] obey_robots must be one of {', '.join(map(repr, ROBOTS_MODES))}, not {self.obey_robots!r}."
            )


ROBOTS_MODES = ("crawl", "always", "never")
"""``[fetch] obey_robots``: when robots.txt is obeyed.

- ``crawl`` (default): ``wxarchive crawl`` obeys it; ``wxarchive archive URL`` does not, because a
  person asked for that one page, as a browser would fetch it (the way on-demand archivers such as
  ArchiveBox and the Wayback Machine's "Save Page Now" behave);
- ``always``: on-demand archiving obeys it too;
- ``never``: nothing does (for a site you own or have permission to mirror).
"""


@dataclass(frozen=True)
class ArchiveConfig:
    root: str = "wxarchive-site"
    content_dir: str = "content"
    raw_dir: str = "raw"
    catalog: str = "catalog.sqlite"
    warc_max_bytes: int = 1_000_000_000
    isolate_extraction: bool = True  # why: a C-parser segfault on one page must not end a crawl
    extract_timeout: float = 60.0  # seconds per page in the worker process, start-up included
    follow_pages: int = 10  # pages of an article split over several (…-2.html); 1 or 0 = first page only
    jobs: int = 0  # reextract's worker processes; 0 = one per CPU core
    # why 20: enough to see a URL's recent failures and the quarantine's crash count (3), small
    # enough that an hourly crawl of thousands of URLs does not grow the catalog without end
    outcome_history: int = 20
    syndicated_copies: str = "link"  # link | bundle: see SYNDICATED_COPIES
    # why 0.6: copies of one article differ by a caption, an editor line or a "原标题" note (Jaccard of
    # their 5-character shingles ≥ 0.8 in practice); two articles on one topic stay below 0.2
    syndication_threshold: float = 0.6
    # why 200: a short notice ("今日停更") or a picture post's caption says too little to prove two
    # pages are one article, and such pages of one account are alike by nature
    syndication_min_chars: int = 200
    # why on by default: a block three or more posts of an account repeat at their head or tail is its
    # frame, and only a run of such blocks from an edge is cut (scraper/templates.py)
    account_templates: bool = True

    def __post_init__(self) -> None:
        if self.syndicated_copies not in SYNDICATED_COPIES:
            raise ConfigError(
                f"[archive] syndicated_copies must be one of {', '.join(map(repr, SYNDICATED_COPIES))}, "
                f"not {self.syndicated_copies!r}."
            )
        if self.jobs < 0:
            raise ConfigError(f"[archive] jobs must be 0 (one per CPU core) or more, not {self.jobs!r}.")
        if self.outcome_history < 3:
            raise ConfigError(
                f"[archive] outcome_history must be at least 3 (the quarantine counts a URL's last crashes), "
                f"not {self.outcome_history!r}."
            )
        if not 0.0 < self.syndication_threshold <= 1.0:
            raise ConfigError(
                f"[archive] syndication_threshold must be above 0 and at most 1, not {self.syndication_threshold!r}."
            )


SYNDICATED_COPIES = ("link", "bundle")
"""``[archive] syndicated_copies``: what a syndicated copy of an archived article becomes.

- ``link`` (default): no page of its own; the entry (the WeChat post when there is one, else the
  copy published first) lists it under ``syndicated`` and redirects its page path (``aliases``);
- ``bundle``: a page bundle of its own as well (the entry still lists it).

Either way the copy's raw page stays in the raw store and its row in the catalog.
"""


@dataclass(frozen=True)
class FrontMatterConfig:
    lang: str = "zh-CN"
    menu: str = ""
    lead: str = ""
    comments: bool = False
    authorbox: bool = False
    pager: bool = True
    toc: bool = False
    mathjax: bool = False
    sidebar: str = "right"
    widgets: tuple[str, ...] = ("search", "recent", "taglist")
    summary_chars: int = 50


@dataclass(frozen=True)
class ImageConfig:
    formats: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP")
    max_pixels: int = 89_478_485  # why: Pillow's own warning threshold, treated as an error
    download: bool = True
    placeholders: tuple[str, ...] = ()  # sha256 (hex) of known anti-hotlink placeholder pictures
    foreign_referer: str = "https://www.example.com/"  # sent once per protected host to learn its placeholder


@dataclass(frozen=True)
class CrawlConfig:
    """``[crawl]``: how a crawl schedules, revisits and backs off (see :mod:`archive.crawl`)."""

    concurrency: int = 8  # why: hosts side by side; each host still has one request in flight at a time
    extract_workers: int = 2  # why: extraction is ~7 ms a page; two worker processes keep up with 8 threads
    revisit_days: tuple[
        float, ...
    ] = ()  # re-check an archived article after these days (e.g. [1, 7]); () never
    max_attempts: int = (
        5  # why: a URL failing transiently this often (timeouts, 5xx) is given up, not retried forever
    )
    pause_minutes: float = (
        30.0  # first pause of a host that showed a block (verification page, 429/403 burst)
    )
    pause_max_hours: float = 24.0  # why: a pause doubles on each repeat, up to this
    pause_jitter: float = (
        0.25  # why: ±25 % so that many archives blocked together do not all come back at once
    )
    block_burst: int = 3  # 403/429 answers in a row from one host that count as a block

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.extract_workers < 1 or self.block_burst < 1:
            raise ConfigError("[crawl] concurrency, extract_workers and block_burst must be at least 1.")
        if not 0 <= self.pause_jitter < 1:
            raise ConfigError(f"[crawl] pause_jitter must be in [0, 1), not {self.pause_jitter!r}.")


SOURCE_KINDS = ("", "rss", "sitemap", "wechat_album", "qq_author", "list", "file", "urls")
"""``kind`` of a ``[[sources]]`` entry ("" = inferred from ``feed``/``url``/``file``/``urls``)."""


@dataclass(frozen=True)
class ClusterConfig:
    """Cluster mode (``wxarchive worker``): absent or empty, everything runs on this machine as before."""

    broker: str = ""  # redis://host:6379/0: crawl/archive/reextract enqueue for workers instead of working
    catalog: str = (
        ""  # postgresql://user@host/db: the shared catalog; empty: the SQLite file [archive] catalog
    )
    queue_prefix: str = "wxarchive"  # why: one Redis may serve several archives; their queues must not mix
    processes: int = 0  # worker processes of `wxarchive worker` (0: one per core)
    threads: int = 1  # why 1: the parallelism is processes (extraction is CPU-bound, lexbor not thread-safe)
    heartbeat: float = (
        30.0  # why: a worker silent this long is dead; its unacknowledged messages go to others
    )
    egress: str = ""  # name of this machine's egress IP: politeness and host pauses are per (egress, host)

    @property
    def enabled(self) -> bool:
        return bool(self.broker)


@dataclass(frozen=True)
class Source:
    """One crawl source (see :mod:`archive.sources` for the kinds and ``config/sources.example.toml``)."""

    name: str
    kind: str = ""  # rss | sitemap | wechat_album | qq_author | list | file | urls; "" = inferred
    feed: str = ""  # an RSS/Atom feed (kind rss; a sitemap or album URL here is recognised too)
    url: str = ""  # the sitemap, album, author or list page URL of the other kinds
    file: str = ""  # kind file: a file of URLs, one a line, # comments
    urls: tuple[str, ...] = ()
    interval_minutes: int = 60
    enabled: bool = True
    max_entries: int = 50  # why: a feed may list thousands of old items; a crawl takes the newest ones
    max_pages: int = (
        5  # why: list pages / album pages / sitemaps followed per run; the cursor resumes next run
    )
    link_pattern: str = ""  # kind list: a regex the article links must match
    link_selector: str = ""  # kind list: a CSS selector of the article links (instead of, or with, the regex)
    next_selector: str = ""  # kind list: a CSS selector of the "next page" link (default: rel=next, 下一页)
    include: tuple[str, ...] = ()  # keep only entries whose title contains one of these words
    exclude: tuple[str, ...] = ()  # drop entries whose title contains one of these words
    follow_albums: bool = False  # WeChat: crawl the albums (合集) named in archived articles too

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ConfigError(
                f"[[sources]] {self.name}: kind must be one of {', '.join(k for k in SOURCE_KINDS if k)}, "
                f"not {self.kind!r}."
            )


@dataclass(frozen=True)
class Config:
    fetch: FetchConfig = field(default_factory=FetchConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    frontmatter: FrontMatterConfig = field(default_factory=FrontMatterConfig)
    images: ImageConfig = field(default_factory=ImageConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    sources: tuple[Source, ...] = ()


_SECTIONS: dict[str, type] = {
    "fetch": FetchConfig,
    "archive": ArchiveConfig,
    "frontmatter": FrontMatterConfig,
    "images": ImageConfig,
    "crawl": CrawlConfig,
    "cluster": ClusterConfig,
}


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"Unknown configuration key(s) in [{where}]: {', '.join(unknown)}.")
    values: dict[str, Any] = {}
    for key, value in data.items():
        spec = fields[key]
        if spec.default is not dataclasses.MISSING:
            default = spec.default
        elif spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        else:  # a required field (Source.name): a string
            default = ""
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"[{where}] {key} must be true or false, not {value!r}.")
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif default is not None and not isinstance(value, type(default)):
            raise ConfigError(f"[{where}] {key} must be a {type(default).__name__}, not {value!r}.")
        values[key] = value
    return cls(**values)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"Configuration file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Configuration file {path} is not valid TOML: {exc}.") from exc


def _packaged(name: str) -> dict[str, Any]:
    ref = resources.files("wxarchive_config").joinpath(name)
    try:
        return tomllib.loads(ref.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Packaged configuration {name} is missing.") from exc


def config_from_dict(data: dict[str, Any]) -> Config:
    """Build a ``Config`` from a parsed TOML mapping laid over the packaged defaults."""
    merged = _merge(_packaged("defaults.toml"), data)
    unknown = sorted(set(merged) - set(_SECTIONS) - {"sources"})
    if unknown:
        raise ConfigError(f"Unknown configuration section(s): {', '.join(unknown)}.")
    kwargs: dict[str, Any] = {
        name: _build(cls, merged.get(name, {}), name) for name, cls in _SECTIONS.items()
    }
    sources = []
    for i, raw in enumerate(merged.get("sources", [])):
        if "name" not in raw:
            raise ConfigError(f"[[sources]] entry {i + 1} has no name.")
        sources.append(_build(Source, raw, f"sources.{raw['name']}"))
    kwargs["sources"] = tuple(sources)
    return Config(**kwargs)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration: packaged defaults, then the user's file if any."""
    if path is None:
        env = os.environ.get("WXARCHIVE_CONFIG")
        if env:
            path = env
        elif Path("wxarchive.toml").is_file():
            path = "wxarchive.toml"
    data = _read_toml(Path(path)) if path else {}
    return config_from_dict(data)


@cache
def load_rules(name: str) -> dict[str, Any]:
    """A rule pack from ``config/<name>.toml`` (e.g. ``"boilerplate"``, ``"sites/wechat"``).

    Returns ``{}`` when the pack does not exist, so a site without special rules needs no file.
    """
    parts = name.split("/")
    ref = resources.files("wxarchive_config")
    for part in parts[:-1]:
        ref = ref.joinpath(part)
    ref = ref.joinpath(parts[-1] + ".toml")
    try:
        text = ref.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Rule pack config/{name}.toml is not valid TOML: {exc}.") from exc
