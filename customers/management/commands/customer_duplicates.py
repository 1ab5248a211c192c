from django.core.management.base import BaseCommand

from customers.selectors import possible_duplicates


class Command(BaseCommand):
    help = ("List the pairs of customers a key-rule change kept apart (their names now give the same key): "
            "each may be one facility. Merge them on the customer page, or rename one if they differ. "
            "Exit status 0; the list is empty when nothing waits.")

    def handle(self, *args, **options):
        pairs = possible_duplicates()
        if not pairs:
            self.stdout.write("No possible duplicates wait for a person.")
            return
        self.stdout.write(f"{len(pairs)} pair(s) of customers may be one facility (key, then the two customers):")
        for pair in pairs:
            self.stdout.write(f"  {pair.key}: #{pair.holder.pk} “{pair.holder.facility_name}” and "
                              f"#{pair.other.pk} “{pair.other.facility_name}” "
                              f"(merge at /admin/customers/{pair.holder.pk}/merge/?duplicate={pair.other.pk})")
