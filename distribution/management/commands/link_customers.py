from django.core.management.base import BaseCommand

from distribution.services import link_customers
from silqeqms.audit import audit_batch


class Command(BaseCommand):
    help = "Link every distribution entry without a customer to one, by canonical key (idempotent)."

    def handle(self, *args, **options):
        with audit_batch():
            counts = link_customers(actor=None)
        self.stdout.write(self.style.SUCCESS(
            f"Linked {counts['linked']} entries; created {counts['customers_created']} customers; "
            f"{counts['skipped']} entries have a facility name with no letters or digits and stay unlinked; "
            f"{counts['waiting']} entries name a facility close to an existing customer and wait in the review "
            "queue for a person to choose."))
