"""Live entries per (ship date, SKU) beside the units, filled in from the log.

The log's deep pages use these counts to start near the requested row instead of walking every
row before it (see selectors.entry_page_seek).
"""

from django.db import migrations, models


def fill_entries(apps, schema_editor):
    summary = apps.get_model("distribution", "DailySkuSummary")._meta.db_table
    entry = apps.get_model("distribution", "DistributionLogEntry")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {summary} SET entries = (SELECT COUNT(*) FROM {entry} e "
            f"WHERE e.ship_date = {summary}.ship_date AND e.sku = {summary}.sku AND e.status <> 'voided')"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("distribution", "0006_fewer_write_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyskusummary",
            name="entries",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill_entries, migrations.RunPython.noop),
    ]
