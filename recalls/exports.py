"""The recall's CSV downloads, each a CsvExporter (silqeqms/exports.py) that records its own audit event:
the mail merge (one row per consignee, for letters and e-mails; also the responses template), the status
report (21 CFR 7.53) and the FDA report data (806.10(c)), one row per line shipped."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from recalls.models import Recall, RecallConsignee, RecallLine, consignee_reference
from recalls.responses_csv import COLUMNS as RESPONSE_COLUMNS
from recalls.selectors import consignees_of, report_data
from silqeqms.exports import CsvExporter
from silqeqms.models import User


def _when(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if hasattr(value, "tzinfo") else value.isoformat()


class RecallExporter(CsvExporter):
    """A download about one recall: the event's target is the recall."""

    kind = ""

    def __init__(self, *, actor: User, recall: Recall) -> None:
        super().__init__(actor=actor)
        self.recall = recall

    def audit_data(self) -> dict:
        return {"format": "csv"}

    def audit_target(self) -> dict[str, str]:
        return {"target_type": self.recall._meta.label_lower, "target_id": str(self.recall.pk),
                "target_repr": str(self.recall)}

    def get_filename(self) -> str:
        return f"{self.recall.number}-{self.kind}.csv"


class MailMergeExporter(RecallExporter):
    """One row per consignee: who, where, what they received, and their letter. Its response columns are
    blank: filled in, the file is the responses CSV to upload."""

    action = "recall.mail_merge_exported"
    kind = "mail-merge"
    header = ["recall_number", "customer_id", "facility_name", "contact_name", "email", "phone", "address",
              "units_shipped", "lots", "orders", "ship_dates", "letter_url", *RESPONSE_COLUMNS]

    def __init__(self, *, actor: User, recall: Recall, letter_url) -> None:
        super().__init__(actor=actor, recall=recall)
        self.letter_url = letter_url  # consignee → absolute URL of its letter

    def rows(self) -> Iterator[list]:
        for c in consignees_of(self.recall):
            dates = f"{_when(c.first_ship_date)} – {_when(c.last_ship_date)}" if c.first_ship_date else ""
            yield [self.recall.number, c.customer_id or "", c.facility_name, c.contact_name, c.email, c.phone,
                   "; ".join(c.addresses), c.units, ", ".join(c.lots), ", ".join(c.order_numbers), dates,
                   self.letter_url(c), consignee_reference(self.recall.number, c.number),
                   *[""] * (len(RESPONSE_COLUMNS) - 1)]


class StatusReportExporter(RecallExporter):
    """21 CFR 7.53(b), one row per consignee: notification (date, method), response (units on hand,
    returned, destroyed, corrected), accounted for, status."""

    action = "recall.status_report_exported"
    kind = "status-report"
    header = ["recall_number", "reference", "customer_id", "facility_name", "status", "units_shipped", "lots",
              "notified_at", "notify_method", "confirmed_in_writing_on", "responded_at", "responder", "units_on_hand",
              "units_returned", "units_destroyed", "units_corrected", "units_accounted", "closed_at",
              "lines_added_since_notified", "note"]

    def rows(self) -> Iterator[list]:
        for c in consignees_of(self.recall):
            yield [self.recall.number, consignee_reference(self.recall.number, c.number), c.customer_id or "",
                   c.facility_name, c.status, c.units, ", ".join(c.lots), _when(c.notified_at), c.notify_method,
                   _when(c.confirmed_in_writing_on), _when(c.responded_at), c.responder, c.units_on_hand,
                   c.units_returned, c.units_destroyed, c.units_corrected, c.units_accounted, _when(c.closed_at),
                   c.renotify, c.note]


class FdaReportExporter(RecallExporter):
    """806.10(c) data, one row per line shipped: the device (SKU, description, UDI-DI, lot and its
    expiry), the consignee (name, address, phone) and the quantity and date."""

    action = "recall.fda_report_exported"
    kind = "fda-report"
    header = ["recall_number", "kind", "classification", "opened_at", "reference", "facility_name", "shipped_to",
              "phone", "sku", "description", "udi_di", "lot_number", "expiry_date", "quantity", "ship_date",
              "order_number"]

    def rows(self) -> Iterator[list]:
        data = report_data(self.recall)
        consignees: dict[int, RecallConsignee] = {c.pk: c for c in data.consignees}
        expiry = {(lot.product.sku.upper(), lot.lot_number.upper()): lot.expiry_date for lot in data.lots}
        recall = self.recall
        line: RecallLine
        for line in data.lines:
            c = consignees[line.consignee_id]
            product = data.products.get(line.sku)
            yield [recall.number, recall.kind, recall.classification, _when(recall.opened_at),
                   consignee_reference(recall.number, c.number), c.facility_name, line.shipped_to, c.phone, line.sku,
                   product.description if product else "", line.udi_di or (product.gtin if product else ""),
                   line.lot_number, _when(expiry.get((line.sku.upper(), line.lot_number.upper()))), line.quantity,
                   line.ship_date.isoformat(), line.order_number]
