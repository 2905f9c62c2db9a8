import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from opportunities.models import Opportunity, Stage
from sms.tables import MoneyColumn, OwnerColumn, badge

STAGE_BADGES = {
    Stage.LEAD: "text-bg-light border",
    Stage.QUALIFIED: "text-bg-info",
    Stage.PROPOSAL: "text-bg-primary",
    Stage.NEGOTIATION: "text-bg-warning",
    Stage.WON: "text-bg-success",
    Stage.LOST: "text-bg-dark",
}
RIGHT = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}


def stage_badge(opportunity: Opportunity) -> str:
    return badge(STAGE_BADGES[opportunity.stage], opportunity.get_stage_display())


class OpportunityTable(tables.Table):
    title = tables.Column(linkify=True, verbose_name="Opportunity")
    company = tables.Column(
        empty_values=(),
        order_by=("customer__name", "lead_company"),
        verbose_name="Company",
    )
    owner = OwnerColumn(verbose_name="Sales rep")
    stage = tables.Column()
    amount = MoneyColumn(attrs=RIGHT)
    probability = tables.Column(verbose_name="Prob.", attrs=RIGHT)
    weighted = MoneyColumn(verbose_name="Weighted", attrs=RIGHT)
    # A web lead has no expected close date yet; DateColumn renders even empty
    # values, so render_expected_close_date handles None itself.
    expected_close_date = tables.DateColumn(format="Y-m-d", verbose_name="Closes")
    source_channel = tables.Column(verbose_name="Source")

    class Meta:
        model = Opportunity
        fields = ()
        sequence = (
            "title",
            "company",
            "owner",
            "stage",
            "amount",
            "probability",
            "weighted",
            "expected_close_date",
            "source_channel",
        )
        attrs = {"class": "table table-hover table-sm align-middle"}
        empty_text = "No opportunities match. Clear the filters or add one."

    def render_company(self, record):
        if record.customer_id:
            return format_html(
                '<a href="{}">{}</a>',
                record.customer.get_absolute_url(),
                record.customer.name,
            )
        return format_html(
            '{} <span class="badge text-bg-light border">lead</span>',
            record.lead_company,
        )

    def render_stage(self, record):
        return stage_badge(record)

    def render_probability(self, value):
        return f"{value} %"

    def render_expected_close_date(self, record, value):
        if value is None:
            return "—"
        if record.is_open and value < timezone.localdate():
            return format_html(
                '<span class="text-danger" title="Past its expected close">{}</span>',
                value.isoformat(),
            )
        return value.isoformat()

    def render_source_channel(self, record):
        return record.get_source_channel_display()
