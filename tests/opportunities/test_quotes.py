"""Quote pages: the form, the quote page and its actions, the printed quote and
PDF, sending by e-mail (once, retried, visible), acceptance into exactly one order,
ownership and the pinned query count; the daily expiry."""

import io
import time
from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from opportunities import services
from opportunities.models import Quote, QuoteEmail, Stage
from orders.models import Order
from orders.services import LineInput
from sms.outbox.registry import outbox_for
from sms.outbox.services import SWEEP_GRACE, outbox_send, outbox_sweep
from tests.customers.factories import ContactFactory, CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import priced_product
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
D = Decimal
EmailStatus = QuoteEmail.Status


def _send(email) -> bool:
    """What the outbox's task does with a delivery of this e-mail."""
    return outbox_send(label="opportunities.QuoteEmail", message_id=email.pk)


def _opp(rep, **customer):
    customer.setdefault("email", "buyer@example.com")
    return opportunity(customer=CustomerFactory(owner=rep, **customer))


def _quote(opp, *lines, days: int = 14):
    lines = lines or (
        LineInput(priced_product("10.00", tax="20", sku="DESK-1", name="Desk"), 3),
    )
    return services.quote_create(
        opportunity=opp,
        lines=lines,
        valid_until=timezone.localdate() + timedelta(days=days),
        created_by=opp.owner,
        notes="Delivery within two weeks.",
    )


def _url(name, quote):
    return reverse(f"opportunities:{name}", args=[quote.pk])


def _pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return "\n".join(page.extract_text() for page in pages)


def _lines_post(rows, **fields):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


# The form ---------------------------------------------------------------------------


def test_new_quote_form_defaults_and_creates_a_draft_with_copied_prices(
    rep_client, rep
):
    opp = _opp(rep)
    desk = priced_product("100.00", tax="20", sku="DESK-1", name="Desk")
    chair = priced_product("40.00", tax="10", sku="CHR-2", name="Chair")
    url = reverse("opportunities:quote-create", args=[opp.pk])
    page = rep_client.get(url)
    assert page.status_code == 200
    default = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert f'value="{default}"' in page.content.decode()
    assert 'id="order-form"' in page.content.decode()  # the live totals script

    response = rep_client.post(
        url,
        _lines_post(
            [
                {"product": "desk-1", "quantity": "2", "discount_percent": "10"},
                {"product": "CHR-2 · Chair", "quantity": "1", "unit_price": "35.5"},
            ],
            valid_until=default,
            notes="Thanks!",
        ),
    )
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(
        "quote-detail", quote
    )
    assert quote.status == Quote.Status.DRAFT and quote.notes == "Thanks!"
    assert quote.created_by == rep
    lines = list(quote.lines.order_by("position"))
    assert [(x.sku, x.quantity, x.unit_price) for x in lines] == [
        ("DESK-1", 2, D("100.0000")),
        ("CHR-2", 1, D("35.5000")),
    ]
    # 180.00 + 20 % = 216.00; 35.50 + 10 % = 39.05.
    assert (quote.net_total, quote.total) == (D("215.50"), D("255.05"))
    desk.list_price = D("999.00")
    desk.save(update_fields=["list_price"])
    quote.lines.first().refresh_from_db()
    assert quote.lines.first().unit_price == D("100.0000")  # copied, not linked
    assert chair.quote_lines.get().description == "Chair"


