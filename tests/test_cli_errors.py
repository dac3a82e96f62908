"""Every way a command can fail ends in one line that names the URL (or file), never a traceback, and
the exit status says what happened: 0 all good, 1 some URL failed / was refused / deferred, 2 usage
or configuration error, 3 not an article (``extract``).

``invoke`` runs with ``catch_exceptions=False``: an exception escaping a command fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import archive.pipeline
import archive.publish
import scraper
from tests.archivekit import DELETED_URL, QQ_URL, WECHAT_URL, page, serve_qq, serve_wechat
from tests.fixtureweb import FixtureWeb, status
from tests.test_cli import fast_config, invoke, lines


def network(tmp_path: Path, web: FixtureWeb, extra: str = "", archive: str = "") -> list[str | Path]:
    return [
        "--out",
        tmp_path / "site",
        "--config",
        fast_config(tmp_path, extra, archive=archive),
        "--proxy",
        web.proxy_url,
        "--ca-bundle",
        web.ca_bundle,
    ]


def one_line_each(output: str, urls: list[str]) -> list[str]:
    """The output has exactly one line per URL, in order, each naming its URL; no traceback."""
    got = lines(output)
    assert "Traceback" not in output
    assert len(got) == len(urls), got
    for line, url in zip(got, urls, strict=True):
        assert url in line.split(" -> ")[0], (url, line)
    return got


def test_every_archive_failure_is_one_line_naming_its_url_and_exit_1(tmp_path: Path, web: FixtureWeb) -> None:
    serve_wechat(web)
    web.add(DELETED_URL, page("wechat-deleted.html"))
    missing = "https://mp.weixin.qq.com/s/missingPage404"
    busy = "https://busy.example.org/a.html"
    web.route(busy, status(429, headers=[("Retry-After", "86400")]))
    web.route("https://down.example.org/", status(503))
    down = "https://down.example.org/article.html"
    urls = [WECHAT_URL, missing, "file:///etc/passwd", "http://127.0.0.1/admin", DELETED_URL, busy, down]
    result = invoke("archive", *urls, *network(tmp_path, web))
    assert result.exit_code == 1
    got = one_line_each(result.output, urls)
    assert [ln.split(" ")[0] for ln in got] == [
        "archived", "failed", "failed", "failed", "failed", "deferred", "failed",
    ]  # fmt: skip
    assert "404" in got[1] and "scheme 'file'" in got[2] and "non-public address" in got[3]
    assert "deleted" in got[4] or "删除" in got[4]
    assert "86400" in got[5] and "503" in got[6]


def test_all_good_is_exit_0(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    result = invoke("archive", QQ_URL, *network(tmp_path, web))
    assert result.exit_code == 0 and one_line_each(result.output, [QQ_URL])[0].startswith("archived ")


def test_an_unreachable_proxy_fails_each_url_on_one_line(tmp_path: Path) -> None:
    urls = [QQ_URL, WECHAT_URL]
    config = fast_config(tmp_path)  # nothing listens on port 9 of the loopback: refused at once
    result = invoke(
        "archive", *urls, "--out", tmp_path / "site", "--config", config, "--proxy", "http://127.0.0.1:9"
    )
    assert result.exit_code == 1
    assert all(ln.startswith("failed ") for ln in one_line_each(result.output, urls))


@pytest.mark.parametrize(
    ("extra", "args", "why"),
    [
        ('obey_robots = "sometimes"\n', (), "obey_robots must be one of"),
        ("", ("--proxy", "not a proxy url"), "cannot be used"),
        ('max_crawl_delay = "long"\n', (), "max_crawl_delay must be a float"),
    ],
    ids=["bad-robots-mode", "bad-proxy", "bad-type"],
)
def test_configuration_errors_are_one_line_and_exit_2(
    tmp_path: Path, extra: str, args: tuple[str, ...], why: str
) -> None:
    result = invoke(
        "archive", QQ_URL, "--out", tmp_path / "site", "--config", fast_config(tmp_path, extra), *args
    )
    assert result.exit_code == 2
    assert (
        len(lines(result.output)) == 1
        and lines(result.output)[0].startswith("error: ")
        and why in result.output
    )


def test_robots_refusals_are_one_line_and_exit_1(tmp_path: Path, web: FixtureWeb) -> None:
    serve_qq(web)
    web.add("https://new.qq.com/robots.txt", "User-agent: *\nDisallow: /rain/\n", content_type="text/plain")
    result = invoke("archive", QQ_URL, *network(tmp_path, web, 'obey_robots = "always"\n'))
    assert result.exit_code == 1
    [line] = one_line_each(result.output, [QQ_URL])
    assert line.startswith(f"robots {QQ_URL}: ") and "disallows" in line
    # the default: an on-demand archive does not ask robots.txt
    assert invoke("archive", QQ_URL, *network(tmp_path, web)).exit_code == 0
    # a crawl does
    sources = f'[[sources]]\nname = "qq"\nurls = ["{QQ_URL}"]\n'
    (tmp_path / "crawl").mkdir()
    crawl = invoke(
        "crawl", *network(tmp_path / "crawl", web, archive=sources)
    )  # a fresh archive: not yet known
    body, _, summary = crawl.output.partition("summary: ")
    assert crawl.exit_code == 1 and one_line_each(body, [QQ_URL])[0].startswith(f"robots {QQ_URL}: ")
    assert summary.strip() == "1 failed (1 RobotsDisallowed)"


def test_import_and_reextract_failures_name_the_url(tmp_path: Path, web: FixtureWeb) -> None:
    saved = tmp_path / "saved.html"
    saved.write_bytes(page("qq-article.html"))
    bad = invoke("import", saved, "--url", "javascript:alert(1)", *network(tmp_path, web))
    assert bad.exit_code == 1 and one_line_each(bad.output, ["javascript:alert(1)"])[0].startswith("failed ")
    unknown = "https://mp.weixin.qq.com/s/neverArchived"
    result = invoke("reextract", unknown, "--out", tmp_path / "site", "--config", fast_config(tmp_path))
    failed, summary = lines(result.output)  # one line for the URL, then the run's summary
    assert result.exit_code == 1 and "holds no page" in one_line_each(failed, [unknown])[0]
    assert summary.endswith(": 0 changed, 0 unchanged, 0 skipped (current), 1 failed")


def test_extract_errors_name_the_url(tmp_path: Path) -> None:
    url = "https://example.org/huge.html"
    huge = tmp_path / "huge.html"
    huge.write_bytes(b"<html><body><p>" + b"a" * 41_000_000 + b"</p></body></html>")
    result = invoke("extract", huge, "--url", url)
    assert result.exit_code == 1
    assert (
        lines(result.output) == [lines(result.output)[0]]
        and url in result.output
        and "too large" in result.output
    )
    binary = tmp_path / "binary.html"
    binary.write_bytes(bytes(range(256)) * 64)
    assert invoke("extract", binary, "--url", url).exit_code in (0, 3)  # decoded and typed, no traceback


def test_an_extractor_bug_is_one_line_naming_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: Any, url: str) -> Any:
        raise RuntimeError("lexbor returned nonsense")

    monkeypatch.setattr(scraper, "extract", broken)
    saved = tmp_path / "page.html"
    saved.write_bytes(page("qq-article.html"))
    result = invoke("extract", saved, "--url", QQ_URL)
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = lines(result.output)
    assert QQ_URL in line and "RuntimeError" in line and "lexbor returned nonsense" in line


def test_a_bug_on_one_url_does_not_stop_the_batch(
    tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_wechat(web)
    serve_qq(web)
    real_render = archive.publish.render

    def render(article: Any, bundle: Any, **kw: Any) -> Any:
        if "weixin" in kw["page_url"]:
            raise TypeError("unsupported operand type(s)")
        return real_render(article, bundle, **kw)

    monkeypatch.setattr(archive.publish, "render", render)
    result = invoke("archive", WECHAT_URL, QQ_URL, *network(tmp_path, web))
    assert result.exit_code == 1
    got = one_line_each(result.output, [WECHAT_URL, QQ_URL])
    assert (
        got[0].startswith(f"failed {WECHAT_URL}: ") and "unexpected TypeError" in got[0] and "bug" in got[0]
    )
    assert got[1].startswith(f"archived {QQ_URL} -> ")


def test_an_unexpected_error_outside_a_url_is_still_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(archive.pipeline.Archive, "__init__", broken)
    result = invoke("reextract", "--out", tmp_path / "site", "--config", fast_config(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert lines(result.output) == [
        "error: unexpected RuntimeError: disk controller on fire. This is a wxarchive bug; run again with "
        "WXARCHIVE_DEBUG=1 to see the traceback, and please report it."
    ]


# ---------------------------------------------------------------------- cluster mode


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            ["archive", "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"],
            ["--proxy", "http://127.0.0.1:3128"],
        ),
        (["archive", "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"], ["--no-images"]),
        (["reextract"], ["--dry-run"]),
        (["reextract"], ["--diff", "--jobs", "2"]),
        (["crawl"], ["--ca-bundle", "/etc/ssl/certs/ca-certificates.crt"]),
    ],
)
def test_options_the_cluster_workers_would_ignore_are_refused_before_any_work(
    tmp_path: Path, command: list[str], options: list[str]
) -> None:
    """In cluster mode the workers do the work with their own configuration: an option that acts in
    this process only (a proxy, --no-images, a --dry-run that would write) is refused with exit 2 and
    one line naming it, before the broker is asked (none listens on the port given here)."""
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'[archive]\nroot = "{tmp_path / "site"}"\n[cluster]\nbroker = "redis://127.0.0.1:9/0"\n'
        '[[sources]]\nname = "x"\nurls = ["https://example.com/a"]\n',
        encoding="utf-8",
    )
    result = invoke(*command, *options, "--config", config)
    assert result.exit_code == 2, result.output
    assert "cluster mode" in result.output and options[0] in result.output
    assert not (tmp_path / "site").exists()  # nothing was created, nothing queued
