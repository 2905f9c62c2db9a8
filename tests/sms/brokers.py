"""A Celery broker that is down, for tests of what happens then."""

import os
from contextlib import contextmanager

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _pools_forget(app) -> None:
    """Forget the app's cached pools so the next publish uses the current URL. (Not
    closed: kombu keeps producer pools per URL and would hand a closed one back.)
    Also forget remembered publish failures (sms.broker), so one test's outage does
    not hold back the next test's publishes."""
    from sms import broker

    app._pool = None
    app.amqp._producer_pool = None
    broker.forget()


@contextmanager
def dead_broker():
    """Inside the block Celery publishes to a dead broker, not eagerly. Celery reads
    CELERY_BROKER_URL from the environment before its own setting, so that is
    swapped too: otherwise a run with a real broker would publish there."""
    from sms.celery import app

    saved_env = {
        name: os.environ.get(name)
        for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL")
    }
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    os.environ["CELERY_BROKER_URL"] = DEAD_BROKER
    os.environ.pop("CELERY_BROKER_WRITE_URL", None)
    app.conf.broker_url, app.conf.task_always_eager = DEAD_BROKER, False
    _pools_forget(app)
    try:
        assert app.connection_for_write().port == 1  # really the dead one
        yield app
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        app.conf.broker_url, app.conf.task_always_eager = previous
        _pools_forget(app)
