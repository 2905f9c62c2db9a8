"""Password hashing and the table memos added for the load test (issue #13).

Log-in under load was slow because every log-in spent about 0.4 s of CPU on PBKDF2
(1,000,000 iterations). Passwords are now hashed with Argon2id at OWASP's minimum
cost; older hashes still work and are rewritten on log-in.
"""

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.urls import reverse
from django_tables2 import utils

from sms.hashers import Argon2PasswordHasher
from sms.tables_speed import signature
from tests.sms.factories import RepFactory

# The project's list, not the fast MD5 hasher tests/conftest.py sets for all tests.
HASHERS = list(project_settings.PASSWORD_HASHERS)
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def test_new_passwords_are_argon2id_at_the_chosen_cost(settings):
    settings.PASSWORD_HASHERS = HASHERS
    hasher = get_hasher()
    assert isinstance(hasher, Argon2PasswordHasher)
    encoded = make_password("a long pass phrase")
    assert encoded.startswith("argon2$argon2id$")
    params = hasher.decode(encoded)["params"]
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19456, 1)
    # PBKDF2 stays, after Argon2, so existing users can still log in.
    assert HASHERS.index(PBKDF2) > 0


@pytest.mark.django_db
def test_log_in_with_a_pbkdf2_hash_works_and_upgrades_it(client, settings):
    settings.PASSWORD_HASHERS = [PBKDF2]
    user = RepFactory(username="legacy")
    user.set_password("old pass phrase 42")
    user.save()
    assert user.password.startswith("pbkdf2_sha256$")

    settings.PASSWORD_HASHERS = HASHERS
    response = client.post(
        reverse("login"),
        {"username": "legacy", "password": "old pass phrase 42"},
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("old pass phrase 42")
    # The session made at log-in survives the rewrite of the hash.
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_wrong_password_for_a_pbkdf2_hash_is_refused_and_kept(client, settings):
    settings.PASSWORD_HASHERS = [PBKDF2]
    user = RepFactory(username="legacy2")
    user.set_password("old pass phrase 42")
    user.save()
    old_hash = user.password

    settings.PASSWORD_HASHERS = HASHERS
    response = client.post(
        reverse("login"), {"username": "legacy2", "password": "wrong"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.password == old_hash


class _Table:
    def render_name(self, value, record):
        return value

    def render_any(self, **kwargs):
        return kwargs


def test_tables2_signature_memo_matches_the_original():
    # SmsConfig.ready() installed the memo where call_with_appropriate looks it up.
    assert utils.signature is signature
    table = _Table()

    def plain(value, *args, record=None):
        return value

    for fn in (table.render_name, table.render_any, plain, _Table.render_name):
        assert signature(fn) == signature(fn)  # from the memo the second time
        import inspect

        params = inspect.signature(fn).parameters.values()
        args = tuple(
            p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )
        kwargs = next((p.name for p in params if p.kind == p.VAR_KEYWORD), None)
        assert signature(fn) == (args, kwargs)
