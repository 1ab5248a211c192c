"""Reads of recalls: the list, the page's figures (effectiveness, milestones, later shipments, deadline),
the lots in scope, and the JSON other tools read. A fixed number of queries whatever the consignee count."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from distribution.models import DistributionLogEntry
from products.identifiers import match_key, upper_variants
from products.models import Lot
from products.selectors import products_by_sku
from recalls.deadlines import report_deadline, working_days_between
from recalls.letters import Letter, LetterLine, firm_from_settings
from recalls.models import (
    ConsigneeStatus,
    Recall,
    RecallConsignee,
    RecallDocument,
    RecallLine,
    RecallStatus,
    consignee_reference,
    required_consignees,
)
from recalls.reports import ReportData
from recalls.scope import recall_scope_entries
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent
from silqeqms.signatures import signatures_for


def recall_list() -> QuerySet[Recall]:
    return Recall.objects.annotate(consignee_count=Count("consignees")).order_by("-year", "-sequence")


def recall_for_page(pk: int) -> Recall:
    return Recall.objects.select_related("opened_by", "closed_by", "created_by", "updated_by").get(pk=pk)


def consignees_of(recall: Recall) -> QuerySet[RecallConsignee]:
    return RecallConsignee.objects.filter(recall=recall).order_by("number")


def consignee_lines(consignee: RecallConsignee) -> QuerySet[RecallLine]:
    return consignee.lines.order_by("ship_date", "order_number", "id")


def recall_documents(recall: Recall) -> QuerySet[RecallDocument]:
    return recall.documents.filter(consignee__isnull=True).select_related("created_by").order_by("-created_at", "-id")


def recall_history(recall: Recall) -> QuerySet[AuditEvent]:
    return history_for(recall)


# Effectiveness and milestones ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Effectiveness:
    """The effectiveness check's figures (21 CFR 7.42(b)(3), 7.53(b)): consignees notified, responded and
    closed, units accounted for, and whether the level's share of consignees has responded."""

    consignees: int
    notified: int
    responded: int
    closed: int
    unreachable: int
    units_shipped: int
    units_accounted: int
    target_percent: int
    last_notified_at: datetime.datetime | None = None

    @property
    def required(self) -> int:
        return required_consignees(self.consignees, self.target_percent)

    @property
    def met(self) -> bool:
        return self.responded >= self.required

    def share(self, count: int) -> float:
        return round(100 * count / self.consignees, 1) if self.consignees else 0.0

    @property
    def notified_share(self) -> float:
        return self.share(self.notified)

    @property
    def responded_share(self) -> float:
        return self.share(self.responded)

    @property
    def closed_share(self) -> float:
        return self.share(self.closed)

    @property
    def units_share(self) -> float:
        return round(100 * self.units_accounted / self.units_shipped, 1) if self.units_shipped else 0.0

    @property
    def target_share(self) -> float:
        """The target as a share between 0 and 1 (the JSON's `target_share`)."""
        return self.target_percent / 100

    def as_json(self) -> dict:
        return {"consignees": self.consignees, "notified": self.notified, "responded": self.responded,
                "closed": self.closed, "target_share": self.target_share, "met": self.met}


def effectiveness(recall: Recall) -> Effectiveness:
    """One query."""
    accounted = (Coalesce("units_on_hand", Value(0)) + Coalesce("units_returned", Value(0))
                 + Coalesce("units_destroyed", Value(0)) + Coalesce("units_corrected", Value(0)))
    totals = RecallConsignee.objects.filter(recall=recall).aggregate(
        consignees=Count("id"), notified=Count("id", filter=Q(notified_at__isnull=False)),
        responded=Count("id", filter=Q(responded_at__isnull=False)),
        closed=Count("id", filter=Q(status=ConsigneeStatus.CLOSED)),
        unreachable=Count("id", filter=Q(status=ConsigneeStatus.UNREACHABLE)),
        units_shipped=Coalesce(Sum("units"), 0), units_accounted=Coalesce(Sum(accounted), 0),
        last_notified_at=Max("notified_at"))
    return Effectiveness(target_percent=recall.target_percent, **totals)


