"""PostgreSQL: the pg_trgm extension and a trigram index on Customer.match_words, so the near-duplicate
finder (customers.matching) reads the nearest names by index instead of every customer.

The index is GiST, not GIN: GiST answers "the N nearest names" (ORDER BY match_words <-> %s LIMIT N)
straight from the index, whatever the threshold; GIN can only filter by a similarity threshold and then
sort every row it returned — at 20,000 customers whose names share "Hospital" and "Medical Center"
that is most of them. Its signatures are 256 bytes (siglen; the default is 12): multi-word names set
most bits of a short signature, and the search then visits most of the index (bench/identity.py:
about a third less time per check at 20,000 customers).

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner can create it; otherwise a
superuser runs `CREATE EXTENSION pg_trgm;` in the database once, before `migrate`. Going back drops the
index but leaves the extension (other objects may use it; dropping it needs the same rights). SQLite:
nothing to do; the finder scores every customer in Python there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "customer_match_words_trgm"


class TrigramExtensionOnPostgres(TrigramExtension):
    """CREATE EXTENSION IF NOT EXISTS pg_trgm on PostgreSQL (Django's operation skips other databases
    already); never dropped when migrating back."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
                              "USING gist (match_words gist_trgm_ops(siglen=256))")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [("customers", "0004_rekey_every_script")]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.RunPython(create_index, drop_index),
    ]
