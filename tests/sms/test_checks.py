"""The deploy check sms.E001: demo users still having the demo password."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sms.demo_users import DEMO_PASSWORD
from tests.sms.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
# The Makefile's DEPLOY_ENV, as `make checks` runs it.
DEPLOY_ENV = {
    "DEBUG": "False",
    "ALLOWED_HOSTS": "sms.example.com",
    "SECRET_KEY": "check-deploy-9f3c1a7e5b2d4c6e8a0b1d3f5e7c9a2b4d6f8e0a1c3e5b7d9f",
}


@pytest.fixture(autouse=True)
def _async_safety_on(monkeypatch):
    # The browser tests switch Django's async safety off for the whole run, which
    # the deploy check rightly reports (async.E001); a production start has it on.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def _deploy_check() -> str:
    out = StringIO()
    call_command("check", "--deploy", stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_demo_user_with_the_demo_password_fails_the_deploy_check():
    UserFactory(username="rep1", password=DEMO_PASSWORD)
    UserFactory(username="manager", password=DEMO_PASSWORD)
    UserFactory(username="rep2", password="a-real-passphrase-42")
    with pytest.raises(SystemCheckError) as raised:
        _deploy_check()
    message = str(raised.value)
    assert "sms.E001" in message
    assert "Demo users still have the demo password: manager, rep1." in message
    assert "changepassword" in message


@pytest.mark.django_db
def test_the_check_passes_once_the_demo_users_are_fixed():
    changed = UserFactory(username="rep1", password=DEMO_PASSWORD)
    UserFactory(username="admin", password=DEMO_PASSWORD, is_active=False)
    changed.set_password("a-real-passphrase-42")
    changed.save(update_fields=["password"])
    assert "sms.E001" not in _deploy_check()


@pytest.mark.django_db
def test_other_users_are_not_hashed_by_the_check():
    # Only the demo user names are tried (each try is a full password hash).
    UserFactory(username="someone", password=DEMO_PASSWORD)
    assert "sms.E001" not in _deploy_check()


def test_plain_check_does_not_run_it(django_db_blocker):
    # No database access at all without --deploy: the check is deploy-only.
    out = StringIO()
    with django_db_blocker.block():
        call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def _check_in_env(**env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=ROOT,
        env={**base, **DEPLOY_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_makefile_deploy_check_needs_no_database_tables():
    # `make checks` points DATABASE_URL at an empty in-memory SQLite database.
    done = _check_in_env(DATABASE_URL="sqlite://:memory:")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_the_deploy_check_survives_an_unreachable_database():
    done = _check_in_env(DATABASE_URL="postgres://nobody@127.0.0.1:9/nowhere")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
