"""Forecast drivers: parsing pasted months, the managers' pages (add, edit, delete,
errors by line, nothing half-saved), what a forecast today needs, permissions."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from analytics.forms import driver_values_parse, driver_values_text
from analytics.models import DriverValue, ForecastDriver
from analytics.months import month_add
from analytics.selectors import drivers_frame
from analytics.services import driver_save
from tests.analytics.factories import billable_order

pytestmark = pytest.mark.django_db
LIST = "/analytics/forecast/drivers/"
NEW = "/analytics/forecast/drivers/new/"


def stored(driver) -> dict:
    return dict(
        DriverValue.objects.filter(driver=driver)
        .order_by("month")
        .values_list("month", "value")
    )


# Parsing -----------------------------------------------------------------------------


def test_pasted_lines_parse_with_any_usual_separator():
    text = (
        "month,value\n"
        "2024-01,1200\n"
        "\n"
        "# a comment\n"
        "2024-02;1 300.5\n"
        "2024-03\t-7.25\n"
        "2024-4 0\n"
        "2024-05-01,1e3\n"
    )
    assert driver_values_parse(text) == [
        (date(2024, 1, 1), Decimal("1200")),
        (date(2024, 2, 1), Decimal("1300.5")),
        (date(2024, 3, 1), Decimal("-7.25")),
        (date(2024, 4, 1), Decimal("0")),
        (date(2024, 5, 1), Decimal("1e3")),
    ]
    assert driver_values_parse("") == []


def test_every_bad_line_is_reported_with_its_number():
    text = (
        "2024-01,100\n"  # 1 fine
        "2024-13,100\n"  # 2 no such month
        "January,100\n"  # 3 not a month
        "2024-02,1,234.5\n"  # 4 thousands separator
        "2024-03\n"  # 5 no value
        "2024-01,200\n"  # 6 again
        "2024-04,0.00001\n"  # 7 too many decimals
        "2024-05,NaN\n"  # 8 not a number
        "2024-06,1e20\n"  # 9 too large
    )
    with pytest.raises(ValidationError) as caught:
        driver_values_parse(text)
    messages = caught.value.messages
    assert [m.split(":", 1)[0] for m in messages] == [
        f"Line {n}" for n in (2, 3, 4, 5, 6, 7, 8, 9)
    ]
    assert "is not a month (YYYY-MM)" in messages[0]
    assert "no thousands separators" in messages[2]
    assert 'is not "YYYY-MM,value"' in messages[3]
    assert "already given on line 1" in messages[4]
    assert "more than 4 decimal places" in messages[5]
    assert "is not a number" in messages[6]
    assert "is too large" in messages[7]


def test_stored_values_round_trip_through_the_form_text():
    values = [
        (date(2024, 1, 1), Decimal("12500.0000")),
        (date(2024, 2, 1), Decimal("0.25")),
    ]
    text = driver_values_text(dict(values))
    assert text == "2024-01,12500\n2024-02,0.25"
    assert driver_values_parse(text) == [
        (date(2024, 1, 1), Decimal("12500")),
        (date(2024, 2, 1), Decimal("0.25")),
    ]


# Service ------------------------------------------------------------------------------


def test_saving_values_replaces_them_all_or_nothing(manager):
    driver = driver_save(
        name="Marketing",
        values=[(date(2024, 1, 1), Decimal("1")), (date(2024, 2, 1), Decimal("2"))],
        user=manager,
    )
    assert driver.updated_by == manager
    driver_save(
        driver=driver, name="Marketing", values=[(date(2024, 3, 1), Decimal("3"))]
    )
    assert stored(driver) == {date(2024, 3, 1): Decimal("3")}
    with pytest.raises(ValidationError, match="first day"):
        driver_save(
            driver=driver,
            name="Renamed",
            values=[(date(2024, 4, 1), Decimal("4")), (date(2024, 5, 2), Decimal("5"))],
        )
    driver.refresh_from_db()
    assert driver.name == "Marketing"
    assert stored(driver) == {date(2024, 3, 1): Decimal("3")}
    with pytest.raises(ValidationError, match="already exists"):
        driver_save(name="marketing")


def test_the_forecast_gets_active_drivers_only_as_a_month_by_name_frame():
    driver_save(
        name="Spend",
        values=[(date(2024, 1, 1), Decimal("10.5")), (date(2024, 2, 1), Decimal("11"))],
    )
    driver_save(name="Index", values=[(date(2024, 2, 1), Decimal("99"))])
    driver_save(name="Old", is_active=False, values=[(date(2024, 1, 1), Decimal("1"))])
    frame = drivers_frame()
    assert list(frame.columns) == ["Index", "Spend"]
    assert [m.date() for m in frame.index] == [date(2024, 1, 1), date(2024, 2, 1)]
    assert frame.loc["2024-01-01", "Spend"] == 10.5
    assert frame["Index"].isna().tolist() == [True, False]
    ForecastDriver.objects.update(is_active=False)
    assert drivers_frame() is None


# Pages --------------------------------------------------------------------------------


def test_a_manager_adds_a_driver_with_its_values(manager_client, manager):
    assert manager_client.get(NEW).status_code == 200
    response = manager_client.post(
        NEW,
        {
            "name": "Marketing spend",
            "description": "EUR on ads",
            "is_active": "on",
            "values": "month,value\n2024-01,1000\n2024-02,1250.50\n",
        },
    )
    driver = ForecastDriver.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:driver-update", args=[driver.pk])
    assert driver.is_active and driver.updated_by == manager
    assert stored(driver) == {
        date(2024, 1, 1): Decimal("1000"),
        date(2024, 2, 1): Decimal("1250.5"),
    }
    page = manager_client.get(response["Location"])
    assert page.status_code == 200
    # The form holds the stored values as lines to edit; the grid shows them.
    assert page.context["form"].initial["values"] == "2024-01,1000\n2024-02,1250.5"
    assert 'id="driver-grid"' in page.content.decode()
    assert "1,250.5" in page.content.decode()
    listing = manager_client.get(LIST).content.decode()
    assert "Marketing spend" in listing
    assert "EUR on ads" in listing


def test_a_manager_edits_the_values_and_a_removed_line_removes_the_month(
    manager_client,
):
    driver = driver_save(
        name="Index",
        values=[(date(2024, 1, 1), Decimal("100")), (date(2024, 2, 1), Decimal("101"))],
    )
    url = reverse("analytics:driver-update", args=[driver.pk])
    response = manager_client.post(
        url, {"name": "Index", "values": "2024-02,102\n2024-03,103"}
    )
    assert response.status_code == 302
    driver.refresh_from_db()
    assert not driver.is_active  # the box was left unticked
    assert stored(driver) == {
        date(2024, 2, 1): Decimal("102"),
        date(2024, 3, 1): Decimal("103"),
    }


def test_bad_lines_are_listed_by_number_and_nothing_is_saved(manager_client):
    response = manager_client.post(
        NEW, {"name": "Spend", "values": "2024-01,5\n2024-1x,6\n2024-03,abc"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["values"]
    assert errors[0].startswith("Line 2:")
    assert errors[1].startswith("Line 3:")
    body = response.content.decode()
    assert "Line 2:" in body and "Line 3:" in body
    assert not ForecastDriver.objects.exists()
    assert not DriverValue.objects.exists()

    driver = driver_save(name="Spend", values=[(date(2024, 1, 1), Decimal("5"))])
    url = reverse("analytics:driver-update", args=[driver.pk])
    response = manager_client.post(
        url, {"name": "Renamed", "is_active": "on", "values": "2024-02,7\n2024-02,8"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["values"] == [
        "Line 2: 2024-02 is already given on line 1."
    ]
    driver.refresh_from_db()
    assert driver.name == "Spend"
    assert stored(driver) == {date(2024, 1, 1): Decimal("5")}


def test_a_duplicate_name_is_refused_on_the_field(manager_client):
    driver_save(name="Spend")
    response = manager_client.post(NEW, {"name": "spend", "values": ""})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["name"])
    assert ForecastDriver.objects.count() == 1


def test_a_manager_deletes_a_driver(manager_client):
    driver = driver_save(name="Spend", values=[(date(2024, 1, 1), Decimal("5"))])
    url = reverse("analytics:driver-delete", args=[driver.pk])
    assert manager_client.get(url).status_code == 405
    assert manager_client.post(url).status_code == 302
    assert not ForecastDriver.objects.exists()
    assert not DriverValue.objects.exists()
    assert manager_client.post(url).status_code == 404


def test_reps_cannot_see_or_change_drivers(rep_client):
    driver = driver_save(name="Spend", values=[(date(2024, 1, 1), Decimal("5"))])
    update = reverse("analytics:driver-update", args=[driver.pk])
    delete = reverse("analytics:driver-delete", args=[driver.pk])
    for url in (LIST, NEW, update):
        assert rep_client.get(url).status_code == 403
    assert rep_client.post(NEW, {"name": "X", "values": ""}).status_code == 403
    assert rep_client.post(update, {"name": "X", "values": ""}).status_code == 403
    assert rep_client.post(delete).status_code == 403
    driver.refresh_from_db()
    assert driver.name == "Spend"
    assert ForecastDriver.objects.count() == 1
    # The forecast page stays open to reps, without the way to the drivers.
    page = rep_client.get("/analytics/forecast/")
    assert page.status_code == 200
    assert LIST not in page.content.decode()


def test_the_pages_say_which_months_a_forecast_today_needs(manager_client):
    this_month = timezone.localdate().replace(day=1)
    first = month_add(this_month, -14)
    billable_order(order_date=first.replace(day=5))
    billable_order(order_date=month_add(this_month, -1).replace(day=5))
    last_history = month_add(this_month, -1)
    needed_until = month_add(last_history, 12)
    # Values for the history and the next 6 forecast months only.
    values = []
    month = first
    while month <= month_add(last_history, 6):
        values.append(f"{month:%Y-%m},1")
        month = month_add(month, 1)
    driver = driver_save(name="Spend", values=driver_values_parse("\n".join(values)))
    complete_values = [(m, Decimal(1)) for m in _months(first, needed_until)]
    complete = driver_save(name="Complete", values=complete_values)

    listing = manager_client.get(LIST)
    body = listing.content.decode()
    window = listing.context["window"]
    assert (window.first, window.history_last, window.last) == (
        first,
        last_history,
        needed_until,
    )
    gap = (month_add(last_history, 7), needed_until)
    rows = {d.pk: d for d in listing.context["drivers"]}
    assert rows[driver.pk].missing == [gap]
    assert rows[complete.pk].missing == []
    assert f"Missing {gap[0]:%b %Y} \u2013 {gap[1]:%b %Y}" in body
    assert "Complete</span>" in body

    page = manager_client.get(reverse("analytics:driver-update", args=[driver.pk]))
    assert page.context["missing"] == [gap]
    assert page.content.decode().count("data-missing") == 6
    assert f"{first:%b %Y}" in page.content.decode()


def _months(first, last):
    month = first
    while month <= last:
        yield month
        month = month_add(month, 1)


def test_drivers_are_in_the_admin(admin_client):
    driver = driver_save(name="Spend", values=[(date(2024, 1, 1), Decimal("5"))])
    assert admin_client.get("/admin/analytics/forecastdriver/").status_code == 200
    page = admin_client.get(f"/admin/analytics/forecastdriver/{driver.pk}/change/")
    assert page.status_code == 200
    assert admin_client.get("/admin/analytics/drivervalue/?q=spend").status_code == 200
