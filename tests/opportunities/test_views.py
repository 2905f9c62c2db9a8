"""Opportunity pages through the Django test client, as reps and managers use them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.lookup import customer_label
from opportunities import services
from opportunities.models import LostReason, Opportunity, Stage, StageChange
from tests.customers.factories import CustomerFactory
from tests.opportunities.factories import opportunity
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _history(opp) -> list[tuple[str, str]]:
    return [
        (c.from_stage, c.to_stage)
        for c in StageChange.objects.filter(opportunity=opp).order_by("pk")
    ]


def _move_url(opp) -> str:
    return reverse("opportunities:opportunity-move", args=[opp.pk])


def _fetch_move(client, opp, **data):
    """The board's drop: a fetch POST that asks for JSON."""
    return client.post(_move_url(opp), data, HTTP_ACCEPT="application/json")


# Moves ----------------------------------------------------------------------------


def test_board_drop_moves_records_history_and_returns_column_totals(rep_client, rep):
    opp = opportunity(owner=rep, amount=D("1200.00"))
    services.opportunity_move(opportunity=opp, to_stage=Stage.QUALIFIED, user=rep)
    opportunity(owner=rep, amount=D("300.00"))  # stays a lead

    response = _fetch_move(rep_client, opp, to_stage="proposal")

    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True and answer["stage"] == "proposal"
    assert answer["columns"]["qualified"] == {"count": 0, "amount": "0.00 EUR"}
    assert answer["columns"]["proposal"] == {"count": 1, "amount": "1,200.00 EUR"}
    assert answer["columns"]["lead"]["count"] == 1
    opp.refresh_from_db()
    assert opp.stage == Stage.PROPOSAL and opp.probability == 50
    assert _history(opp)[-1] == ("qualified", "proposal")
    assert StageChange.objects.filter(opportunity=opp).last().user == rep


def test_every_move_through_the_board_is_in_the_history(rep_client, rep):
    opp = opportunity(owner=rep)
    reason = LostReason.objects.get_or_create(name="Went quiet")[0]
    for stage in ("qualified", "proposal", "negotiation"):
        assert _fetch_move(rep_client, opp, to_stage=stage).json()["ok"]
    assert _fetch_move(rep_client, opp, to_stage="lost", lost_reason=reason.pk).json()[
        "ok"
    ]
    assert _history(opp) == [
        ("", "lead"),
        ("lead", "qualified"),
        ("qualified", "proposal"),
        ("proposal", "negotiation"),
        ("negotiation", "lost"),
    ]
    opp.refresh_from_db()
    assert opp.lost_reason == reason


def test_plain_form_move_records_history_and_returns_to_the_board(rep_client, rep):
    opp = opportunity(owner=rep)
    board = reverse("opportunities:board")
    response = rep_client.post(_move_url(opp), {"to_stage": "qualified", "next": board})
    assert response.status_code == 302 and response.url == board
    response = rep_client.post(_move_url(opp), {"to_stage": "won"}, follow=True)
    assert "moved to Won" in response.content.decode()
    assert _history(opp) == [("", "lead"), ("lead", "qualified"), ("qualified", "won")]
    page = rep_client.get(opp.get_absolute_url()).content.decode()
    assert page.count('data-testid="history-entry"') == 3


def test_a_qualified_lead_becomes_a_customer_through_the_board(rep_client, rep):
    opp = opportunity(owner=rep, lead=True, lead_company="Fresh Leads Ltd")
    assert _fetch_move(rep_client, opp, to_stage="qualified").json()["ok"]
    opp.refresh_from_db()
    assert opp.customer.name == "Fresh Leads Ltd" and opp.customer.owner == rep


def test_lost_without_a_reason_is_refused_and_nothing_changes(rep_client, rep):
    opp = opportunity(owner=rep)
    before = _history(opp)

    response = _fetch_move(rep_client, opp, to_stage="lost")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Say why the opportunity was lost.",
    }

    response = rep_client.post(
        _move_url(opp), {"to_stage": "lost", "lost_note": "   "}, follow=True
    )
    assert "Say why the opportunity was lost." in response.content.decode()
    assert response.redirect_chain[-1][0] == opp.get_absolute_url()
    opp.refresh_from_db()
    assert opp.stage == Stage.LEAD and opp.closed_at is None
    assert _history(opp) == before


