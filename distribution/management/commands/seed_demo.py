"""Demo data for a new machine: one user per role (known passwords) and, with --entries, records."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from distribution.demo import seed_demo_entries
from distribution.models import DistributionLogEntry
from silqeqms.audit import audit_batch
from silqeqms.demo_users import DEMO_PASSWORD_SUFFIX, seed_demo_users


class Command(BaseCommand):
    help = "Create demo users (one per role) and optionally N demo distribution entries. Refuses unless DEBUG or --force."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=0, help="Add this many demo distribution entries.")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")
        parser.add_argument("--seed", type=int, default=20260101, help="Random seed (same seed, same data).")
        parser.add_argument("--if-empty", action="store_true",
                            help="Add the entries only if the log is empty (so `make run` seeds once).")

    def handle(self, *args, entries: int, force: bool, seed: int, if_empty: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with known passwords: it runs only with DEBUG=1 or --force.")
        if entries < 0:
            raise CommandError("--entries must be 0 or more.")
        with audit_batch():
            created = seed_demo_users()
        if created:
            self.stdout.write("Demo logins (password = username + '" + DEMO_PASSWORD_SUFFIX + "'):")
            for username, role in created:
                self.stdout.write(f"  {username:<10} {username + DEMO_PASSWORD_SUFFIX:<20} role: {role}")
        else:
            self.stdout.write("Demo users already exist (password = username + '" + DEMO_PASSWORD_SUFFIX + "').")
        if entries and if_empty and DistributionLogEntry.objects.exists():
            self.stdout.write("The distribution log already has entries; no demo entries added.")
        elif entries:
            report = seed_demo_entries(entries, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(report))
