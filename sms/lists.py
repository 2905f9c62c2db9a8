"""The list pages' one shape: a django-filter FilterSet from the app's selector, its
rows in a bounded, sortable django-tables2 table, and ``?export=csv|xlsx`` for the
filtered rows, every one (templates/includes/list_filter.html and
list_export.html draw the form and the buttons)."""

from django.http import HttpResponse
from django.utils import timezone
from django_tables2.views import SingleTableView

from sms.exports import table_export_response
from sms.pagination import BoundedTableMixin


class FilteredTableView(BoundedTableMixin, SingleTableView):
    """A subclass names its filterset (``get_filterset``) and its download: the file
    name's stem, the headers, the number columns' kinds and one row per record."""

    export_name = ""
    export_headers: list[str] = []
    export_kinds: dict[str, str] | None = None

    def get_filterset(self):
        raise NotImplementedError

    def export_row(self, record) -> list:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        export = request.GET.get("export")
        if export:
            return self.export(export)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context

    def export(self, fmt: str) -> HttpResponse:
        rows = (
            self.export_row(record)
            for record in self.filterset.qs.iterator(chunk_size=2000)
        )
        return table_export_response(
            filename=f"{self.export_name}-{timezone.localdate().isoformat()}",
            fmt=fmt,
            headers=self.export_headers,
            rows=rows,
            kinds=self.export_kinds,
        )
