"""Helpers for the cluster tests: a fixture web of many articles over several hosts, configurations as
TOML files, and real ``wxarchive worker`` processes sharing one Redis and one PostgreSQL.

Everything runs for real: the workers are the CLI in subprocesses, Redis and PostgreSQL are the
session's servers (tests/servers.py), and every page comes from the local fixture web through its proxy.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.archivekit import page
from tests.fixtureweb import FixtureWeb, Request, Response

ROOT = Path(__file__).resolve().parent.parent

_WECHAT = page("wechat-article.html").decode("utf-8")
# the fixture article without its pictures: these tests are about pages, hosts and workers
_WECHAT = re.sub(r"<img[^>]*>", "", _WECHAT)
_WECHAT = re.sub(r'<meta property="og:image"[^>]*>', "", _WECHAT)
_WECHAT = re.sub(r'var msg_cdn_url = "[^"]*";', 'var msg_cdn_url = "";', _WECHAT)
_WECHAT_BODY = re.search(
    r"(<section><p>DeepSeek.*?那么，神话DeepSeek大可不必。</p></section>)", _WECHAT, re.S
)
assert _WECHAT_BODY is not None
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特"
)


def prose(seed: int, paragraphs: int = 6) -> list[str]:
    """Paragraphs of made-up Chinese text, different for every ``seed`` (so no two test articles are
    near-duplicates, which the catalog would link as syndicated copies)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(_HAN) for _ in range(rng.randint(40, 70))) + "。" for _ in range(paragraphs)]


CAPTCHA = (ROOT / "tests" / "fixtures" / "wechat" / "captcha.html").read_bytes()


def wechat_article(n: int) -> tuple[str, bytes]:
    """A distinct WeChat article (its own mid, so its own bundle): (URL, HTML)."""
    url = f"https://mp.weixin.qq.com/s/Tst0Cluster{n:014d}"
    html = _WECHAT.replace('var mid = "2650000001"', f'var mid = "{2650100000 + n}"')
    html = html.replace("https://mp.weixin.qq.com/s/Tst0ArchIveFixture0001", url)
    html = html.replace("落选“果链”：一次测试归档", f"集群测试第{n}篇")
    assert _WECHAT_BODY is not None
    body = "".join(f"<section><p>{p}</p></section>" for p in prose(10_000 + n))
    return url, html.replace(_WECHAT_BODY.group(1), body).encode("utf-8")


def generic_article(host: str, n: int) -> tuple[str, bytes]:
    """A plain news page on ``host`` (the generic extractor): (URL, HTML)."""
    url = f"https://{host}/news/{n:04d}.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in prose(hash((host, n)) & 0xFFFFFF))
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{host} 第{n}篇</title></head><body>"
        f"<article><h1>{host} 第{n}篇</h1><div class='time'>2025-03-0{1 + n % 9} 10:00</div>"
        f"{paragraphs}</article></body></html>"
    )
    return url, html.encode("utf-8")


class Log:
    """Every page request the fixture web answered: (host, URL, arrival time on the monotonic clock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: list[tuple[str, str, float]] = []

    def add(self, host: str, url: str) -> None:
        with self.lock:
            self.hits.append((host, url, time.monotonic()))

    def by_host(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        with self.lock:
            for host, _url, at in self.hits:
                out[host].append(at)
        return {h: sorted(v) for h, v in out.items()}

    def count(self, url: str) -> int:
        with self.lock:
            return sum(1 for _h, u, _a in self.hits if u == url)

    def min_gap(self) -> dict[str, float]:
        """The smallest time between two requests to one host, per host."""
        return {
            h: min((b - a for a, b in zip(times, times[1:], strict=False)), default=float("inf"))
            for h, times in self.by_host().items()
        }


def serve(
    web: FixtureWeb,
    pages: dict[str, bytes],
    log: Log,
    *,
    latency: float = 0.0,
    answer: Callable[[str, int], bytes | None] | None = None,
) -> None:
    """Serve ``pages`` (URL → HTML) on their hosts, logging each request; ``latency`` seconds before
    each answer; ``answer(url, nth request to its host)`` may replace a page (a verification page)."""
    counts: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    hosts = {u.split("/")[2] for u in pages}

    def handler(req: Request) -> Response | None:
        host = req.url.split("/")[2]
        log.add(host, req.url)
        with lock:
            counts[host] += 1
            nth = counts[host]
        if latency:
            time.sleep(latency)
        body = answer(req.url, nth) if answer is not None else None
        if body is None:
            body = pages.get(req.url)
        if body is None:
            return Response(404, b"<html><body>not here</body></html>")
        return Response(200, body)

    for host in hosts:
        web.route(f"https://{host}/", handler)
        # why: the fixture web issues a host's TLS certificate on its first CONNECT (~0.1 s); issued
        # now, it cannot delay a first request's arrival and make two requests look closer than they began
        web._tls_context(host)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(path: Path, sections: dict[str, dict[str, Any]], sources: list[dict[str, Any]] = ()) -> Path:  # type: ignore[assignment]
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
        lines.append("")
    for source in sources:
        lines.append("[[sources]]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in source.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def cluster_config(
    tmp: Path,
    web: FixtureWeb,
    redis_url: str,
    catalog: str,
    *,
    delay: float = 0.2,
    heartbeat: float = 2.0,
    sources: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **fetch: Any,
) -> Path:
    """A configuration file for workers and commands: the fixture web, the archive at ``tmp/site``,
    the shared Redis and catalog (``""``: the SQLite file of the archive root)."""
    return write_config(
        tmp / "cluster.toml",
        {
            "fetch": {
                "proxy": web.proxy_url,
                "ca_bundle": web.ca_bundle,
                "delay": delay,
                "image_delay": delay,
                "retries": 1,
                "connect_timeout": 2.0,
                "read_timeout": 2.0,
                "total_timeout": 3.0,
                **fetch,
            },
            "archive": {"root": str(tmp / "site"), "isolate_extraction": False},
            "cluster": {"broker": redis_url, "catalog": catalog, "heartbeat": heartbeat, "processes": 1},
        },
        sources,
    )


def cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``wxarchive ARGS --config CONFIG`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=_env(),
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_worker(config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "worker", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(),
    )


def stop(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str]:
    """SIGTERM a worker and wait: (exit status, stderr)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    return proc.returncode, err


@contextmanager
def workers(config: Path, count: int, *extra: str) -> Iterator[list[subprocess.Popen[str]]]:
    procs = [start_worker(config, *extra) for _ in range(count)]
    try:
        yield procs
    finally:
        for p in procs:
            stop(p)


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def queues_empty(redis_url: str) -> bool:
    """No message of the cluster's queues is waiting or in progress."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return all(client.hlen(f"wxarchive:{q}.msgs") == 0 for q in ("pages", "crawl", "reextract"))
    finally:
        client.close()
