from django.core.management.base import BaseCommand, CommandError

from distribution.summaries import rebuild_summaries, verify_summaries


class Command(BaseCommand):
    help = "Recompute the dashboard summaries from the entries and report any difference (exit 1)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild all summaries from the entries first.")

    def handle(self, *args, rebuild: bool, **options):
        if rebuild:
            rebuild_summaries()
            self.stdout.write("Summaries rebuilt from the entries.")
        problems = verify_summaries()
        if problems:
            for line in problems[:100]:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} summary rows differ from the entries (run with --rebuild to repair).")
        self.stdout.write(self.style.SUCCESS("Summaries match the entries exactly."))
