from django.apps import AppConfig


class SalesDashboardConfig(AppConfig):
    name = "sales_dashboard"
    default_auto_field = "django.db.models.BigAutoField"
