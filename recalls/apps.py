from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "recalls"
    verbose_name = "Recalls and field actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recalls import jobs  # noqa: F401  (registers the job kinds)
