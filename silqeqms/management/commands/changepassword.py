"""`manage.py changepassword`, audited: Django's prompts, then the user service's reset_password()."""

from django.contrib.auth.management.commands import changepassword
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from silqeqms.models import User
from silqeqms.users.services import reset_password


class Command(changepassword.Command):
    def handle(self, *args, **options):
        username = options["username"] or changepassword.getpass.getuser()
        user = User.objects.using(options["database"]).filter(username=username).first()
        if user is None:
            raise CommandError(f"user '{username}' does not exist")
        self.stdout.write(f"Changing password for user '{user}'")
        for _ in range(3):
            first, second = self._get_pass(), self._get_pass("Password (again): ")
            if first != second:
                self.stdout.write("Passwords do not match. Please try again.")
                continue
            try:
                reset_password(actor=None, user=user, password=first, reason="manage.py changepassword")
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return f"Password changed successfully for user '{user}'"
        raise CommandError(f"Aborting password change for user '{user}' after 3 attempts")
