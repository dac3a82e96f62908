"""The ``wxarchive`` command: a thin layer over :mod:`archive.pipeline` (each command a few lines).

Exit status: 0 all good, 1 some URL (or file) failed, was refused by robots.txt or deferred, 2 usage
or configuration error, 3 not an article (``extract``), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM; see :mod:`archive.signals`). Errors print as one line naming the URL, never a traceback
(``WXARCHIVE_DEBUG=1`` shows the traceback of an unexpected error, a bug).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click

from archive.signals import EXIT_SIGINT, EXIT_SIGTERM, Terminated, sigterm_stops_the_run
from scraper.config import Config, load_config
from scraper.errors import ConfigError, WxArchiveError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_ARTICLE = 0, 1, 2, 3


# ---------------------------------------------------------------------- shared options


def _config_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TOML configuration file (default: $WXARCHIVE_CONFIG, else ./wxarchive.toml if present).",
    )(fn)


def _out_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Archive root (the Hugo site root); overrides [archive] root.",
    )(fn)


def _network_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--no-images", is_flag=True, help="Do not download images (already stored ones are still used)."
    )(fn)
    fn = click.option(
        "--ca-bundle",
        type=click.Path(exists=True, dir_okay=False),
        help="PEM file of CA certificates to trust; overrides [fetch] ca_bundle and SSL_CERT_FILE.",
    )(fn)
    fn = click.option(
        "--proxy", metavar="URL", help="HTTP(S) proxy URL; overrides [fetch] proxy and HTTP(S)_PROXY."
    )(fn)
    return fn


def _load(
    config_path: Path | None, out: Path | None = None, proxy: str | None = None, ca_bundle: str | None = None
) -> Config:
    config = load_config(config_path)
    fetch = config.fetch
    if proxy:
        fetch = replace(fetch, proxy=proxy)
    if ca_bundle:
        fetch = replace(fetch, ca_bundle=str(ca_bundle))
    archive = replace(config.archive, root=str(out)) if out else config.archive
    return replace(config, fetch=fetch, archive=archive)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"error: {' '.join(str(message).split())}", err=True)
    sys.exit(code)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any error escaping a command into one line and an exit status (no traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with sigterm_stops_the_run():
                return fn(*args, **kwargs)
        except click.ClickException:
            raise  # click prints it and exits 2 (a usage error found after parsing)
        except ConfigError as exc:
            _fail(str(exc), EXIT_USAGE)
        except WxArchiveError as exc:
            _fail(str(exc))
        except Terminated:
            _fail(
                "terminated; the archive is consistent (files are written atomically), re-run to finish.",
                EXIT_SIGTERM,
            )
        except KeyboardInterrupt:
            _fail(
                "interrupted; the archive is consistent (files are written atomically), re-run to finish.",
                EXIT_SIGINT,
            )
        except OSError as exc:
            _fail(f"{exc.filename or ''} {exc.strerror or exc}".strip())
        except Exception as exc:  # noqa: BLE001 - a bug still ends in one line (WXARCHIVE_DEBUG=1: traceback)
            if _debug():
                raise
            _fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a wxarchive bug; run again with "
                "WXARCHIVE_DEBUG=1 to see the traceback, and please report it."
            )

    return wrapper


def _debug() -> bool:
    """True when ``WXARCHIVE_DEBUG`` asks for tracebacks instead of one-line errors."""
    return os.environ.get("WXARCHIVE_DEBUG", "") not in ("", "0")


def _shown(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _report(results: Iterable[Any]) -> int:
    """Print one line per result; return the exit status."""
    status = EXIT_OK
    for r in results:
        if r.outcome in ("archived", "unchanged"):
            extra = f" ({r.message})" if r.message else ""
            click.echo(f"{r.outcome} {r.url} -> {_shown(r.path)}{extra}")
        elif r.outcome == "skipped":
            click.echo(f"skipped {r.url}: {r.message}")
        elif r.outcome in ("robots", "deferred"):  # not archived this run, by policy: still exit 1
            click.echo(f"{r.outcome} {r.url}: {' '.join(r.message.split())}")
            status = EXIT_FAILED
        else:
            click.echo(f"failed {r.url}: {' '.join(r.message.split())}")
            status = EXIT_FAILED
    return status


def _cluster_refuses(command: str, **given: object) -> None:
    """Options that act in this process only: in cluster mode the workers do the work, with their own
    configuration, so such an option would be silently ignored (a ``--dry-run`` would write). Refused
    with exit 2 instead, naming what to do."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if named:
        raise click.UsageError(
            f"{', '.join(named)} cannot be used with `wxarchive {command}` in cluster mode ([cluster] broker "
            "is set): the workers do the work with their own configuration ([fetch] proxy, ca_bundle, "
            "[images] of the workers' --config); run without it, or without [cluster] for a local run."
        )


