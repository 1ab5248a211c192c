from django.core.management.base import BaseCommand, CommandError

from silqeqms.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit 1 naming the first broken event, or report how many verified."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"Audit chain broken at event #{report.broken_seq}: {report.problem}. "
                               f"{report.verified} events before it verified.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.verified} events verified."))
