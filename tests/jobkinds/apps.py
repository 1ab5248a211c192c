from django.apps import AppConfig


class JobKindsConfig(AppConfig):
    """Job kinds for the job tests, registered the way a domain app registers its own."""

    name = "tests.jobkinds"
    label = "test_jobkinds"

    def ready(self) -> None:
        from tests.jobkinds import jobs  # noqa: F401
