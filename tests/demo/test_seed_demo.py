from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from customers.models import Customer
from orders.models import Order, OrderLine
from sms.roles import user_role

pytestmark = pytest.mark.django_db

# For tests of the users and their log-ins: a handful of customers and orders is
# enough, and the default demo size (500 customers, 24 months) takes seconds.
HANDFUL = {"customers": 3, "months": 2}


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_seed_demo_creates_a_user_for_every_role_and_prints_the_log_ins(settings):
    settings.DEBUG = True
    output = _seed(**HANDFUL)
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
    _seed(password="another-demo-pass", **HANDFUL)
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "another-demo-pass"}
    )
    assert response.status_code == 302


def test_seed_demo_twice_keeps_users_and_their_passwords(settings):
    settings.DEBUG = True
    _seed(**HANDFUL)
    rep = get_user_model().objects.get(username="rep1")
    rep.set_password("changed-by-rita")
    rep.save()
    output = _seed(**HANDFUL)
    assert get_user_model().objects.count() == 4
    rep.refresh_from_db()
    assert rep.check_password("changed-by-rita")
    assert "(unchanged)" in output


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _seed(**HANDFUL)
    assert not get_user_model().objects.exists()


def test_orders_scale_makes_each_customer_order_less_often(settings):
    settings.DEBUG = True
    counts = {}
    for scale in (1.0, 0.3):
        with transaction.atomic():
            _seed(customers=80, months=12, orders_scale=scale)
            counts[scale] = (
                Customer.objects.count(),
                Order.objects.count(),
                OrderLine.objects.count(),
            )
            transaction.set_rollback(True)
    assert counts[0.3][0] == counts[1.0][0] == 80
    assert 0.15 * counts[1.0][1] < counts[0.3][1] < 0.5 * counts[1.0][1]
    assert 0.15 * counts[1.0][2] < counts[0.3][2] < 0.5 * counts[1.0][2]


def test_orders_scale_must_be_above_zero(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="above 0"):
        _seed(orders_scale=0)
    assert not Order.objects.exists()


def _column_statistics(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_seed_demo_leaves_planner_statistics_for_what_it_wrote(settings):
    # Without them the next step's queries are planned as for empty tables.
    settings.DEBUG = True
    assert _column_statistics("customers_customer") == 0  # empty: nothing sampled
    _seed(customers=40, months=6)
    assert _column_statistics("customers_customer") > 0
    assert _column_statistics("orders_order") > 0
