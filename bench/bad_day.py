"""A bad day, many times: kill -9 at random moments and a disk full at every point of a run.

Not a benchmark of speed: it counts how often the archive held. Each case runs the real ``wxarchive``
against the local fixture web (``tests/fixtureweb.py``) and checks the invariants of issue 11 after
every fault: no bundle folder without ``index.md``, no page without its images, no temp file under
``content/``, a catalog that passes ``PRAGMA integrity_check``, no internal-error line; and after the
next run with space (or without the kill) every article archived once, staging empty.

    python3 bench/bad_day.py --kills 30            # kill -9 of the whole run at random moments of its work
    python3 bench/bad_day.py --disk 40             # 40 amounts of free space on a tmpfs (root only)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.archivekit import QQ_URL, WECHAT_URL, serve_qq, serve_wechat  # noqa: E402
from tests.fixtureweb import FixtureWeb  # noqa: E402
from tests.test_bad_day import (  # noqa: E402
    TERMINAL_JOB,
    bundles_without_page,
    fill,
    integrity,
    missing_images,
)
from tests.test_cli import fast_config  # noqa: E402
from tests.test_robustness import tiny_filesystem  # noqa: E402

URLS = [WECHAT_URL, QQ_URL]


def problems(root: Path, output: str = "") -> list[str]:
    found = []
    if "Traceback" in output or "unexpected" in output:
        found.append("internal error line")
    if bundles_without_page(root):
        found.append("folder without index.md")
    if missing_images(root):
        found.append("page without its images")
    content = root / "content"
    if content.exists() and any(p.name.startswith(".wxa-tmp-") for p in content.rglob("*")):
        found.append("temp file under content/")
    if (root / "catalog.sqlite").exists() and integrity(root) != "ok":
        found.append("catalog integrity")
    return found


def moment(root: Path) -> str:
    """What the killed run had done: nothing, a catalog, a staged bundle, 1 or 2 pages."""
    if not (root / "catalog.sqlite").exists():
        return "before the catalog"
    pages = len(list(root.glob("content/*/*/index.md")))
    staged = (
        [p for p in (root / ".staging").glob("bundle-*") if p.is_dir()]
        if (root / ".staging").exists()
        else []
    )
    if staged:
        return f"{pages} page(s) + a bundle staged"
    return f"{pages} page(s)"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TERMINAL_JOB, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def complete(root: Path, config: Path, env: dict[str, str]) -> list[str]:
    """The run after the fault: everything archived once, staging empty."""
    done = run(["archive", *URLS, "--out", str(root), "--config", str(config)], env)
    found = problems(root, done.stdout + done.stderr)
    if done.returncode != 0:
        found.append(f"rerun exit {done.returncode}")
    if len(list(root.glob("content/*/*/index.md"))) != len(URLS):
        found.append("articles missing or duplicated")
    if any(p.is_dir() for p in (root / ".staging").iterdir()):
        found.append("staging not cleaned")
    return found


def kills(n: int, web: FixtureWeb, work: Path, seed: int) -> None:
    rng = random.Random(seed)
    config = fast_config(work, isolate=True)
    env = {**os.environ, **web.env()}
    start = time.monotonic()
    probe = run(["archive", *URLS, "--out", str(work / "probe"), "--config", str(config)], env)
    span = time.monotonic() - start
    assert probe.returncode == 0, probe.stdout + probe.stderr
    bad: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    held = 0
    for i in range(n):
        root = work / f"kill{i}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TERMINAL_JOB,
                "archive",
                *URLS,
                "--out",
                str(root),
                "--config",
                str(config),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # why wait for the catalog: the first second is Python starting; the kills that matter land
        # while the run writes (catalog, raw store, images, bundles), uniformly over that stretch
        begun = time.monotonic()
        while (
            not (root / "catalog.sqlite").exists() and proc.poll() is None and time.monotonic() - begun < 30
        ):
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, max(0.05, span - (time.monotonic() - begun))))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        state = moment(root)
        stages[state] += 1
        found = (problems(root) if root.exists() else []) + complete(root, config, env)
        bad.update(found)
        held += not found
        print(f"kill {i + 1:3}/{n} ({state}): {', '.join(found) or 'held'}", flush=True)
    print(
        f"kill -9 at random moments (0-{span:.1f} s): {held}/{n} runs held; problems: {dict(bad) or 'none'}"
    )
    print(f"where the kills landed: {dict(stages)}")


def disk(n: int, web: FixtureWeb, work: Path, max_free: int) -> None:
    config = fast_config(work)
    env = {**os.environ, **web.env()}
    outcomes: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    held = 0
    with tiny_filesystem(work / "disk", "8m") as mounted:
        if not mounted:
            sys.exit("the disk sweep mounts a tmpfs: run it as root")
        mount = work / "disk"
        for i in range(n):
            left = i * max_free // n
            root = mount / f"site{i}"
            root.mkdir()
            run(["reindex", "--out", str(root)], env)
            filler = fill(mount, left)
            done = run(["archive", *URLS, "--out", str(root), "--config", str(config)], env)
            filler.unlink()
            out = done.stdout + done.stderr
            kinds = [ln.split(" ")[0] for ln in out.splitlines()]
            outcomes[f"{kinds.count('archived')} archived"] += 1
            for ln in out.splitlines():
                if "while writing" in ln and "not tried" not in ln:
                    what = ln.split("while writing ", 1)[1].split(" for ")[0]
                    outcomes[
                        "full at "
                        + (
                            "the catalog"
                            if "catalog" in what
                            else "raw store"
                            if "raw" in what
                            else "index.md"
                            if what.endswith("index.md")
                            else "an image"
                        )
                    ] += 1
            found = problems(root, out) + complete(root, config, env)
            bad.update(found)
            held += not found
            print(
                f"{left:7} bytes free: {' | '.join(out.splitlines())[:160]} -> {', '.join(found) or 'held'}",
                flush=True,
            )
            shutil.rmtree(root)
    print(f"disk full at {n} points: {held}/{n} held; {dict(outcomes)}; problems: {dict(bad) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=0, help="runs killed with kill -9 at a random moment")
    parser.add_argument("--disk", type=int, default=0, help="amounts of free space to try (needs root)")
    parser.add_argument("--max-free", type=int, default=700_000, help="the most free space tried (bytes)")
    parser.add_argument("--seed", type=int, default=11)
    opts = parser.parse_args()
    with FixtureWeb() as web, tempfile.TemporaryDirectory() as tmp:
        serve_wechat(web)
        serve_qq(web)
        if opts.kills:
            kills(opts.kills, web, Path(tmp), opts.seed)
        if opts.disk:
            disk(opts.disk, web, Path(tmp), opts.max_free)


if __name__ == "__main__":
    main()
