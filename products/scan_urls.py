"""/admin/scan/: the label scanner's JSON, at the short address other tools use (the root URLconf
includes this module by name beside products.urls)."""

from django.urls import path

from products.views import ScanView

urlpatterns = [
    path("", ScanView.as_view(), name="product_scan"),
]
