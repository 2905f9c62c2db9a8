"""Index for the reports (issue #7): a rep's customers as a join key (owner -> id,
merged_into), covering what the reports read (an index-only scan instead of the
table).

Measured with bench/bench_reports.py on 100,000 customers; see
bench/results/reports.md.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_interaction_occurred_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["owner"],
                include=("id", "merged_into"),
                name="customer_owner_cover_idx",
            ),
        ),
    ]
