from django.core.management.base import BaseCommand, CommandError

from distribution.jobs import REBUILD_SUMMARIES
from distribution.summaries import rebuild_summaries, verify_summaries
from silqeqms.jobs import start_job


class Command(BaseCommand):
    help = "Recompute the dashboard summaries from the entries and report any difference (exit 1)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild all summaries from the entries first.")
        parser.add_argument("--background", action="store_true",
                            help="With --rebuild: queue the rebuild and its check as a job for a worker "
                                 "(manage.py db_worker) and return at once; follow it at /admin/jobs/<id>/.")

    def handle(self, *args, rebuild: bool, background: bool, **options):
        if background:
            if not rebuild:
                raise CommandError("--background queues the rebuild: use it together with --rebuild.")
            job = start_job(actor=None, kind=REBUILD_SUMMARIES)
            job.refresh_from_db()
            self.stdout.write(f"Job {job.pk} {job.get_status_display().lower()}: {job.get_absolute_url()}")
            return
        if rebuild:
            rebuild_summaries()
            self.stdout.write("Summaries rebuilt from the entries.")
        problems = verify_summaries()
        if problems:
            for line in problems[:100]:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} summary rows differ from the entries (run with --rebuild to repair).")
        self.stdout.write(self.style.SUCCESS("Summaries match the entries exactly."))
