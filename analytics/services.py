"""Analytics writes that are not job runs (those live in analytics/jobs.py): the
forecast drivers managers enter."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from analytics.models import DriverValue, ForecastDriver

# DriverValue.value: max_digits=18, decimal_places=4.
DRIVER_VALUE_PLACES = 4
DRIVER_VALUE_LIMIT = Decimal(10) ** (18 - DRIVER_VALUE_PLACES)


def driver_value_problem(value: Decimal) -> str:
    """Why ``value`` cannot be stored as a driver value, or ""."""
    if not value.is_finite():
        return _("is not a number")
    if value.as_tuple().exponent < -DRIVER_VALUE_PLACES:
        return _("has more than %(places)d decimal places") % {
            "places": DRIVER_VALUE_PLACES
        }
    if abs(value) >= DRIVER_VALUE_LIMIT:
        return _("is too large")
    return ""


@transaction.atomic
def driver_save(
    *,
    driver: ForecastDriver | None = None,
    name: str,
    description: str = "",
    is_active: bool = True,
    values: Iterable[tuple[date, Decimal]] | None = None,
    user: AbstractBaseUser | None = None,
) -> ForecastDriver:
    """Create ``driver`` (None) or update it; with ``values`` given, the driver's
    monthly values become exactly those (months not listed are removed). All or
    nothing: a bad month or value raises ValidationError and nothing changes."""
    rows = []
    seen: set[date] = set()
    for month, value in values or ():
        if month.day != 1:
            raise ValidationError(
                _("%(month)s is not the first day of a month.") % {"month": month}
            )
        if month in seen:
            raise ValidationError(
                _("%(month)s is given twice.") % {"month": f"{month:%Y-%m}"}
            )
        problem = driver_value_problem(value)
        if problem:
            raise ValidationError(f"{month:%Y-%m}: {value} {problem}.")
        seen.add(month)
        rows.append((month, value))

    if driver is None:
        driver = ForecastDriver(name=name)
    else:
        driver = ForecastDriver.objects.select_for_update().get(pk=driver.pk)
    driver.name = name.strip()
    driver.description = description.strip()
    driver.is_active = is_active
    if user is not None and user.is_authenticated:
        driver.updated_by = user
    other = ForecastDriver.objects.filter(name__iexact=driver.name)
    if driver.pk:
        other = other.exclude(pk=driver.pk)
    if other.exists():
        raise ValidationError(
            {"name": _("A driver with this name already exists.")}, code="unique"
        )
    if driver.pk:
        driver.save(
            update_fields=[
                "name",
                "description",
                "is_active",
                "updated_by",
                "updated_at",
            ]
        )
    else:
        driver.save()
    if values is not None:
        DriverValue.objects.filter(driver=driver).delete()
        DriverValue.objects.bulk_create(
            DriverValue(driver=driver, month=month, value=value)
            for month, value in rows
        )
    return driver


@transaction.atomic
def driver_delete(*, driver: ForecastDriver) -> None:
    """Remove a driver and its values. Past forecast runs keep its name in their
    summaries."""
    ForecastDriver.objects.filter(pk=driver.pk).delete()
