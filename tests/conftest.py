"""Project-wide test set-up: test-only settings, markers that skip with a reason, and
a real Celery worker for tests that need one."""

import pytest
from django.conf import settings

from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    no_postgres = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms"
    )
    no_broker = pytest.mark.skip(
        reason="needs a Celery broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(no_postgres)
        if "broker" in item.keywords and not settings.CELERY_BROKER_URL:
            item.add_marker(no_broker)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests run with DEBUG off and no collectstatic: plain storage, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _fresh_analytics_figures():
    """Each test is a new data set: cached report figures from another test (the
    cache is Redis when a broker is configured) must not be read."""
    from analytics.cache import data_version_bump

    data_version_bump()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process, unless the test asked for a real worker."""
    from sms.celery import app

    if "celery_worker" in request.fixturenames:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker):
    from celery.contrib.testing.worker import start_worker

    from sms.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with (
        django_db_blocker.unblock(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(_celery_worker_session, transactional_db):
    """A real Celery worker (in a thread) consuming from CELERY_BROKER_URL.

    Transactional: the worker has its own database connection, so it only sees
    committed rows. Mark the test ``broker`` so it is skipped without a broker.
    """
    _celery_worker_session.conf.task_always_eager = False
    return _celery_worker_session


@pytest.fixture
def rep(db):
    return RepFactory()


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
