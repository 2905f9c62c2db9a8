"""Cached report figures: each tile group, chart and table is computed once per data
version and filters, then served from the cache until the data changes.

The data version is a counter in the shared cache (Redis in production), bumped
after every commit that changes what the figures read: orders and their lines and
payments, opportunities and their stage changes, customers and their
conversations (signals connected in analytics.apps), and bulk writes that bypass
signals (order history imports, demo data: ``orders.signals.orders_bulk_changed``).
A change nobody signals (a raw SQL update, a customer merge moving orders) is
picked up when the entry expires (``TIMEOUT``), so figures are never older than that.

With the cache unreachable every call is a miss (sms/cache.py): figures are
recomputed on each request and writes go on; a bump lost then is made again by
this process once the cache answers.

Keys hold the scope (every customer for managers, the rep's id for a rep), so
managers share one entry per filter set.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from sms.roles import user_is_manager

logger = logging.getLogger(__name__)
VERSION_KEY = "analytics:data-version"
TIMEOUT = 10 * 60
# Bump when the code that computes figures changes, so a deploy never serves
# figures cached by the previous release.
FIGURES_VERSION = 2
_bump_lost = False  # a bump this process could not store (cache down)


def data_version() -> int:
    if _bump_lost:
        data_version_bump()
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache (or a new server): start from the clock, so no number is
        # reused from before and an entry from an older data set is never read.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def data_version_bump() -> None:
    global _bump_lost
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no counter yet, or the cache is unreachable (sms/cache.py)
        if not cache.add(VERSION_KEY, time.time_ns(), None):
            # Neither counted nor created: the cache is down. Bump again as soon
            # as it answers, so figures cached before the outage are not served
            # as current (other processes still see them until TIMEOUT).
            _bump_lost = True
            return
    _bump_lost = False


def data_changed(**_kwargs) -> None:
    """Signal receiver: bump the version now and again once the transaction
    commits. The second bump is the one that matters: a page computed between the
    first and the commit saw the old data and cached it under the new version. The
    first keeps a reader in this same transaction (a test, a shell) from reading
    figures cached before its change."""
    data_version_bump()
    transaction.on_commit(data_version_bump)


def scope_key(user) -> str:
    return "all" if user_is_manager(user) else f"rep{user.pk}"


def figures_cached(name: str, ctx, compute: Callable[[], object]):
    """``compute()``'s result for this figure name and report context, from the
    cache when the data has not changed since it was computed."""
    filters = repr((scope_key(ctx.user), ctx.today, *ctx.filter_key()[1:]))
    digest = hashlib.sha256(filters.encode()).hexdigest()[:32]
    key = f"analytics:figures:v{FIGURES_VERSION}:{name}:{digest}:{data_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        try:
            cache.set(key, value, TIMEOUT)
        except (pickle.PicklingError, AttributeError, TypeError):
            # Something in it cannot be stored (a local function): serve it
            # uncached rather than fail the page.
            logger.warning("analytics figures %s could not be cached", name)
    return value
