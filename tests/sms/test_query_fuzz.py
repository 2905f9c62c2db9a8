"""Hostile query strings on every page that reads one: lists (sort, page, per_page,
filters), reports and the dashboard (period, start, end), the analytics runs (run).
A bad value may be ignored, refused or answered with a 404, never with a 500."""

import re
from contextlib import ExitStack, contextmanager
from unittest.mock import patch

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from analytics.reports import REPORTS
from analytics.selectors import SEGMENT_BY_SLUG
from products.models import Product
from tests.sms.pages import routes

pytestmark = pytest.mark.django_db

HOSTILE = (
    "-1",
    "0",
    "abc",
    "100000",
    "1e9",
    "9" * 30,
    "",
    "__",
    "-name__x",
    "id; DROP TABLE orders_order; --",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "\x00",
    "\u00fcn\u00efc\u00f8d\u00e9 \u2603",
    "1.5",
    "NaN",
)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
# Pages that take no query string, or act on one as a form post would.
SKIPPED = {"logout", "analytics:jobrun-status", "health"}


def _pages() -> list[str]:
    pages = [
        reverse(name)
        for name, _route, params in routes()
        if not params and name not in SKIPPED and not name.startswith("password_")
    ]
    pages += [reverse("analytics:report", args=[slug]) for slug in REPORTS]
    product = Product.objects.get(sku="P-1")
    pages.append(reverse("inventory:product-stock", args=[product.pk]))
    # One segment stands for all: they share the view.
    pages.append(
        reverse("analytics:segment-customers", args=[next(iter(SEGMENT_BY_SLUG))])
    )
    return pages


@contextmanager
def _recording_reads():
    """Collect the names a view looks up in a query string (get, getlist, [] and
    in), so each page is only asked what it reads."""
    names: set[str] = set()

    def recording(method):
        def lookup(self, key, *args, **kwargs):
            names.add(key)
            return method(self, key, *args, **kwargs)

        return lookup

    with ExitStack() as stack:
        for name in ("get", "getlist", "__getitem__", "__contains__"):
            method = getattr(QueryDict, name)
            stack.enter_context(patch.object(QueryDict, name, recording(method)))
        yield names


def _fields(client: Client, url: str) -> set[str]:
    """What the page reads from its query string, and the fields of its own GET
    forms (filters, periods)."""
    with _recording_reads() as names:
        response = client.get(url)
    if response.streaming or not response["Content-Type"].startswith("text/html"):
        return names
    for attrs, form in FORM.findall(response.content.decode()):
        method = re.search(r'method="(\w+)"', attrs)
        action = re.search(r'action="([^"]*)"', attrs)
        if (method is None or method[1].lower() == "get") and (
            action is None or action[1] in ("", url)
        ):
            names.update(FIELD_NAME.findall(form))
    return names


def _server_errors(client: Client, url: str, queries) -> list[str]:
    errors = []
    for query in queries:
        response = client.get(url, query)
        if response.status_code >= 500:
            exc = response.exc_info[1] if response.exc_info else ""
            errors.append(f"GET {url} {query!r}: {response.status_code} {exc!r}")
    return errors


def test_per_page_is_bounded_and_junk_falls_back_to_the_default(world, settings):
    client = Client()
    client.force_login(world.manager)
    url = reverse("orders:order-list")

    def per_page(value):
        return client.get(url, {"per_page": value}).context["table"].paginator.per_page

    assert per_page("7") == 7
    assert per_page("100000") == 200
    for junk in ("-1", "0", "abc", "1e9", ""):
        assert per_page(junk) == 50
    settings.SMS_MAX_PER_PAGE = 20
    assert per_page("100000") == 20


def test_a_page_number_out_of_range_shows_the_nearest_page(world):
    client = Client()
    client.force_login(world.manager)
    url = reverse("orders:order-list")

    def page(value):
        table = client.get(url, {"per_page": "1", "page": value}).context["table"]
        return table.page.number, table.paginator.num_pages

    number, last = page("99999")
    assert number == last > 1
    assert page("9" * 30) == (last, last)
    assert page("abc") == (1, last)
    assert page("2") == (2, last)


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_no_query_string_makes_any_page_fail(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, role))
    errors = []
    for url in _pages():
        fields = sorted(_fields(client, url))
        if not fields:
            continue
        # Every field at once with each value; for a manager (who sees every
        # filter) also each field alone with junk that parses, so the other fields
        # cannot hide it behind a form error, and repeated parameters.
        queries = [dict.fromkeys(fields, value) for value in HOSTILE]
        if role == "manager":
            queries += [{f: v} for f in fields for v in ("-1", "9" * 30)]
            queries.append({f: ["1", "x"] for f in fields})
        errors += _server_errors(client, url, queries)
    assert not errors, "\n".join(errors)
