"""`wxarchive reextract` on archives of corpus pages repeated to 2,000 and 10,000 pages.

For each size it prints, in one run, pages per second of the installed `wxarchive reextract`:

- **unchanged**: nothing changed since the bundles were built (every page is current: skipped
  without being read), with 1 and with 2 worker processes;
- **rule change**: one rule of ``config/boilerplate.toml`` changed, which touches the copies of one
  corpus article; every page is read again (the rules' fingerprint changed) and exactly those
  copies are rewritten. With 1 job the rule is added, with 2 jobs it is taken away again (the same
  work: every page rebuilt, the same articles rewritten), so the archive ends as it began;

and for every run its CPU seconds, the peak resident memory of the writer (the command's own
process) and of the largest worker, and the ratios: milliseconds per page unchanged, 2 jobs over 1
after a rule change, memory at 10,000 pages over 2,000.

The archives are built once and kept in ``--cache`` (default ``~/.cache/wxarchive-bench``): the
corpus's article pages (``../shared/corpus`` or ``$WXARCHIVE_CORPUS`` or ``--corpus``) repeated with
distinct URLs *and* article ids (each copy's id-bearing token — the WeChat ``mid``, the Tencent
article id … — is rewritten in its URL and its bytes, and every page kept is checked to give a new
id per copy), stored in the raw store as imported pages, then built by ``wxarchive reextract``
itself (its time is printed too). No images (offline, as `import --no-images`).

The rule change is made without touching the source tree: a copy of the ``wxarchive_config``
package with the changed rule is put first on ``PYTHONPATH`` of the command.

Run from the repository (its ``wxarchive`` on PATH, e.g. in its venv)::

    python3 bench/reextract.py                      # 2,000 and 10,000 pages (about 20 min on 2 cores)
    python3 bench/reextract.py --sizes 2000 --json out.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NON_ARTICLES = {"deleted", "violation", "unavailable", "expired", "rate_limited", "profile", "not_article"}
FORMAT = 3  # bump when the way archives are built changes: cached ones are rebuilt


def corpus_dir(given: str | None) -> Path:
    for cand in (given, os.environ.get("WXARCHIVE_CORPUS"), HERE.parent.parent / "shared" / "corpus"):
        if cand and (Path(cand) / "manifest.jsonl").is_file():
            return Path(cand)
    sys.exit("The corpus was not found: pass --corpus DIR or set WXARCHIVE_CORPUS.")


# ---------------------------------------------------------------------- the pages


@dataclasses.dataclass(frozen=True)
class Page:
    file: str
    url: str
    token: str  # the id-bearing string rewritten in each copy
    body: bytes
    index: int  # the page's place in the pool: part of each copy's token, so copies never collide

    def copy(self, n: int) -> tuple[str, bytes]:
        """The n-th copy: URL and bytes with the token rewritten (same length, digits for its end)."""
        tag = f"{self.index:03d}{n:05d}"
        new = self.token[: -len(tag)] + tag if len(self.token) > len(tag) else tag
        url = self.url.replace(self.token, new)
        if url == self.url:
            url += ("&" if "?" in url else "?") + f"wxabench={n}"
        return url, self.body.replace(self.token.encode(), new.encode())


def _tokens(article_id: str) -> Iterator[str]:
    yield article_id
    yield from sorted((p for p in re.split(r"[_\-]", article_id) if len(p) >= 9), key=len, reverse=True)


def pool(corpus: Path) -> list[Page]:
    """Article pages of the corpus whose copies each get their own article id (checked on two copies)."""
    from scraper import extract

    pages: list[Page] = []
    seen: set[str] = set()  # URLs and article ids: the corpus has a few articles saved twice
    for name in ("annotations-wechat.json", "annotations-other.json"):
        for rec in json.loads((corpus / name).read_text(encoding="utf-8")):
            if rec["kind"] in NON_ARTICLES or not rec.get("url") or rec["url"] in seen:
                continue
            body = (corpus / rec["file"]).read_bytes()
            first = extract(body, rec["url"])
            if not first.is_article or not first.article_id or first.article_id in seen:
                continue
            seen.update((rec["url"], first.article_id))
            for token in _tokens(first.article_id):
                if len(token) < 9 or token.encode() not in body:
                    continue
                page = Page(rec["file"], rec["url"], token, body, len(pages))
                ids = {first.article_id}
                for n in (1, 2):
                    got = extract(*reversed(page.copy(n)))
                    if got.is_article and got.body_markdown == first.body_markdown:
                        ids.add(got.article_id)
                if len(ids) == 3:
                    pages.append(page)
                    break
    return pages


# ---------------------------------------------------------------------- building an archive


def build(root: Path, pages: list[Page], size: int, wxarchive: list[str]) -> dict[str, Any]:
    """An archive of ``size`` copies, stored as imported pages, then built by `wxarchive reextract`."""
    from archive.pipeline import Archive
    from scraper.config import config_from_dict

    shutil.rmtree(root, ignore_errors=True)
    base = config_from_dict({})
    config = dataclasses.replace(base, archive=dataclasses.replace(base.archive, root=str(root)))
    when = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    with Archive(config) as archive:
        for start in range(0, size, 500):  # why: one catalog commit per 500 records, not one each
            with archive.catalog.write():
                for i in range(start, min(size, start + 500)):
                    page = pages[i % len(pages)]
                    url, body = page.copy(i // len(pages) + 1)
                    archive.rawstore.put_resource(url, body, "text/html", when)
    stored = time.perf_counter() - started
    first = run(wxarchive, root, jobs=2)
    if first["report"]["counts"]["failed"]:
        sys.exit(f"building {root} failed for some pages: {first['report']['failed'][:3]}")
    (root / "bench.json").write_text(json.dumps({"format": FORMAT, "size": size, "pages": len(pages)}))
    return {"store_seconds": stored, "first": first}


def cached(root: Path, size: int, pages: list[Page]) -> bool:
    try:
        info = json.loads((root / "bench.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(info == {"format": FORMAT, "size": size, "pages": len(pages)})


# ---------------------------------------------------------------------- one run


def run(wxarchive: list[str], root: Path, *, jobs: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One `wxarchive reextract --json` on ``root``: wall time, CPU of it and its workers, its report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [*wxarchive, "reextract", "--out", str(root), "--jobs", str(jobs), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"wxarchive reextract failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report = json.loads(proc.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"jobs": jobs, "wall": wall, "cpu": cpu, "report": report}


# ---------------------------------------------------------------------- the rule change


def rule_target(pages: list[Page]) -> tuple[Page, str]:
    """A page with a short paragraph no other page has: a rule removing it touches that article only."""
    from scraper import extract
    from scraper.html import plain_text

    texts = [re.sub(r"\s+", "", plain_text(extract(p.body, p.url).body_markdown)) for p in pages]
    for page, text in zip(pages, texts, strict=True):
        others = "".join(t for t in texts if t is not text)
        for line in extract(page.body, page.url).body_markdown.splitlines():
            if line.startswith(("#", "!", "-", "*", ">", "|", "[", "1")):
                continue  # a paragraph of prose, not markup
            core = re.sub(r"\s+", "", plain_text(line))  # a block is matched with its spaces removed
            if 13 <= len(core) <= 40 and "'" not in core and core not in others:
                return page, core
    raise SystemExit("no page has a short paragraph of its own")


def changed_rules(tmp: Path, core: str) -> Path:
    """A copy of the wxarchive_config package whose [ad] label list also removes the paragraph ``core``."""
    dest = tmp / "wxarchive_config"
    source = resources.files("wxarchive_config")
    with resources.as_file(source) as src:
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    pack = dest / "boilerplate.toml"
    text = pack.read_text(encoding="utf-8")
    assert "\nlabel = [\n" in text, "config/boilerplate.toml has no [ad] label list"
    pack.write_text(
        text.replace("\nlabel = [\n", f"\nlabel = [\n  '{re.escape(core)}',\n", 1), encoding="utf-8"
    )
    return tmp


# ---------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "wxarchive-bench"))
    parser.add_argument("--rebuild", action="store_true", help="build the archives again")
    parser.add_argument("--json", dest="json_out", help="write every figure to this file")
    args = parser.parse_args()
    wxarchive = [shutil.which("wxarchive") or sys.exit("wxarchive is not on PATH")]
    corpus = corpus_dir(args.corpus)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"$ {' '.join(sys.argv)}")
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    pages = pool(corpus)
    print(f"{len(pages)} corpus article pages whose copies get their own article ids")
    out: dict[str, Any] = {"command": sys.argv, "pages": len(pages), "sizes": {}}
    target, removed = rule_target(pages)
    with tempfile.TemporaryDirectory(prefix="wxa-bench-rules-") as tmp:
        rules_dir = changed_rules(Path(tmp), removed)
        changed_env = {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(rules_dir), os.environ.get("PYTHONPATH")]))
        }
        print(f"rule change: [ad] label += {removed!r} (a paragraph of {target.file} only)")
        check = (
            "import sys; from scraper import extract; from scraper.html import plain_text; "
            "a = extract(open(sys.argv[1], 'rb').read(), sys.argv[2]); "
            "sys.exit(sys.argv[3] in plain_text(a.body_markdown).replace(' ', ''))"
        )
        source = str(corpus / target.file)
        if subprocess.run(
            [sys.executable, "-c", check, source, target.url, removed], env={**os.environ, **changed_env}
        ).returncode:
            sys.exit("the changed rule does not remove the paragraph: the bench cannot measure a rule change")
        for size in sizes:
            root = Path(args.cache) / f"reextract-{size}"
            figures: dict[str, Any] = {}
            if args.rebuild or not cached(root, size, pages):
                print(f"building {root} ({size} pages) …", flush=True)
                figures["build"] = build(root, pages, size, wxarchive)
                b = figures["build"]
                print(f"  stored in {b['store_seconds']:.1f} s; first reextract (2 jobs) "
                      f"{b['first']['wall']:.1f} s = {size / b['first']['wall']:.0f} pages/s")  # fmt: skip
            expected = sum(1 for i in range(size) if pages[i % len(pages)] is target)
            figures["unchanged-1"] = run(wxarchive, root, jobs=1)
            figures["unchanged-2"] = run(wxarchive, root, jobs=2)
            figures["changed-1"] = run(wxarchive, root, jobs=1, env=changed_env)
            figures["changed-2"] = run(wxarchive, root, jobs=2)  # the rule taken away again
            figures["expected_changed"] = expected
            out["sizes"][size] = figures
            report(size, figures)
    summary(out)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2, default=str))


def report(size: int, f: dict[str, Any]) -> None:
    print(f"\n{size} pages")
    print(f"  {'run':<26}{'jobs':>5}{'wall s':>9}{'pages/s':>9}{'ms/page':>9}{'CPU s':>8}"
          f"{'changed':>9}{'skipped':>9}{'writer MB':>10}{'worker MB':>10}")  # fmt: skip
    for key, label in (
        ("unchanged-1", "unchanged"),
        ("unchanged-2", "unchanged"),
        ("changed-1", "rule change (added)"),
        ("changed-2", "rule change (taken away)"),
    ):
        r = f[key]
        counts, rss = r["report"]["counts"], r["report"].get("peak_rss_kb", {})
        print(f"  {label:<26}{r['jobs']:>5}{r['wall']:>9.2f}{size / r['wall']:>9.0f}"
              f"{1000 * r['wall'] / size:>9.2f}{r['cpu']:>8.1f}{counts['changed']:>9}{counts['skipped']:>9}"
              f"{rss.get('writer', 0) / 1024:>10.0f}{rss.get('worker', 0) / 1024:>10.0f}")  # fmt: skip
    print(f"  expected changed after the rule change: {f['expected_changed']} (the copies of one article)")


def summary(out: dict[str, Any]) -> None:
    print("\nratios")
    sizes = sorted(out["sizes"])
    for size in sizes:
        f = out["sizes"][size]
        unchanged = min(f["unchanged-1"]["wall"], f["unchanged-2"]["wall"])
        speedup = f["changed-1"]["wall"] / f["changed-2"]["wall"]
        cpu = f["changed-1"]["cpu"] / f["changed-2"]["cpu"]
        exact = all(
            f[k]["report"]["counts"]["changed"] == f["expected_changed"] for k in ("changed-1", "changed-2")
        )
        print(f"  {size:>6} pages: unchanged {1000 * unchanged / size:.3f} ms/page (goal < 2); rule change 2 jobs "
              f"vs 1: ×{speedup:.2f} wall (goal ≥ 1.8), CPU ratio {cpu:.2f}; rewrote exactly the "
              f"touched copies: {'yes' if exact else 'NO'}")  # fmt: skip
    if len(sizes) >= 2:
        small, big = out["sizes"][sizes[0]], out["sizes"][sizes[-1]]
        for who in ("writer", "worker"):
            a = max(
                small[k]["report"]["peak_rss_kb"].get(who, 0)
                for k in ("changed-1", "changed-2", "unchanged-1")
            )
            b = max(
                big[k]["report"]["peak_rss_kb"].get(who, 0) for k in ("changed-1", "changed-2", "unchanged-1")
            )
            print(f"  peak memory of the {who}: {a / 1024:.0f} MB at {sizes[0]} pages, {b / 1024:.0f} MB at "
                  f"{sizes[-1]} (×{b / a:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
