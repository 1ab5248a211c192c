"""One index by customer instead of two: (customer, ship_date) over every entry replaces the FK index
and the partial index of live entries, one index write less per imported row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('distribution', '0009_window_customers_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='distributionlogentry',
            name='dist_live_customer_date_idx',
        ),
        migrations.AlterField(
            model_name='distributionlogentry',
            name='customer',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='distribution_entries', to='customers.customer'),
        ),
        migrations.AddIndex(
            model_name='distributionlogentry',
            index=models.Index(fields=['customer', 'ship_date'], name='dist_customer_date_idx'),
        ),
    ]