def test_lost_with_words_is_accepted_from_the_page_form(rep_client, rep):
    opp = opportunity(owner=rep)
    rep_client.post(_move_url(opp), {"to_stage": "lost", "lost_note": "Budget cut"})
    opp.refresh_from_db()
    assert opp.stage == Stage.LOST and opp.lost_note == "Budget cut"
    page = rep_client.get(opp.get_absolute_url()).content.decode()
    assert "Budget cut" in page


def test_a_won_opportunity_stays_won_and_says_so(rep_client, rep):
    opp = opportunity(owner=rep)
    services.opportunity_move(opportunity=opp, to_stage=Stage.WON, user=rep)
    response = _fetch_move(rep_client, opp, to_stage="proposal")
    assert response.status_code == 400
    assert response.json()["error"] == "A won opportunity stays won."


def test_unknown_stage_is_refused(rep_client, rep):
    opp = opportunity(owner=rep)
    response = _fetch_move(rep_client, opp, to_stage="nirvana")
    assert response.status_code == 400 and not response.json()["ok"]
    assert _history(opp) == [("", "lead")]


def test_move_is_post_only(rep_client, rep):
    opp = opportunity(owner=rep)
    assert rep_client.get(_move_url(opp)).status_code == 405


# Create and edit ------------------------------------------------------------------


def _form(**values):
    data = {
        "title": "Fleet of printers",
        "customer": "",
        "lead_company": "",
        "lead_contact": "",
        "lead_email": "",
        "lead_phone": "",
        "stage": "lead",
        "amount": "2500.00",
        "probability": "",
        "expected_close_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "source_channel": "",
        "next_step": "",
        "notes": "",
    }
    data.update(values)
    return data


