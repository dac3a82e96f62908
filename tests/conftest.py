from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpus import corpus_dir
from tests.fixtureweb import FixtureWeb


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; the test is skipped, with the reason, when it is absent."""
    base = corpus_dir()
    if base is None:
        pytest.skip("the shared corpus is absent: set WXARCHIVE_CORPUS or place it at ../shared/corpus")
    return base


_PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[FixtureWeb]:
    """The local fixture web (an HTTP/HTTPS proxy on 127.0.0.1), started once per test session."""
    with FixtureWeb() as web:
        yield web


@pytest.fixture
def web(fixture_web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureWeb]:
    """The fixture web with no routes and an empty request log.

    The proxy variables of the environment are cleared for the test, so a NO_PROXY (or a stray proxy)
    of the machine can neither bypass nor replace the fixture web: a test points its client at it
    explicitly, with ``web.fetch_config()`` / ``FetchConfig(proxy=web.proxy_url, ca_bundle=web.ca_bundle)``
    or with ``monkeypatch.setenv`` of ``web.env()``.
    """
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    fixture_web.reset()
    yield fixture_web
    fixture_web.reset()
