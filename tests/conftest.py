from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import corpus_dir


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; the test is skipped, with the reason, when it is absent."""
    base = corpus_dir()
    if base is None:
        pytest.skip("the shared corpus is absent: set WXARCHIVE_CORPUS or place it at ../shared/corpus")
    return base
