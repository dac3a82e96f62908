"""Milliseconds per page for the shared cores (HTML → Markdown converter, boilerplate engine) on the
largest WeChat pages of the corpus, next to the whole ``extract`` and trafilatura (when installed).

    python3 bench/convert_speed.py [--pages 7] [--corpus ../shared/corpus]
    python3 bench/convert_speed.py --all     # every annotated page: the cores' totals per site

Each figure is the best of 5 runs on one core (wall clock); the body node is parsed afresh for every
run because ``clean_body`` edits it in place. ``--all`` records, while ``extract`` runs on every
annotated page, the body each core receives (as adapters hand it over), then times the cores alone
on those bodies (CPU time, best of 7 passes): the figures the speed work on the cores is judged by.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser, LexborNode  # noqa: E402

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
    ap.add_argument("--all", action="store_true", help="cores' totals over every annotated page, per site")
    args = ap.parse_args()
    base = args.corpus or corpus_dir()
    if base is None:
        sys.exit("the corpus is absent: pass --corpus or set WXARCHIVE_CORPUS")
    if args.all:
        corpus_totals(base)
        return
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


def corpus_totals(base: Path) -> None:
    """clean_body and to_markdown alone on the bodies the adapters give them, summed per site."""
    import scraper.sites._common as common
    from tests.corpus import annotations, site_of, url_for

    calls: list[tuple[str, str, str, dict[str, str]]] = []  # (site folder, core, body html, arguments)
    site = ""
    clean, convert = common.clean_body, common.to_markdown

    def record_clean(node: LexborNode, **kw: str) -> object:
        calls.append((site, "clean", node.html or "", kw))
        return clean(node, **kw)

    def record_convert(node: LexborNode, base_url: str) -> object:
        calls.append((site, "md", node.html or "", {"base_url": base_url}))
        return convert(node, base_url)

    common.clean_body, common.to_markdown = record_clean, record_convert  # type: ignore[assignment]
    try:
        for record in annotations():
            site = site_of(record)
            extract((base / record["file"]).read_bytes(), url_for(record))
    finally:
        common.clean_body, common.to_markdown = clean, convert

    def timed(core: str) -> dict[str, float]:
        nodes = [(s, LexborHTMLParser(h).body, kw) for s, c, h, kw in calls if c == core]
        totals: dict[str, float] = {}
        for s, node, kw in nodes:
            start = time.process_time()
            clean_body(node, **kw) if core == "clean" else to_markdown(node, kw["base_url"])  # type: ignore[arg-type]
            totals[s] = totals.get(s, 0.0) + time.process_time() - start
        return totals

    best = {core: [timed(core) for _ in range(7)] for core in ("clean", "md")}
    sites = sorted({s for s, *_ in calls})
    print(f"{'site':10s} {'bodies':>6s} {'clean_body':>10s} {'to_markdown':>11s}  (ms, CPU, best of 7)")
    for s in [*sites, "all"]:
        picked = sites if s == "all" else [s]
        clean_ms = min(sum(run.get(x, 0.0) for x in picked) for run in best["clean"]) * 1000
        md_ms = min(sum(run.get(x, 0.0) for x in picked) for run in best["md"]) * 1000
        bodies = sum(1 for x, c, *_ in calls if c == "md" and x in picked)
        print(f"{s:10s} {bodies:6d} {clean_ms:10.1f} {md_ms:11.1f}")


if __name__ == "__main__":
    main()
