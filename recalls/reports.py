"""The recall's reports as PDFs: the status report (21 CFR 7.53(b)) and the report of correction or removal
data (21 CFR 806.10(c)), as far as the system holds it. Built from values read by recalls.selectors
(report_data()); no queries here. The CSV forms of both are recalls.exports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from recalls.letters import Firm
from recalls.models import Recall, RecallConsignee, RecallLine
from recalls.pdf import Built, build_pdf, key_values, para, table


@dataclass
class ReportData:
    recall: Recall
    firm: Firm
    figures: object  # selectors.Effectiveness
    milestones: list
    deadline: object  # selectors.Deadline | None
    consignees: list[RecallConsignee]
    lines: list[RecallLine]
    products: dict = field(default_factory=dict)  # sku → Product
    lots: list = field(default_factory=list)  # catalogue Lots in scope
    signatures: list = field(default_factory=list)


def _when(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _header(data: ReportData, heading: str) -> list:
    recall = data.recall
    return [
        para(heading, "h1"),
        para(f"{recall.number} · {recall.title}", "h2"),
        key_values([
            ("Firm", f"{data.firm.name} {data.firm.address}".strip()),
            ("Kind", recall.get_kind_display()), ("Classification", recall.get_classification_display()),
            ("Depth", recall.get_depth_display()), ("Status", recall.get_status_display()),
            ("Opened", _when(recall.opened_at)), ("Closed", _when(recall.closed_at)),
            ("Report date", timezone.localdate().isoformat()),
        ]),
    ]


def _day(value) -> str:
    return "—" if value is None else timezone.localdate(value).isoformat()


def _span(first: datetime.date | None, last: datetime.date | None) -> str:
    if first is None:
        return "—"
    return first.isoformat() if first == last else f"{first.isoformat()}\n– {last.isoformat()}"


def _consignee_rows(consignees: list[RecallConsignee]) -> list[list[str]]:
    rows = [["Ref.", "Consignee", "Status", "Units", "Notified", "How", "Responded", "Hand", "Ret.", "Destr.",
             "Corr."]]
    for c in consignees:
        rows.append([f"{c.number:03d}", c.facility_name, c.get_status_display(), str(c.units), _day(c.notified_at),
                     c.notify_method or "—", _day(c.responded_at),
                     *("" if v is None else str(v) for v in (c.units_on_hand, c.units_returned, c.units_destroyed,
                                                             c.units_corrected))])
    return rows


def status_report_pdf(data: ReportData) -> Built:
    """21 CFR 7.53(b): consignees notified (dates, methods), responding (units on hand), not responding,
    units returned or corrected, the effectiveness checks and their result."""
    f = data.figures
    recall = data.recall
    silent = [c for c in data.consignees if c.responded_at is None]
    story = _header(data, "RECALL STATUS REPORT")
    story += [
        para("Effectiveness", "h2"),
        key_values([
            ("Check level", f"{recall.get_level_display()} (target {recall.target_percent} %: "
                            f"{f.required} of {f.consignees} consignees)"),
            ("Notified", f"{f.notified} of {f.consignees} ({f.notified_share} %)"),
            ("Responded", f"{f.responded} of {f.consignees} ({f.responded_share} %)"),
            ("Closed", f"{f.closed} of {f.consignees} ({f.closed_share} %)"),
            ("Unreachable", str(f.unreachable)),
            ("Units accounted for", f"{f.units_accounted} of {f.units_shipped} shipped ({f.units_share} %)"),
            ("Target", "met" if f.met else "not met yet"),
        ]),
        para("Times from opening", "h2"),
        key_values([(m.label, f"{m.duration} ({_when(m.at)})" if m.at else "not yet") for m in data.milestones]
                   or [("Not opened", "")]),
        para("Consignees", "h2"),
        table(_consignee_rows(data.consignees),
              [10 * mm, 40 * mm, 19 * mm, 11 * mm, 19 * mm, 13 * mm, 19 * mm, 12 * mm, 12 * mm, 12 * mm, 12 * mm]),
        para("Units on hand, returned, destroyed and corrected as the consignee reported them.", "small"),
        para(f"Consignees that have not responded ({len(silent)})", "h2"),
        para("; ".join(f"{c.number:03d} {c.facility_name} ({c.phone or 'no phone'})" for c in silent) or "None."),
    ]
    story += _signatures(data)
    return build_pdf(story, title=f"{recall.number} status report", footer=f"{recall.number} status report")


def _signatures(data: ReportData) -> list:
    if not data.signatures:
        return []
    return [para("Electronic signatures", "h2"),
            *(para(f"{s.signer_name} ({s.username}), {_when(s.at)}: “{s.meaning}”. {s.reason}") for s in data.signatures)]


def fda_report_pdf(data: ReportData) -> Built:
    """21 CFR 806.10(c), as far as the system holds it; what it does not hold is named so that it is added
    before the report is submitted."""
    recall, firm = data.recall, data.firm
    story = _header(data, "REPORT OF CORRECTION OR REMOVAL: DATA (21 CFR 806.10)")
    deadline = data.deadline
    story += [
        key_values([("Report due (806.10(b))", f"{deadline.due.isoformat()} (10 working days from opening)"
                     if deadline else "not reportable as a mock recall, or not opened")]),
        para("Reporting firm and contact official (806.10(c)(1)–(2))", "h2"),
        key_values([("Registration number", firm.registration or "not recorded: add it"), ("Firm", firm.name),
                    ("Address", firm.address or "not recorded"), ("Phone / e-mail", firm.reach or "not recorded"),
                    ("Contact official", f"{firm.contact_name or 'not recorded'}, {firm.contact_title}")]),
        para("Devices (806.10(c)(3)–(7), (10))", "h2"),
        table(_device_rows(data), [28 * mm, 42 * mm, 31 * mm, 34 * mm, 14 * mm, 31 * mm]),
        para("Event, hazard and actions (806.10(c)(8))", "h2"),
        key_values([("Reason / event", recall.reason), ("Health hazard", recall.health_hazard or "under evaluation"),
                    ("Action asked of consignees", recall.instructions or "see the recall letter"),
                    ("Actions taken", _actions_taken(data))]),
        para("Illness or injuries (806.10(c)(9)): not held in SilqeQMS; state them in the report.", "small"),
        para(f"Consignees ({len(data.consignees)}) (806.10(c)(11)–(12))", "h2"),
        table(_fda_consignee_rows(data), [10 * mm, 40 * mm, 52 * mm, 24 * mm, 25 * mm, 29 * mm]),
        Spacer(1, 3 * mm),
        para("Not held in SilqeQMS, to complete before submission: brand and common name, classification name and "
             "product code, 510(k)/PMA number, expected life of the devices, and any illness or injury.", "small"),
    ]
    return build_pdf(story, title=f"{recall.number} FDA report data", footer=f"{recall.number} FDA report data")


def _device_rows(data: ReportData) -> list[list[str]]:
    expiry = {(lot.product.sku.upper(), lot.lot_number.upper()): lot for lot in data.lots}
    units: dict[tuple[str, str], list] = {}
    for line in data.lines:
        key = (line.sku, line.lot_number)
        total = units.setdefault(key, [0, line.ship_date, line.ship_date, line.udi_di])
        total[0] += line.quantity
        total[1], total[2] = min(total[1], line.ship_date), max(total[2], line.ship_date)
        total[3] = total[3] or line.udi_di
    rows = [["SKU", "Description", "UDI-DI", "Lot (expiry)", "Units", "Shipped"]]
    for (sku, lot), (count, first, last, udi) in sorted(units.items()):
        product = data.products.get(sku)
        record = expiry.get((sku.upper(), lot.upper()))
        dates = f" (exp. {record.expiry_date.isoformat()})" if record and record.expiry_date else ""
        rows.append([sku, product.description if product else "", udi or (product.gtin if product else ""),
                     (lot or "not recorded") + dates, str(count), _span(first, last)])
    return rows


def _actions_taken(data: ReportData) -> str:
    f = data.figures
    lots = ", ".join(data.recall.lots)
    lot_action = "" if data.recall.is_mock or not lots else f"Lots {lots} set to recalled (no further shipment). "
    return (f"{lot_action}{f.notified} of {f.consignees} consignees notified; {f.responded} responded; "
            f"{f.units_accounted} of {f.units_shipped} units accounted for.")


def _fda_consignee_rows(data: ReportData) -> list[list[str]]:
    by_consignee: dict[int, list[RecallLine]] = {}
    for line in data.lines:
        by_consignee.setdefault(line.consignee_id, []).append(line)
    rows = [["Ref.", "Consignee", "Address", "Phone", "Lots (units)", "Shipped"]]
    for c in data.consignees:
        lines = by_consignee.get(c.pk, [])
        lots: dict[str, int] = {}
        for line in lines:
            lots[line.lot_number or line.sku] = lots.get(line.lot_number or line.sku, 0) + line.quantity
        rows.append([f"{c.number:03d}", c.facility_name, "; ".join(c.addresses), c.phone,
                     ", ".join(f"{lot} ({n})" for lot, n in lots.items()), _span(c.first_ship_date, c.last_ship_date)])
    return rows
