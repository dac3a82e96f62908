"""The test servers themselves: real Redis and PostgreSQL answer on 127.0.0.1, each test isolated."""

from __future__ import annotations

import psycopg
import redis

from tests.servers import PostgresServer, RedisServer


def test_redis_answers_and_each_test_starts_empty(redis_server: RedisServer, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set("k", "v")
        assert client.get("k") == b"v"
        assert redis_server.url == redis_url and "127.0.0.1" in redis_url
    finally:
        client.close()


def test_postgres_gives_each_test_a_fresh_database(postgres_server: PostgresServer, pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE t (x text)")
        conn.execute("INSERT INTO t VALUES ('两个字')")
        assert conn.execute("SELECT x FROM t").fetchone() == ("两个字",)
    assert pg_dsn != postgres_server.new_database()
    assert postgres_server.proc is not None and postgres_server.proc.poll() is None
