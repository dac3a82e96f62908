"""Crawl throughput and memory against the local fixture web with real latency.

A fixture web (``tests/fixtureweb.py``, an HTTP proxy on 127.0.0.1) answers every request after
``--latency`` seconds (default 100 ms). It serves N articles spread evenly over 8 page hosts, each
article with 5 pictures of its own on its page host's image host (``img<i>.bench.test``). One crawl
source (a file of the N URLs) lists them; ``wxarchive crawl`` runs as its own process, exactly as cron
would run it, with ``delay`` between two requests to a page host and ``image_delay`` for image hosts.

Ideal wall time: hosts side by side, each host's requests one after the other with its delay between
the end of one response and the next request (the crawl's politeness rule). A page host makes
1 (robots.txt) + n requests: ``(n + 1)·latency + n·delay``; an image host makes 5n:
``5n·latency + (5n − 1)·image_delay``, and cannot start before its first page was fetched
(``2·latency + delay``). The ideal is the largest of these; the crawl's wall time is measured from the
start of the process to its exit (start-up, catalog, extraction and writing included).

Peak memory is the crawl process's maximum resident set (``wait4`` rusage); the extraction worker
processes are not counted (their size does not depend on N).

    python3 bench/crawl.py                       # 200 and 1,000 articles at the default delays (~6 min)
    python3 bench/crawl.py --sizes 200 --delay 0.3 --image-delay 0   # where local work is the limit
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtureweb import FixtureWeb, make_png  # noqa: E402

HOSTS = 8
IMAGES = 5
HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些"
    "然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公"
)


def prose(seed: int, chars: int = 900) -> str:
    """A body of its own (near-identical bodies would be linked as one syndicated article)."""
    rng = random.Random(seed)
    return "".join(rng.choice(HANZI) + ("。" if i % 23 == 22 else "") for i in range(chars))


def serve(web: FixtureWeb, n: int) -> list[str]:
    """N articles over the page hosts, 5 pictures each on the image hosts; returns the article URLs."""
    urls = []
    for a in range(n):
        host = a % HOSTS
        url = f"http://news{host}.bench.test/a/{a}.html"
        pictures = []
        for k in range(IMAGES):
            src = f"http://img{host}.bench.test/p/{a}-{k}.png"
            web.add(src, make_png(64, 48, (a % 256, (a // 256) % 256, 40 * k)), content_type="image/png")
            pictures.append(f'<p><img src="{src}" alt="图{k}" width="640" height="480"></p>')
        text = prose(a)
        paras = "".join(f"<p>{text[i : i + 150]}</p>" for i in range(0, len(text), 150))
        title = f"第{a}篇：基准测试文章"
        web.add(
            url,
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body><article>'
            f"<h1>{title}</h1>{paras[: len(paras) // 2]}{''.join(pictures)}{paras[len(paras) // 2 :]}</article></body></html>",
        )
        urls.append(url)
    return urls


def ideal(n: int, latency: float, delay: float, image_delay: float) -> float:
    per_host = n / HOSTS
    page_host = (per_host + 1) * latency + per_host * delay
    image_requests = per_host * IMAGES
    image_host = 2 * latency + delay + image_requests * latency + (image_requests - 1) * image_delay
    return max(page_host, image_host)


def run(n: int, args: argparse.Namespace, web: FixtureWeb, workdir: Path) -> dict[str, float]:
    web.reset()
    web.latency = args.latency
    urls = serve(web, n)
    (workdir / f"urls-{n}.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    root = workdir / f"site-{n}"
    config = workdir / f"crawl-{n}.toml"
    config.write_text(
        f"[fetch]\ndelay = {args.delay}\nimage_delay = {args.image_delay}\nretries = 1\n\n"
        f'[archive]\nroot = "{root}"\n\n[crawl]\nconcurrency = {args.concurrency}\n\n'
        f'[[sources]]\nname = "bench"\nfile = "{workdir / f"urls-{n}.txt"}"\nmax_entries = {n}\n',
        encoding="utf-8",
    )
    env = {**os.environ, **web.env()}
    command = [sys.executable, "-c", "from archive.cli import main; main()", "crawl", "--config", str(config)]
    out_path, err_path = workdir / f"out-{n}.txt", workdir / f"err-{n}.txt"
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        start = time.monotonic()
        proc = subprocess.Popen(command, env=env, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)  # why wait4: the rusage of this child alone
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    out = out_path.read_text(encoding="utf-8")
    peak_kib = usage.ru_maxrss
    archived = sum(1 for line in out.splitlines() if line.startswith("archived "))
    if proc.returncode != 0 or archived != n:
        print(out[-2000:], err_path.read_text(encoding="utf-8")[-2000:], file=sys.stderr)
        raise SystemExit(
            f"the crawl of {n} articles did not archive them all ({archived}, exit {proc.returncode})"
        )
    best = ideal(n, args.latency, args.delay, args.image_delay)
    requests = len(web.requests)
    return {
        "n": n,
        "wall": wall,
        "ideal": best,
        "ratio": wall / best,
        "peak_mib": peak_kib / 1024,
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000", help="article counts (default 200,1000)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer (0.1)")
    parser.add_argument(
        "--delay", type=float, default=2.0, help="[fetch] delay per page host (2.0, the default)"
    )
    parser.add_argument(
        "--image-delay", type=float, default=0.2, help="[fetch] image_delay (0.2, the default)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="[crawl] concurrency (16)")
    args = parser.parse_args()
    print(f"# {' '.join(sys.argv)}")
    print(
        f"# {HOSTS} page hosts, {IMAGES} pictures per article on {HOSTS} image hosts, latency {args.latency} s, "
        f"delay {args.delay} s, image_delay {args.image_delay} s, concurrency {args.concurrency}, {os.cpu_count()} cores"
    )
    print(f"{'articles':>8} {'requests':>8} {'wall s':>8} {'ideal s':>8} {'ratio':>6} {'peak MiB':>9}")
    with FixtureWeb() as web, tempfile.TemporaryDirectory(prefix="wxarchive-bench-crawl-") as tmp:
        # the same process must do the same work at every size: warm nothing, share nothing
        for n in (int(s) for s in args.sizes.split(",")):
            r = run(n, args, web, Path(tmp))
            print(
                f"{int(r['n']):>8} {int(r['requests']):>8} {r['wall']:>8.1f} {r['ideal']:>8.1f} "
                f"{r['ratio']:>5.2f}× {r['peak_mib']:>9.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
