"""The quote form: the header (validity, notes) and the order form's line formset
(product by SKU or name, quantity, unit price defaulting to the list price,
discount). They only parse input; opportunities.services checks every rule again
and copies the prices when the quote is saved."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.forms import LineFormSet
from sms.concurrency import version_field
from sms.widgets import DateInput

VALIDITY_DAYS = 30

QuoteLineFormSet = LineFormSet


def default_valid_until():
    return timezone.localdate() + timedelta(days=VALIDITY_DAYS)


class QuoteForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Valid until"), initial=default_valid_until, widget=DateInput()
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Printed on the quote."),
    )
    # Set when editing: the quote's version the form was read at.
    version = version_field()

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise ValidationError(_("The validity date has passed."))
        return value