def test_form_errors_show_next_to_their_fields_and_nothing_is_saved(rep_client, rep):
    opp = _opp(rep)
    priced_product("10.00", sku="DESK-1")
    url = reverse("opportunities:quote-create", args=[opp.pk])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = rep_client.post(
        url,
        _lines_post(
            [
                {"product": "NOPE-9", "quantity": "1"},
                {"product": "DESK-1", "quantity": "0"},
            ],
            valid_until=yesterday,
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No active product with SKU or name" in html
    assert "The validity date has passed." in html
    assert html.count("is-invalid") >= 3
    assert not Quote.objects.exists()

    empty = rep_client.post(url, _lines_post([{}], valid_until=""))
    assert "Add at least one line." in empty.content.decode()
    assert not Quote.objects.exists()


def test_edit_changes_a_draft_and_refuses_a_sent_quote(rep_client, rep):
    opp = _opp(rep)
    quote = _quote(opp)
    page = rep_client.get(_url("quote-update", quote))
    assert page.status_code == 200 and "DESK-1 · Desk" in page.content.decode()
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = rep_client.post(
        _url("quote-update", quote),
        _lines_post([{"product": "DESK-1", "quantity": "5"}], valid_until=until),
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.valid_until.isoformat() == until
    assert quote.lines.get().quantity == 5 and quote.total == D("60.00")

    services.quote_send(quote=quote, user=rep)
    response = rep_client.get(_url("quote-update", quote))
    assert response.status_code == 302 and response["Location"] == _url(
        "quote-detail", quote
    )


def test_no_new_quote_on_a_closed_opportunity(rep_client, rep):
    opp = _opp(rep)
    services.opportunity_move(
        opportunity=opp, to_stage=Stage.LOST, user=rep, lost_note="Too dear"
    )
    response = rep_client.get(reverse("opportunities:quote-create", args=[opp.pk]))
    assert response.status_code == 302


# The quote page, print and PDF ------------------------------------------------------


def test_quote_page_shows_lines_totals_and_actions(rep_client, rep):
    quote = _quote(_opp(rep))
    html = rep_client.get(_url("quote-detail", quote)).content.decode()
    assert quote.number in html and "DESK-1" in html
    assert "36.00 EUR" in html  # 3 x 10.00 + 20 % tax
    for name in ("quote-send", "quote-accept", "quote-reject", "quote-update"):
        assert _url(name, quote) in html


def test_print_page_and_pdf_show_the_quote(rep_client, rep):
    quote = _quote(_opp(rep, name="Müller & Söhne"))
    page = rep_client.get(_url("quote-print", quote))
    html = page.content.decode()
    assert page.status_code == 200
    assert quote.number in html and "Müller &amp; Söhne" in html
    assert "DRAFT" in html and "36.00" in html and "Delivery within two weeks." in html

    response = rep_client.get(_url("quote-pdf", quote))
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{quote.number}-quote.pdf"' in response["Content-Disposition"]
    text = _pdf_text(response.content)
    for expected in (quote.number, "Müller", "DESK-1", "36.00", "Valid until"):
        assert expected in text


# Sending -----------------------------------------------------------------------------


def test_send_emails_the_quote_once_with_the_pdf(
    rep_client, rep, django_capture_on_commit_callbacks
):
    quote = _quote(_opp(rep))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = rep_client.post(_url("quote-send", quote))
    assert len(callbacks) == 1
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.sent_to == "buyer@example.com"
    assert quote.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"] and quote.number in message.subject
    assert "3 x Desk (DESK-1): 30.00 EUR" in message.body
    assert "Total: 36.00 EUR" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert "DESK-1" in message.alternatives[0][0]
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"{quote.number}-quote.pdf", "application/pdf")
    assert quote.number in _pdf_text(content) and "DRAFT" not in _pdf_text(content)

    # A re-delivered task, and a second click, send nothing more.
    email = quote.emails.get()
    assert email.status == EmailStatus.SENT
    assert _send(email) is False
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(_url("quote-send", quote))
    assert len(mail.outbox) == 1 and quote.emails.count() == 1
    page = rep_client.get(_url("quote-detail", quote)).content.decode()
    assert "already been sent" in page and "buyer@example.com" in page


def test_send_uses_the_primary_contact_and_refuses_without_any_address(rep):
    customer = CustomerFactory(owner=rep, email="")
    quote = _quote(opportunity(customer=customer))
    with pytest.raises(Exception, match="no e-mail address"):
        services.quote_send(quote=quote, user=rep)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and not quote.emails.exists()
    ContactFactory(customer=customer, email="other@example.com", is_primary=False)
    ContactFactory(customer=customer, email="boss@example.com", is_primary=True)
    services.quote_send(quote=quote, user=rep)
    quote.refresh_from_db()
    assert quote.sent_to == "boss@example.com"


def test_a_failing_send_is_retried_shown_and_can_be_sent_again(
    rep_client, rep, django_capture_on_commit_callbacks
):
    quote = _quote(_opp(rep))
    failing = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=SMTPException("421 try later"),
    )
    with failing:
        services.quote_send(quote=quote, user=rep)
        email = quote.emails.get()
        max_attempts = outbox_for(QuoteEmail).max_attempts
        for attempt in range(1, max_attempts + 1):
            with pytest.raises(SMTPException):
                _send(email)
            email.refresh_from_db()
            assert email.attempts == attempt
            last = attempt == max_attempts
            assert email.status == (EmailStatus.FAILED if last else EmailStatus.PENDING)
    page = rep_client.get(_url("quote-detail", quote)).content.decode()
    assert "421 try later" in page and "Send again" in page

    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(_url("quote-send", quote))
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and len(mail.outbox) == 1


def test_the_sweep_sends_what_the_broker_missed_once():
    rep = RepFactory()
    quote = _quote(_opp(rep))
    with mock.patch("sms.outbox.services._enqueue"):
        services.quote_send(quote=quote, user=rep)
    assert outbox_sweep() == 0  # within its own task's grace
    later = timezone.now() + SWEEP_GRACE + timedelta(seconds=1)
    assert outbox_sweep(now=later) == 1
    assert outbox_sweep(now=later) == 0
    assert len(mail.outbox) == 1


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_quote_once(celery_worker):
    rep = RepFactory()
    quote = _quote(_opp(rep))
    services.quote_send(quote=quote, user=rep)
    deadline = time.monotonic() + 30
    while QuoteEmail.objects.exclude(status=EmailStatus.SENT).exists():
        assert time.monotonic() < deadline, list(
            QuoteEmail.objects.values("status", "last_error")
        )
        time.sleep(0.2)
    from sms.tasks import outbox_send as outbox_send_task

    email = QuoteEmail.objects.get()
    delivery = outbox_send_task.delay("opportunities.QuoteEmail", email.pk)
    assert delivery.get(timeout=30) is False
    assert [m.subject.split(":")[0] for m in mail.outbox] == [f"Quote {quote.number}"]


# Accept, reject, expire --------------------------------------------------------------


def test_accept_through_the_page_makes_one_matching_order_and_redirects_to_it(
    rep_client, rep
):
    WarehouseFactory(code="MAIN")
    opp = _opp(rep)
    quote = _quote(
        opp,
        LineInput(priced_product("10.00", tax="20"), 3, discount_percent=D("5")),
        LineInput(priced_product("0.50", tax="0"), 7, unit_price=D("0.335")),
    )
    response = rep_client.post(_url("quote-accept", quote), follow=True)
    order = Order.objects.get()
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    html = response.content.decode()
    assert f"draft order {order.number}" in html
    assert quote.number in html and 'data-testid="from-quote"' in html  # link back
    fields = ("sku", "quantity", "unit_price", "discount_percent", "net_amount")
    assert list(order.lines.order_by("position").values_list(*fields)) == list(
        quote.lines.order_by("position").values_list(*fields)
    )
    quote.refresh_from_db()
    assert (order.net_total, order.tax_total, order.total) == (
        quote.net_total,
        quote.tax_total,
        quote.total,
    )
    assert quote.status == Quote.Status.ACCEPTED and quote.order == order

    # A double POST: the same order, no second one.
    again = rep_client.post(_url("quote-accept", quote))
    assert again["Location"] == order.get_absolute_url()
    assert Order.objects.count() == 1
    opp.refresh_from_db()
    assert opp.stage == Stage.WON


def test_accept_ships_from_the_warehouse_chosen_on_the_page(rep_client, rep):
    from inventory.services import stock_receive

    main = WarehouseFactory(code="MAIN")
    east = WarehouseFactory(code="EAST")
    WarehouseFactory(code="OLD", is_active=False)
    paper, pens = priced_product("10.00"), priced_product("2.00")
    # 2 + 1 paper and 4 pens needed: MAIN holds all the paper and 1 pen, EAST 2
    # paper; MAIN can fill more, so it is chosen first although EAST sorts first.
    stock_receive(product=paper, warehouse=main, quantity=9)
    stock_receive(product=pens, warehouse=main, quantity=1)
    stock_receive(product=paper, warehouse=east, quantity=2)
    quote = _quote(
        _opp(rep), LineInput(paper, 2), LineInput(pens, 4), LineInput(paper, 1)
    )
    page = rep_client.get(quote.get_absolute_url()).content.decode()
    assert f'<option value="{main.pk}" selected>MAIN' in page
    assert "(4 of 7 in stock)" in page
    assert f'<option value="{east.pk}">EAST' in page
    assert "(2 of 7 in stock)" in page
    assert "OLD" not in page  # inactive warehouses are not offered

    # A warehouse that is not an active one is refused and nothing is made.
    for bad in ("999999", "east", str(WarehouseFactory(is_active=False).pk)):
        response = rep_client.post(
            _url("quote-accept", quote), {"warehouse": bad}, follow=True
        )
        assert "Choose one of the active warehouses." in response.content.decode()
    assert not Order.objects.exists()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT

    rep_client.post(_url("quote-accept", quote), {"warehouse": east.pk})
    assert Order.objects.get().warehouse == east


def test_with_one_active_warehouse_the_page_offers_no_choice(rep_client, rep):
    only = WarehouseFactory(code="MAIN")
    quote = _quote(_opp(rep), LineInput(priced_product("10.00"), 1))
    page = rep_client.get(quote.get_absolute_url()).content.decode()
    assert 'name="warehouse"' not in page
    rep_client.post(_url("quote-accept", quote))
    assert Order.objects.get().warehouse == only


def test_reject_then_accept_is_refused(rep_client, rep):
    quote = _quote(_opp(rep))
    rep_client.post(_url("quote-reject", quote))
    quote.refresh_from_db()
    assert quote.status == Quote.Status.REJECTED
    response = rep_client.post(_url("quote-accept", quote), follow=True)
    assert "A rejected quote cannot be accepted." in response.content.decode()
    assert not Order.objects.exists()


def test_an_expired_quote_cannot_be_accepted(rep_client, rep):
    WarehouseFactory(code="MAIN")
    quote = _quote(_opp(rep), days=1)
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    response = rep_client.post(_url("quote-accept", quote), follow=True)
    assert "expired" in response.content.decode()
    assert not Order.objects.exists()
    from opportunities.tasks import quotes_expire

    assert quotes_expire() == 1
    quote.refresh_from_db()
    assert quote.status == Quote.Status.EXPIRED


def test_the_daily_expiry_is_a_beat_task():
    import importlib

    from django.apps import apps as django_apps
    from django_celery_beat.models import PeriodicTask

    # What migrate ran (run again: a transactional test's flush empties the table).
    migration = importlib.import_module(
        "opportunities.migrations.0004_quote_periodic_tasks"
    )
    migration.periodic_tasks_create(django_apps, None)
    migration.periodic_tasks_create(django_apps, None)
    assert (
        PeriodicTask.objects.filter(task="opportunities.tasks.quotes_expire").count()
        == 1
    )
    # The quote e-mail sweep it also made is retired for the outbox's (sms 0006).
    retire = importlib.import_module("opportunities.migrations.0009_quoteemail_outbox")
    retire.Migration.operations[-1].code(django_apps, None)
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert "opportunities.tasks.quotes_expire" in tasks
    assert "opportunities.tasks.quote_emails_sweep" not in tasks


# Ownership, permissions, queries ----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["quote-detail", "quote-update", "quote-print", "quote-pdf"]
)
def test_another_reps_quote_is_a_404(rep_client, name):
    quote = _quote(_opp(RepFactory()))
    assert rep_client.get(_url(name, quote)).status_code == 404


