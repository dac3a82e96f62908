"""The outcome of one URL (:class:`Result`): what every command prints and the catalog records.

The outcomes themselves (archived, unchanged, not_article, failed, robots, deferred, skipped) are
described in :mod:`archive.pipeline`. Why a module of its own: the pipeline and the write path
(:mod:`archive.publish`) both make results, and neither should import the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.images import ImageResult


@dataclass(frozen=True)
class Result:
    """The outcome of one URL."""

    url: str
    outcome: str  # archived | unchanged | not_article | failed | robots | deferred | skipped | known | paused
    path: Path | None = None
    message: str = ""
    stage: str = ""
    error_class: str | None = None
    kind: str | None = None
    images: dict[str, ImageResult] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.outcome in ("archived", "unchanged", "skipped", "known")

    @property
    def images_failed(self) -> int:
        return sum(1 for r in self.images.values() if not r.ok)
