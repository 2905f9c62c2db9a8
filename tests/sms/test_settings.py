"""Settings are read from the environment: checked in a fresh interpreter each time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "test-only-7Qm2Vx9Lk4Rz8Bn1Ht6Yp3Wd5Fs0Cj7Gu2Ea9Ko4Xi8Nl1Mb6"


def _settings_in_env(code: str, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "sms.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_development_defaults_are_sqlite_and_in_process_tasks():
    done = _settings_in_env(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.EMAIL_BACKEND, s.DEBUG)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]


def test_environment_selects_postgres_redis_and_smtp():
    done = _settings_in_env(
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.SMS_CURRENCY, s.TIME_ZONE)",
        DATABASE_URL="postgres://u:p@db.internal:5432/salesdb",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mailer:secret@smtp.internal:587",
        SMS_CURRENCY="GBP",
        TIME_ZONE="Europe/London",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.db.backends.postgresql",
        "salesdb",
        "60",
        "True",
        "False",
        "smtp.internal",
        "GBP",
        "Europe/London",
    ]


def test_debug_off_refuses_the_development_secret_key():
    done = _settings_in_env("pass", DEBUG="False")
    assert done.returncode != 0
    assert "Set SECRET_KEY" in done.stderr


def test_debug_off_turns_on_secure_cookies_ssl_redirect_and_hsts():
    done = _settings_in_env(
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS)",
        DEBUG="False",
        SECRET_KEY=STRONG_KEY,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True", "31536000"]


@pytest.mark.parametrize("key", ["", "   ", "\t\n"])
def test_debug_off_refuses_an_empty_secret_key(key):
    done = _settings_in_env("pass", DEBUG="False", SECRET_KEY=key)
    assert done.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY: it is empty or unset" in done.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-3f9a1c7e",  # under 50 characters
        "x" * 60,  # long, but one character repeated
        "django-insecure-" + STRONG_KEY,  # startproject's throwaway prefix
    ],
)
def test_debug_off_refuses_a_weak_secret_key(key):
    done = _settings_in_env("pass", DEBUG="False", SECRET_KEY=key)
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak" in done.stderr


def test_debug_off_accepts_a_strong_secret_key():
    done = _settings_in_env(
        "from django.conf import settings as s; print(s.SECRET_KEY)",
        DEBUG="False",
        SECRET_KEY=STRONG_KEY,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == STRONG_KEY


def test_with_debug_on_an_empty_secret_key_falls_back_to_the_development_key():
    # A fresh copy of .env.example has `SECRET_KEY=`: development still starts.
    done = _settings_in_env(
        "from django.conf import settings as s; print(s.SECRET_KEY)", SECRET_KEY=""
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dev-only-secret-key-never-use-in-production"
