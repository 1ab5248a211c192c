"""The distribution log's pages, one module per topic (ShipStation's page: distribution.shipstation.views)."""

from distribution.views.entries import (
    EntryConfirmView,
    EntryCreateView,
    EntryDetailView,
    EntryEditView,
    EntryListView,
    EntryVoidView,
    ExportView,
    ReviewQueueView,
)
from distribution.views.imports import CsvImportView, PdfImportView
from distribution.views.lots import LotSearchView, LotTraceExportView, LotTraceView, SourceDocumentView
from distribution.views.merge import CustomerMergeView

__all__ = [
    "CsvImportView", "CustomerMergeView", "EntryConfirmView", "EntryCreateView", "EntryDetailView", "EntryEditView",
    "EntryListView", "EntryVoidView", "ExportView", "LotSearchView", "LotTraceExportView", "LotTraceView",
    "PdfImportView", "ReviewQueueView", "SourceDocumentView",
]
