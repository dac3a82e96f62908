"""One account's history (the corpus's ``raw/wechat/savetruth-cl-*``, 40 browser-saved posts, issue 9).

Usage (from the repository root)::

    python3 bench/account_history.py                 # the quality table on all 40 pages
    python3 bench/account_history.py --peers none --failures
    python3 bench/account_history.py --archive       # the account learning at work (below)

The corpus annotates 20 of the pages (``annotations-wechat.json``); the other 20 are annotated in
``bench/savetruth-annotations.json`` by reading their HTML, before any rule was written for them (the
figures before and after are in the README). A temporary corpus folder links to the corpus pages
(nothing is copied into the repository) and the table is ``bench/quality.py --corpus`` on it.

``--archive`` archives the 40 posts in date order through ``wxarchive import`` (no network: the
pictures saved beside 8 of them are read from their folders, the others keep their remote URL) into
two temporary archives, one learning account templates and one with the rules alone
(``[archive] account_templates = false``), and scores the bodies of the bundles of the last 20
posts: must-keep snippets present and boilerplate snippets absent, with and without learning. Then
it runs ``reextract`` on the learning archive and counts the earlier posts rewritten under the
template learned meanwhile.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench import quality  # noqa: E402
from bench.metrics import snippet_in  # noqa: E402

PREFIX = "raw/wechat/savetruth-cl-"
ANNOTATIONS = ROOT / "bench" / "savetruth-annotations.json"


def records(corpus: Path) -> list[dict[str, Any]]:
    """The 40 pages' annotations: the corpus's own, then ours, in date order."""
    ours = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    theirs = json.loads((corpus / "annotations-wechat.json").read_text(encoding="utf-8"))
    found = [r for r in theirs if r["file"].startswith(PREFIX)] + ours
    return sorted(found, key=lambda r: r["file"])


def build_corpus(corpus: Path, folder: Path) -> int:
    """A corpus folder in the shared corpus's layout holding the account's pages (links, no copies)."""
    found = records(corpus)
    (folder / "raw").symlink_to(corpus / "raw")
    (folder / "annotations-wechat.json").write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    (folder / "annotations-other.json").write_text("[]", encoding="utf-8")
    (folder / "manifest.jsonl").write_text("", encoding="utf-8")
    return len(found)


def archive_run(
    corpus: Path, folder: Path, *, learning: bool
) -> tuple[dict[str, Path], list[Any], list[Any]]:
    """Import every post in date order into a new archive at ``folder``: (file → bundle index.md,
    the import results, the results of a reextract afterwards)."""
    import dataclasses

    from archive.pipeline import Archive, Pipeline
    from scraper.config import config_from_dict
    from tests.corpus import url_for

    base = config_from_dict({})
    config = dataclasses.replace(
        base,
        archive=dataclasses.replace(base.archive, root=str(folder), account_templates=learning),
    )
    bundles: dict[str, Path] = {}
    results = []
    with Archive(config) as arch, Pipeline(arch, command="import", download_images=False) as pipe:
        for rec in records(corpus):
            result = pipe.import_file(corpus / rec["file"], url_for(rec))
            results.append(result)
            if result.path is not None:
                bundles[rec["file"]] = result.path
    with Archive(config) as arch, Pipeline(arch, command="reextract", download_images=False) as pipe:
        again = pipe.reextract()
    return bundles, results, again


def body_text(index: Path) -> str:
    from scraper.html import plain_text

    text = index.read_text(encoding="utf-8")
    return plain_text(text.split("\n---\n", 1)[1] if text.startswith("---") else text)


def score(recs: list[dict[str, Any]], bundles: dict[str, Path]) -> tuple[float, float, list[str]]:
    """(must-keep present %, boilerplate absent %, misses) over the articles of ``recs``."""
    keep = kept_total = clean = clean_total = 0
    misses = []
    for rec in recs:
        if rec["kind"] not in quality.ARTICLE_KINDS or rec["file"] not in bundles:
            continue
        body = body_text(bundles[rec["file"]])
        for s in rec["with"]:
            kept_total += 1
            if snippet_in(s, body):
                keep += 1
            else:
                misses.append(f"{rec['file']}: must-keep missing: {s}")
        for s in rec["without"]:
            clean_total += 1
            if not snippet_in(s, body):
                clean += 1
            else:
                misses.append(f"{rec['file']}: boilerplate kept: {s}")
    return 100.0 * keep / max(1, kept_total), 100.0 * clean / max(1, clean_total), misses


def archive_report(corpus: Path) -> int:
    recs = records(corpus)
    later = recs[len(recs) // 2 :]
    print(
        f"# {len(recs)} posts imported in date order; scored: the last {len(later)} ({later[0]['file']} on)"
    )
    with tempfile.TemporaryDirectory(prefix="wxa-account-archive-") as tmp:
        runs = {}
        for learning in (False, True):
            name = "with learning" if learning else "rules alone"
            runs[name] = archive_run(corpus, Path(tmp) / name.replace(" ", "-"), learning=learning)
        print()
        print(f"{'archive':<16} {'posts':>5} {'keep%':>6} {'clean%':>6}  template cuts  reextract rewrote")
        for name, (bundles, results, again) in runs.items():
            keep, clean, misses = score(later, bundles)
            cuts = sum(1 for r in results if "account template" in r.message and "cut" in r.message)
            rewrote = [r for r in again if r.outcome == "archived" and "cut" in r.message]
            print(f"{name:<16} {len(later):>5} {keep:6.1f} {clean:6.1f}  {cuts:>13}  {len(rewrote):>17}")
            for miss in misses:
                print(f"    {miss}")
        learned = [r.message for r in runs["with learning"][1] if "now has" in r.message]
        saved = [r.message for r in runs["with learning"][1] if "read from" in r.message]
        print()
        print(
            f"template changes while importing: {len(learned)}; imports reading saved pictures: {len(saved)}"
        )
        for message in learned:
            print(f"    {message[message.index('The account template') :]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--corpus", help="corpus folder (default: $WXARCHIVE_CORPUS or ../shared/corpus)")
    parser.add_argument("--archive", action="store_true", help="import the posts in date order, learning")
    parser.add_argument("-h", "--help", action="store_true")
    args, rest = parser.parse_known_args(argv)
    if args.help:
        print(__doc__)
        print("Other options are bench/quality.py's (--peers, --repeat, --failures, --json).")
        return 0
    corpus = quality.find_corpus(args.corpus)
    if corpus is None:
        print("error: corpus not found; pass --corpus or set WXARCHIVE_CORPUS", file=sys.stderr)
        return 2
    if args.archive:
        return archive_report(corpus)
    with tempfile.TemporaryDirectory(prefix="wxa-account-") as tmp:
        count = build_corpus(corpus, Path(tmp))
        print(f"# {count} posts of one account's history ({PREFIX}*)")
        return quality.main(["--corpus", tmp, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
