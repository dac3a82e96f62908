"""Quality and speed of wxarchive against the generic extractors, on the shared corpus, in one run.

Usage (from the repository root)::

    python3 bench/quality.py                          # everything installed, all sites
    python3 bench/quality.py --sites 163,sina --peers trafilatura --repeat 3 --json out.json

For every annotated corpus page (annotations-wechat.json + annotations-other.json) each extractor
runs once (the warm-up, whose output is scored), then ``--repeat`` timed passes measure
``time.process_time`` per extractor and site (one process, one core). wxarchive is timed end to end
from the saved bytes (``scraper.extract``: decode + adapter + cleaning + Markdown); peers get the
HTML wxarchive decoded, so our decoding counts against us. ``wxa-generic`` is our generic fallback
forced on every page (what a site without an adapter gets).

Scores (snippets and bodies compared with white space removed, like the golden tests):

* keep: share of the must-keep snippets found in the text, over article pages (a refused page
  keeps nothing);
* clean: share of the boilerplate snippets absent, over article pages the tool gave text for;
* title: exact title, over article pages with an annotated title (a text share without a title of
  its own: its first line, ``tests.corpus.expected_title``; the annotations give its whole text);
* date: right calendar day (China time) over the pages where the tool gave a date; ``cov`` is the
  share of dated pages where it gave one;
* refused: non-article pages (deleted, expired, rate-limited …) refused: a typed non-article kind for
  wxarchive, no text / None for a peer;
* pages/s: pages per second of CPU time on one core; ``×`` is how many times faster wxarchive is;
  ``Δ`` columns are wxarchive's score minus the peer's, in points.

A second table gives the character 4-gram F1 of the body against the hand-cleaned texts of
``expected/`` (cwced cleaned.txt, Readability's gmw expected.html). Peers that are not installed are
skipped with a note (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.metrics import F1, char_ngram_f1, normalize, snippet_in  # noqa: E402
from bench.peers import (  # noqa: E402
    PEER_PACKAGES,
    PEERS,
    Extractor,
    Output,
    Page,
    prepare_text,
    safe,
    version,
    wxarchive,
    wxarchive_generic,
)

SITES = ("wechat", "qq", "163", "sina", "sohu", "toutiao", "baijiahao", "other")
ARTICLE_KINDS = frozenset({"article", "picshare", "textshare", "video", "repost"})
CHINA = "+08:00"


# ------------------------------------------------------------------------------------------------
# corpus


def find_corpus(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("WXARCHIVE_CORPUS"):
        candidates.append(Path(os.environ["WXARCHIVE_CORPUS"]))
    candidates += [ROOT.parent / "shared" / "corpus", Path.cwd().parent / "shared" / "corpus"]
    return next((c.resolve() for c in candidates if (c / "manifest.jsonl").is_file()), None)


def load_records(corpus: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for name in ("annotations-wechat.json", "annotations-other.json"):
        path = corpus / name
        if path.is_file():
            records.extend(json.loads(path.read_text(encoding="utf-8")))
    return records


def site_of(record: dict[str, Any]) -> str:
    parts = record["file"].split("/")
    return parts[1] if parts[0] in ("raw", "mirror-src") else parts[0]


def url_for(record: dict[str, Any]) -> str:
    from tests.corpus import url_for as corpus_url

    return corpus_url(record)


def load_pages(corpus: Path, records: list[dict[str, Any]]) -> list[Page]:
    pages = []
    for rec in records:
        raw = (corpus / rec["file"]).read_bytes()
        url = url_for(rec)
        text, peer_url = prepare_text(raw, url)
        pages.append(Page(rec["file"], site_of(rec), peer_url, raw, text))
    return pages


# ------------------------------------------------------------------------------------------------
# scoring


@dataclass
class Score:
    pages: int = 0
    keep: int = 0
    keep_total: int = 0
    clean: int = 0
    clean_total: int = 0
    title: int = 0
    title_total: int = 0
    date_ok: int = 0
    date_given: int = 0
    date_total: int = 0
    refused: int = 0
    refused_total: int = 0
    typed: int = 0  # ours: the exact non-article kind
    errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            if name == "failures":
                self.failures.extend(other.failures)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def share(num: int, den: int) -> float | None:
        return num / den if den else None

    def row(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "keep": self.share(self.keep, self.keep_total),
            "clean": self.share(self.clean, self.clean_total),
            "title": self.share(self.title, self.title_total),
            "date": self.share(self.date_ok, self.date_given),
            "date_coverage": self.share(self.date_given, self.date_total),
            "refused": self.share(self.refused, self.refused_total),
            "refused_count": f"{self.refused}/{self.refused_total}",
            "typed": self.share(self.typed, self.refused_total),
            "errors": self.errors,
            "seconds": self.seconds,
            "pages_per_second": self.pages / self.seconds if self.seconds else None,
        }


def day_of(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.fromisoformat("2000-01-01T00:00:00" + CHINA).tzinfo)
        return value.date()
    return value


def score_page(rec: dict[str, Any], out: Output, ours: bool) -> Score:
    s = Score(pages=1, errors=1 if out.error else 0)
    kind = rec["kind"]
    if kind not in ARTICLE_KINDS:
        s.refused_total = 1
        s.refused = 1 if out.refused else 0
        s.typed = 1 if ours and out.kind == kind else 0
        if not out.refused:
            s.failures.append(f"{rec['file']}: not refused")
        return s
    body = normalize(out.text)
    withs, withouts = rec.get("with", []), rec.get("without", [])
    present = [w for w in withs if normalize(w) in body] if body else []
    s.keep, s.keep_total = len(present), len(withs)
    if body:
        kept = [w for w in withouts if snippet_in(w, body)]
        s.clean, s.clean_total = len(withouts) - len(kept), len(withouts)
        s.failures += [f"{rec['file']}: boilerplate kept: {w[:40]}" for w in kept]
    s.failures += [f"{rec['file']}: missing: {w[:40]}" for w in withs if w not in present]
    if rec.get("title"):
        from tests.corpus import expected_title  # a text share's title is its first line (issue 9)

        s.title_total = 1
        s.title = 1 if normalize(out.title) == normalize(expected_title(rec)) else 0
    if rec.get("published"):
        s.date_total = 1
        got = day_of(out.published)
        if got is not None:
            s.date_given = 1
            s.date_ok = 1 if got == day_of(datetime.fromisoformat(rec["published"])) else 0
    return s


# ------------------------------------------------------------------------------------------------
# hand-cleaned set (4-gram F1)


def hand_cleaned(corpus: Path) -> dict[str, str]:
    """Corpus file → hand-cleaned reference text."""
    refs: dict[str, str] = {}
    cwced = corpus / "expected" / "cwced"
    if cwced.is_dir():
        for folder in sorted(cwced.iterdir()):
            matches = sorted(corpus.glob(f"raw/*/cwced-*-{folder.name}.html"))
            if matches and (folder / "cleaned.txt").is_file():
                refs[str(matches[0].relative_to(corpus))] = (folder / "cleaned.txt").read_text(
                    encoding="utf-8"
                )
    cleaned = corpus / "expected" / "cleaned"  # <page file stem>.txt (bench/gne_pages.py builds these)
    if cleaned.is_dir():
        for ref in sorted(cleaned.glob("*.txt")):
            matches = sorted(corpus.glob(f"raw/*/{ref.stem}.html"))
            if matches:
                refs[str(matches[0].relative_to(corpus))] = ref.read_text(encoding="utf-8")
    gmw = corpus / "expected" / "readability-gmw" / "expected.html"
    if gmw.is_file():
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(gmw.read_text(encoding="utf-8"))
        root = tree.body or tree.root
        if root is not None:
            refs["raw/other/readability-gmw.html"] = root.text(deep=True, separator="\n")
    return refs


# ------------------------------------------------------------------------------------------------
# running


def run_all(extractors: list[Extractor], pages: list[Page]) -> dict[str, list[Output]]:
    """The scored pass (also the warm-up of the timed passes)."""
    return {ex.name: [ex.run(page) for page in pages] for ex in extractors}


def time_all(extractors: list[Extractor], pages: list[Page], repeat: int) -> dict[str, dict[str, float]]:
    """CPU seconds per extractor and site, the mean of ``repeat`` passes over the same pages."""
    by_site: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_site[page.site].append(page)
    seconds: dict[str, dict[str, float]] = {ex.name: defaultdict(float) for ex in extractors}
    for _ in range(repeat):
        for ex in extractors:
            for site, group in by_site.items():
                gc.collect()
                start = time.process_time()
                for page in group:
                    ex.run(page)
                seconds[ex.name][site] += (time.process_time() - start) / repeat
    return seconds


def environment(extractors: list[Extractor], missing: list[str]) -> dict[str, Any]:
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        rev = ""
    packages = {"wxarchive": f"{version('wxarchive')} ({rev or 'no git'})"}
    for name in ("selectolax", "lxml"):
        packages[name] = version(name)
    for ex in extractors:
        if not ex.ours:
            packages[ex.package] = version(ex.package)
    return {
        "command": " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv]),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": packages,
        "missing": missing,
    }


def pct(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:5.1f}"


def delta(ours: float | None, peer: float | None) -> str:
    if ours is None or peer is None:
        return "   - "
    return f"{100 * (ours - peer):+5.1f}"


def print_report(report: dict[str, Any], names: list[str]) -> None:
    env = report["environment"]
    print(f"# bench/quality.py — {env['command']}")
    print(f"# python {env['python']} on {env['platform']}, {env['cpus']} CPUs; process_time, one core")
    print("# " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()))
    for note in env["missing"]:
        print(f"# skipped: {note}")
    print(f"# {report['pages']} pages, {report['repeat']} timed pass(es) after one scored warm-up pass")
    print()
    header = (
        f"{'site':9} {'extractor':12} {'pages':>5} {'keep%':>6} {'clean%':>6} {'title%':>6} {'date%':>6} "
        f"{'cov%':>5} {'refused':>8} {'pages/s':>8} {'Δkeep':>6} {'Δclean':>6} {'Δtitle':>6} {'×speed':>7}"
    )
    print(header)
    print("-" * len(header))
    ours_name = names[0]
    for site in [*report["sites"], "overall"]:
        rows = report["table"][site]
        ours = rows.get(ours_name)
        for name in names:
            r = rows.get(name)
            if r is None:
                continue
            speed = r["pages_per_second"]
            line = (
                f"{site:9} {name:12} {r['pages']:5d} {pct(r['keep']):>6} {pct(r['clean']):>6} "
                f"{pct(r['title']):>6} {pct(r['date']):>6} {pct(r['date_coverage']):>5} "
                f"{r['refused_count'] if r['refused'] is not None else '-':>8} "
                f"{speed if speed is not None else 0:8.1f}"
            )
            if name != ours_name and ours is not None:
                ratio = (ours["pages_per_second"] or 0) / speed if speed else None
                line += (
                    f" {delta(ours['keep'], r['keep']):>6} {delta(ours['clean'], r['clean']):>6}"
                    f" {delta(ours['title'], r['title']):>6} {(f'{ratio:6.1f}x' if ratio else '   -'):>7}"
                )
            print(line)
        print()
    if ours_name in report["table"]["overall"]:
        typed = report["table"]["overall"][ours_name]["typed"]
        print(
            f"wxarchive non-articles with the exact annotated kind (deleted, expired …): {pct(typed).strip()} %"
        )
        print()
    f1 = report["f1"]
    if f1["pages"]:
        print(
            "Character 4-gram F1 of the body against the hand-cleaned text (expected/: cwced, readability-gmw, cleaned)"
        )
        head = f"{'page':38}" + "".join(f" {n:>12}" for n in names)
        print(head)
        print("-" * len(head))
        for page in f1["pages"]:
            print(f"{page:38}" + "".join(f" {f1['scores'][n][page]['f1']:12.3f}" for n in names))
        print(f"{'mean F1 (per page)':38}" + "".join(f" {f1['mean'][n]:12.3f}" for n in names))
        print(f"{'mean precision':38}" + "".join(f" {f1['precision'][n]:12.3f}" for n in names))
        print(f"{'mean recall':38}" + "".join(f" {f1['recall'][n]:12.3f}" for n in names))
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sites", default=",".join(SITES), help="comma-separated corpus sites (default: all)"
    )
    parser.add_argument(
        "--peers", default=",".join(PEERS), help=f"comma-separated peers among {','.join(PEERS)}, or 'none'"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the full results as JSON")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes after the scored one (default 1)")
    parser.add_argument("--corpus", help="corpus folder (default: $WXARCHIVE_CORPUS or ../shared/corpus)")
    parser.add_argument("--failures", action="store_true", help="list wxarchive's missed/kept snippets")
    args = parser.parse_args(argv)

    corpus = find_corpus(args.corpus)
    if corpus is None:
        print("error: corpus not found; pass --corpus or set WXARCHIVE_CORPUS", file=sys.stderr)
        return 2
    sites = [s for s in args.sites.split(",") if s]
    unknown = [s for s in sites if s not in SITES]
    wanted = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    bad_peers = [p for p in wanted if p not in PEERS]
    if unknown or bad_peers or args.repeat < 1:
        print(f"error: unknown sites {unknown} / peers {bad_peers} (or --repeat < 1)", file=sys.stderr)
        return 2

    extractors = [safe(wxarchive()), safe(wxarchive_generic())]
    missing: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in wanted:
            ex = PEERS[name]()
            if ex is None:
                missing.append(f"{name} (not installed: pip install {PEER_PACKAGES[name]}, or -e '.[bench]')")
            else:
                extractors.append(safe(ex))
    names = [ex.name for ex in extractors]

    records = [r for r in load_records(corpus) if site_of(r) in sites]
    pages = load_pages(corpus, records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = run_all(extractors, pages)
        seconds = time_all(extractors, pages, args.repeat)

    table: dict[str, dict[str, dict[str, Any]]] = {}
    site_order = [s for s in sites if any(p.site == s for p in pages)]
    failures: dict[str, list[str]] = {}
    for ex in extractors:
        total = Score()
        for site in site_order:
            score = Score()
            for rec, page, out in zip(records, pages, outputs[ex.name], strict=True):
                if page.site == site:
                    score.add(score_page(rec, out, ex.ours))
            score.seconds = seconds[ex.name].get(site, 0.0)
            table.setdefault(site, {})[ex.name] = score.row()
            total.add(score)
        table.setdefault("overall", {})[ex.name] = total.row()
        failures[ex.name] = total.failures

    refs = hand_cleaned(corpus)
    by_file = {p.file: i for i, p in enumerate(pages)}
    f1_pages = [f for f in refs if f in by_file]
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for ex in extractors:
        scores[ex.name] = {}
        for f in f1_pages:
            got: F1 = char_ngram_f1(outputs[ex.name][by_file[f]].text, refs[f])
            scores[ex.name][Path(f).stem] = {"precision": got.precision, "recall": got.recall, "f1": got.f1}

    def mean(name: str, key: str) -> float:
        values = [v[key] for v in scores[name].values()]
        return sum(values) / len(values) if values else 0.0

    report = {
        "environment": environment(extractors, missing),
        "pages": len(pages),
        "repeat": args.repeat,
        "sites": site_order,
        "table": table,
        "f1": {
            "pages": [Path(f).stem for f in f1_pages],
            "scores": scores,
            "mean": {n: mean(n, "f1") for n in names},
            "precision": {n: mean(n, "precision") for n in names},
            "recall": {n: mean(n, "recall") for n in names},
        },
        "failures": failures,
        "outputs": {
            ex.name: [
                {
                    "file": p.file,
                    "refused": o.refused,
                    "kind": o.kind,
                    "title": o.title,
                    "error": o.error,
                    "published": o.published.isoformat() if o.published else None,
                    "chars": len(normalize(o.text)),
                }
                for p, o in zip(pages, outputs[ex.name], strict=True)
            ]
            for ex in extractors
        },
    }
    print_report(report, names)
    if args.failures:
        for line in failures[names[0]]:
            print(f"  {line}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
