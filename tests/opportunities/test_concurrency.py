"""Two people accepting quotes at the same moment, on PostgreSQL: one order only."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from opportunities import services
from opportunities.models import Quote, Stage
from orders.models import Order
from orders.services import LineInput
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import priced_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _quote(opp):
    return services.quote_create(
        opportunity=opp,
        lines=[LineInput(priced_product("10.00"), 2)],
        valid_until=timezone.localdate() + timedelta(days=14),
        created_by=opp.owner,
    )


def _race(quotes) -> list[str]:
    barrier = threading.Barrier(len(quotes), timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(quote):
        try:
            connection.ensure_connection()
            barrier.wait()
            order = services.quote_accept(quote=quote, user=None)
            outcome = f"order {order.pk}"
        except Exception as exc:
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(q,)) for q in quotes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def test_two_people_accepting_the_same_quote_make_one_order():
    WarehouseFactory(code="MAIN")
    opp = opportunity(customer=CustomerFactory())
    quote = _quote(opp)

    outcomes = _race([quote] * 4)

    order = Order.objects.get()
    assert outcomes == [f"order {order.pk}"] * 4, outcomes
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.order == order
    opp.refresh_from_db()
    assert opp.stage == Stage.WON
    assert opp.stage_changes.filter(to_stage=Stage.WON).count() == 1


def test_two_quotes_of_one_opportunity_accepted_together_make_one_order():
    WarehouseFactory(code="MAIN")
    opp = opportunity(customer=CustomerFactory())
    first, second = _quote(opp), _quote(opp)

    outcomes = _race([first, second])

    assert Order.objects.count() == 1, outcomes
    assert sum(o.startswith("order") for o in outcomes) == 1, outcomes
    assert Quote.objects.filter(status=Quote.Status.ACCEPTED).count() == 1


def test_two_follow_up_runs_at_once_make_one_task():
    from customers.models import Task
    from opportunities.follow_ups import _follow_up_task_create
    from opportunities.models import Opportunity

    opp = opportunity(customer=CustomerFactory())
    Opportunity.objects.filter(pk=opp.pk).update(
        last_activity_at=timezone.now() - timedelta(days=30)
    )
    barrier = threading.Barrier(8, timeout=30)
    errors: list[str] = []

    def run():
        try:
            connection.ensure_connection()
            barrier.wait()
            _follow_up_task_create(
                opportunity_id=opp.pk, why="idle", today=timezone.localdate()
            )
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    assert Task.objects.count() == 1
