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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return as_of

    def parameters(self) -> dict:
        return {"as_of": self.cleaned_data["as_of"].isoformat()}
