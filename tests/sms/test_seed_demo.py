from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from sms.roles import user_role

pytestmark = pytest.mark.django_db


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_creates_a_user_for_every_role_and_prints_the_log_ins(settings):
    settings.DEBUG = True
    output = _seed()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"admin", "manager", "rep1", "rep2"}
    assert user_role(users["admin"]) == "Admin"
    assert user_role(users["manager"]) == "Sales manager"
    assert user_role(users["rep1"]) == user_role(users["rep2"]) == "Sales rep"
    for username in users:
        assert f"{username} " in output
    assert "sms-demo" in output


def test_the_printed_password_logs_in(settings, client):
    settings.DEBUG = True
    _seed(password="another-demo-pass")
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "another-demo-pass"}
    )
    assert response.status_code == 302


def test_seed_demo_twice_keeps_users_and_their_passwords(settings):
    settings.DEBUG = True
    _seed()
    rep = get_user_model().objects.get(username="rep1")
    rep.set_password("changed-by-rita")
    rep.save()
    output = _seed()
    assert get_user_model().objects.count() == 4
    rep.refresh_from_db()
    assert rep.check_password("changed-by-rita")
    assert "(unchanged)" in output


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _seed()
    assert not get_user_model().objects.exists()
