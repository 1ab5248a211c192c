"""Fewer indexes on the audit table, so bulk imports write their events faster.

Dropped: the unique index on hash and the LIKE-only (varchar_pattern_ops) copies PostgreSQL gets for
indexed CharFields (hash, action, batch_id), and the actor FK index that audit_actor_idx already covers.
On SQLite, altering a field rebuilds the table, which drops its triggers: the append-only triggers are
installed again at the end.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from silqeqms import audit_triggers


def reinstall_triggers(apps, schema_editor):
    audit_triggers.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('silqeqms', '0002_audit_append_only_triggers'),
    ]

    operations = [
        # Unapplying runs the operations backwards: the triggers go back on after the table is rebuilt.
        migrations.RunPython(migrations.RunPython.noop, reinstall_triggers),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='batch_id',
            field=models.CharField(blank=True, max_length=36),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action'], name='audit_action_idx'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['batch_id'], name='audit_batch_idx'),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
