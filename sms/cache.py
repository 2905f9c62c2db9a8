"""Django's Redis cache, made safe to lose: a Redis outage is a cache miss.

Everything SMS keeps in the cache can be recomputed (report figures, charts, the
analytics data version) or is allowed to be lost (the lead form's rate-limit
counts), so no request should fail because Redis is down. Every operation here
catches Redis errors, logs them and answers as a miss: ``get`` gives the default,
``add``/``delete``/``touch``/``has_key`` give False, ``set`` stores nothing and
``incr`` raises ValueError, the "no such key" answer every caller already handles.

After a connection or timeout error the backend skips Redis for
``OPTIONS["RETRY_AFTER"]`` seconds (a circuit breaker), so a page that makes thirty
cache calls pays one timeout, not thirty, and the outage is logged once per
interval rather than once per call. The breaker is per process and per location.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 10  # seconds without Redis after a connection failure
_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class _Breaker:
    """Remembers, per Redis location, until when Redis is not to be tried."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until: dict[str, float] = {}

    def is_open(self, location: str) -> bool:
        return time.monotonic() < self._open_until.get(location, 0.0)

    def trip(self, location: str, seconds: float) -> bool:
        """Open the breaker; True when it was closed (so the caller logs once)."""
        with self._lock:
            was_closed = location not in self._open_until
            self._open_until[location] = time.monotonic() + seconds
            return was_closed

    def close(self, location: str) -> bool:
        """Close it after a success; True when it had been open."""
        with self._lock:
            return self._open_until.pop(location, None) is not None

    def reset(self) -> None:
        with self._lock:
            self._open_until.clear()


breaker = _Breaker()


def cache_unavailable(location: str) -> bool:
    """Whether this process saw the cache at ``location`` fail in the last few
    seconds (no network round trip)."""
    return breaker.is_open(location)


def _safe(miss):
    """Run the operation against Redis unless the breaker is open; on a Redis
    error, log and return ``miss(args, kwargs)`` instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if breaker.is_open(self._location):
                return miss(args, kwargs)
            try:
                result = method(self, *args, **kwargs)
            except _OUTAGE_ERRORS as exc:
                if breaker.trip(self._location, self._retry_after):
                    logger.warning(
                        "Cache at %s unreachable (%s); serving without it, "
                        "next try in %s s.",
                        self._location,
                        exc.__class__.__name__,
                        self._retry_after,
                    )
                return miss(args, kwargs)
            except RedisError:
                # Not an outage (e.g. INCR on a value that is not a number): this
                # call is a miss, the next one tries Redis as usual.
                logger.warning("Cache %s failed.", method.__name__, exc_info=True)
                return miss(args, kwargs)
            if breaker.close(self._location):
                logger.warning("Cache at %s reachable again.", self._location)
            return result

        return wrapper

    return decorate


def _default(args, kwargs):
    """``get``'s miss: its default argument."""
    if len(args) > 1:
        return args[1]
    return kwargs.get("default")


def _no_key(args, _kwargs):
    raise ValueError(f"Key {args[0]!r} not found (cache unavailable).")


def _false(_args, _kwargs):
    return False


def _none(_args, _kwargs):
    return None


def _empty(_args, _kwargs):
    return {}


def _all_failed(args, _kwargs):
    return list(args[0])  # set_many: the keys that were not stored


class FaultTolerantRedisCache(RedisCache):
    """RedisCache whose outages are misses (see the module docstring).

    ``OPTIONS`` takes ``RETRY_AFTER`` (seconds, default 10) besides the redis-py
    connection options (``socket_connect_timeout``, ``socket_timeout``)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._retry_after = options.pop("RETRY_AFTER", RETRY_AFTER)
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = ",".join(self._servers)

    @_safe(_false)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_safe(_default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_safe(_false)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_safe(_false)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_safe(_false)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_safe(_empty)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_safe(_false)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_safe(_no_key)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_safe(_all_failed)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_safe(_none)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_safe(_false)
    def clear(self):
        return super().clear()
