from django import forms
from django.contrib.auth import get_user_model

from customers.models import Contact, Customer, Interaction, Task
from customers.selectors import owner_choices
from customers.services import tags_parse
from sms.concurrency import VersionedEditMixin, version_field
from sms.widgets import DateInput

User = get_user_model()


class CustomerForm(VersionedEditMixin, forms.ModelForm):
    tags = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. vip, wholesale, newsletter.",
    )
    confirm_duplicate = forms.BooleanField(
        required=False,
        label="This is a different customer: save it anyway",
    )
    version = version_field()

    class Meta:
        model = Customer
        fields = [
            "kind",
            "name",
            "email",
            "phone",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
            "industry",
            "source_channel",
            "age_band",
            "gender",
            "occupation",
            "payment_terms_days",
            "external_ref",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "age_band": "Individuals only.",
            "gender": "Individuals only.",
            "occupation": "Individuals only.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())
        self.fields["name"].error_messages["required"] = "Give the customer a name."

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the customer a name.")
        return name

    def clean_tags(self):
        return tags_parse(self.cleaned_data.get("tags", ""))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Customer.Kind.COMPANY:
            for field in ("age_band", "gender", "occupation"):
                if cleaned.get(field):
                    self.add_error(field, "Only individuals have this.")
        return cleaned


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="New owner")
    customers = forms.ModelMultipleChoiceField(queryset=Customer.objects.none())

    def __init__(self, *args, customers_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()
        self.fields["customers"].queryset = customers_qs


class ContactForm(VersionedEditMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Contact
        fields = ["name", "title", "email", "phone", "is_primary"]


class InteractionForm(forms.ModelForm):
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "occurred_at",
            "contact",
            "summary",
            "outcome",
            "follow_up_on",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": DateInput(),
        }
        help_texts = {"follow_up_on": "A date here creates a task for the owner."}

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "due_on", "assigned_to", "customer"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, customers_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = owner_choices()
        self.fields["customer"].queryset = customers_qs.only("pk", "name")


class CustomerMergePickForm(forms.Form):
    survivor = forms.IntegerField(
        label="Keep customer #",
        min_value=1,
        required=False,
        help_text="This customer stays.",
    )
    merged = forms.IntegerField(
        label="Merge customer #",
        min_value=1,
        required=False,
        help_text="This customer's records move to the one kept; it is deactivated.",
    )
