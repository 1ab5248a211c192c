from django.urls import path, register_converter

from distribution import views
from distribution.converters import LotConverter
from distribution.shipstation.views import ShipNotifyWebhookView, ShipStationView

app_name = "distribution"

register_converter(LotConverter, "lot")

urlpatterns = [
    path("", views.EntryListView.as_view(), name="entry_list"),
    path("new/", views.EntryCreateView.as_view(), name="entry_create"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("import-csv/", views.CsvImportView.as_view(), name="import_csv"),
    path("import-pdf/", views.PdfImportView.as_view(), name="import_pdf"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("lots/", views.LotSearchView.as_view(), name="lot_search"),
    path("lots/<lot:lot>/export/", views.LotTraceExportView.as_view(), name="lot_trace_export"),
    path("lots/<lot:lot>/", views.LotTraceView.as_view(), name="lot_trace"),
    path("documents/<int:pk>/", views.SourceDocumentView.as_view(), name="source_document"),
    path("shipstation/", ShipStationView.as_view(), name="shipstation"),
    path("shipstation/notify/<str:token>/", ShipNotifyWebhookView.as_view(), name="shipstation_notify"),
    path("<int:pk>/", views.EntryDetailView.as_view(), name="entry_detail"),
    path("<int:pk>/edit/", views.EntryEditView.as_view(), name="entry_edit"),
    path("<int:pk>/void/", views.EntryVoidView.as_view(), name="entry_void"),
    path("<int:pk>/confirm/", views.EntryConfirmView.as_view(), name="entry_confirm"),
]