def _queued(urls: Iterable[str], _: object = None) -> int:
    for url in urls:
        click.echo(f"queued {url}")
    return EXIT_OK


def _pipeline(config: Config, command: str, *, download_images: bool = True) -> Any:
    from archive.pipeline import Archive, Pipeline

    archive = Archive(config)
    kwargs: dict[str, Any] = {}
    if config.archive.isolate_extraction:
        from archive.isolate import IsolatedExtractor

        kwargs["extract"] = IsolatedExtractor(timeout=config.archive.extract_timeout)
    return archive, Pipeline(archive, download_images=download_images, command=command, **kwargs)


# ---------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wxarchive")
def main() -> None:
    """Archive WeChat and Tencent News articles (and their syndication sites) as Hugo page bundles.

    \b
    Example:
        wxarchive archive https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv --out site
    """
    _setup_logging()


def _setup_logging() -> None:
    """The library's log records (retry notes, robots.txt warnings) stay silent: every outcome is
    already one printed line per URL. ``WXARCHIVE_DEBUG=1`` sends them, tracebacks included, to stderr."""
    if _debug():
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
        return
    for name in ("scraper", "archive"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False  # why: Python's last-resort handler would print warnings and tracebacks


@main.command("archive")
@click.argument("urls", nargs=-1, required=True)
@click.option("--no-wait", is_flag=True, help="Cluster mode: queue the URLs for the workers and exit.")
@_out_option
@_config_option
@_network_options
@_guard
def archive_cmd(
    urls: tuple[str, ...],
    no_wait: bool,
    out: Path | None,
    config_path: Path | None,
    proxy: str | None,
    ca_bundle: str | None,
    no_images: bool,
) -> None:
    """Fetch URLs and archive each article as content/<site>/<id>/index.md with its images.

    Prints one line per URL: "archived URL -> PATH", "unchanged URL -> PATH" or "failed URL: why".

    \b
    Example:
        wxarchive archive https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv https://new.qq.com/rain/a/20250213A06FMB00 --out site
    """
    config = _load(config_path, out, proxy, ca_bundle)
    if config.cluster.enabled:  # [cluster] broker: the workers archive, this command waits for them
        from archive.cluster import archive_command

        _cluster_refuses("archive", proxy=proxy, ca_bundle=ca_bundle, no_images=no_images)
        results = archive_command(config, urls, wait=not no_wait)
        sys.exit(_report(results) if not no_wait else _queued(urls, list(results)))
    archive, pipe = _pipeline(config, "archive", download_images=not no_images)
    with archive, pipe:
        code = _report(pipe.archive_url(url) for url in urls)
    sys.exit(code)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the page was saved from.")
@_out_option
@_config_option
@_network_options
@_guard
def import_cmd(
    file: Path,
    url: str,
    out: Path | None,
    config_path: Path | None,
    proxy: str | None,
    ca_bundle: str | None,
    no_images: bool,
) -> None:
    """Archive a page saved from a browser (no network for the page; images are still fetched).

    \b
    Example:
        wxarchive import saved-page.html --url https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv --out site
    """
    config = _load(config_path, out, proxy, ca_bundle)
    archive, pipe = _pipeline(config, "import", download_images=not no_images)
    with archive, pipe:
        code = _report([pipe.import_file(file, url)])
    sys.exit(code)


@main.command("extract")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the page came from (chooses the site adapter).")
@click.option("--json", "as_json", is_flag=True, help="Print the extraction as one JSON object.")
@_guard
def extract_cmd(file: Path, url: str, as_json: bool) -> None:
    """Print what wxarchive extracts from a saved page: no network, nothing written.

    Exit status 3 when the page is not an article (deleted, expired, rate-limited …).

    \b
    Example:
        wxarchive extract saved-page.html --url https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv --json
    """
    from scraper import extract
    from scraper.errors import ExtractError

    try:
        article = extract(file.read_bytes(), url)
    except (WxArchiveError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - name the page in the one-line error
        if _debug():
            raise
        raise ExtractError(
            f"Extracting {file} as {url} failed on an unexpected {type(exc).__name__} ({exc}). This is a "
            "wxarchive bug; run again with WXARCHIVE_DEBUG=1 to see the traceback, and please report it.",
            url,
        ) from exc
    if as_json:
        click.echo(json.dumps(article.to_json(), ensure_ascii=False, indent=2))
    elif not article.is_article:
        click.echo(f"not an article ({article.kind}): {article.error or url}")
    else:
        lines = [
            f"title:     {article.title}",
            f"site:      {article.site}    kind: {article.kind}    id: {article.article_id}",
            f"author:    {article.author or ''}",
            f"account:   {article.account or ''}",
            f"published: {article.published.isoformat() if article.published else ''}",
            f"summary:   {article.summary}",
            f"cover:     {article.cover or ''}",
            f"tags:      {', '.join(article.tags)}",
            f"images:    {len(article.images)}    removed blocks: {len(article.removed)}",
        ]
        for removal in article.removed:
            lines.append(f"  - {removal.rule}: {' '.join(removal.text.split())[:100]}")
        click.echo("\n".join(lines) + "\n\n" + article.body_markdown)
    sys.exit(EXIT_OK if article.is_article else EXIT_NOT_ARTICLE)


@main.command("reextract")
@click.argument("urls", nargs=-1)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes that extract (default: [archive] jobs; 0 there: one per CPU core).",
)
@click.option("--dry-run", is_flag=True, help="Build and report everything, write nothing.")
@click.option("--diff", is_flag=True, help="Print the unified diff of each changed index.md.")
@click.option("--force", is_flag=True, help="Rebuild every page, also those that are current.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@_out_option
@_config_option
@_guard
def reextract_cmd(
    urls: tuple[str, ...],
    jobs: int | None,
    dry_run: bool,
    diff: bool,
    force: bool,
    as_json: bool,
    out: Path | None,
    config_path: Path | None,
) -> None:
    """Rebuild archived articles from the raw store with the current rules, with no network at all.

    A page whose raw record, extractor version and rules all match what its bundle was built from is
    skipped without being read; the others are extracted by --jobs worker processes and written by
    one writer. Prints each changed article (the front-matter fields that changed, body lines added
    and removed) and a summary: changed, unchanged, skipped, failed. URLs given are always rebuilt.

    \b
    Example:
        wxarchive reextract --out site
        wxarchive reextract --out site --dry-run --diff
        wxarchive reextract --out site --jobs 2 https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv
    """
    from archive.pipeline import Archive, Pipeline
    from archive.reextract import run_cli

    config = _load(config_path, out)
    if config.cluster.enabled:  # [cluster] broker: one message per batch of stored pages
        from archive.cluster import reextract_command

        _cluster_refuses("reextract", jobs=jobs, dry_run=dry_run, diff=diff, json=as_json)
        sys.exit(_report(reextract_command(config, list(urls) or None, force=force)))
    with Archive(config) as archive, Pipeline(archive, download_images=False, command="reextract") as pipe:
        report = run_cli(
            pipe, list(urls) or None, jobs=jobs, dry_run=dry_run, diff=diff, force=force, as_json=as_json
        )
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


@main.command("crawl")
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Crawl only this source (repeatable)."
)
@click.option("--force", is_flag=True, help="Crawl even if a source's interval_minutes has not passed.")
@click.option(
    "--every",
    metavar="INTERVAL",
    help="Keep running: crawl again every INTERVAL (30m, 2h, 90s; ±10 % jitter) until SIGTERM or Ctrl-C.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per outcome, then the summary.")
@_out_option
@_config_option
@_network_options
@_guard
def crawl_cmd(
    sources: tuple[str, ...],
    force: bool,
    every: str | None,
    as_json: bool,
    out: Path | None,
    config_path: Path | None,
    proxy: str | None,
    ca_bundle: str | None,
    no_images: bool,
) -> None:
    """Crawl the [[sources]] of the configuration that are due (run it from cron or a timer).

    Sources are feeds, sitemaps, WeChat albums, Tencent News author lists, list pages, URL files and
    URL lists; only new URLs are fetched; a host that shows a block is paused (also for later runs).
    One line per outcome (a live display on a terminal), then a summary. Exit 0 when the only
    non-successes are deferrals and pauses, and when another crawl of the archive is running.

    \b
    Example:
        wxarchive crawl --config wxarchive.toml
        wxarchive crawl --config wxarchive.toml --source tencent-tech --force
        wxarchive crawl --config wxarchive.toml --every 30m
    """
    import signal
    import threading

    from archive.crawl import parse_interval, run_command

    config = _load(config_path, out, proxy, ca_bundle)
    if not config.sources:
        raise ConfigError("The configuration has no [[sources]] to crawl; see config/sources.example.toml.")
    interval = parse_interval(every) if every else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # finish the URLs in flight, then exit 0
    if config.cluster.enabled:  # [cluster] broker: the workers list the sources and archive their URLs
        from archive.cluster import crawl_every

        _cluster_refuses("crawl", proxy=proxy, ca_bundle=ca_bundle, no_images=no_images, json=as_json)
        sys.exit(crawl_every(config, sources, force=force, every=interval, stop=stop, echo=click.echo))
    code = run_command(
        lambda: _pipeline(config, "crawl", download_images=not no_images),
        sources,
        force=force,
        every=interval,
        progress_mode="json" if as_json else "auto",
        stop=stop,
    )
    sys.exit(code)


@main.command("clean")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option(
    "--localize",
    is_flag=True,
    help="Also store the remote pictures (body and thumbnail) in the page bundle (name.md becomes name/index.md).",
)
@_out_option
@_config_option
@_guard
def clean_cmd(
    files: tuple[Path, ...], dry_run: bool, localize: bool, out: Path | None, config_path: Path | None
) -> None:
    """Remove boilerplate from existing Markdown archives (front matter + body, as in the seed article).

    Rewrites the body and the summary, and gives a date without a UTC offset its +08:00; every other
    front-matter key stays exactly as it was. Reports each removed block with the rule that removed
    it. With --localize the remote pictures are downloaded into the page bundle like `archive` does
    (catalog and raw store of the archive root the file is in, else of --out).

    \b
    Example:
        wxarchive clean content/qq/*.md --dry-run
        wxarchive clean old-mirror/post.md --localize --out site
    """
    from archive.localize import Localizer, archive_root_of
    from archive.mdclean import CleanError, clean_file

    config = _load(config_path, out)
    status = EXIT_OK
    localizers: dict[Path, Localizer] = {}
    try:
        for path in files:
            localizer = None
            if localize:
                root = (None if out else archive_root_of(path, config.archive.catalog)) or Path(
                    config.archive.root
                ).expanduser()
                localizer = localizers.get(root) or localizers.setdefault(root, Localizer(config, root))
            try:
                result = clean_file(
                    path,
                    dry_run=dry_run,
                    summary_chars=config.frontmatter.summary_chars,
                    localizer=localizer,
                )
            except (CleanError, WxArchiveError) as exc:
                click.echo(f"failed {path}: {' '.join(str(exc).split())}")
                status = EXIT_FAILED
                continue
            status = max(status, _report_clean(path, result, dry_run))
    finally:
        for localizer in localizers.values():
            localizer.close()
    sys.exit(status)


def _report_clean(path: Path, result: Any, dry_run: bool) -> int:
    """Print what ``clean`` did to one file; EXIT_FAILED when a picture stayed remote."""
    if not result.changed:
        click.echo(f"unchanged {path}")
        return EXIT_OK
    verb = "would clean" if dry_run else "cleaned"
    moved = f" -> {_shown(result.target)}" if result.target is not None and result.target != path else ""
    click.echo(f"{verb} {path}{moved}: removed {len(result.removed)} block(s)")
    for removal in result.removed:
        click.echo(f"  - {removal.rule}: {' '.join(removal.text.split())[:100]}")
    if result.summary_after is not None and result.summary_after != result.summary_before:
        click.echo(f"  summary: {result.summary_after}")
    for key, value in result.dates.items():
        click.echo(f"  {key}: {value}")
    if result.images_remote:
        if dry_run:
            click.echo(f"  pictures: {result.images_remote} remote, would be stored in the bundle")
        else:
            click.echo(f"  pictures: {result.images_stored} of {result.images_remote} stored in the bundle")
    for failure in result.images_failed:
        click.echo(f"  picture kept remote: {failure}")
    if dry_run:
        click.echo(result.diff, nl=False)
    return EXIT_FAILED if result.images_failed else EXIT_OK


@main.command("reindex")
@_out_option
@_config_option
@_guard
def reindex_cmd(out: Path | None, config_path: Path | None) -> None:
    """Rebuild the catalog's index of raw records from the WARC files (after losing the catalog), and
    the search index and syndication sketches from the archived texts and bundles.

    Move a corrupt catalog aside first; then run `wxarchive reextract` to list the articles again.

    \b
    Example:
        mv site/catalog.sqlite site/catalog.sqlite.broken
        wxarchive reindex --out site && wxarchive reextract --out site
    """
    from archive.catalog import Catalog
    from archive.fsutil import contained
    from archive.rawstore import RawStore

    config = _load(config_path, out)
    root = Path(config.archive.root).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"The archive root {root} does not exist.")
    catalog = Catalog.open(contained(root, config.archive.catalog), has_data=False)
    with catalog:
        store = RawStore(
            contained(root, config.archive.raw_dir), catalog, max_bytes=config.archive.warc_max_bytes
        )
        count = store.reindex()
        from archive.entries import reindex

        entries = reindex(catalog, root, config.archive)
    click.echo(f"reindexed {count} raw record(s) into {_shown(root / config.archive.catalog)}")
    click.echo(
        f"search index: {entries['indexed']} article(s) ({entries['texts_from_bundles']} read from their bundles), "
        f"{entries['sketches']} syndication sketch(es), {entries['linked']} syndicated cop(y/ies) newly linked"
    )
    sys.exit(EXIT_OK)


