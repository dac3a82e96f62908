"""Bytes stored per article, measured on the real pages of the shared corpus (for docs/SCALING.md).

Each page is imported as ``wxarchive import`` would (no network: images are not downloaded), so the
figures are the raw store's WARC bytes (gzip per record, as written) and the bundle's ``index.md``.
Pictures are measured separately, on the pages saved by a browser with their ``_files`` folder: the
pictures an article shows (decorations and emoji of 40 px or less left out, as the archiver drops or
keeps them inline), their count and bytes.

    python3 bench/storage.py            # ../shared/corpus, or $WXARCHIVE_CORPUS
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean, median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.pipeline import Archive, Pipeline  # noqa: E402
from scraper.config import config_from_dict  # noqa: E402
from tests.corpus import corpus_dir  # noqa: E402

DECORATION_PX = 40  # why: the archiver keeps pictures of 40 px or less inline as emoji, or drops them


def main() -> None:
    base = corpus_dir()
    if base is None:
        sys.exit("the shared corpus is absent: set WXARCHIVE_CORPUS or place it at ../shared/corpus")
    entries = [
        json.loads(ln) for ln in (base / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if ln
    ]
    config = config_from_dict({})
    config = dataclasses.replace(
        config,
        archive=dataclasses.replace(config.archive, isolate_extraction=False),
        images=dataclasses.replace(config.images, download=False),
    )
    by_site: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # site -> (html, warc, index.md)
    with tempfile.TemporaryDirectory() as tmp:
        for i, entry in enumerate(entries):
            root = Path(tmp) / f"a{i}"
            url = entry.get("url") or f"https://example.org/corpus/{i}.html"
            with Archive(
                dataclasses.replace(config, archive=dataclasses.replace(config.archive, root=str(root)))
            ) as archive:
                with Pipeline(archive, download_images=False, command="import") as pipe:
                    result = pipe.import_file(base / entry["file"], url)
            if result.outcome != "archived" or result.path is None:
                continue
            warc = sum(p.stat().st_size for p in (root / "raw").glob("*.warc.gz"))
            by_site[entry["site"]].append(
                ((base / entry["file"]).stat().st_size, warc, result.path.stat().st_size)
            )
    print("site       pages  html KB (mean)  WARC KB (mean)  index.md KB (mean)")
    every = []
    for site, rows in sorted(by_site.items()):
        every.extend(rows)
        print(
            f"{site:<10} {len(rows):>5}  {mean(r[0] for r in rows) / 1024:>14.1f}  "
            f"{mean(r[1] for r in rows) / 1024:>14.1f}  {mean(r[2] for r in rows) / 1024:>18.1f}"
        )
    print(
        f"{'all':<10} {len(every):>5}  {mean(r[0] for r in every) / 1024:>14.1f}  "
        f"{mean(r[1] for r in every) / 1024:>14.1f}  {mean(r[2] for r in every) / 1024:>18.1f}"
    )
    pictures(base)


def pictures(base: Path) -> None:
    from PIL import Image

    counts, sizes = [], []
    for folder in sorted(base.glob("raw/*/*_files")):
        kept = []
        for f in folder.iterdir():
            try:
                with Image.open(f) as im:
                    w, h = im.size
            except Exception:  # noqa: BLE001 - scripts and stylesheets saved beside the page
                continue
            if max(w, h) > DECORATION_PX:
                kept.append(f.stat().st_size)
        counts.append(len(kept))
        sizes.extend(kept)
    if not counts:
        return
    print(
        f"\npictures (pages saved with their files: {len(counts)}): {mean(counts):.1f} per article "
        f"(median {median(counts):.0f}), {mean(sizes) / 1024:.0f} KB each (median {median(sizes) / 1024:.0f} KB), "
        f"{mean(counts) * mean(sizes) / 1024 / 1024:.2f} MB per article"
    )


if __name__ == "__main__":
    main()
