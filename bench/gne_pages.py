"""The quality table of ``bench/quality.py`` on pages the shared corpus does not have: the test pages
of GNE's source distribution on PyPI (``gne==0.4.3``) that are not in ../shared/corpus.

Usage (from the repository root)::

    python3 bench/gne_pages.py                                  # all peers installed
    python3 bench/gne_pages.py --peers trafilatura --repeat 3 --failures

The sdist is fetched once with ``pip download`` (the package index is all it needs) into
``--cache`` (default ``~/.cache/wxarchive-bench``). Its 44 pages that no corpus file comes from:
11 articles of the portal sites (163, Sina, Toutiao, Baijiahao, ifeng, The Paper, WeChat), 28 of
other Chinese news, government, company and blog sites, one Korean page, and 4 list pages (163,
a 163 forum, a Baidu Tieba bar) that must be refused. The annotations (``bench/gne-annotations.json``: title, date, author, must-keep and
boilerplate snippets) were written by annotators who read the HTML and never ran an extractor on
it; the hand-cleaned bodies for the 4-gram F1 are in ``bench/gne-cleaned/``. The pages were first
scored before any rule was changed for them; see the README for both figures. Nothing of the pages
is copied into the repository: a temporary corpus folder links to the unpacked sdist and the run
is ``bench/quality.py --corpus`` on it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench import quality  # noqa: E402

PACKAGE = "gne==0.4.3"
SDIST = "gne-0.4.3.tar.gz"
ANNOTATIONS = ROOT / "bench" / "gne-annotations.json"
CLEANED = ROOT / "bench" / "gne-cleaned"
PORTALS = {"163": "163", "sina": "sina", "toutiao": "toutiao", "baijiahao": "baijiahao", "wechat": "wechat"}


def fetch(cache: Path) -> Path:
    """The unpacked sdist folder, downloaded and unpacked on first use."""
    unpacked = cache / SDIST.removesuffix(".tar.gz")
    if (unpacked / "tests").is_dir():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / SDIST).is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                PACKAGE,
                "-d",
                str(cache),
            ],  # fmt: skip
            check=True,
        )
    with tarfile.open(cache / SDIST) as tar:
        tar.extractall(cache, filter="data")
    return unpacked


def site_for(path: str) -> str:
    """``tests/sina/3.html`` → ``sina``; ifeng, The Paper and every other site → ``other``."""
    return PORTALS.get(path.split("/")[1], "other")


def build_corpus(sdist: Path, folder: Path) -> int:
    """A corpus folder in the shared corpus's layout whose pages link to the sdist's files."""
    records = []
    for record in json.loads(ANNOTATIONS.read_text(encoding="utf-8")):
        name = record["file"].removesuffix(".html").replace("/", "_")
        target = folder / "raw" / site_for(record["file"]) / f"{name}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(sdist / record["file"])
        cleaned = CLEANED / f"{name}.txt"
        if cleaned.is_file():
            (folder / "expected" / "cleaned").mkdir(parents=True, exist_ok=True)
            (folder / "expected" / "cleaned" / cleaned.name).symlink_to(cleaned)
        records.append({**record, "file": str(target.relative_to(folder))})
    (folder / "manifest.jsonl").write_text(
        "".join(json.dumps({"file": r["file"], "source": PACKAGE}) + "\n" for r in records), encoding="utf-8"
    )
    (folder / "annotations-other.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return len(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "wxarchive-bench"))
    parser.add_argument("-h", "--help", action="store_true")
    args, rest = parser.parse_known_args(argv)
    if args.help:
        print(__doc__)
        print("Other options are bench/quality.py's (--peers, --repeat, --failures, --json).")
        return 0
    sdist = fetch(Path(args.cache))
    with tempfile.TemporaryDirectory(prefix="wxa-gne-") as tmp:
        count = build_corpus(sdist, Path(tmp))
        print(f"# {count} pages of {PACKAGE}'s sdist that are not in the shared corpus")
        return quality.main(["--corpus", tmp, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
