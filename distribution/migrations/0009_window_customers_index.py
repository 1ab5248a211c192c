"""The dashboard's active customers in a date window, as an index-only range scan (see the model)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('distribution', '0008_fewer_index_writes_on_import'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='distributionlogentry',
            index=models.Index(condition=models.Q(('status', 'voided'), _negated=True), fields=['ship_date', 'customer'], name='dist_live_date_customer_idx'),
        ),
    ]
