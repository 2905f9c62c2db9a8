"""sms.idempotency: one-time tokens on create forms."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from orders.services import order_confirm
from sms.idempotency import form_token_new, form_tokens_expire, post_once_handle
from sms.models import FormSubmission
from tests.customers.factories import CustomerFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import draft_order
from tests.sms.double_submit import form_token
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def _request(user, token):
    request = RequestFactory().post("/x/", {"form_token": token})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_every_create_form_carries_one_token(client):
    manager = ManagerFactory()
    customer = CustomerFactory(owner=manager)
    order = draft_order(customer=customer, stock=5)
    client.force_login(manager)
    urls = [
        reverse("customers:customer-create"),
        reverse("customers:contact-create", args=[customer.pk]),
        reverse("customers:interaction-create", args=[customer.pk]),
        reverse("customers:task-create"),
        reverse("products:product-create"),
        reverse("products:category-create"),
        reverse("inventory:stock-receive"),
        reverse("inventory:stock-adjust"),
        reverse("inventory:stock-transfer"),
        reverse("inventory:warehouse_create"),
        reverse("orders:order-create"),
        reverse("opportunities:opportunity-create"),
        reverse("opportunities:quote-create", args=[opportunity(owner=manager).pk]),
        reverse("opportunities:lead-form"),
        "/analytics/forecast/drivers/new/",
    ]
    tokens = {url: form_token(client, url) for url in urls}
    assert len(set(tokens.values())) == len(urls)  # a new one each time
    order_confirm(order=order, user=manager)
    for name in ("orders:payment-create", "orders:order-ship"):
        assert form_token(client, reverse(name, args=[order.pk]))


def test_a_claim_stores_the_result_and_a_second_post_goes_there():
    user = RepFactory()
    token = form_token_new()
    calls = []

    def handle():
        calls.append(1)
        return HttpResponseRedirect(f"/made/{len(calls)}/")

    first = post_once_handle(_request(user, token), handle)
    second = post_once_handle(_request(user, token), handle)
    assert (first.url, second.url, len(calls)) == ("/made/1/", "/made/1/", 1)
    assert FormSubmission.objects.get().result_url == "/made/1/"


def test_a_failed_save_frees_the_token():
    user = RepFactory()
    token = form_token_new()

    def fails():
        Customer.objects.create(owner=user, name="Half")  # rolled back with the claim
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        post_once_handle(_request(user, token), fails)
    assert not FormSubmission.objects.exists() and not Customer.objects.exists()
    shown_again = post_once_handle(_request(user, token), lambda: HttpResponse("form"))
    assert shown_again.status_code == 200 and not FormSubmission.objects.exists()
    saved = post_once_handle(_request(user, token), lambda: HttpResponseRedirect("/a/"))
    assert saved.url == "/a/"


def test_tokens_belong_to_their_user_and_anonymous_posts_have_their_own():
    token = form_token_new()
    rep, other = RepFactory(), RepFactory()
    post_once_handle(_request(rep, token), lambda: HttpResponseRedirect("/rep/"))
    theirs = post_once_handle(
        _request(other, token), lambda: HttpResponseRedirect("/other/")
    )
    anonymous = post_once_handle(
        _request(AnonymousUser(), token), lambda: HttpResponseRedirect("/anon/")
    )
    again = post_once_handle(
        _request(AnonymousUser(), token), lambda: HttpResponseRedirect("/anon2/")
    )
    assert (theirs.url, anonymous.url, again.url) == ("/other/", "/anon/", "/anon/")
    assert FormSubmission.objects.count() == 3


def test_a_post_without_a_token_is_handled_as_before():
    user = RepFactory()
    calls = []

    def handle():
        calls.append(1)
        return HttpResponseRedirect("/made/")

    for token in ("", "not a token!"):
        post_once_handle(_request(user, token), handle)
    assert len(calls) == 2 and not FormSubmission.objects.exists()


def test_claims_expire_after_a_day():
    user = RepFactory()
    old = FormSubmission.objects.create(user=user, token=form_token_new())
    FormSubmission.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    post_once_handle(
        _request(user, form_token_new()), lambda: HttpResponseRedirect("/new/")
    )
    assert list(FormSubmission.objects.values_list("result_url", flat=True)) == [
        "/new/"
    ]
    assert form_tokens_expire(now=timezone.now() + timedelta(days=2)) == 1