def test_rep_creates_an_opportunity_for_a_customer(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Acme Ltd")
    response = rep_client.post(
        reverse("opportunities:opportunity-create"),
        _form(customer=f"Acme Ltd (#{customer.pk})", stage="qualified"),
    )
    opp = Opportunity.objects.get()
    assert response.status_code == 302 and response.url == opp.get_absolute_url()
    assert (opp.customer, opp.owner, opp.created_by) == (customer, rep, rep)
    assert (opp.stage, opp.probability, opp.amount) == ("qualified", 25, D("2500.00"))
    assert _history(opp) == [("", "qualified")]


def test_rep_creates_a_lead_with_company_and_contact(rep_client, rep):
    rep_client.post(
        reverse("opportunities:opportunity-create"),
        _form(
            lead_company="Newco",
            lead_contact="Nora New",
            lead_email="nora@newco.example",
            probability="15",
        ),
    )
    opp = Opportunity.objects.get()
    assert opp.customer is None and opp.lead_company == "Newco"
    assert (opp.owner, opp.probability) == (rep, 15)


def test_create_form_errors_stand_next_to_their_fields(rep_client, rep):
    other = CustomerFactory(owner=RepFactory())
    response = rep_client.post(
        reverse("opportunities:opportunity-create"),
        _form(title="", amount="-5", probability="150", lead_email="not-an-email"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {
        "title",
        "amount",
        "probability",
        "lead_email",
        "customer",
        "lead_company",
    }
    assert "Pick a customer, or give the lead" in errors["customer"][0]
    page = response.content.decode()
    assert "not-an-email" in page  # the rep's input is kept
    response = rep_client.post(
        reverse("opportunities:opportunity-create"),
        _form(customer=f"{other.name} (#{other.pk})"),
    )
    assert response.context["form"].errors["customer"] == [
        "No such customer among yours."
    ]
    assert not Opportunity.objects.exists()


def test_new_opportunity_from_the_customer_page_is_prefilled(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Prefill GmbH")
    page = rep_client.get(customer.get_absolute_url()).content.decode()
    link = reverse("opportunities:opportunity-create") + f"?customer={customer.pk}"
    assert link in page
    response = rep_client.get(link)
    assert 'value="Prefill GmbH' in response.content.decode()


def test_manager_picks_the_owner(manager_client):
    rep = RepFactory()
    customer = CustomerFactory(owner=rep)
    manager_client.post(
        reverse("opportunities:opportunity-create"),
        _form(customer=f"{customer.name} (#{customer.pk})", owner=rep.pk),
    )
    assert Opportunity.objects.get().owner == rep


def test_edit_changes_details_but_not_the_stage(rep_client, rep):
    opp = opportunity(owner=rep, amount=D("1000.00"))
    url = reverse("opportunities:opportunity-update", args=[opp.pk])
    form = rep_client.get(url).context["form"]
    assert "stage" not in form.fields
    assert form["customer"].value() == customer_label(opp.customer)
    data = _form(
        customer=f"{opp.customer.name} (#{opp.customer.pk})",
        amount="1750.50",
        probability="40",
        next_step="Call the buyer",
        stage="won",  # ignored: stages move through the move form
    )
    response = rep_client.post(url, data)
    assert response.status_code == 302
    opp.refresh_from_db()
    assert (opp.amount, opp.probability, opp.next_step, opp.stage) == (
        D("1750.50"),
        40,
        "Call the buyer",
        "lead",
    )


def test_edit_errors_stand_next_to_their_fields(rep_client, rep):
    opp = opportunity(owner=rep)
    url = reverse("opportunities:opportunity-update", args=[opp.pk])
    response = rep_client.post(url, _form(title="", amount="abc"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"title", "amount", "customer"}
    opp.refresh_from_db()
    assert opp.title == "New printers"


# Ownership ------------------------------------------------------------------------


def test_another_reps_opportunity_is_a_404_on_every_url(rep_client):
    theirs = opportunity(owner=RepFactory())
    for name in ("opportunity-detail", "opportunity-update"):
        url = reverse(f"opportunities:{name}", args=[theirs.pk])
        assert rep_client.get(url).status_code == 404, name
    url = reverse("opportunities:opportunity-update", args=[theirs.pk])
    assert rep_client.post(url, _form(lead_company="X")).status_code == 404
    assert rep_client.post(_move_url(theirs), {"to_stage": "won"}).status_code == 404
    assert _fetch_move(rep_client, theirs, to_stage="won").status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == Stage.LEAD and theirs.title == "New printers"
    # Nor does it show on the list, the board or the pipeline.
    for name in ("opportunity-list", "board", "pipeline"):
        page = rep_client.get(reverse(f"opportunities:{name}")).content.decode()
        assert f"/opportunities/{theirs.pk}/" not in page, name


def test_managers_see_every_opportunity_and_filter_the_board_by_rep(manager_client):
    ann, bob = RepFactory(first_name="Ann"), RepFactory(first_name="Bob")
    a = opportunity(owner=ann, title="Ann's deal")
    b = opportunity(owner=bob, title="Bob's deal")
    assert manager_client.get(a.get_absolute_url()).status_code == 200
    board = reverse("opportunities:board")
    page = manager_client.get(board).content.decode()
    assert "Ann&#x27;s deal" in page and "Bob&#x27;s deal" in page
    page = manager_client.get(board, {"owner": ann.pk}).content.decode()
    assert "Ann&#x27;s deal" in page and "Bob&#x27;s deal" not in page
    assert _fetch_move(manager_client, b, to_stage="qualified").json()["ok"]


def test_a_rep_cannot_widen_the_board_with_the_owner_filter(rep_client, rep):
    other = RepFactory()
    opportunity(owner=other, title="Hidden deal")
    page = rep_client.get(reverse("opportunities:board"), {"owner": other.pk})
    assert "Hidden deal" not in page.content.decode()


# The list -------------------------------------------------------------------------


def _csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_list_filters_and_csv_export_equal_the_table(rep_client, rep):
    today = timezone.localdate()
    soon = opportunity(
        owner=rep,
        title="Soon",
        amount=D("100.00"),
        expected_close_date=today + timedelta(days=5),
        source_channel="referral",
    )
    later = opportunity(
        owner=rep,
        title="Later",
        amount=D("200.00"),
        expected_close_date=today + timedelta(days=90),
        source_channel="referral",
    )
    services.opportunity_move(opportunity=later, to_stage=Stage.PROPOSAL, user=rep)
    won = opportunity(owner=rep, title="Won one", source_channel="event")
    services.opportunity_move(opportunity=won, to_stage=Stage.WON, user=rep)
    opportunity(owner=rep, title="Lead only", lead=True, lead_company="Zed Co")
    url = reverse("opportunities:opportunity-list")

    def titles(params):
        response = rep_client.get(url, params)
        return [row.record.title for row in response.context["table"].page.object_list]

    assert titles({"source_channel": "referral"}) == ["Later", "Soon"]
    assert titles({"stage": "proposal"}) == ["Later"]
    assert titles({"status": "closed"}) == ["Won one"]
    assert sorted(titles({"status": "open"})) == ["Later", "Lead only", "Soon"]
    assert titles({"q": "zed"}) == ["Lead only"]
    close_to = (today + timedelta(days=30)).isoformat()
    assert titles({"close_to": close_to, "source_channel": "referral"}) == ["Soon"]
    assert titles({"sort": "amount", "source_channel": "referral"}) == [
        "Soon",
        "Later",
    ]
    assert titles({"sort": "-weighted", "status": "open"})[0] == "Later"

    params = {"source_channel": "referral", "sort": "amount"}
    table = titles(params)
    rows = _csv_rows(rep_client.get(url, {**params, "export": "csv"}))
    assert [row["title"] for row in rows] == sorted(table) or [
        row["title"] for row in rows
    ] == ["Later", "Soon"]
    assert {row["title"] for row in rows} == set(table)
    by_title = {row["title"]: row for row in rows}
    assert by_title["Later"]["stage"] == "Proposal"
    assert by_title["Later"]["weighted"] == "100.00"
    assert by_title["Soon"]["company"] == soon.customer.name
    xlsx = rep_client.get(url, {**params, "export": "xlsx"})
    assert xlsx["Content-Disposition"].endswith('.xlsx"')


def test_the_owner_filter_is_for_managers_only(client, rep, manager):
    url = reverse("opportunities:opportunity-list")
    client.force_login(rep)
    assert "owner" not in client.get(url).context["filter"].form.fields
    client.force_login(manager)
    assert "owner" in client.get(url).context["filter"].form.fields


def test_the_list_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries
):
    for n in range(3):
        opportunity(owner=rep, title=f"Deal {n}")
    url = reverse("opportunities:opportunity-list")
    rep_client.get(url)
    # session, user, user and group permissions, groups (role), count, tasks due,
    # the page (customer and rep joined)
    with django_assert_num_queries(8) as few:
        rep_client.get(url)
    for n in range(20):
        opportunity(owner=rep, title=f"More {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        rep_client.get(url)


# The board and the pipeline -------------------------------------------------------


def test_board_shows_columns_with_counts_totals_and_cards(rep_client, rep):
    past = timezone.localdate() - timedelta(days=3)
    late = opportunity(owner=rep, title="Late deal", expected_close_date=past)
    opportunity(owner=rep, title="Second", amount=D("500.00"))
    won = opportunity(owner=rep, title="Closed deal")
    services.opportunity_move(opportunity=won, to_stage=Stage.WON, user=rep)
    response = rep_client.get(reverse("opportunities:board"))
    columns = response.context["columns"]
    assert [c["stage"] for c in columns] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
    ]
    assert (columns[0]["count"], columns[0]["amount"]) == (2, D("1500.00"))
    page = response.content.decode()
    assert 'data-testid="count-lead">2<' in page
    assert "1,500.00 EUR" in page
    assert "Closed deal" not in page
    card = page[page.index(f'data-testid="card-{late.pk}"') :]
    assert "text-danger" in card[: card.index("</article>")]
    assert _move_url(late) in page  # each card has its own move form


@pytest.mark.parametrize("count", [3, 30])
def test_the_board_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries, count
):
    customer = CustomerFactory(owner=rep)
    for n in range(count):
        opp = opportunity(owner=rep, customer=customer, title=f"Deal {n}")
        if n % 3:
            services.opportunity_move(
                opportunity=opp, to_stage=Stage.PROPOSAL, user=rep
            )
    url = reverse("opportunities:board")
    rep_client.get(url)
    # session, user, user and group permissions, groups (role), the column totals,
    # the cards (customer and owner joined), the lost reasons, tasks due
    with django_assert_num_queries(9):
        response = rep_client.get(url)
    assert response.status_code == 200


def test_pipeline_shows_the_known_weighted_sums(manager_client):
    ann = RepFactory(first_name="Ann", last_name="Archer")
    bob = RepFactory(first_name="Bob", last_name="Baker")
    month = (timezone.localdate().replace(day=1) + timedelta(days=40)).replace(day=10)
    opportunity(owner=ann, amount=D("1000.00"), expected_close_date=month)  # 10 %
    opp = opportunity(owner=bob, amount=D("2000.00"), expected_close_date=month)
    services.opportunity_move(opportunity=opp, to_stage=Stage.PROPOSAL, user=None)
    won = opportunity(owner=bob, amount=D("700.00"))
    services.opportunity_move(opportunity=won, to_stage=Stage.WON, user=None)

    response = manager_client.get(reverse("opportunities:pipeline"))
    page = response.content.decode()
    assert [name for _pk, name in response.context["reps"]] == [
        "Ann Archer",
        "Bob Baker",
    ]
    row = page[page.index(f'data-month="{month:%Y-%m}"') :]
    row = row[: row.index("</tr>")]
    assert "1,100.00 EUR" in row  # 1000 x 10 % + 2000 x 50 %
    assert "100.00 EUR" in row and "1,000.00 EUR" in row  # Ann, Bob
    this_month = timezone.localdate()
    won_row = page[page.index(f'data-month="{this_month:%Y-%m}"') :]
    assert "700.00 EUR" in won_row[: won_row.index("</tr>")]
    assert response.context["totals"]["weighted"] == D("1100.00")
    assert "<svg" in page  # the chart


def test_pipeline_for_a_rep_shows_only_their_column(rep_client, rep):
    month = timezone.localdate() + timedelta(days=10)
    opportunity(owner=rep, amount=D("400.00"), expected_close_date=month)
    opportunity(owner=RepFactory(), amount=D("9000.00"), expected_close_date=month)
    response = rep_client.get(reverse("opportunities:pipeline"))
    assert response.context["totals"]["weighted"] == D("40.00")
    assert len(response.context["reps"]) == 1


# The opportunity page and the customer page ---------------------------------------


def test_opportunity_page_shows_fields_quotes_and_move_form(rep_client, rep):
    opp = opportunity(owner=rep, title="Big deal", next_step="Send the proposal")
    response = rep_client.get(opp.get_absolute_url())
    page = response.content.decode()
    assert "Big deal" in page and "Send the proposal" in page
    assert opp.customer.get_absolute_url() in page
    assert 'data-testid="quotes-card"' in page and 'data-testid="move-form"' in page
    assert 'data-testid="stage"' in page


def test_lead_page_shows_the_lead_company_and_contact(rep_client, rep):
    opp = opportunity(owner=rep, lead=True, lead_company="Leady Ltd")
    page = rep_client.get(opp.get_absolute_url()).content.decode()
    assert "Leady Ltd" in page and "lee@lead.example" in page


def test_the_opportunity_page_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries
):
    opp = opportunity(owner=rep)
    rep_client.get(opp.get_absolute_url())
    # session, user, user and group permissions, groups (role), the opportunity
    # (customer, rep, lost reason, creator joined), stage history (with who),
    # quotes, the move form's lost reasons, tasks due
    with django_assert_num_queries(10) as few:
        rep_client.get(opp.get_absolute_url())
    for stage in (Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION):
        services.opportunity_move(opportunity=opp, to_stage=stage, user=rep)
    with django_assert_num_queries(len(few.captured_queries)):
        rep_client.get(opp.get_absolute_url())


def test_customer_page_lists_open_opportunities(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    opportunity(customer=customer, owner=rep, title="Open deal")
    closed = opportunity(customer=customer, owner=rep, title="Done deal")
    services.opportunity_move(opportunity=closed, to_stage=Stage.WON, user=rep)
    page = rep_client.get(customer.get_absolute_url()).content.decode()
    panel = page[page.index('data-testid="customer-opportunities"') :]
    panel = panel[: panel.index("</ul>")]
    assert "Open deal" in panel and "Done deal" not in panel


def test_navbar_leads_to_the_opportunity_list(rep_client):
    response = rep_client.get("/opportunities/")
    assert response.status_code == 200
    assert "coming soon" not in response.content.decode().lower()