@dataclass(frozen=True)
class Milestone:
    label: str
    at: datetime.datetime | None
    since_opening: datetime.timedelta | None

    @property
    def duration(self) -> str:
        """"2 h 05 min", "3 d 4 h 00 min", or "not yet"."""
        if self.since_opening is None:
            return "not yet"
        hours, rest = divmod(int(self.since_opening.total_seconds()), 3600)
        days, hours = divmod(hours, 24)
        return (f"{days} d " if days else "") + f"{hours} h {rest // 60:02d} min"


def milestones(recall: Recall, figures: Effectiveness) -> list[Milestone]:
    """What auditors time in a mock recall, from the opening: the consignee list complete, every consignee
    notified, the effectiveness target met. One query (the response that met the target)."""
    if recall.opened_at is None:
        return []
    opened = recall.opened_at

    def milestone(label: str, at: datetime.datetime | None) -> Milestone:
        return Milestone(label, at, (at - opened) if at else None)

    all_notified = figures.last_notified_at if figures.consignees and figures.notified == figures.consignees else None
    if figures.required == 0:
        target_met = opened
    else:
        target_met = (RecallConsignee.objects.filter(recall=recall, responded_at__isnull=False)
                      .order_by("responded_at").values_list("responded_at", flat=True)[figures.required - 1:
                                                                                       figures.required].first())
        target_met = max(target_met, opened) if target_met else None
    return [milestone("Consignee list complete", recall.list_completed_at),
            milestone("Every consignee notified", max(all_notified, opened) if all_notified else None),
            milestone("Effectiveness target met", target_met)]


@dataclass(frozen=True)
class Deadline:
    """806.10(b): the report of a correction or removal is due within 10 working days of its start."""

    due: datetime.date
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.working_days_left)


def fda_report_deadline(recall: Recall, today: datetime.date | None = None) -> Deadline | None:
    if recall.opened_at is None or recall.is_mock:
        return None
    due = report_deadline(timezone.localdate(recall.opened_at))
    today = today or timezone.localdate()
    return Deadline(due=due, working_days_left=working_days_between(today, due))


# Later shipments ----------------------------------------------------------------------------------------


def _frozen(recall: Recall) -> QuerySet[RecallLine]:
    return RecallLine.objects.filter(recall=recall, entry_id=OuterRef("pk"))


def new_shipments_in_scope(recall: Recall, scope: QuerySet | None = None) -> QuerySet[DistributionLogEntry]:
    """Live entries in scope that are not on the frozen list (created, or corrected into scope, since).
    `scope`: the recall's scope entries when the caller has them already (one lot lookup for several reads)."""
    scope = recall_scope_entries(recall) if scope is None else scope
    return scope.filter(~Exists(_frozen(recall)))


def changed_shipments_in_scope(recall: Recall, scope: QuerySet | None = None) -> QuerySet[DistributionLogEntry]:
    """Live entries in scope whose frozen line was taken at an earlier version (corrected since)."""
    scope = recall_scope_entries(recall) if scope is None else scope
    return scope.filter(Exists(_frozen(recall).exclude(entry_version=OuterRef("version"))))


def lines_gone_from_scope(recall: Recall, scope: QuerySet | None = None) -> QuerySet[RecallLine]:
    """Frozen lines whose entry was voided, or corrected out of scope, since it was frozen."""
    scope = recall_scope_entries(recall) if scope is None else scope
    return RecallLine.objects.filter(recall=recall).exclude(entry_id__in=scope.values("pk"))


@dataclass(frozen=True)
class LaterShipments:
    new: int
    changed: int
    gone: int

    @property
    def to_add(self) -> int:
        return self.new + self.changed


def later_shipments(recall: Recall) -> LaterShipments:
    """Three counting queries (none for a draft, whose list is not frozen yet)."""
    if recall.status == RecallStatus.DRAFT:
        return LaterShipments(0, 0, 0)
    scope = recall_scope_entries(recall)
    return LaterShipments(new=new_shipments_in_scope(recall, scope).count(),
                          changed=changed_shipments_in_scope(recall, scope).count(),
                          gone=lines_gone_from_scope(recall, scope).count())


def later_shipment_entries(recall: Recall) -> list[tuple[str, DistributionLogEntry]]:
    """[("new" | "changed", entry)] in ship-date order, for the page that adds them."""
    scope = recall_scope_entries(recall)
    rows = [("new", e) for e in new_shipments_in_scope(recall, scope).select_related("customer", "rep")]
    rows += [("changed", e) for e in changed_shipments_in_scope(recall, scope).select_related("customer", "rep")]
    return sorted(rows, key=lambda row: (row[1].ship_date, row[1].pk))


