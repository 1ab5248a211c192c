"""CSV exports that record their own audit event (`CsvExporter`), and the audit trail's export.

Every download of records is itself recorded: who, when, and what was asked for. The exporter does
both, so a view only checks the permission, validates the request, and hands the result over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from silqeqms.audit import record_event
from silqeqms.csv_export import csv_lines, stream_csv
from silqeqms.models import AuditEvent, User

# C0 controls, DEL and C1 controls. PostgreSQL's jsonb refuses NUL (\u0000); none of them belongs in a
# recorded filter, so they are all dropped.
_CONTROL_CHARACTERS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])


def recordable(value: Any) -> Any:
    """The value with control characters removed from all its text (keys too), fit to be recorded."""
    if isinstance(value, str):
        return value.translate(_CONTROL_CHARACTERS)
    if isinstance(value, Mapping):
        return {recordable(k): recordable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [recordable(v) for v in value]
    return value


class CsvExporter:
    """One CSV download that records its own audit event, then streams (formula-safe, see csv_export.py).

    A subclass declares `action` (the audit action), `header` and `filename`, takes what it exports as
    keyword arguments already validated by the view (a filterset's queryset, a form's window), and
    gives `rows()`, or overrides `content()` to stream ready-made chunks (queryset_csv_chunks(), which
    lets PostgreSQL's COPY format a million rows). The event records `audit_data()`, by default
    {"filters": the non-blank query parameters}, and `audit_target()`; control characters are removed
    from both. `response()` records the event at once, in its own transaction (before the first byte,
    so a download cut short is still recorded), and returns the streaming response:

        class AuditEventExportView(PermissionRequiredMixin, View):
            permission_required = "silqeqms.view_audit"

            def get(self, request):
                filterset = AuditEventFilterSet(request.GET, queryset=...)
                events = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
                return AuditTrailExporter(actor=request.user, events=events, filters=request.GET).response()

    The distribution log export, as an exporter (rows formatted by the database):

        class DistributionLogExporter(CsvExporter):
            action = "distribution.exported"
            header = EXPORT_COLUMNS
            filename = "distribution-log.csv"
            target_type, target_repr = "distribution.export", "distribution log CSV"

            def __init__(self, *, actor, entries, filters):
                super().__init__(actor=actor, filters=filters)
                self.entries = entries

            def content(self):
                rows = self.entries.order_by("ship_date", "id").values_list(*EXPORT_FIELDS)
                return queryset_csv_chunks(self.header, rows, plain_columns=PLAIN_EXPORT_COLUMNS)

    The lot trace export records its lot instead of filters: it overrides `audit_data()` ({"lot": lot}),
    `audit_target()` (target_id lot[:64], target_repr f"lot {lot}"), `get_filename()` (from the lot)
    and gives `rows()`. An invalid request is the view's to refuse (400, or a redirect with a message):
    build the exporter only once the request is valid, and a refused request records nothing.
    """

    action: ClassVar[str]
    header: ClassVar[Sequence[str]]
    filename: ClassVar[str] = "export.csv"
    target_type: ClassVar[str] = ""
    target_repr: ClassVar[str] = ""

    def __init__(self, *, actor: User, filters: Mapping[str, Any] | None = None) -> None:
        self.actor = actor
        self.filters = filters if filters is not None else {}

    def audit_data(self) -> dict[str, Any]:
        """What the event records besides who and when: the filters asked for."""
        return {"filters": {k: v for k, v in self.filters.items() if v}}

    def audit_target(self) -> dict[str, str]:
        """The event's target_type, target_id and target_repr."""
        return {"target_type": self.target_type, "target_id": "", "target_repr": self.target_repr}

    def get_filename(self) -> str:
        return self.filename

    def rows(self) -> Iterable[Sequence[Any]]:
        raise NotImplementedError(f"{type(self).__name__} must give rows() or content().")

    def content(self) -> Iterable[str | bytes]:
        """The file, lazily: a BOM and the header, then the rows."""
        return csv_lines(self.header, self.rows())

    def record(self) -> AuditEvent:
        return record_event(actor=self.actor, action=self.action, data=recordable(self.audit_data()),
                            **recordable(self.audit_target()))

    def response(self) -> StreamingHttpResponse:
        """Record the export now, then stream the file."""
        self.record()
        return stream_csv(self.get_filename(), self.header, chunks=self.content())


class AuditTrailExporter(CsvExporter):
    """The audit trail as CSV, oldest first, for the events the filters selected."""

    action = "audit.exported"
    header = ["seq", "at", "actor", "action", "target_type", "target_id", "target", "reason", "changes", "data",
              "request_ip", "batch_id", "hash"]
    filename = "audit-trail.csv"

    def __init__(self, *, actor: User, events: QuerySet[AuditEvent], filters: Mapping[str, Any]) -> None:
        super().__init__(actor=actor, filters=filters)
        self.events = events

    def rows(self) -> Iterator[list[Any]]:
        for e in self.events.iterator(chunk_size=2000):
            yield [e.seq, e.at.isoformat(), e.actor_label, e.action, e.target_type, e.target_id, e.target_repr,
                   e.reason, e.changes, e.data, e.request_ip, e.batch_id, e.hash]
