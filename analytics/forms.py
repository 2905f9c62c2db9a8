from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import JobRun


class JobStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Job"), choices=JobRun.Kind.choices)
    as_of = forms.DateField(
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return as_of

    def parameters(self) -> dict:
        parameters = {"as_of": self.cleaned_data["as_of"].isoformat()}
        horizon = self.cleaned_data.get("horizon")
        if horizon and self.cleaned_data.get("kind") == JobRun.Kind.FORECAST:
            parameters["horizon"] = horizon
        return parameters
