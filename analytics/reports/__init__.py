"""The reports: each module registers one Report (see base.py); importing this
package registers them all, in menu order."""

# isort: off
# Import order is the menu order, so it is kept by hand.
from analytics.reports import sales  # noqa: F401
from analytics.reports import products  # noqa: F401
from analytics.reports import customers  # noqa: F401
from analytics.reports import team  # noqa: F401
from analytics.reports import pipeline  # noqa: F401
from analytics.reports import receivables  # noqa: F401

# isort: on
from analytics.reports.base import REPORTS, Report, ReportContext, ReportView

__all__ = ["REPORTS", "Report", "ReportContext", "ReportView"]
