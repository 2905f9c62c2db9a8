"""Forms of the customer import and merge pages."""

from django import forms
from django.contrib.auth import get_user_model

from customers.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sms.imports import ImportFileError, csv_rows

# Files of more than settings.SMS_IMPORT_INLINE_MAX_ROWS rows are checked and
# written by a worker (sms.import_jobs), so these limits only bound what one upload
# may hold; larger files go through `manage.py import_customers`.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row; only the name column is required. "
            "Nothing is written until you confirm on the next page."
        ),
    )
    default_owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Me",
        label="Owner of new customers",
        help_text="Used for rows whose owner column is blank.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.has_perm("customers.reassign_customer"):
            self.fields["default_owner"].queryset = (
                get_user_model().objects.filter(is_active=True).order_by("username")
            )
            self.fields["default_owner"].label_from_instance = _user_label
        else:
            # Sales reps import their own customers.
            del self.fields["default_owner"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is too large: at most {MAX_IMPORT_BYTES // 2**20} MB."
            )
        try:
            rows = csv_rows(
                upload, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
            )
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            upload.seek(0)
        if not rows:
            raise forms.ValidationError("The file has a header but no rows.")
        self.row_count = len(rows)
        if len(rows) > MAX_IMPORT_ROWS:
            raise forms.ValidationError(
                f"The file has {len(rows):,} rows; the page takes at most "
                f"{MAX_IMPORT_ROWS:,}. Split it, or ask an administrator to run "
                "manage.py import_customers."
            )
        return upload


def _user_label(user) -> str:
    return f"{user.get_full_name() or user.get_username()} ({user.get_username()})"


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
