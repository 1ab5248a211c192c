from django.core.management.base import BaseCommand

from silqeqms.audit import audit_batch
from silqeqms.permission_seeding import seed_permissions
from silqeqms.roles import ROLES


class Command(BaseCommand):
    help = "Create the permissions and groups described in silqeqms/roles.py (idempotent)."

    def handle(self, *args, **options):
        with audit_batch():
            report = seed_permissions()
        if not report.changed:
            self.stdout.write(f"Nothing to do: {len(ROLES)} groups already match roles.py.")
            return
        for key in report.permissions_created:
            self.stdout.write(f"created permission {key}")
        for group in report.groups_created:
            self.stdout.write(f"created group {group}")
        for group, keys in report.grants_added.items():
            self.stdout.write(f"{group}: granted {', '.join(keys)}")
        for group, keys in report.grants_removed.items():
            self.stdout.write(f"{group}: revoked {', '.join(keys)}")
        self.stdout.write(self.style.SUCCESS("Groups now match roles.py."))
