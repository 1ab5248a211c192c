"""What a distribution entry is made of, derived from the model once: the fields a person edits, the
fields the audit trail records, text limits, the quantity bound, and the ship-date range. The entry
form, the services, the import checks and the exports all read these; none keeps a copy."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

from customers.models import ADDRESS_FIELDS
from distribution.models import DistributionLogEntry

# The fields a person sets on an entry (the entry form, create and update), in the form's order.
EDITABLE_FIELDS: tuple[str, ...] = (
    "ship_date", "order_number", "customer", "facility_name", *ADDRESS_FIELDS,
    "sku", "udi_di", "lot_number", "expiry_date", "serial_number", "quantity", "rep", "notes",
)
# The fields a line's product and lot are judged by (products.selectors.shipping_problems): an edit that
# changes none of them is not checked against the catalogue again.
CATALOGUE_FIELDS: tuple[str, ...] = ("ship_date", "sku", "udi_di", "lot_number", "expiry_date")
# What the audit trail records of an entry: what a person sets, plus what the system decides.
AUDITED_FIELDS: tuple[str, ...] = (*EDITABLE_FIELDS, "status", "source", "external_ref")

# {field: max_length} of every text column with a limit, read from the model.
TEXT_LIMITS: dict[str, int] = {
    f.name: f.max_length for f in DistributionLogEntry._meta.concrete_fields
    if isinstance(f, models.CharField) and f.max_length
}

# The largest quantity the column holds (PositiveIntegerField: the same range on every database).
MAX_QUANTITY: int = BaseDatabaseOperations.integer_field_ranges[
    DistributionLogEntry._meta.get_field("quantity").get_internal_type()][1]

# Notes are free text (a TextField): capped so that a pasted document cannot become a record.
NOTES_MAX_LENGTH = 2000

# Ship dates beyond tomorrow (time zones) or before 1990 are typos, refused on every path.
EARLIEST_SHIP_DATE = datetime.date(1990, 1, 1)


def latest_ship_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def ship_date_problem(ship_date: datetime.date | None, *, latest: datetime.date | None = None) -> str:
    """"" when the date is plausible, else why not, to follow the date ("is in the future").
    `latest` (tomorrow) may be passed by a caller that checks many dates at once."""
    if not isinstance(ship_date, datetime.date):
        return ""
    latest = latest or latest_ship_date()
    if ship_date > latest:
        return "is in the future"
    if ship_date < EARLIEST_SHIP_DATE:
        return f"is before {EARLIEST_SHIP_DATE:%Y}"
    return ""


def check_ship_date(ship_date: datetime.date | None) -> None:
    """Refuse an implausible ship date: the error is on the ship_date field."""
    problem = ship_date_problem(ship_date)
    if problem:
        raise ValidationError({"ship_date": f"Ship date {ship_date:%Y-%m-%d} {problem}."})


def expiry_problem(ship_date: datetime.date | None, expiry_date: datetime.date | None) -> str:
    """"" when a line's own expiry date (from its UDI label) is plausible and not passed on the ship date,
    else why not, to follow the date. A device may still ship on its expiry day (as a lot's expiry)."""
    if not isinstance(expiry_date, datetime.date):
        return ""
    if expiry_date < EARLIEST_SHIP_DATE:
        return f"is before {EARLIEST_SHIP_DATE:%Y}: check the year"
    if isinstance(ship_date, datetime.date) and ship_date > expiry_date:
        return f"is before the ship date {ship_date:%Y-%m-%d}: an expired device cannot be recorded as shipped"
    return ""


def check_expiry_date(ship_date: datetime.date | None, expiry_date: datetime.date | None) -> None:
    problem = expiry_problem(ship_date, expiry_date)
    if problem:
        raise ValidationError({"expiry_date": f"Expiry date {expiry_date:%Y-%m-%d} {problem}."})


def check_notes(notes: str | None) -> None:
    if notes and len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError({"notes": f"Keep notes under {NOTES_MAX_LENGTH:,} characters (these have "
                                        f"{len(notes):,})."})
