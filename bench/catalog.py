"""Search and syndication on real pages: detection precision on the corpus, search and lookup latency.

Usage (from the repository root)::

    python3 bench/catalog.py                      # corpus pairs + 3,000-article search figures
    python3 bench/catalog.py --articles 10000 --queries 200

1. **Syndication on the corpus.** Every page of the shared corpus (``raw/*``, the Tencent crawler
   items of ``mirror-src/qq``) is extracted; every pair of article bodies is compared with
   :func:`archive.syndication.similarity` (brute force, the ground truth of the measure), and the
   pairs at or above ``[archive] syndication_threshold`` are printed with their titles, so that a
   person can say whether each is really one article. The ten closest pairs below it show the
   margin. Then the pages are imported into a fresh archive (no network, no images), in corpus
   order, and the links the pipeline made through the LSH buckets are compared with the brute-force
   pairs (a pair the buckets missed would be a false negative of the lookup).
2. **Latency.** ``--articles`` synthetic articles (paragraphs of the corpus bodies drawn at random,
   so the bodies are distinct) are written to a catalog's search index and sketches; then queries
   drawn from the bodies (2, 4 and 6 characters, a Latin word, two terms) are timed through
   :func:`archive.views.search` (ranking, entry grouping and highlighting included), and the
   syndication lookup (:meth:`archive.entries.Entries.place`) is timed for new bodies. Medians and
   95th percentiles of one run, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from archive.catalog import Catalog  # noqa: E402
from archive.entries import Entries  # noqa: E402
from archive.pipeline import Archive, Pipeline  # noqa: E402
from archive.syndication import normalise, similarity  # noqa: E402
from archive.views import search  # noqa: E402
from scraper import extract  # noqa: E402
from scraper.config import config_from_dict  # noqa: E402
from scraper.html import plain_text  # noqa: E402
from tests.corpus import corpus_dir, url_for  # noqa: E402


def corpus_pages(base: Path) -> list[tuple[str, str, Path]]:
    """(file, url, path) of every corpus page, in manifest order."""
    out = []
    for line in (base / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["file"].startswith("mirror-md/"):
            continue
        out.append((rec["file"], url_for(rec), base / rec["file"]))
    return out


def corpus_pairs(
    pages: list[tuple[str, str, Path]], threshold: float, min_chars: int
) -> list[tuple[str, ...]]:
    bodies = {}
    for name, url, path in pages:
        article = extract(path.read_bytes(), url)
        if article.is_article:
            bodies[name] = (
                article.title,
                article.site,
                article.account or "",
                normalise(plain_text(article.body_markdown)),
            )
    print(f"corpus: {len(pages)} pages, {len(bodies)} articles, {len(bodies) * (len(bodies) - 1) // 2} pairs")
    scored = []
    for (a, (ta, sa, aa, na)), (b, (tb, sb, ab, nb)) in combinations(bodies.items(), 2):
        scored.append((similarity(na, nb, min_chars=min_chars), a, b, ta, tb, sa, sb, aa, ab))
    scored.sort(reverse=True)
    above = [s for s in scored if s[0] >= threshold]
    print(f"\npairs at or above the threshold {threshold}: {len(above)}")
    for s, a, b, ta, tb, sa, sb, aa, ab in above:
        print(f"  {s:.3f}  {a} [{sa} {aa}] {ta}\n         {b} [{sb} {ab}] {tb}")
    print("\nthe closest pairs below it:")
    for s, a, b, ta, tb, *_ in [x for x in scored if x[0] < threshold][:10]:
        print(f"  {s:.3f}  {a} ({ta[:24]}) ~ {b} ({tb[:24]})")
    return [tuple(sorted((a, b))) for _, a, b, *_ in above]


def pipeline_links(pages: list[tuple[str, str, Path]], tmp: Path) -> set[tuple[str, str]]:
    """Pairs of pages the pipeline shows as one entry (one bundle: the same catalog row, or a
    syndicated copy and its entry), with the links it made printed."""
    base = config_from_dict({})
    config = replace(base, archive=replace(base.archive, root=str(tmp / "site"), isolate_extraction=False))
    by_url = {url: name for name, url, _ in pages}
    saved = tmp / "page.html"
    shown: dict[str, set[str]] = {}
    started = time.perf_counter()
    with Archive(config) as arc, Pipeline(arc, download_images=False, command="import") as pipe:
        for name, url, path in pages:
            saved.write_bytes(path.read_bytes())
            result = pipe.import_file(saved, url)
            if result.path is not None and result.outcome in ("archived", "unchanged"):
                shown.setdefault(str(result.path), set()).add(name)
        rows = arc.catalog.query(
            "SELECT c.url AS copy, o.url AS original FROM syndication s JOIN articles c ON c.id = s.article "
            "JOIN articles o ON o.id = s.original"
        )
        n = arc.catalog.query("SELECT COUNT(*) AS n FROM articles")[0]["n"]
    took = time.perf_counter() - started
    print(
        f"\npipeline: {len(pages)} pages imported in {took:.1f} s ({n} catalog rows), {len(rows)} syndication link(s)"
    )
    for r in rows:
        print(f"  {by_url.get(r['copy'], r['copy'])} -> entry {by_url.get(r['original'], r['original'])}")
    pairs = set()
    for members in shown.values():
        if len(members) > 1:
            print(f"  one entry: {', '.join(sorted(members))}")
        pairs |= {(a, b) for a, b in combinations(sorted(members), 2)}
    return pairs


def synthetic(base: Path, n: int, tmp: Path, queries: int, seed: int) -> None:
    rng = random.Random(seed)
    paragraphs: list[str] = []
    for _name, url, path in corpus_pages(base):
        article = extract(path.read_bytes(), url)
        if article.is_article:
            paragraphs += [
                p for p in (plain_text(x) for x in article.body_markdown.split("\n\n")) if len(p) >= 20
            ]
    print(f"\nsynthetic archive: {n} articles from {len(paragraphs)} corpus paragraphs")
    config = config_from_dict({}).archive
    with Catalog.open(tmp / "bench.sqlite") as cat:
        entries = Entries(cat, tmp, config)
        bodies = []
        started = time.perf_counter()
        for i in range(n):
            body = "\n".join(rng.sample(paragraphs, 8))
            title = rng.choice(paragraphs)[:24]
            row = cat.upsert_article(
                url=f"https://example.org/{i}", canonical_url=None, site=rng.choice(["wechat", "qq", "163", "sohu"]),
                article_id=f"a{i}", bundle_path=f"content/x/a{i}/index.md", content_hash="", extractor_version="1",
                title=title, published=f"2025-{1 + i % 12:02d}-01T08:00:00+08:00", kind="article", status="archived",
                error=None, raw_id=None, raw_digest=None, updated_at="2025-01-01T00:00:00Z",
            )  # fmt: skip
            with cat.write():
                entries.settle(
                    row, title, body, entries.place("x", f"a{i}", "", title, None, body), staging=tmp
                )
            bodies.append(body)
        took = time.perf_counter() - started
        print(f"  written (text, index, sketch, links) in {took:.1f} s: {1000 * took / n:.2f} ms per article")
        size = sum(p.stat().st_size for p in tmp.glob("bench.sqlite*"))
        print(f"  catalog {size / 2**20:.1f} MiB ({size / n / 1024:.1f} KiB per article)")
        kinds = {
            "2 chars": lambda b: _cjk_slice(rng, b, 2),
            "4 chars": lambda b: _cjk_slice(rng, b, 4),
            "6 chars": lambda b: _cjk_slice(rng, b, 6),
            "two terms": lambda b: _cjk_slice(rng, b, 2) + " " + _cjk_slice(rng, b, 3),
        }
        for label, make in kinds.items():
            times, counts = [], []
            for _ in range(queries):
                q = make(rng.choice(bodies))
                if not q.strip():
                    continue
                t0 = time.perf_counter()
                hits = search(cat, q, limit=20)
                times.append(1000 * (time.perf_counter() - t0))
                counts.append(len(hits))
            print(
                f"  search {label:<9}: median {statistics.median(times):6.2f} ms, "
                f"p95 {sorted(times)[int(0.95 * len(times))]:6.2f} ms, median hits {statistics.median(counts):.0f}"
            )
        from archive.stats import stats
        from archive.views import list_entries

        for label, call in (
            ("list (every entry)", lambda: list_entries(cat)),
            ("stats", lambda: stats(cat, tmp)),
        ):
            t0 = time.perf_counter()
            call()
            print(f"  {label}: {1000 * (time.perf_counter() - t0):.0f} ms")
        times = []
        for _ in range(queries):
            body = "\n".join(rng.sample(paragraphs, 8))
            t0 = time.perf_counter()
            entries.place("x", "new", "", "", None, body)
            times.append(1000 * (time.perf_counter() - t0))
        print(
            f"  syndication lookup of a new body: median {statistics.median(times):.2f} ms, "
            f"p95 {sorted(times)[int(0.95 * len(times))]:.2f} ms"
        )


def _cjk_slice(rng: random.Random, text: str, n: int) -> str:
    import re

    runs = [r for r in re.findall(r"[\u4e00-\u9fff]+", text) if len(r) >= n]
    if not runs:
        return ""
    run = rng.choice(runs)
    at = rng.randrange(0, len(run) - n + 1)
    return run[at : at + n]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--articles", type=int, default=3000, help="synthetic articles for the latency figures"
    )
    parser.add_argument("--queries", type=int, default=100, help="queries per kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-corpus", action="store_true", help="only the latency figures")
    args = parser.parse_args()
    base = corpus_dir()
    if base is None:
        sys.exit("the shared corpus is absent: set WXARCHIVE_CORPUS or place it at ../shared/corpus")
    config = config_from_dict({}).archive
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_corpus:
            pages = corpus_pages(base)
            brute = set(corpus_pairs(pages, config.syndication_threshold, config.syndication_min_chars))
            links = pipeline_links(pages, Path(tmp))
            print(f"\nbrute-force pairs {len(brute)}; shown as one entry by the pipeline {len(links)}; "
                  f"missed: {sorted(brute - links) or 'none'}; merged but below the threshold: "
                  f"{sorted(links - brute) or 'none'}")  # fmt: skip
        synthetic(base, args.articles, Path(tmp), args.queries, args.seed)


if __name__ == "__main__":
    main()
