from django.apps import AppConfig


class SilqeqmsConfig(AppConfig):
    name = "silqeqms"
    verbose_name = "SilqeQMS core"
    default_auto_field = "django.db.models.BigAutoField"
