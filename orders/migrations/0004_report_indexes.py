"""Indexes for the reports and the dashboard (issue #7): billable orders by date and
by customer, and the lines of a set of orders, each covering the columns the report
aggregates read (index-only scans).

Measured with bench/bench_reports.py on 100,000 customers and ~1,000,000 lines;
see bench/results/reports.md. Plain CREATE INDEX: a few seconds per index at that
size, during which writes to the table wait.
"""

from django.db import migrations, models

BILLABLE = ("confirmed", "partially_shipped", "shipped", "delivered")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_order_open_balance_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", BILLABLE)),
                fields=["order_date"],
                include=("id", "net_total", "customer", "owner"),
                name="order_billable_date_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", BILLABLE)),
                fields=["customer", "order_date"],
                include=("net_total",),
                name="order_billable_cust_date_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(
                fields=["order"],
                include=("product", "quantity", "net_amount", "unit_cost"),
                name="orderline_order_cover_idx",
            ),
        ),
    ]
