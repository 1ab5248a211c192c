"""The customer merge page keeps its address under the customer it merges into
(/admin/customers/<id>/merge/), but its use case repoints distribution entries, so the route is
declared here and the root URLconf includes it by name (silqeqms never imports a domain app)."""

from django.urls import path

from distribution.views.merge import CustomerMergeView

urlpatterns = [
    path("<int:pk>/merge/", CustomerMergeView.as_view(), name="customer_merge"),
]
