"""Page sizes and page numbers from a list's query string, for every list.

django-tables2 hands ``?per_page=`` straight to Django's paginator: ``-1`` raised
EmptyPage (a 500) and ``100000`` rendered a hundred thousand rows. Here the size is
a whole number from 1 up to ``SMS_MAX_PER_PAGE`` (bigger is cut to it; anything
else is the list's default), and a page number past either end shows the nearest
page. Record ids read from a query string stay within what the database stores."""

from django.conf import settings
from django_tables2 import RequestConfig, SingleTableMixin

DEFAULT_PER_PAGE = 50


def per_page_bounded(value, *, default: int = DEFAULT_PER_PAGE) -> int:
    """The page size asked for in a query string, kept within 1..SMS_MAX_PER_PAGE."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    return min(size if size >= 1 else default, settings.SMS_MAX_PER_PAGE)


class BoundedRequestConfig(RequestConfig):
    """RequestConfig (sorting from the query string as usual) with a bounded page
    size and a page number that never fails: junk is page 1, past the end the
    last page."""

    def configure(self, table):
        paginate, self.paginate = self.paginate, False
        super().configure(table)  # the ordering
        self.paginate = paginate
        if not paginate:
            return table
        options = dict(paginate) if hasattr(paginate, "items") else {}
        query = self.request.GET
        per_page = per_page_bounded(
            query.get(table.prefixed_per_page_field),
            default=options.pop("per_page", DEFAULT_PER_PAGE),
        )
        table.paginate(per_page=per_page, **options)
        table.page = table.paginator.get_page(query.get(table.prefixed_page_field))
        return table


class BoundedTableMixin(SingleTableMixin):
    """SingleTableMixin paginating through BoundedRequestConfig."""

    table_pagination = {"per_page": DEFAULT_PER_PAGE}

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        paginate = self.get_table_pagination(table)
        return BoundedRequestConfig(self.request, paginate=paginate).configure(table)


# The largest primary key the databases store (a signed 64-bit integer). A bigger
# number typed into a query string is no record; SQLite raises OverflowError on it.
ID_MAX = 2**63 - 1


def id_param(value) -> int | None:
    """A record id from a query string, or None when it cannot be one."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) <= ID_MAX else None
