"""Every page, as every role, over records with their optional fields empty: a web
lead, rows imported with only the required columns and records created through the
forms with nothing but what they require. No page may answer with a server error."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LEAD = {
    "company": "Acme Ltd",
    "contact_name": "Ada Lovelace",
    "email": "ada@acme.example",
    "website": "",
}


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A private in-memory cache: the lead form's rate limit counts in it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "crawl-tests",
        }
    }
    cache.clear()


def _post_lead() -> None:
    response = Client().post(reverse("opportunities:lead-form"), LEAD)
    assert b"lead-form-thanks" in response.content


def test_one_web_lead_does_not_break_the_opportunity_list(rep, manager):
    # A web lead has no expected close date; the list rendered it as a date.
    _post_lead()
    for user in (manager, rep):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("opportunities:opportunity-list")).status_code == 200
