"""Refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the audit table at the database level."""

from django.db import migrations

from silqeqms import audit_triggers


def install(apps, schema_editor):
    audit_triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    audit_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("silqeqms", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