@dataclass(frozen=True)
class ScopePreview:
    entries: int
    consignees: int
    units: int


def scope_preview(recall: Recall) -> ScopePreview:
    """What opening would freeze now (a draft's page). One query."""
    totals = recall_scope_entries(recall).order_by().aggregate(
        entries=Count("id"), units=Coalesce(Sum("quantity"), 0), customers=Count("customer_id", distinct=True),
        unlinked=Count("facility_name", distinct=True, filter=Q(customer__isnull=True)))
    return ScopePreview(entries=totals["entries"], units=totals["units"],
                        consignees=totals["customers"] + totals["unlinked"])


# Lots ---------------------------------------------------------------------------------------------------


def catalogue_lots(lot_numbers: list[str]) -> list[Lot]:
    """Every catalogue lot (of any product) with one of these numbers, ignoring case. One query."""
    keys = {match_key(n) for n in lot_numbers if match_key(n)}
    if not keys:
        return []
    variants = {v for key in keys for v in upper_variants(key)}
    lots = (Lot.objects.annotate(number_upper=Upper("lot_number")).filter(number_upper__in=variants)
            .select_related("product").order_by("lot_number", "product__sku", "id"))
    return [lot for lot in lots if match_key(lot.lot_number) in keys]


# JSON ---------------------------------------------------------------------------------------------------


def recall_json(recall: Recall, figures: Effectiveness) -> dict:
    """`/admin/recalls/<id>/?format=json` (an address other tools rely on: keep its keys)."""
    consignees = consignees_of(recall).values("id", "customer_id", "facility_name", "units", "status")
    return {"number": recall.number, "status": recall.status, "kind": recall.kind, "lots": list(recall.lots),
            "consignees": list(consignees), "effectiveness": figures.as_json()}


# Letters ------------------------------------------------------------------------------------------------


def letters_for(recall: Recall, consignees: list[RecallConsignee] | None = None) -> Iterator[Letter]:
    """The letter of each consignee (all of the recall's when none are given), in reference order: three
    queries whatever their number (consignees, lines, products)."""
    if consignees is None:
        consignees = list(consignees_of(recall))
    lines_of: dict[int, list[RecallLine]] = {}
    lines = RecallLine.objects.filter(recall=recall).order_by("ship_date", "order_number", "lot_number", "id")
    if len(consignees) < 100:
        lines = lines.filter(consignee__in=[c.pk for c in consignees])
    for line in lines:
        lines_of.setdefault(line.consignee_id, []).append(line)
    products = products_by_sku({line.sku for group in lines_of.values() for line in group})
    firm = firm_from_settings()
    dated = timezone.localdate()
    for consignee in consignees:
        letter_lines = []
        for line in lines_of.get(consignee.pk, []):
            product = products.get(line.sku)
            letter_lines.append(LetterLine(
                lot_number=line.lot_number, sku=line.sku, description=product.description if product else "",
                udi_di=line.udi_di or (product.gtin if product else ""), order_number=line.order_number,
                ship_date=line.ship_date, quantity=line.quantity, shipped_to=line.shipped_to))
        yield Letter(recall_number=recall.number, reference=consignee_reference(recall.number, consignee.number),
                     kind=recall.kind, title=recall.title, reason=recall.reason, health_hazard=recall.health_hazard,
                     instructions=recall.instructions, dated=dated, facility_name=consignee.facility_name,
                     contact_name=consignee.contact_name, addresses=consignee.addresses[:1], lines=letter_lines,
                     firm=firm)


def report_data(recall: Recall) -> ReportData:
    """Everything the status report and the FDA report data show. A fixed number of queries."""
    figures = effectiveness(recall)
    lines = list(RecallLine.objects.filter(recall=recall).order_by("consignee_id", "ship_date", "order_number", "id"))
    return ReportData(recall=recall, firm=firm_from_settings(), figures=figures, milestones=milestones(recall, figures),
                      deadline=fda_report_deadline(recall), consignees=list(consignees_of(recall)), lines=lines,
                      products=products_by_sku({line.sku for line in lines}), lots=catalogue_lots(recall.lots),
                      signatures=signatures_for(recall))
