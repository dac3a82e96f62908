"""One account's history (the corpus's ``raw/wechat/savetruth-cl-*``, 40 browser-saved posts, issue 9).

Usage (from the repository root)::

    python3 bench/account_history.py                 # the quality table on all 40 pages
    python3 bench/account_history.py --peers none --failures

The corpus annotates 20 of the pages (``annotations-wechat.json``); the other 20 are annotated in
``bench/savetruth-annotations.json`` by reading their HTML, before any rule was written for them (the
figures before and after are in the README). A temporary corpus folder links to the corpus pages
(nothing is copied into the repository) and the table is ``bench/quality.py --corpus`` on it.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--corpus", help="corpus folder (default: $WXARCHIVE_CORPUS or ../shared/corpus)")
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
    with tempfile.TemporaryDirectory(prefix="wxa-account-") as tmp:
        count = build_corpus(corpus, Path(tmp))
        print(f"# {count} posts of one account's history ({PREFIX}*)")
        return quality.main(["--corpus", tmp, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
