"""The distribution log's exports: the whole log (filtered) and a lot trace for a recall letter.

Each export records its own audit event (who exported what, with which filters) and then streams;
the views only validate the request and hand the response back.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from distribution.imports.csv_file import COLUMNS
from distribution.models import DistributionLogEntry, Status
from silqeqms.audit import record_event
from silqeqms.csv_export import queryset_csv_chunks, stream_csv
from silqeqms.models import User

# The import's columns first, so an export imports again unchanged; then what only the log knows.
EXPORT_COLUMNS = [*COLUMNS, "id", "status", "source"]
# The model fields behind each export column (rep is exported as the username the import accepts).
EXPORT_FIELDS = [("rep__username" if c == "rep" else c) for c in EXPORT_COLUMNS]
# Never defused: numbers, dates and the fixed status/source codes.
PLAIN_EXPORT_COLUMNS = {"ship_date", "quantity", "id", "status", "source"}

LOT_TRACE_COLUMNS = ["lot_number", "ship_date", "facility_name", "address1", "address2", "city", "state",
                     "postal_code", "country", "order_number", "sku", "udi_di", "quantity", "rep", "status",
                     "entry_id"]


def _recorded_filters(filters: Mapping[str, str]) -> dict[str, str]:
    """The filters as recorded: blank ones left out, control characters never stored."""
    return {k: "".join(ch for ch in v if ch >= " ") for k, v in filters.items() if v}


def export_log(*, actor: User, entries: QuerySet[DistributionLogEntry], filters: Mapping[str, str],
               ordering: tuple[str, ...] = ("ship_date", "id")) -> StreamingHttpResponse:
    """The filtered log as CSV, in the order asked for (ids break ties), every entry (voided ones too,
    marked by their status)."""
    record_event(actor=actor, action="distribution.exported", target_type="distribution.export",
                 target_repr="distribution log CSV", data={"filters": _recorded_filters(filters)})
    rows = entries.order_by(*ordering).values_list(*EXPORT_FIELDS)
    return stream_csv("distribution-log.csv", EXPORT_COLUMNS,
                      chunks=queryset_csv_chunks(EXPORT_COLUMNS, rows, plain_columns=PLAIN_EXPORT_COLUMNS))


def export_lot_trace(*, actor: User, lot: str, entries: QuerySet[DistributionLogEntry]) -> StreamingHttpResponse:
    """Every live shipment of a lot: the consignee list behind a recall letter."""
    live = entries.exclude(status=Status.VOIDED).select_related("rep")
    record_event(actor=actor, action="distribution.lot_trace_exported", target_type="distribution.lot",
                 target_id=lot[:64], target_repr=f"lot {lot}", data={"lot": lot})
    rows = (
        [lot, e.ship_date.isoformat(), e.facility_name, e.address1, e.address2, e.city, e.state, e.postal_code,
         e.country, e.order_number, e.sku, e.udi_di, e.quantity, e.rep.username if e.rep_id else "", e.status, e.pk]
        for e in live.iterator(chunk_size=2000)
    )
    safe_lot = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in lot)
    return stream_csv(f"lot-trace-{safe_lot}.csv", LOT_TRACE_COLUMNS, rows)
