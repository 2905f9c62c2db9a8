from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse

from sms.context_processors import SECTIONS
from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def test_home_greets_a_rep_by_name_and_role(client):
    client.force_login(RepFactory(first_name="Rita"))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rita" in body
    assert "Signed in as <strong>Sales rep</strong>" in body
    assert "Your customers, your pipeline" in body
    assert reverse("admin:index") not in body


def test_home_greets_a_manager_as_a_manager(client):
    client.force_login(ManagerFactory(first_name="Maria"))
    body = client.get(reverse("home")).content.decode()
    assert "Signed in as <strong>Sales manager</strong>" in body
    assert "The whole team" in body


def test_admins_get_the_admin_link_and_the_admin_site(client):
    client.force_login(AdminFactory())
    body = client.get(reverse("home")).content.decode()
    assert 'href="/admin/"' in body
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "SMS administration" in admin.content.decode()


def test_the_admin_lists_users_with_their_roles(client):
    RepFactory(username="rita")
    client.force_login(AdminFactory())
    body = client.get("/admin/auth/user/").content.decode()
    assert "rita" in body
    assert "Sales rep" in body


def test_reps_cannot_open_the_admin(client):
    client.force_login(RepFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_navbar_shows_every_section_and_no_link_is_dead(client):
    client.force_login(RepFactory())
    body = client.get(reverse("home")).content.decode()
    for _key, label, url in SECTIONS:
        assert f'href="{url}"' in body
        page = client.get(url)
        assert page.status_code == 200, url
        assert label in page.content.decode()


def test_navbar_marks_the_current_section(client):
    client.force_login(RepFactory())
    body = client.get("/orders/").content.decode()
    assert 'href="/orders/"\n             aria-current="page"' in body


def test_unknown_pages_get_the_styled_404(client):
    client.force_login(RepFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Nothing here" in body
    assert "navbar" in body


def test_pages_a_role_may_not_open_get_the_styled_403(client):
    client.force_login(RepFactory())
    # Forecast drivers are for managers.
    response = client.get("/analytics/forecast/drivers/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Not for your role" in body
    assert "navbar" in body


@pytest.mark.urls("tests.sms.urls_error")
def test_server_errors_get_the_styled_500(client):
    client.raise_request_exception = False
    client.force_login(RepFactory())
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "bootstrap.min.css" in body


def test_flash_messages_show_on_the_next_page(client):
    user = RepFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "x", "new_password1": "y", "new_password2": "y"},
    )
    assert response.status_code == 200  # form errors, no message yet
    # The log-in page renders messages too: log out and see the base layout.
    assert 'class="alert' not in client.get(reverse("home")).content.decode()


def _render_pagination(query: str, page: int) -> str:
    request = RequestFactory().get(f"/customers/?{query}")
    page_obj = Paginator(range(500), 10).page(page)
    template = Template('{% include "includes/pagination.html" %}')
    return template.render(RequestContext(request, {"page_obj": page_obj}))


def test_pagination_keeps_filters_and_elides_far_pages():
    html = _render_pagination("q=acme&owner=3&page=20", 20)
    assert "191\u2013200 of 500" in html
    assert 'href="?q=acme&amp;owner=3&amp;page=21"' in html
    assert 'href="?q=acme&amp;owner=3&amp;page=1"' in html
    assert "…" in html
    assert 'href="?q=acme&amp;owner=3&amp;page=35"' not in html


def test_pagination_is_hidden_for_a_single_page():
    request = RequestFactory().get("/customers/")
    page_obj = Paginator(range(5), 10).page(1)
    html = Template('{% include "includes/pagination.html" %}').render(
        RequestContext(request, {"page_obj": page_obj})
    )
    assert html.strip() == ""


def test_money_filter_rounds_half_up_and_groups_thousands(settings):
    settings.SMS_CURRENCY = "EUR"
    template = Template("{% load sms_tags %}{{ a|money }}|{{ b|money }}|{{ c|money }}")
    html = template.render(
        Context({"a": Decimal("1234567.5"), "b": Decimal("0.005"), "c": None})
    )
    assert html == "1,234,567.50 EUR|0.01 EUR|"
