from django.urls import path

from products import views

app_name = "products"

urlpatterns = [
    path("", views.ProductListView.as_view(), name="product_list"),
    path("new/", views.ProductCreateView.as_view(), name="product_create"),
    path("import/", views.ProductImportView.as_view(), name="product_import"),
    path("lots/", views.LotListView.as_view(), name="lot_list"),
    path("lots/<int:pk>/", views.LotDetailView.as_view(), name="lot_detail"),
    path("lots/<int:pk>/status/", views.LotStatusView.as_view(), name="lot_status"),
    path("<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("<int:pk>/lots/new/", views.LotCreateView.as_view(), name="lot_create"),
]
