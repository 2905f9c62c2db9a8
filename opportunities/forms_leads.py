"""The public web-to-lead form (opportunities.views_leads)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

PHONE_RE = re.compile(r"^[0-9+()./\- ]{5,32}$")
# The honeypot: a field people never see (moved off screen, hidden from assistive
# technology, skipped by the tab key) but form-filling bots fill in.
HONEYPOT = "website"


class LeadForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    message = forms.CharField(
        label=_("How can we help?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_company(self) -> str:
        return self.cleaned_data["company"].strip()

    def clean_contact_name(self) -> str:
        return self.cleaned_data["contact_name"].strip()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                _("Enter a phone number: digits, spaces and + ( ) - only.")
            )
        return phone
