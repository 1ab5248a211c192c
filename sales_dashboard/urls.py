from django.urls import path

from sales_dashboard import views

app_name = "sales_dashboard"

urlpatterns = [
    path("", views.SalesDashboardView.as_view(), name="dashboard"),
    path("export/", views.SalesDashboardExportView.as_view(), name="export"),
]
