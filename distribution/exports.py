"""The distribution log's exports: the whole log (filtered) and a lot trace for a recall letter.

Each is a CsvExporter (silqeqms/exports.py): it records its own audit event (who exported what, with
which filters) and then streams; the views only validate the request and ask for the response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import QuerySet

from distribution.imports.csv_file import COLUMNS
from distribution.models import DistributionLogEntry, Status
from silqeqms.csv_export import queryset_csv_chunks
from silqeqms.exports import CsvExporter
from silqeqms.models import User

# The import's columns first, so an export imports again unchanged; then what only the log knows.
EXPORT_COLUMNS = [*COLUMNS, "id", "status", "source"]
# The model fields behind each export column (rep is exported as the username the import accepts).
EXPORT_FIELDS = [("rep__username" if c == "rep" else c) for c in EXPORT_COLUMNS]
# Never defused: numbers, dates and the fixed status/source codes.
PLAIN_EXPORT_COLUMNS = {"ship_date", "expiry_date", "quantity", "id", "status", "source"}

LOT_TRACE_COLUMNS = ["lot_number", "ship_date", "facility_name", "address1", "address2", "city", "state",
                     "postal_code", "country", "order_number", "sku", "udi_di", "expiry_date", "serial_number",
                     "quantity", "rep", "status", "entry_id"]


class DistributionLogExporter(CsvExporter):
    """The filtered log as CSV, in the order asked for (ids break ties), every entry (voided ones too,
    marked by their status); rows formatted by the database (COPY on PostgreSQL)."""

    action = "distribution.exported"
    header = EXPORT_COLUMNS
    filename = "distribution-log.csv"
    target_type, target_repr = "distribution.export", "distribution log CSV"

    def __init__(self, *, actor: User, entries: QuerySet[DistributionLogEntry], filters: Mapping[str, str],
                 ordering: Sequence[str] = ("ship_date", "id")) -> None:
        super().__init__(actor=actor, filters=filters)
        self.entries, self.ordering = entries, tuple(ordering)

    def content(self):
        rows = self.entries.order_by(*self.ordering).values_list(*EXPORT_FIELDS)
        return queryset_csv_chunks(self.header, rows, plain_columns=PLAIN_EXPORT_COLUMNS)


class LotTraceExporter(CsvExporter):
    """Every live shipment of a lot: the consignee list behind a recall letter."""

    action = "distribution.lot_trace_exported"
    header = LOT_TRACE_COLUMNS

    def __init__(self, *, actor: User, lot: str, entries: QuerySet[DistributionLogEntry]) -> None:
        super().__init__(actor=actor)
        self.lot, self.entries = lot, entries

    def audit_data(self) -> dict:
        return {"lot": self.lot}

    def audit_target(self) -> dict[str, str]:
        return {"target_type": "distribution.lot", "target_id": self.lot[:64], "target_repr": f"lot {self.lot}"}

    def get_filename(self) -> str:
        return f"lot-trace-{''.join(ch if ch.isalnum() or ch in '-_' else '_' for ch in self.lot)}.csv"

    def rows(self):
        for e in self.entries.exclude(status=Status.VOIDED).select_related("rep").iterator(chunk_size=2000):
            yield [self.lot, e.ship_date.isoformat(), e.facility_name, e.address1, e.address2, e.city, e.state,
                   e.postal_code, e.country, e.order_number, e.sku, e.udi_di,
                   e.expiry_date.isoformat() if e.expiry_date else "", e.serial_number, e.quantity,
                   e.rep.username if e.rep_id else "", e.status, e.pk]
