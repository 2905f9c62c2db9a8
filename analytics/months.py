"""Calendar months, as the forecast reads them (plain dates, no database)."""

from datetime import date, timedelta


def month_add(month: date, months: int) -> date:
    """The first day of the month ``months`` after ``month``'s (before, if
    negative)."""
    year, index = divmod(month.year * 12 + month.month - 1 + months, 12)
    return date(year, index + 1, 1)


def month_back(month: date, months: int) -> date:
    """The first day of the month ``months`` before ``month``'s, not before the
    calendar's first day (an order dated 0001-01-01 by mistake can make a history
    end in year 1)."""
    if (month.year - 1) * 12 + month.month - 1 < months:
        return date.min
    return month_add(month, -months)


def history_end_date(as_of: date) -> date:
    """The last day of the last complete month on or before ``as_of``: a month still
    under way would read as a slump at the end of the history."""
    if (as_of + timedelta(days=1)).day == 1:
        return as_of
    return as_of.replace(day=1) - timedelta(days=1)


def months_between(first: date, last: date) -> int:
    """Calendar months from ``first``'s month to ``last``'s (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month
