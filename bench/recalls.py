"""Recall benchmark, called by `make bench` (bench/__main__.py) as `run(client=…, user=…, repeat=…)`, or alone
with `python -m bench --only-recalls`.

- `open_busiest_lot_ms`: opening a (non-mock) recall of the busiest lot: freezing its consignees, setting its
  lots to recalled, the audit events; median of `repeat` runs, each rolled back (target ≤ 1 s at 1M entries).
- `recall_page_ms` / `recall_json_ms` / `consignee_page_ms`: the pages of that recall, opened for real (as a
  mock recall, so the lots are left alone), through the Django test client (target ≤ 100 ms), with their
  query counts.
- `merged_letters`: every letter of a recall of about 500 consignees (a SKU over a ship-date window grown
  until it has them) merged into one stored PDF, as the merged-letters job runs it, with its progress.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.timing import median_ms

LETTERS_TARGET = 500


class _Rollback(Exception):
    pass


class _Progress:
    def __init__(self) -> None:
        self.total, self.done, self.reports = None, 0, 0

    def set_total(self, total):
        self.total = total

    def advance(self, amount=1):
        self.done += amount
        self.reports += 1


def _busiest_lot() -> str | None:
    from distribution.models import LotSummary

    return (LotSummary.objects.exclude(lot_number="").order_by("-entries")
            .values_list("lot_number", flat=True).first())


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def _letters_window(sku: str, start: datetime.date) -> tuple[datetime.date, int]:
    """The end of a ship-date window from `start` in which `sku` reached about LETTERS_TARGET consignees."""
    from recalls.scope import scope_entries

    end, customers = start, 0
    for days in range(1, 366):
        end = start + datetime.timedelta(days=days)
        customers = (scope_entries(lots=[], skus=[sku], ship_date_from=start, ship_date_to=end)
                     .order_by().values("customer_id").distinct().count())
        if customers >= LETTERS_TARGET:
            return end, customers
    return end, customers


def run(*, client, user, repeat: int) -> dict:
    from distribution.demo import SKUS
    from products.services import ensure_products
    from recalls import services

    lot = _busiest_lot()
    if lot is None:
        return {"error": "no lot in the log"}
    with transaction.atomic():
        ensure_products(actor=user, skus=SKUS, reason="bench: the demo SKUs in the catalogue")  # lots get recalled
    result: dict = {"busiest_lot": lot}

    def open_busiest() -> None:
        try:
            with transaction.atomic():
                draft = services.create_recall(actor=user, data={"title": f"Bench {lot}", "reason": "bench",
                                                                 "lots": [lot]})
                started = time.perf_counter()
                opened = services.open_recall(actor=user, recall=draft, reason="bench (rolled back)")
                samples.append((time.perf_counter() - started) * 1000)
                result["busiest_lot_consignees"] = opened.consignees.count()
                result["busiest_lot_lines"] = opened.lines.count()
                raise _Rollback
        except _Rollback:
            pass

    samples: list[float] = []
    for _ in range(repeat + 1):
        open_busiest()
    samples = sorted(samples[1:])  # the first run warms the caches
    result["open_busiest_lot_ms"] = round(samples[len(samples) // 2], 1)
    result["open_busiest_lot_max_ms"] = round(samples[-1], 1)

    recall = services.open_recall(actor=user, reason="bench", recall=services.create_recall(
        actor=user, data={"title": f"Bench page {lot}", "reason": "bench", "lots": [lot], "kind": "mock"}))
    page = reverse("recalls:recall_detail", args=[recall.pk])
    consignee = recall.consignees.order_by("-units").first()
    consignee_page = reverse("recalls:consignee_detail", args=[recall.pk, consignee.pk])

    def fetch(url, params=None):
        def go():
            response = client.get(url, params or {})
            assert response.status_code == 200, (url, response.status_code)
            response.content  # noqa: B018 - render fully

        return go

    result["recall_page_ms"] = median_ms(fetch(page), repeat)
    result["recall_page_queries"] = _queries(client, page)
    result["recall_json_ms"] = median_ms(fetch(page, {"format": "json"}), repeat)
    result["recall_json_queries"] = _queries(client, page, {"format": "json"})
    result["consignee_page_ms"] = median_ms(fetch(consignee_page), repeat)
    result["consignee_page_queries"] = _queries(client, consignee_page)
    result["letter_ms"] = median_ms(fetch(reverse("recalls:consignee_letter", args=[recall.pk, consignee.pk])),
                                    repeat)

    sku = SKUS[0]
    start = datetime.date(2025, 1, 1)
    end, customers = _letters_window(sku, start)
    wide = services.create_recall(actor=user, data={
        "title": f"Bench letters {sku}", "reason": "bench", "kind": "mock", "lots": [], "skus": [sku],
        "ship_date_from": start, "ship_date_to": end})
    started = time.perf_counter()
    wide = services.open_recall(actor=user, recall=wide, reason="bench")
    open_wide_ms = (time.perf_counter() - started) * 1000
    progress = _Progress()
    started = time.perf_counter()
    document = services.build_merged_letters(wide, actor=user, progress=progress)
    seconds = time.perf_counter() - started
    result["merged_letters"] = {
        "sku_window": f"{sku} {start.isoformat()} – {end.isoformat()}", "consignees": customers,
        "open_ms": round(open_wide_ms, 1), "letters": progress.total, "progress_reports": progress.reports,
        "pages": document.pages, "megabytes": round(document.size / 2**20, 1), "seconds": round(seconds, 1),
        "ms_per_letter": round(seconds * 1000 / max(1, progress.total or 0), 1),
        "recall_page_ms": median_ms(fetch(reverse("recalls:recall_detail", args=[wide.pk])), repeat),
    }
    return result
