"""Handing work to Celery without ever failing the request.

Everything SMS sends to a worker is first a row in the database (an outbox e-mail,
a job, a low-stock alert), written in the request's transaction; the message on the
broker only says "do it now". So when the broker is unreachable ``enqueue`` logs,
returns None and leaves the row for its sweep, which sends it once the broker is
back. It never raises and never hangs long: after a failed publish the broker is
skipped for RETRY_AFTER seconds, so one request pays the connect timeout, not
every one.

The same in-process memory tells pages that background work is delayed
(``background_delayed``: the banner in base.html, no network round trip), and
``BrokerNoticeMiddleware`` adds a message to the action whose work was kept for
later. It is per process: another gunicorn worker learns of the outage on its own
first failed publish (or from its own cache errors, when the cache is on the
broker's Redis).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER = 10  # seconds the broker is not tried after a failed publish
NOTICE_FOR = 5 * 60  # seconds pages say work is delayed after the last failure

_lock = threading.Lock()
_failures: dict[str, tuple[float, float]] = {}  # broker url: (last failure, skip until)
_kept_in_request: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "sms_broker_kept", default=None
)


def _broker_url(app) -> str:
    return str(app.conf.broker_url or "")


def enqueue(task, args=(), kwargs=None, *, what: str):
    """``task.apply_async(args, kwargs)``, or None when the broker cannot take it
    now (``what`` names the kept work in the log). Never raises: the caller's row
    is the source of truth and its sweep sends it later."""
    app = task.app
    url = _broker_url(app)
    eager = app.conf.task_always_eager
    if not eager and _skipping(url):
        _kept(what, reason="broker unreachable a moment ago")
        return None
    try:
        result = task.apply_async(args, kwargs=kwargs, retry=False)
    except Exception as exc:
        if eager:  # the task itself failed in-process: nothing about the broker
            logger.warning("%s failed in-process.", what, exc_info=True)
            return None
        _failed(url)
        _kept(what, reason=exc.__class__.__name__, exc_info=True)
        return None
    if not eager:
        _succeeded(url)
    return result


def _skipping(url: str) -> bool:
    failure = _failures.get(url)
    return failure is not None and time.monotonic() < failure[1]


def _failed(url: str) -> None:
    now = time.monotonic()
    with _lock:
        _failures[url] = (now, now + RETRY_AFTER)


def _succeeded(url: str) -> None:
    with _lock:
        if _failures.pop(url, None) is not None:
            logger.warning("Job queue reachable again.")


def _kept(what: str, *, reason: str, exc_info: bool = False) -> None:
    logger.warning(
        "%s not sent to the job queue (%s); kept for the sweep.",
        what,
        reason,
        exc_info=exc_info,
    )
    kept = _kept_in_request.get()
    if kept is not None:
        kept.append(what)


def forget() -> None:
    """Forget every failure (tests; a broker known to be back)."""
    with _lock:
        _failures.clear()


def _same_server(url_a: str, url_b: str) -> bool:
    a, b = urlsplit(url_a), urlsplit(url_b)
    return (a.hostname, a.port or 6379) == (b.hostname, b.port or 6379)


def background_delayed() -> bool:
    """Whether this process knows the job queue is unreachable: a publish failed in
    the last NOTICE_FOR seconds, or the cache on the same Redis is failing now.
    Memory only, no network."""
    from sms.celery import app

    if app.conf.task_always_eager:
        return False
    url = _broker_url(app)
    failure = _failures.get(url)
    if failure is not None and time.monotonic() - failure[0] < NOTICE_FOR:
        return True
    cache_url = settings.CACHES.get("default", {}).get("LOCATION", "")
    if isinstance(cache_url, str) and cache_url.startswith("redis") and url:
        from sms.cache import cache_unavailable

        return cache_unavailable(cache_url) and _same_server(cache_url, url)
    return False


def delayed_message() -> str:
    return _(
        "Background work is delayed: e-mails and jobs are kept and will be sent "
        "when the job queue is back."
    )


class BrokerNoticeMiddleware:
    """Tells the user when the action they just took left work for later (its
    e-mail or job could not be handed to the job queue). Sits after
    MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _kept_in_request.set([])
        try:
            response = self.get_response(request)
            if _kept_in_request.get() and hasattr(request, "_messages"):
                messages.warning(request, delayed_message())
        finally:
            _kept_in_request.reset(token)
        return response
