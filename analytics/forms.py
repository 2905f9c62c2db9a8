import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.job_options import (
    DEFAULT_REORDER_COVER_MONTHS,
    DEFAULT_TOP_PRODUCTS,
    FORECAST_HORIZONS,
    K_RANGE,
    MAX_TOP_PRODUCTS,
)
from analytics.models import ForecastDriver, JobRun
from analytics.periods import (
    DEFAULT_PRESET,
    EARLIEST,
    LATEST,
    MAX_DAYS,
    PRESETS,
    Period,
    custom_period,
    preset_period,
)
from analytics.services import driver_value_problem
from customers.models import Customer
from customers.selectors import customer_regions, owner_choices
from products.models import Category
from sms.roles import user_is_manager
from sms.widgets import DateInput

User = get_user_model()


class JobStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Job"), choices=JobRun.Kind.choices)
    as_of = forms.DateField(
        label=_("As of"),
        # ISO, or the browser shows a localised initial date as an empty field.
        widget=DateInput(),
        help_text=_("Orders up to and including this date are used."),
    )
    horizon = forms.TypedChoiceField(
        label=_("Forecast horizon"),
        choices=[(12, _("12 months")), (6, _("6 months"))],
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Sales forecast only: how many months ahead."),
    )
    k = forms.IntegerField(
        label=_("Clusters (k)"),
        min_value=K_RANGE[0],
        max_value=K_RANGE[1],
        required=False,
        help_text=_(
            "Segmentation only: 2 to 8 K-Means clusters; blank: chosen by silhouette."
        ),
    )

    top_products = forms.IntegerField(
        label=_("Products in units"),
        min_value=0,
        max_value=MAX_TOP_PRODUCTS,
        required=False,
        help_text=_(
            "Sales forecast only: the top products by revenue forecast in units "
            "(0 to %(max)d; blank: %(default)d)."
        )
        % {"max": MAX_TOP_PRODUCTS, "default": DEFAULT_TOP_PRODUCTS},
    )
    reorder_cover_months = forms.IntegerField(
        label=_("Reorder cover (months)"),
        min_value=1,
        max_value=max(FORECAST_HORIZONS),
        required=False,
        help_text=_(
            "Sales forecast only: months of demand a reorder suggestion covers, "
            "lead time plus review period (blank: %(default)d)."
        )
        % {"default": DEFAULT_REORDER_COVER_MONTHS},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate

    def clean(self):
        data = super().clean()
        cover = data.get("reorder_cover_months")
        horizon = data.get("horizon") or max(FORECAST_HORIZONS)
        if data.get("kind") == JobRun.Kind.FORECAST and cover and cover > horizon:
            self.add_error(
                "reorder_cover_months",
                _("At most the forecast horizon (%(horizon)d months).")
                % {"horizon": horizon},
            )
        return data

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return as_of

    def parameters(self) -> dict:
        parameters = {"as_of": self.cleaned_data["as_of"].isoformat()}
        kind = self.cleaned_data.get("kind")
        forecast_only = ("horizon", "top_products", "reorder_cover_months")
        for name in forecast_only if kind == JobRun.Kind.FORECAST else ("k",):
            value = self.cleaned_data.get(name)
            if value is not None and name in self.fields:
                parameters[name] = value
        return parameters


def regions_cached() -> list[str]:
    """The customers' regions: a DISTINCT over every customer, so kept with the
    cached figures (a customer saved bumps the data version)."""
    from django.core.cache import cache

    from analytics.cache import TIMEOUT, data_version

    key = f"analytics:regions:{data_version()}"
    return cache.get_or_set(key, customer_regions, TIMEOUT)


def _in_calendar_range(value: date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("Choose a date from %(first)s to %(last)s.")
            % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
        )


class ReportFilterForm(forms.Form):
    """The filters every report and the dashboard share: a period (a preset or a
    custom range) and, where the page uses them, rep, region, channel and category.
    Bound to request.GET; an invalid value shows next to its field and the page
    falls back to the defaults rather than guessing."""

    period = forms.ChoiceField(
        label=_("Period"), choices=list(PRESETS.items()), required=False
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        validators=[_in_calendar_range],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        validators=[_in_calendar_range],
    )
    rep = forms.ModelChoiceField(
        label=_("Sales rep"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All reps"),
    )
    region = forms.ChoiceField(label=_("Region"), choices=(), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *Customer.Channel.choices],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )

    def __init__(self, data=None, *, user, fields=(), dated=True, **kwargs):
        super().__init__(data, **kwargs)
        wanted = {*(("period", "start", "end") if dated else ()), *fields}
        if not user_is_manager(user):
            wanted.discard("rep")  # a rep's reports are their own already
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "rep" in self.fields:
            self.fields["rep"].queryset = owner_choices()
        if "region" in self.fields:
            regions = [(r, r) for r in regions_cached()]
            self.fields["region"].choices = [("", _("All regions")), *regions]
        if "category" in self.fields:
            self.fields["category"].queryset = Category.objects.select_related(
                "parent"
            ).order_by(Coalesce("parent__name", "name"), "parent__name", "name")

    def clean(self):
        data = super().clean()
        if "period" not in self.fields:
            return data  # figures as of today: any period in the URL is ignored
        preset = data.get("period") or DEFAULT_PRESET
        start, end = data.get("start"), data.get("end")
        if preset == "custom" or ((start or end) and not data.get("period")):
            preset = "custom"
            # A date that did not parse already has its own message.
            if not start and "start" not in self.errors:
                self.add_error("start", _("Choose the first day of the range."))
            if not end and "end" not in self.errors:
                self.add_error("end", _("Choose the last day of the range."))
            if start and end and start > end:
                self.add_error("end", _("The end is before the start."))
            if start and end and (end - start).days >= MAX_DAYS:
                self.add_error("end", _("Choose a range of at most ten years."))
        data["period"] = preset
        return data

    def report_period(self, *, today) -> Period:
        """The chosen period; the default when the form is invalid or offers none."""
        if self.is_valid() and "period" in self.fields:
            preset = self.cleaned_data["period"]
            if preset == "custom":
                return custom_period(
                    self.cleaned_data["start"], self.cleaned_data["end"]
                )
            return preset_period(preset, today=today)
        return preset_period(DEFAULT_PRESET, today=today)

    def value(self, name):
        """A cleaned filter value, or None when absent or invalid."""
        if not self.is_valid() or name not in self.fields:
            return None
        return self.cleaned_data.get(name) or None


# Forecast drivers -------------------------------------------------------------------

MONTH_LINE = re.compile(r"^(\S+?)\s*[,;\t ]\s*(\S.*?)$")
MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")
MAX_DRIVER_LINES = 1200  # a century of months
MAX_LINE_ERRORS = 30


def driver_values_parse(text: str) -> list[tuple[date, Decimal]]:
    """Lines of "YYYY-MM,value" (comma, semicolon, tab or space between; blank
    lines, "#" comments and a "month,value" header skipped) into [(month start,
    Decimal)]. Raises ValidationError listing every bad line by its number."""
    errors: list[str] = []
    values: list[tuple[date, Decimal]] = []
    first_line: dict[date, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_DRIVER_LINES:
        raise ValidationError(
            _("At most %(count)d lines, please.") % {"count": MAX_DRIVER_LINES}
        )
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not values and not errors and line.lower().startswith("month"):
            continue  # a header row from a spreadsheet
        match = MONTH_LINE.match(line)
        if not match:
            errors.append(
                _('Line %(line)d: "%(text)s" is not "YYYY-MM,value".')
                % {"line": number, "text": line[:40]}
            )
            continue
        month_text, value_text = match.groups()
        month = _month(month_text)
        if month is None:
            errors.append(
                _('Line %(line)d: "%(text)s" is not a month (YYYY-MM).')
                % {"line": number, "text": month_text[:20]}
            )
            continue
        try:
            value = Decimal(value_text.replace(" ", ""))
        except InvalidOperation:
            errors.append(
                _(
                    'Line %(line)d: "%(text)s" is not a number (use a dot for '
                    "decimals and no thousands separators)."
                )
                % {"line": number, "text": value_text[:20]}
            )
            continue
        problem = driver_value_problem(value)
        if problem:
            errors.append(
                _('Line %(line)d: "%(text)s" %(problem)s.')
                % {"line": number, "text": value_text[:20], "problem": problem}
            )
            continue
        if month in first_line:
            errors.append(
                _("Line %(line)d: %(month)s is already given on line %(first)d.")
                % {
                    "line": number,
                    "month": f"{month:%Y-%m}",
                    "first": first_line[month],
                }
            )
            continue
        first_line[month] = number
        values.append((month, value))
    if errors:
        shown = errors[:MAX_LINE_ERRORS]
        if len(errors) > MAX_LINE_ERRORS:
            shown.append(
                _("… and %(count)d more bad lines.")
                % {"count": len(errors) - MAX_LINE_ERRORS}
            )
        raise ValidationError(shown)
    return sorted(values)


def _month(text: str) -> date | None:
    match = MONTH_TEXT.match(text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


def driver_values_text(values: dict[date, Decimal]) -> str:
    """The form's text for stored values: one "YYYY-MM,value" line per month."""
    return "\n".join(
        f"{month:%Y-%m},{value.normalize():f}"
        for month, value in sorted(values.items())
    )


class ForecastDriverForm(forms.ModelForm):
    values = forms.CharField(
        label=_("Monthly values"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}
        ),
        help_text=_(
            "One month a line: YYYY-MM,value (e.g. 2025-01,12500). Paste two columns "
            "from a spreadsheet as they are. What is here replaces the driver's "
            "values: delete a line to remove that month."
        ),
    )

    class Meta:
        model = ForecastDriver
        fields = ["name", "description", "is_active"]

    def clean_values(self) -> list[tuple[date, Decimal]]:
        return driver_values_parse(self.cleaned_data["values"])
