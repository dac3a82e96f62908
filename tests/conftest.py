from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpus import corpus_dir
from tests.fixtureweb import FixtureWeb
from tests.servers import PostgresServer, RedisServer, postgres_bindir, redis_binary


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


# ---------------------------------------------------------------------- real servers (issue 12)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Debian's redis-server on 127.0.0.1 (free port, own directory), once per test session.

    Skipped, with the reason, only when the binary is absent; ``.ci/run`` installs it.
    """
    if redis_binary() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (free port, own data directory), once per session.

    Skipped, with the reason, only when Debian's binaries are absent; ``.ci/run`` installs them.
    """
    if postgres_bindir() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    with PostgresServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of the session's Redis, emptied for this test."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def pg_dsn(postgres_server: PostgresServer) -> str:
    """The DSN of a fresh, empty PostgreSQL database for this test."""
    return postgres_server.new_database()
