"""The upload form of every import page: a CSV file plus the declaration's own
choices (the owner of new customers, creating missing products, ...)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from sms.import_pipeline import ImportDeclaration, import_rows_read
from sms.imports import ImportFileError

# Files of more than settings.SMS_IMPORT_INLINE_MAX_ROWS rows are checked and
# written by a worker (sms.import_jobs), so these limits only bound what one upload
# may hold; larger files go through the import_* commands.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("CSV file"),
        help_text=_lazy(
            "UTF-8 CSV with a header row. Nothing is written until you confirm on "
            "the next page."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, declaration: ImportDeclaration, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.declaration = declaration
        self.user = user
        self.fields.update(declaration.form_fields(user))
        self.row_count = 0

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)d MB.")
                % {"mb": MAX_IMPORT_BYTES // 2**20}
            )
        try:
            rows = import_rows_read(self.declaration, upload)
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
                    "import_%(key)s."
                )
                % {
                    "rows": f"{len(rows):,}",
                    "max": f"{MAX_IMPORT_ROWS:,}",
                    "key": self.declaration.key,
                }
            )
        return upload

    def owner_and_options(self) -> tuple[int | None, dict]:
        return self.declaration.form_options(self.cleaned_data, self.user)