@pytest.mark.parametrize("name", ["quote-send", "quote-accept", "quote-reject"])
def test_another_reps_quote_actions_are_404_and_change_nothing(rep_client, name):
    quote = _quote(_opp(RepFactory()))
    assert rep_client.post(_url(name, quote)).status_code == 404
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
    assert not Order.objects.exists() and mail.outbox == []


def test_another_reps_opportunity_gets_no_quote_form(rep_client):
    opp = _opp(RepFactory())
    url = reverse("opportunities:quote-create", args=[opp.pk])
    assert rep_client.get(url).status_code == 404


def test_a_manager_sees_every_quote(manager_client):
    quote = _quote(_opp(RepFactory()))
    assert manager_client.get(_url("quote-detail", quote)).status_code == 200


def test_actions_are_post_only(rep_client, rep):
    quote = _quote(_opp(rep))
    for name in ("quote-send", "quote-accept", "quote-reject"):
        assert rep_client.get(_url(name, quote)).status_code == 405


@pytest.mark.parametrize("lines", [1, 12])
def test_quote_page_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries, lines
):
    WarehouseFactory(code="MAIN")
    WarehouseFactory(code="EAST")
    quote = _quote(
        _opp(rep), *[LineInput(priced_product("5.00"), 1) for _ in range(lines)]
    )
    services.quote_send(quote=quote, user=rep)
    rep_client.get(_url("quote-detail", quote))
    # session, user, user permissions, group permissions, groups (role), the quote
    # (opportunity, customer, rep, order, author joined), lines, e-mails, tasks due,
    # the active warehouses and their stock of the quote's products (to accept from)
    with django_assert_num_queries(11):
        response = rep_client.get(_url("quote-detail", quote))
    assert response.status_code == 200
    assert 'name="warehouse"' in response.content.decode()


