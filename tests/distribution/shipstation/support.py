"""Constants and helpers the ShipStation sync tests share: credentials, the window, shipment builders."""

from __future__ import annotations

import datetime

from distribution.models import DistributionLogEntry, SyncRun
from tests.distribution.shipstation_fake import make_item, make_shipment

KEY = "ss-key-4711"
SECRET = "ss-secret-never-shown-9f2c"
START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def shipment(
    n: int, ship_date="2026-03-05", *, lot: str | None = "SLQ-24001", qty: int = 5, **kwargs
) -> dict:
    kwargs.setdefault("items", [make_item(9000 + n, "SLQ-100", qty, lot=lot)])
    return make_shipment(n, f"SO-{n}", ship_date, **kwargs)


def entry(ref: str) -> DistributionLogEntry:
    return DistributionLogEntry.objects.get(external_ref=ref)


def counts(run: SyncRun) -> tuple:
    return run.status, run.pages, run.created, run.updated, run.voided, run.unchanged