@main.command("worker")
@click.option(
    "--queues",
    default=",".join(("crawl", "pages", "reextract")),
    show_default=True,
    help="Comma-separated queues to work on: crawl (list sources), pages (archive URLs), reextract.",
)
@click.option(
    "--processes", type=int, default=None, help="Worker processes ([cluster] processes; 0: one per core)."
)
@click.option("--threads", type=int, default=None, help="Threads per process ([cluster] threads).")
@_out_option
@_config_option
@_guard
def worker_cmd(
    queues: str, processes: int | None, threads: int | None, out: Path | None, config_path: Path | None
) -> None:
    """Run cluster workers ([cluster] broker) until stopped: each takes messages from Redis, fetches
    within the shared per-host budget and writes to the shared archive. SIGTERM stops each worker
    after its current message (exit 0); a message of a killed worker is delivered again.

    \b
    Example:
        wxarchive worker --config cluster.toml --processes 4
        wxarchive worker --config cluster.toml --queues reextract --processes 2
    """
    from archive.cluster import QUEUES, run_workers

    config = _load(config_path, out)
    if not config.cluster.enabled:
        raise ConfigError(
            '`wxarchive worker` needs [cluster] broker = "redis://host:6379/0" in the configuration.'
        )
    chosen = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in chosen if q not in QUEUES]
    if unknown or not chosen:
        raise ConfigError(
            f"Unknown queue(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(QUEUES)}."
        )
    count = config.cluster.processes if processes is None else processes
    count = count if count > 0 else (os.cpu_count() or 1)
    sys.exit(run_workers(config, chosen, processes=count, threads=threads or config.cluster.threads))


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@_out_option
@_config_option
@_guard
def status_cmd(as_json: bool, out: Path | None, config_path: Path | None) -> None:
    """Show the cluster ([cluster] broker): queue depths, workers seen, paused hosts, recent failures.

    \b
    Example:
        wxarchive status --config cluster.toml
    """
    from archive.cluster import status

    config = _load(config_path, out)
    if not config.cluster.enabled:
        raise ConfigError(
            '`wxarchive status` needs [cluster] broker = "redis://host:6379/0" in the configuration.'
        )
    info = status(config)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        sys.exit(EXIT_OK)
    click.echo("queue      ready  delayed  in-progress  dead")
    for name, q in info["queues"].items():
        click.echo(f"{name:<10} {q['ready']:>5}  {q['delayed']:>7}  {q['in_progress']:>11}  {q['dead']:>4}")
    click.echo(f"workers: {sum(1 for w in info['workers'] if w['alive'])} alive")
    for w in info["workers"]:
        state = "alive" if w["alive"] else ("stopped" if w.get("stopped") else "silent")
        click.echo(
            f"  {w['name']} ({w['host']} pid {w['pid']}, {state}): {w['done']} done, {w['failed']} failed"
        )
    click.echo(f"paused hosts: {len(info['paused'])}")
    for p in info["paused"]:
        click.echo(f"  {p['host']} until {p['until']}: {p['reason']}")
    click.echo(f"recent failures: {len(info['failures'])}")
    for f in info["failures"]:
        click.echo(
            f"  {f['at']} {f['url']} ({f['stage']}): {' '.join(str(f['message'] or '').split())[:160]}"
        )
    sys.exit(EXIT_OK)


