"""Milliseconds per page for the shared cores (HTML → Markdown converter, boilerplate engine) on the
largest WeChat pages of the corpus, next to the whole ``extract`` and trafilatura (when installed).

    python3 bench/convert_speed.py [--pages 7] [--corpus ../shared/corpus]

Each figure is the best of 5 runs on one core (wall clock); the body node is parsed afresh for every
run because ``clean_body`` edits it in place.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from scraper import extract  # noqa: E402
from scraper.boilerplate import clean_body  # noqa: E402
from scraper.markdown import to_markdown  # noqa: E402
from tests.corpus import corpus_dir  # noqa: E402

URL = "https://mp.weixin.qq.com/s/bench"


def best(fn: Callable[[], float | None], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        inner = fn()
        times.append(inner if inner is not None else time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=None)
    args = ap.parse_args()
    base = args.corpus or corpus_dir()
    if base is None:
        sys.exit("the corpus is absent: pass --corpus or set WXARCHIVE_CORPUS")
    files = sorted((base / "raw" / "wechat").glob("*.html"), key=lambda p: -p.stat().st_size)[: args.pages]
    try:
        import trafilatura  # type: ignore[import-not-found]
    except ImportError:
        trafilatura = None
    print(
        f"{'page':28s} {'MB':>4s} {'body KB':>7s} {'parse':>6s} {'to_md':>6s} {'clean':>6s} {'extract':>7s} {'trafil.':>7s}  (ms)"
    )
    for path in files:
        print(row(path, trafilatura))


def row(path: Path, trafilatura: object) -> str:
    html = path.read_text(encoding="utf-8")

    def timed(step: Callable[[object], object]) -> Callable[[], float]:
        def run() -> float:
            node = LexborHTMLParser(html).css_first("#js_content")
            start = time.perf_counter()
            step(node)
            return time.perf_counter() - start

        return run

    body = LexborHTMLParser(html).css_first("#js_content")
    parse = best(lambda: LexborHTMLParser(html) and None)
    conv = best(timed(lambda n: to_markdown(n, URL)))  # type: ignore[arg-type]
    clean = best(timed(lambda n: clean_body(n, site="wechat")))  # type: ignore[arg-type]
    whole = best(lambda: extract(html, URL) and None)
    peer = best(lambda: trafilatura.extract(html) and None, 3) if trafilatura else float("nan")  # type: ignore[attr-defined]
    size = len(body.html or "") / 1000 if body is not None else 0
    return (
        f"{path.name:28s} {len(html) / 1e6:4.1f} {size:7.0f} {parse:6.1f} {conv:6.1f} {clean:6.1f}"
        f" {whole:7.1f} {peer:7.1f}"
    )


if __name__ == "__main__":
    main()