def test_quotes_card_lists_quotes_and_offers_a_new_one(rf, rep):
    from django.template.loader import render_to_string

    opp = _opp(rep)
    quote = _quote(opp)
    request = rf.get("/")
    request.user = rep
    html = render_to_string(
        "opportunities/_quotes_card.html", {"opportunity": opp}, request=request
    )
    assert quote.number in html and "36.00 EUR" in html and "Draft" in html
    assert reverse("opportunities:quote-create", args=[opp.pk]) in html
    services.opportunity_move(
        opportunity=opp, to_stage=Stage.LOST, user=rep, lost_note="Too dear"
    )
    opp.refresh_from_db()
    html = render_to_string(
        "opportunities/_quotes_card.html", {"opportunity": opp}, request=request
    )
    assert "New quote" not in html and quote.number in html


def test_a_second_quote_of_a_won_opportunity_cannot_be_accepted(rep):
    from django.core.exceptions import ValidationError

    WarehouseFactory(code="MAIN")
    opp = _opp(rep)
    first = _quote(opp)
    second = _quote(opp, LineInput(priced_product("20.00"), 1))
    services.quote_accept(quote=first, user=rep)
    with pytest.raises(ValidationError):
        services.quote_accept(quote=second, user=rep)
    assert Order.objects.count() == 1
    second.refresh_from_db()
    assert second.status == Quote.Status.DRAFT
