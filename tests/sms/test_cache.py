"""sms.cache.FaultTolerantRedisCache: a Redis outage is a logged cache miss, paid
once per RETRY_AFTER seconds; and sms.broker.enqueue: a broker outage is a kept
job, paid once per RETRY_AFTER seconds."""

import logging
import time

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCacheClient

from sms import broker
from sms import cache as sms_cache
from sms.cache import FaultTolerantRedisCache, breaker
from sms.tasks import ping
from tests.sms.brokers import DEAD_BROKER, dead_broker

DEAD = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _closed_breakers():
    breaker.reset()
    broker.forget()
    yield
    breaker.reset()
    broker.forget()


def _cache(location=DEAD, **options):
    return FaultTolerantRedisCache(
        location,
        {
            "KEY_PREFIX": "test-outage",
            "OPTIONS": {"socket_connect_timeout": 1, **options},
        },
    )


def test_every_operation_is_a_miss_when_redis_is_down():
    cache = _cache()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is False
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    assert cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    cache.delete_many(["a"])
    with pytest.raises(ValueError):
        cache.incr("k")
    with pytest.raises(ValueError):
        cache.decr("k")
    assert cache.get_or_set("k", lambda: 42) == 42


def test_after_a_failure_redis_is_skipped_and_the_outage_logged_once(
    monkeypatch, caplog
):
    calls = []
    real_get = RedisCacheClient.get

    def counting_get(self, key, default):
        calls.append(key)
        return real_get(self, key, default)

    monkeypatch.setattr(RedisCacheClient, "get", counting_get)
    cache = _cache()
    with caplog.at_level(logging.WARNING, logger="sms.cache"):
        for _ in range(30):
            assert cache.get("k") is None
    assert len(calls) == 1  # one connection attempt, not thirty
    assert len(caplog.records) == 1
    assert "unreachable" in caplog.records[0].getMessage()

    # Once RETRY_AFTER has passed Redis is tried again.
    now = sms_cache.time.monotonic()
    monkeypatch.setattr(sms_cache.time, "monotonic", lambda: now + 11)
    assert cache.get("k") is None
    assert len(calls) == 2


@pytest.mark.broker
def test_the_cache_is_used_again_once_redis_answers(caplog):
    """The breaker closes on the first success against a live Redis."""
    live = settings.CELERY_BROKER_URL
    cache = _cache(live)
    breaker.trip(cache._location, 0)  # as if it had failed a moment ago
    with caplog.at_level(logging.WARNING, logger="sms.cache"):
        assert cache.set("k", "v") is None  # stored
        assert cache.get("k") == "v"
    assert "reachable again" in caplog.text
    assert not breaker.is_open(cache._location)
    cache.delete("k")


def test_a_failed_publish_is_remembered_so_the_next_costs_no_connection(
    monkeypatch,
):
    with dead_broker() as app:
        assert broker.enqueue(ping, ("x",), what="Ping") is None
        assert broker.background_delayed()
        monkeypatch.setattr(
            app, "send_task", lambda *a, **kw: pytest.fail("broker tried again")
        )
        assert broker.enqueue(ping, ("y",), what="Ping") is None


@pytest.mark.django_db
def test_no_delay_notice_while_the_broker_works(settings, manager_client):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    # Eager (no broker): nothing to be delayed, and an error in the task itself
    # says nothing about the broker.
    assert broker.enqueue(ping, ("x",), what="Ping") is not None
    assert not broker.background_delayed()
    with dead_broker():
        assert not broker.background_delayed()  # nothing has failed yet
    assert DEAD_BROKER == DEAD
    page = manager_client.get("/customers/")
    assert page.status_code == 200
    assert 'id="background-delayed"' not in page.content.decode()


def test_a_refused_broker_is_given_up_at_once():
    """kombu's default pauses 2 s before its retry; settings make it retry at once,
    so a refused connection costs the request milliseconds (measured ~0.06 s)."""
    with dead_broker():
        started = time.monotonic()
        assert broker.enqueue(ping, ("x",), what="Ping") is None
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"a refused publish took {elapsed:.2f}s"