# ---------------------------------------------------------------------- looking at the archive


def _catalog(config: Config) -> Any:
    """The catalog of an existing archive (the root's SQLite file, or the cluster's PostgreSQL
    catalog when ``[cluster] catalog`` names one), for the commands that only look (list, show …)."""
    from archive.catalog import Catalog
    from archive.fsutil import contained

    root = Path(config.archive.root).expanduser().resolve()
    if config.cluster.catalog:
        return root, Catalog.connect(config.cluster.catalog, create=False)
    path = contained(root, config.archive.catalog) if root.is_dir() else root / config.archive.catalog
    if not path.is_file():
        raise ConfigError(
            f"No archive at {root} (no {config.archive.catalog}); give --out or [archive] root."
        )
    return root, Catalog.open(path, create=False)


def _view(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a view; its ValueError is a usage error (a bad --since, --state or query)."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@main.command("list")
@click.option("--site", help="Only entries from this site (or with a copy there): wechat, qq, sohu …")
@click.option("--account", help="Only entries of this account (exact name).")
@click.option(
    "--since", metavar="DATE", help="Only entries published on or after DATE (2025-03-05, 2025-03, 2025)."
)
@click.option(
    "--state",
    type=click.Choice(["archived", "failed", "gone", "deferred"]),
    help="Only entries in this state.",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (the newest).")
@_json_option
@_out_option
@_config_option
@_guard
def list_cmd(
    site: str | None, account: str | None, since: str | None, state: str | None, limit: int | None,
    as_json: bool, out: Path | None, config_path: Path | None,
) -> None:  # fmt: skip
    """List the archived entries, newest first: one line per article, its syndicated copies named.

    \b
    Example:
        wxarchive list --out site --site wechat --since 2025-03
        wxarchive list --out site --state gone --json
    """
    from archive import present, views

    root, catalog = _catalog(_load(config_path, out))
    with catalog:
        entries = _view(
            views.list_entries, catalog, site=site, account=account, since=since, state=state, limit=limit
        )
    if as_json:
        present.print_json(entries)
    else:
        present.print_entries(entries)


@main.command("show")
@click.argument("ref", metavar="URL|ID")
@_json_option
@_out_option
@_config_option
@_guard
def show_cmd(ref: str, as_json: bool, out: Path | None, config_path: Path | None) -> None:
    """Show one entry: front matter, files, raw captures, latest outcomes, images, syndicated copies.

    URL|ID is an article's URL (as archived, canonical or final), its article id or its catalog id;
    a syndicated copy shows the entry it belongs to.

    \b
    Example:
        wxarchive show https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv --out site
    """
    from archive import present, views

    root, catalog = _catalog(_load(config_path, out))
    with catalog:
        item = views.show(catalog, root, ref)
    if as_json:
        present.print_json(item)
    else:
        present.print_show(item)


@main.command("stats")
@_json_option
@_out_option
@_config_option
@_guard
def stats_cmd(as_json: bool, out: Path | None, config_path: Path | None) -> None:
    """The archive in numbers: articles by site, account and month, failures by kind, storage,
    paused hosts, articles deleted upstream.

    \b
    Example:
        wxarchive stats --out site
    """
    from archive import present
    from archive.stats import stats

    root, catalog = _catalog(_load(config_path, out))
    with catalog:
        sections = stats(catalog, root)
    if as_json:
        present.print_json(
            {name: table.to_json() | {"title": title} for name, (title, table) in sections.items()}
        )
    else:
        present.print_stats(sections)


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most this many results."
)
@_json_option
@_out_option
@_config_option
@_guard
def search_cmd(
    query: tuple[str, ...], limit: int, as_json: bool, out: Path | None, config_path: Path | None
) -> None:
    """Full-text search of titles and bodies, best matches first, each with its matching passage.

    Every word must match; Chinese is matched as written (芯片 finds 芯片, not 芯 … 片); "quoted words"
    match as a phrase. A syndicated article is one result, whichever copy matched.

    \b
    Example:
        wxarchive search 芯片 --out site
        wxarchive search 国产芯片设计 "machine learning" --out site --json
    """
    from archive import present, views

    root, catalog = _catalog(_load(config_path, out))
    with catalog:
        hits = _view(views.search, catalog, " ".join(_quoted(q) for q in query), limit=limit)
        unindexed = views.unindexed(catalog)
    if unindexed:
        click.echo(
            f"note: {unindexed} archived article(s) are not in the search index (archived before search "
            f"existed); run `wxarchive reindex --out {root}` to add them.",
            err=True,
        )
    if as_json:
        present.print_json(hits)
    else:
        present.print_hits(hits)


def _quoted(word: str) -> str:
    """A shell argument with a space in it was quoted by the user: keep it one phrase."""
    return f'"{word}"' if " " in word.strip() and '"' not in word else word


if __name__ == "__main__":  # pragma: no cover
    main()
