from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from distribution import jobs  # noqa: F401  (registers the job kinds)
