import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Interaction, Task
from customers.services import contact_save, interaction_log, task_create
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_reps(make_customer):
    rep1, rep2 = RepFactory(username="rep1x"), RepFactory(username="rep2x")
    mine = make_customer(rep1, name="Mine Ltd")
    theirs = make_customer(rep2, name="Theirs GmbH")
    return rep1, rep2, mine, theirs


def test_a_rep_gets_404_for_another_reps_customer_everywhere(client, two_reps):
    rep1, _rep2, _mine, theirs = two_reps
    contact = contact_save(customer=theirs, name="Their Contact")
    client.force_login(rep1)
    for name, args in [
        ("customers:customer-detail", [theirs.pk]),
        ("customers:customer-update", [theirs.pk]),
        ("customers:contact-create", [theirs.pk]),
        ("customers:contact-update", [theirs.pk, contact.pk]),
        ("customers:interaction-create", [theirs.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    posted = client.post(
        reverse("customers:interaction-create", args=[theirs.pk]),
        {"kind": "call", "occurred_at": "2026-01-01T10:00", "summary": "sneaky"},
    )
    assert posted.status_code == 404
    assert not Interaction.objects.exists()
    deactivate = client.post(reverse("customers:customer-activate", args=[theirs.pk]))
    assert deactivate.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_search_results_show_a_rep_only_their_own_customers(client, two_reps):
    rep1, _rep2, _mine, _theirs = two_reps
    client.force_login(rep1)
    body = client.get(reverse("customers:customer-list"), {"q": "ltd gmbh"}).content
    response = client.get(reverse("customers:customer-list"), {"q": "i"})
    names = [row.record.name for row in response.context["table"].page.object_list]
    assert names == ["Mine Ltd"]
    assert b"Theirs" not in body
    assert "owner" not in response.context["filter"].form.fields


def test_a_manager_sees_every_customer_and_filters_by_owner(client, two_reps):
    _rep1, rep2, mine, theirs = two_reps
    client.force_login(ManagerFactory())
    response = client.get(reverse("customers:customer-list"))
    names = {row.record.name for row in response.context["table"].page.object_list}
    assert names == {"Mine Ltd", "Theirs GmbH"}
    response = client.get(reverse("customers:customer-list"), {"owner": rep2.pk})
    assert [r.record for r in response.context["table"].page.object_list] == [theirs]
    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert client.get(mine.get_absolute_url()).status_code == 200


def test_list_filters_by_channel_tag_and_status(client, make_customer):
    rep = RepFactory()
    a = make_customer(rep, name="A", source_channel="event", tags=["vip"])
    make_customer(rep, name="B", source_channel="website")
    gone = make_customer(rep, name="C", source_channel="event")
    gone.is_active = False
    gone.save()
    client.force_login(rep)

    def names(**params):
        response = client.get(reverse("customers:customer-list"), params)
        return [r.record.name for r in response.context["table"].page.object_list]

    assert names(source_channel="event") == ["A"]
    assert names(tag=a.tags.get().pk) == ["A"]
    assert names(status="inactive") == ["C"]
    assert names(status="all", source_channel="event") == ["A", "C"]
    assert names(sort="-name") == ["B", "A"]


def test_create_form_rejects_a_bad_email_and_a_missing_name(client):
    client.force_login(RepFactory())
    response = client.post(
        reverse("customers:customer-create"),
        {
            "kind": "company",
            "name": "  ",
            "email": "not-an-email",
            "source_channel": "other",
            "payment_terms_days": 30,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Give the customer a name."]
    assert "email" in errors
    assert not Customer.objects.exists()


def test_create_form_rejects_individual_fields_on_a_company(client):
    client.force_login(RepFactory())
    response = client.post(
        reverse("customers:customer-create"),
        {
            "kind": "company",
            "name": "Acme",
            "source_channel": "other",
            "payment_terms_days": 30,
            "gender": "female",
        },
    )
    assert response.context["form"].errors["gender"] == ["Only individuals have this."]


def test_create_flags_a_duplicate_and_saves_only_when_confirmed(client, make_customer):
    rep = RepFactory()
    existing = make_customer(rep, name="Acme Ltd", email="sales@acme.test")
    client.force_login(rep)
    data = {
        "kind": "company",
        "name": "ACME",
        "email": "Sales@Acme.test",
        "source_channel": "other",
        "payment_terms_days": 30,
    }
    first = client.post(reverse("customers:customer-create"), data)
    assert first.status_code == 200
    assert existing.get_absolute_url() in first.content.decode()
    assert Customer.objects.count() == 1
    second = client.post(
        reverse("customers:customer-create"), {**data, "confirm_duplicate": "on"}
    )
    assert second.status_code == 302
    assert Customer.objects.count() == 2


def test_a_rep_creates_a_customer_they_own_with_tags(client):
    rep = RepFactory()
    client.force_login(rep)
    response = client.post(
        reverse("customers:customer-create"),
        {
            "kind": "individual",
            "name": "Jane Roe",
            "email": "jane@example.com",
            "source_channel": "referral",
            "payment_terms_days": 14,
            "tags": "VIP, newsletter",
            "age_band": "35-44",
            "occupation": "Architect",
        },
    )
    customer = Customer.objects.get()
    assert response.url == customer.get_absolute_url()
    assert customer.owner == rep
    assert sorted(t.name for t in customer.tags.all()) == ["newsletter", "vip"]


def test_edits_are_shown_as_history_on_the_record(client, make_customer):
    rep = RepFactory(first_name="Rita", last_name="Reyes")
    customer = make_customer(rep, name="Acme", city="Leeds")
    client.force_login(rep)
    response = client.post(
        reverse("customers:customer-update", args=[customer.pk]),
        {
            "kind": "company",
            "name": "Acme",
            "city": "York",
            "email": customer.email,
            "source_channel": "other",
            "payment_terms_days": 30,
        },
    )
    assert response.status_code == 302
    body = client.get(customer.get_absolute_url()).content.decode()
    assert "<del>Leeds</del> → York" in body
    assert "Rita Reyes" in body


def test_a_manager_reassigns_customers_in_bulk(client, make_customer):
    rep1, rep2 = RepFactory(), RepFactory()
    customers = [make_customer(rep1) for _ in range(3)]
    client.force_login(ManagerFactory())
    response = client.post(
        reverse("customers:customer-reassign"),
        {
            "owner": rep2.pk,
            "customers": [c.pk for c in customers[:2]],
            "next": "/customers/",
        },
    )
    assert response.status_code == 302
    owners = [Customer.objects.get(pk=c.pk).owner for c in customers]
    assert owners == [rep2, rep2, rep1]


def test_a_rep_cannot_reassign(client, make_customer):
    rep1, rep2 = RepFactory(), RepFactory()
    customer = make_customer(rep1)
    client.force_login(rep1)
    response = client.post(
        reverse("customers:customer-reassign"),
        {"owner": rep2.pk, "customers": [customer.pk]},
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.owner == rep1


def test_logging_a_call_with_a_follow_up_shows_in_timeline_and_tasks(
    client, make_customer
):
    rep = RepFactory()
    customer = make_customer(rep, name="Initech")
    client.force_login(rep)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("customers:interaction-create", args=[customer.pk]),
        {
            "kind": "call",
            "occurred_at": "2026-11-20T09:30",
            "summary": "Discussed renewal",
            "outcome": "Wants a quote",
            "follow_up_on": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 302
    detail = client.get(customer.get_absolute_url()).content.decode()
    assert "Discussed renewal" in detail
    assert "Follow up: call with Initech" in detail
    tasks = client.get(reverse("customers:task-list")).context["tasks"]
    assert [t.title for t in tasks["upcoming"]] == ["Follow up: call with Initech"]


def test_my_tasks_splits_overdue_today_upcoming_and_the_navbar_counts_due(
    client, make_customer
):
    rep = RepFactory()
    customer = make_customer(rep)
    today = timezone.localdate()
    for title, delta in [("late", -2), ("now", 0), ("soon", 3)]:
        task_create(
            title=title,
            due_on=today + datetime.timedelta(days=delta),
            assigned_to=rep,
            created_by=rep,
            customer=customer,
        )
    task_create(
        title="someone else's", due_on=today, assigned_to=RepFactory(), created_by=rep
    )
    client.force_login(rep)
    response = client.get(reverse("customers:task-list"))
    tasks = response.context["tasks"]
    assert [t.title for t in tasks["overdue"]] == ["late"]
    assert [t.title for t in tasks["today"]] == ["now"]
    assert [t.title for t in tasks["upcoming"]] == ["soon"]
    assert response.context["tasks_due"] == 2


def test_marking_a_task_done_and_reopening_it(client, make_customer):
    rep = RepFactory()
    task = task_create(
        title="Call back", due_on=timezone.localdate(), assigned_to=rep, created_by=rep
    )
    client.force_login(rep)
    client.post(reverse("customers:task-done", args=[task.pk]), {"done": "1"})
    task.refresh_from_db()
    assert task.done and task.done_at
    client.post(
        reverse("customers:task-done", args=[task.pk]),
        {"done": "0", "next": "//evil.example/"},
    )
    task.refresh_from_db()
    assert not task.done


def test_a_rep_cannot_close_another_reps_task(client):
    rep, other = RepFactory(), RepFactory()
    task = task_create(
        title="Theirs", due_on=timezone.localdate(), assigned_to=other, created_by=other
    )
    client.force_login(rep)
    assert (
        client.post(reverse("customers:task-done", args=[task.pk])).status_code == 404
    )
    task.refresh_from_db()
    assert not task.done


def test_export_csv_follows_the_filters_and_escapes_formulas(client, make_customer):
    rep = RepFactory()
    make_customer(
        rep, name='=HYPERLINK("http://x")', source_channel="event", tags=["vip"]
    )
    make_customer(rep, name="Plain", source_channel="website")
    client.force_login(rep)
    response = client.get(
        reverse("customers:customer-list"), {"source_channel": "event", "export": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["tags"] == "vip"
    assert rows[0]["owner"] == rep.username


def test_export_xlsx_downloads(client, make_customer):
    rep = RepFactory()
    make_customer(rep)
    client.force_login(rep)
    response = client.get(reverse("customers:customer-list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def _seed(make_customer, owner, count):
    for n in range(count):
        customer = make_customer(owner, tags=["vip", f"t{n % 3}"])
        contact = contact_save(customer=customer, name=f"Contact {n}", is_primary=True)
        interaction_log(
            customer=customer,
            created_by=owner,
            kind="call",
            summary="hi",
            contact=contact,
            follow_up_on=timezone.localdate(),
        )


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_runs_a_fixed_number_of_queries(
    client, make_customer, django_assert_num_queries, count
):
    rep = RepFactory()
    _seed(make_customer, rep, count)
    client.force_login(rep)
    client.get(reverse("customers:customer-list"))  # warm the session
    # session, user, user and group permissions, groups (role), regions, count,
    # tasks due, tag choices, the page, its tags; 12 since the segment filter: the
    # latest segmentation run (analytics.selectors.customer_list_segment_field,
    # registered through customers.list_filters)
    with django_assert_num_queries(12):
        response = client.get(reverse("customers:customer-list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_the_record_runs_a_fixed_number_of_queries(
    client, make_customer, django_assert_num_queries, count
):
    rep = RepFactory()
    _seed(make_customer, rep, 1)
    customer = Customer.objects.get()
    for n in range(count):
        interaction_log(
            customer=customer,
            created_by=rep,
            kind="note",
            summary=f"n{n}",
            follow_up_on=timezone.localdate(),
        )
        contact_save(customer=customer, name=f"Extra {n}")
    client.force_login(rep)
    client.get(customer.get_absolute_url())
    # 19 since the opportunities panel: one query for the customer's open
    # opportunities (opportunities.selectors.customer_opportunities); 20 since the
    # segment panel: one query for the customer's segment over the runs
    # (analytics.selectors.customer_segment_history).
    with django_assert_num_queries(20):
        response = client.get(customer.get_absolute_url())
    assert response.status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, make_customer):
    customer = make_customer(RepFactory())
    for url in [
        reverse("customers:customer-list"),
        customer.get_absolute_url(),
        reverse("customers:task-list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_every_customer_page_renders(client, make_customer):
    rep = RepFactory()
    customer = make_customer(rep, kind="company")
    contact = contact_save(customer=customer, name="Ann")
    client.force_login(rep)
    for url in [
        reverse("customers:customer-list"),
        reverse("customers:customer-create"),
        customer.get_absolute_url(),
        reverse("customers:customer-update", args=[customer.pk]),
        reverse("customers:contact-create", args=[customer.pk]),
        reverse("customers:contact-update", args=[customer.pk, contact.pk]),
        reverse("customers:interaction-create", args=[customer.pk]),
        reverse("customers:task-list"),
        reverse("customers:task-create") + f"?customer={customer.pk}",
    ]:
        assert client.get(url).status_code == 200, url
    assert Task.objects.count() == 0
