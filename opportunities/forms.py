"""Opportunity forms. They only parse input; opportunities.services checks the rules
again when it saves, and is the only way a stage changes."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from customers.lookup import CustomerLookupField
from customers.selectors import owner_choices
from opportunities.models import OPEN_STAGES, LostReason, Opportunity, Stage
from sms.concurrency import VersionedEditMixin, version_field
from sms.roles import user_is_manager
from sms.widgets import DateInput

LEAD_FIELDS = ("lead_company", "lead_contact", "lead_email", "lead_phone")


class OptionalCustomerLookupField(CustomerLookupField):
    """orders' customer look-up, empty allowed (a lead has no customer yet)."""

    def clean(self, value):
        if not (value or "").strip():
            return None
        return super().clean(value)


class OpportunityForm(VersionedEditMixin, forms.ModelForm):
    """New and existing opportunities. A customer, or for a new lead the company
    (and contact) it comes from. The stage is only chosen on creation; after that
    it moves through the move form."""

    customer = OptionalCustomerLookupField(
        label=_("Customer"),
        required=False,
        widget=forms.TextInput(
            attrs={"list": "customer-options", "autocomplete": "off"}
        ),
        help_text=_("Type a name and pick from the list; or fill in the lead below."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[(s.value, s.label) for s in OPEN_STAGES],
        initial=Stage.LEAD,
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the stage's usual probability."),
    )
    owner = forms.ModelChoiceField(
        queryset=owner_choices().none(),
        label=_("Sales rep"),
        required=False,
        empty_label=_("Assign by the lead rule"),
    )
    version = version_field()

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "customer",
            *LEAD_FIELDS,
            "stage",
            "amount",
            "probability",
            "expected_close_date",
            "source_channel",
            "owner",
            "next_step",
            "notes",
        ]
        widgets = {
            "expected_close_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        self.fields["amount"].validators.append(MinValueValidator(0))
        self.fields["amount"].widget.attrs["min"] = "0"
        editing = self.instance.pk is not None
        if editing:
            del self.fields["stage"]
            self.fields["probability"].help_text = ""
            if self.instance.customer_id and not self.is_bound:
                self.initial["customer"] = self.instance.customer
        if user_is_manager(user):
            self.fields["owner"].queryset = owner_choices()
            if editing:
                self.fields["owner"].empty_label = None
        else:
            del self.fields["owner"]

    def clean(self):
        data = super().clean()
        if "customer" in self.errors:
            return data  # the look-up has said what is wrong
        if not data.get("customer") and not (data.get("lead_company") or "").strip():
            message = _("Pick a customer, or give the lead's company.")
            self.add_error("customer", message)
            self.add_error("lead_company", message)
        return data

    def _post_clean(self):
        # The service validates and saves; the form must not build the instance
        # (an unsaved new opportunity has no probability or owner yet).
        pass

    def service_fields(self) -> dict:
        """The cleaned values opportunity_create / opportunity_update take."""
        data = dict(self.cleaned_data)
        for name in LEAD_FIELDS:
            data[name] = (data.get(name) or "").strip()
        data.setdefault("customer", None)
        return data


class MoveForm(forms.Form):
    """A move to another stage: the board's drop, a card's Move button, or the form
    on the opportunity page."""

    to_stage = forms.ChoiceField(
        label=_("Move to"),
        choices=Stage.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        label=_("Lost because"),
        required=False,
        empty_label=_("Reason (if lost)"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    lost_note = forms.CharField(
        label=_("In words"),
        max_length=300,
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("If lost")}
        ),
    )
