from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from opportunities import views_leads
from opportunities.models import (
    AssignmentRule,
    AssignmentSettings,
    LeadAssignment,
    Opportunity,
    Stage,
)
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db
URL = reverse("opportunities:lead-form")


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A private in-memory cache, so rate-limit counts never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "lead-form-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def _data(**overrides) -> dict:
    data = {
        "company": "Acme Ltd",
        "contact_name": "Ada Lovelace",
        "email": "ada@acme.example",
        "phone": "+44 20 7946 0000",
        "message": "We need 40 desks by March.",
        "website": "",
    }
    data.update(overrides)
    return data


def _round_robin():
    AssignmentSettings.objects.update_or_create(
        defaults={"rule": AssignmentRule.ROUND_ROBIN}
    )


def test_the_form_is_public_and_standalone(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="website"' in body
    assert "navbar" not in body


def test_a_lead_is_created_with_an_owner_and_an_assignment_record(client):
    rep = RepFactory()
    response = client.post(URL, _data())
    assert response.status_code == 200
    assert b"lead-form-thanks" in response.content
    lead = Opportunity.objects.get()
    assert lead.stage == Stage.LEAD
    assert lead.customer is None
    assert lead.title == "Website enquiry: Acme Ltd"
    assert lead.lead_company == "Acme Ltd"
    assert lead.lead_contact == "Ada Lovelace"
    assert lead.lead_email == "ada@acme.example"
    assert lead.lead_phone == "+44 20 7946 0000"
    assert lead.source_channel == "website"
    assert lead.notes == "We need 40 desks by March."
    assert lead.owner == rep
    assignment = LeadAssignment.objects.get(opportunity=lead)
    assert assignment.assigned_to == rep
    assert assignment.rule == AssignmentRule.ROUND_ROBIN


def test_bad_input_shows_errors_next_to_the_fields_and_creates_nothing(client):
    RepFactory()
    response = client.post(
        URL, _data(company="", email="not-an-address", phone="call me")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"company", "email", "phone"}
    body = response.content.decode()
    assert "is-invalid" in body
    assert "Enter a valid email address." in body
    assert not Opportunity.objects.exists()


def test_the_honeypot_gets_a_normal_thank_you_and_nothing_is_created(client):
    RepFactory()
    response = client.post(URL, _data(website="http://spam.example"))
    assert response.status_code == 200
    assert b"lead-form-thanks" in response.content
    assert not Opportunity.objects.exists()


def test_over_the_limit_gets_429_with_a_clear_message(client):
    RepFactory()
    for _ in range(views_leads.LEAD_FORM_LIMIT):
        assert client.post(URL, _data()).status_code == 200
    response = client.post(URL, _data())
    assert response.status_code == 429
    assert "try again in 10 minutes" in response.content.decode()
    assert Opportunity.objects.count() == views_leads.LEAD_FORM_LIMIT
    # Another address is not affected.
    other = client.post(URL, _data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_limit_keys_on_the_client_behind_the_proxy(client, settings):
    settings.SMS_PROXY_COUNT = 1
    RepFactory()
    for n in range(views_leads.LEAD_FORM_LIMIT + 1):
        # Different clients behind the same proxy are counted apart.
        response = client.post(URL, _data(), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 200


def test_csrf_is_enforced():
    RepFactory()
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, _data()).status_code == 403
    assert not Opportunity.objects.exists()
    client.get(URL)
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {**_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert Opportunity.objects.count() == 1


def test_round_robin_is_fair_over_leads_from_the_form(client):
    _round_robin()
    reps = [RepFactory() for _ in range(3)]
    ManagerFactory()  # managers are not in the rotation
    gone = RepFactory(is_active=False)
    for n in range(9):
        response = client.post(
            URL, _data(company=f"Lead {n}"), REMOTE_ADDR=f"198.51.100.{n}"
        )
        assert response.status_code == 200
    counts = Counter(LeadAssignment.objects.values_list("assigned_to", flat=True))
    assert counts == {rep.pk: 3 for rep in reps}
    assert gone.pk not in counts
    owners = list(
        Opportunity.objects.order_by("pk").values_list("owner", flat=True)[:3]
    )
    assert sorted(owners) == sorted(rep.pk for rep in reps)


def test_no_rep_to_assign_to_keeps_the_input_and_says_so(client):
    response = client.post(URL, _data())
    assert response.status_code == 503
    assert "could not be taken" in response.content.decode()
    assert response.context["form"].data["company"] == "Acme Ltd"
    assert not Opportunity.objects.exists()


def test_logged_in_users_can_use_it_too(rep_client):
    response = rep_client.get(URL)
    assert response.status_code == 200
