"""The shared host state of cluster workers on a real Redis: one request in flight per host, the
host's delay between requests, pauses every worker sees, and a separate budget per egress IP."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from dramatiq.rate_limits import ConcurrentRateLimiter

from archive.hostgate import HostPaused, RedisHosts
from scraper.config import CrawlConfig

POLICY = CrawlConfig()
PAUSE_FIRST_S, PAUSE_JITTER, BURST_STATUSES = (
    POLICY.pause_minutes * 60,
    POLICY.pause_jitter,
    POLICY.block_burst,
)


@pytest.fixture
def client(redis_url: str):  # type: ignore[no-untyped-def]
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


def test_one_request_at_a_time_and_the_delay_between_them(client: redis.Redis) -> None:
    delay = 0.08
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def work() -> None:
        hosts = RedisHosts(client, "t")  # each thread its own, as each worker process has
        for _ in range(3):
            with hosts.slot("Example.org", delay):
                start = time.monotonic()
                time.sleep(0.01)  # the request
                end = time.monotonic()
            with lock:
                spans.append((start, end))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans.sort()
    assert len(spans) == 9
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        assert s2 >= e1 + delay - 0.005  # never two at once, and the delay from the end of the previous
    other = RedisHosts(client, "t")
    with other.slot("other.org", delay):  # another host is not held up by example.org
        pass


def test_a_pause_stops_every_worker_before_the_request(client: redis.Redis) -> None:
    one, two = RedisHosts(client, "t"), RedisHosts(client, "t")
    pause = one.trip("mp.weixin.qq.com", "a verification page answered https://mp.weixin.qq.com/s/x")
    low, high = PAUSE_FIRST_S * (1 - PAUSE_JITTER), PAUSE_FIRST_S * (1 + PAUSE_JITTER)
    assert low - 5 <= (pause.until - datetime.now(UTC)).total_seconds() <= high + 5
    sent = []
    with pytest.raises(HostPaused) as err, two.slot("mp.weixin.qq.com", 0.0, "https://mp.weixin.qq.com/s/y"):
        sent.append(1)
    assert sent == [] and err.value.retry_after is not None and err.value.retry_after > 60
    assert "https://mp.weixin.qq.com/s/y was not requested" in str(err.value)
    assert [p.host for p in two.paused()] == ["mp.weixin.qq.com"]
    again = two.trip("mp.weixin.qq.com", "again")
    assert again.trips == 2 and again.until > pause.until  # a repeat pauses longer
    two.recovered("mp.weixin.qq.com")
    assert two.trip("mp.weixin.qq.com", "after a success").trips == 1
    with two.slot("news.qq.com", 0.0):  # other hosts go on
        pass


def test_a_pause_named_by_the_host_is_kept_as_asked_and_then_ends(client: redis.Redis) -> None:
    hosts = RedisHosts(client, "t")
    now = datetime.now(UTC)
    pause = hosts.trip("e.org", "Retry-After", now, seconds=3600)
    assert abs((pause.until - now) - timedelta(hours=1)) < timedelta(seconds=1)
    assert hosts.pause_of("e.org", now + timedelta(hours=2)) is None


def test_a_burst_of_403_or_429_opens_the_breaker(client: redis.Redis) -> None:
    hosts = RedisHosts(client, "t")
    results = [hosts.strike("e.org", 429, f"https://e.org/{i}") for i in range(BURST_STATUSES)]
    assert results[:-1] == [None] * (BURST_STATUSES - 1)
    assert results[-1] is not None and "429" in results[-1].reason
    assert hosts.pause_of("e.org") is not None


def test_each_egress_ip_has_its_own_budget_and_pauses(client: redis.Redis) -> None:
    a, b = RedisHosts(client, "t:egress:a"), RedisHosts(client, "t:egress:b")
    a.trip("mp.weixin.qq.com", "blocked on IP a")
    with b.slot("mp.weixin.qq.com", 10.0):  # IP b is neither paused nor held by a's delay
        pass
    with pytest.raises(HostPaused), a.slot("mp.weixin.qq.com", 0.0):
        pass


def test_a_killed_holders_slot_is_freed_by_its_lease(client: redis.Redis) -> None:
    hosts = RedisHosts(client, "t", lease=0.3)
    dead = ConcurrentRateLimiter(hosts.backend, hosts.key("inflight", "e.org"), limit=1, ttl=300)
    held = dead.acquire(raise_on_failure=False)  # taken and never released: a SIGKILLed worker
    assert held.__enter__()
    assert hosts.ready_in("e.org") > 0
    start = time.monotonic()
    with hosts.slot("e.org", 0.0):
        waited = time.monotonic() - start
    assert 0.1 < waited < 2.0
    assert hosts.ready_in("e.org") == 0.0
    del held
