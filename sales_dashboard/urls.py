from django.urls import path

app_name = "sales_dashboard"

urlpatterns: list = []
