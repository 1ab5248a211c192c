from django.http import HttpResponse
from django.urls import path

app_name = "distribution"


def _pending(request, **kwargs):  # SCAFFOLD: replaced by real views before commit
    return HttpResponse("pending", status=501)


urlpatterns = [
    path("", _pending, name="entry_list"),
    path("new/", _pending, name="entry_create"),
    path("review/", _pending, name="review_queue"),
    path("import-csv/", _pending, name="import_csv"),
    path("import-pdf/", _pending, name="import_pdf"),
    path("export/", _pending, name="export"),
    path("lots/", _pending, name="lot_search"),
    path("lots/<path:lot>/export/", _pending, name="lot_trace_export"),
    path("lots/<path:lot>/", _pending, name="lot_trace"),
    path("documents/<int:pk>/", _pending, name="source_document"),
    path("shipstation/", _pending, name="shipstation"),
    path("<int:pk>/", _pending, name="entry_detail"),
    path("<int:pk>/edit/", _pending, name="entry_edit"),
    path("<int:pk>/void/", _pending, name="entry_void"),
    path("<int:pk>/confirm/", _pending, name="entry_confirm"),
]
