"""The form of the order history import page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sms.imports import ImportFileError, csv_rows

# Files of more than settings.SMS_IMPORT_INLINE_MAX_ROWS rows are checked and
# written by a worker (sms.import_jobs), so these limits only bound what one upload
# may hold; larger files go through `manage.py import_orders`.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a header row, one row per order line. Nothing is "
            "written until you confirm on the next page."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)d MB.")
                % {"mb": MAX_IMPORT_BYTES // 2**20}
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
            raise forms.ValidationError(_("The file has a header but no rows."))
        self.row_count = len(rows)
        if len(rows) > MAX_IMPORT_ROWS:
            raise forms.ValidationError(
                _(
                    "The file has %(rows)s rows; the page takes at most %(max)s. "
                    "Split it, or ask an administrator to run manage.py "
                    "import_orders."
                )
                % {"rows": f"{len(rows):,}", "max": f"{MAX_IMPORT_ROWS:,}"}
            )
        return upload
