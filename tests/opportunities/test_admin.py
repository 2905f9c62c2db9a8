from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from opportunities.models import (
    AssignmentRule,
    AssignmentSettings,
    LeadAssignment,
    LostReason,
    Opportunity,
    Stage,
)
from tests.opportunities.factories import opportunity
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:opportunities_opportunity_changelist")


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def _form(opp: Opportunity, **overrides) -> dict:
    data = {
        "title": opp.title,
        "customer": opp.customer_id or "",
        "lead_company": opp.lead_company,
        "lead_contact": opp.lead_contact,
        "lead_email": opp.lead_email,
        "lead_phone": opp.lead_phone,
        "owner": opp.owner_id,
        "amount": str(opp.amount),
        "probability": opp.probability,
        "expected_close_date": opp.expected_close_date.isoformat(),
        "source_channel": opp.source_channel,
        "next_step": opp.next_step,
        "notes": opp.notes,
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_every_pipeline_page_loads(staff):
    opp = opportunity(title="Printers")
    for name in (
        "opportunity_changelist",
        "lostreason_changelist",
        "assignmentsettings_changelist",
        "leadassignment_changelist",
        "followupdigest_changelist",
        "opportunity_add",
    ):
        assert staff.get(reverse(f"admin:opportunities_{name}")).status_code == 200
    page = staff.get(reverse("admin:opportunities_opportunity_change", args=[opp.pk]))
    assert page.status_code == 200


def test_changelist_filters_by_stage_owner_source_and_searches(staff):
    rep = RepFactory()
    mine = opportunity(owner=rep, title="Printers", source_channel="website")
    opportunity(title="Desks")
    response = staff.get(CHANGELIST, {"q": "Printers"})
    assert list(response.context["cl"].queryset) == [mine]
    response = staff.get(
        CHANGELIST,
        {"stage": "lead", "owner__id__exact": rep.pk, "source_channel": "website"},
    )
    assert list(response.context["cl"].queryset) == [mine]
    response = staff.get(CHANGELIST, {"q": mine.customer.name})
    assert mine in response.context["cl"].queryset


def test_stage_is_read_only_and_edits_go_through_the_service(staff):
    opp = opportunity(title="Printers")
    Opportunity.objects.filter(pk=opp.pk).update(
        last_activity_at=timezone.now() - timedelta(days=30)
    )
    url = reverse("admin:opportunities_opportunity_change", args=[opp.pk])
    response = staff.post(url, _form(opp, amount="2500.00", stage=Stage.WON))
    assert response.status_code == 302
    opp.refresh_from_db()
    assert opp.stage == Stage.LEAD
    assert str(opp.amount) == "2500.00"
    assert opp.last_activity_at > timezone.now() - timedelta(minutes=1)
    assert opp.stage_changes.count() == 1


def test_adding_in_the_admin_records_the_first_stage_and_assigns_a_lead(staff):
    rep = RepFactory()
    data = {
        "title": "Web shop",
        "customer": "",
        "lead_company": "Acme",
        "lead_contact": "",
        "lead_email": "",
        "lead_phone": "",
        "owner": "",
        "amount": "100.00",
        "probability": "10",
        "expected_close_date": "",
        "source_channel": "event",
        "next_step": "",
        "notes": "",
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    response = staff.post(reverse("admin:opportunities_opportunity_add"), data)
    assert response.status_code == 302
    opp = Opportunity.objects.get()
    assert opp.owner == rep
    assert opp.stage_changes.get().to_stage == Stage.LEAD
    assert LeadAssignment.objects.get(opportunity=opp).assigned_to == rep


def test_move_action_goes_through_opportunity_move(staff, admin_user):
    opp = opportunity()
    staff.post(
        CHANGELIST,
        {"action": "move_to_qualified", ACTION_CHECKBOX_NAME: [opp.pk]},
    )
    opp.refresh_from_db()
    assert opp.stage == Stage.QUALIFIED
    change = opp.stage_changes.last()
    assert (change.from_stage, change.to_stage, change.user) == (
        Stage.LEAD,
        Stage.QUALIFIED,
        admin_user,
    )


def test_mark_lost_asks_for_a_reason_then_moves(staff):
    opp = opportunity()
    reason = LostReason.objects.get_or_create(name="Price too high")[0]
    page = staff.post(
        CHANGELIST, {"action": "mark_lost", ACTION_CHECKBOX_NAME: [opp.pk]}
    )
    assert page.status_code == 200
    assert b"Mark lost" in page.content
    opp.refresh_from_db()
    assert opp.stage == Stage.LEAD
    staff.post(
        CHANGELIST,
        {
            "action": "mark_lost",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [opp.pk],
            "lost_reason": reason.pk,
            "lost_note": "Too dear",
        },
    )
    opp.refresh_from_db()
    assert opp.stage == Stage.LOST
    assert opp.lost_reason == reason
    assert opp.stage_changes.last().to_stage == Stage.LOST


def test_assignment_audit_is_read_only_and_filterable(staff):
    AssignmentSettings.objects.update_or_create(
        defaults={"rule": AssignmentRule.ROUND_ROBIN}
    )
    first, second = RepFactory(), RepFactory()
    opportunity(lead=True, title="A")
    opportunity(lead=True, title="B")
    url = reverse("admin:opportunities_leadassignment_changelist")
    response = staff.get(
        url, {"assigned_to__id__exact": first.pk, "rule": "round_robin"}
    )
    rows = list(response.context["cl"].queryset)
    assert [row.assigned_to for row in rows] == [first]
    assert "next in the round robin" in response.content.decode()
    assignment = LeadAssignment.objects.get(assigned_to=second)
    change = reverse("admin:opportunities_leadassignment_change", args=[assignment.pk])
    assert b'name="rule"' not in staff.get(change).content
    assert (
        staff.get(reverse("admin:opportunities_leadassignment_add")).status_code == 403
    )


def test_assignment_settings_edit_the_rule_and_show_fairness(staff):
    AssignmentSettings.objects.update_or_create(
        defaults={"rule": AssignmentRule.ROUND_ROBIN}
    )
    rep = RepFactory(first_name="Rita", last_name="Reps")
    opportunity(lead=True)
    row = AssignmentSettings.objects.get()
    url = reverse("admin:opportunities_assignmentsettings_change", args=[row.pk])
    page = staff.get(url).content.decode()
    assert "<td>Rita Reps</td><td>1</td>" in page
    staff.post(url, {"rule": AssignmentRule.CUSTOMER_OWNER})
    row.refresh_from_db()
    assert row.rule == AssignmentRule.CUSTOMER_OWNER
    assert row.last_assigned == rep
    add = staff.get(reverse("admin:opportunities_assignmentsettings_add"))
    assert add.status_code == 403  # one row only


def test_lost_reasons_are_edited_in_the_list(staff):
    reason = LostReason.objects.get_or_create(name="Bad timing")[0]
    assert (
        "is_active"
        in staff.get(reverse("admin:opportunities_lostreason_changelist"))
        .context["cl"]
        .list_editable
    )
    reason.is_active = False
    reason.save(update_fields=["is_active"])
    assert not LostReason.objects.get(pk=reason.pk).is_active
