"""ShipStation → Distribution Log: one entry per shipment item, upserted by `external_ref`, page by page.

Why it is shaped this way:
- Each page of shipments is one transaction (commit per page), so an interrupted run keeps what it
  finished and a rerun picks up the rest; `external_ref` (unique) makes every write an idempotent upsert.
- The `SyncRun` row is written outside the page transactions, so a failure mid-run still leaves the run
  marked failed with its message and the counts of the pages that did commit.
- Every entry write goes through distribution.services (audit event + dashboard summaries in the same
  transaction); the whole run is one audit batch that ends with a `distribution.synced` event.
- Windows: ShipStation ship dates are US/Pacific calendar dates and late edits happen, so each run re-reads
  `SHIPSTATION_OVERLAP_DAYS` before the end of what earlier runs covered.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from distribution import services
from distribution.models import DistributionLogEntry, Source, Status, SyncRun
from distribution.services import ENTRY_WRITERS_LOCK
from distribution.shipstation.client import (
    Shipment,
    ShipmentItem,
    ShipmentPage,
    ShipStationClient,
    ShipStationError,
    ShipStationUnavailable,
)
from silqeqms.audit import audit_batch, current_context, record_event
from silqeqms.jobs.progress import NullProgress, Progress
from silqeqms.locks import hold_lock
from silqeqms.models import AuditEvent, User

logger = logging.getLogger(__name__)

PACIFIC = ZoneInfo("America/Los_Angeles")
# The very first run (no successful run yet) looks this far back. Older history is a one-off backfill:
# `manage.py sync_shipstation --since YYYY-MM-DD`.
FIRST_RUN_DAYS = 30
# A run still "running" after this long was killed (no finish was recorded): it is marked failed and
# no longer blocks new runs.
STALE_RUN_AFTER = datetime.timedelta(minutes=30)
# The run keeps at most this many error lines (a broken setting could otherwise fail every item).
MAX_ERRORS = 200
VOID_REASON = "voided in ShipStation"
# Serialises the page transactions of concurrent runs on PostgreSQL (cron + "Sync now" + webhook), so
# two runs never both create the same item. SQLite's IMMEDIATE transactions already serialise writers.
# Fields ShipStation owns on an entry it created; lot_number has its own rules (see _planned_changes).
OWNED_FIELDS = (
    "ship_date", "order_number", "facility_name", "address1", "address2", "city", "state", "postal_code",
    "country", "sku", "quantity",
)
NOT_CONFIGURED = "ShipStation is not configured: set SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET."


class ShipStationNotConfigured(Exception):
    """The API key or secret is missing; nothing was fetched and no run was recorded."""


class SyncAlreadyRunning(Exception):
    """Another sync run is in progress; this one did not start."""


# -- configuration ---------------------------------------------------------------------------------------


def is_configured() -> bool:
    return bool(settings.SHIPSTATION_API_KEY and settings.SHIPSTATION_API_SECRET)


@dataclass(frozen=True)
class StoreRep:
    store_id: str
    username: str
    user: User | None


@dataclass(frozen=True)
class Configuration:
    """What the status page may show: whether secrets are set, never their values."""

    base_url: str
    api_key_set: bool
    api_secret_set: bool
    overlap_days: int
    webhook_enabled: bool
    store_reps: list[StoreRep]

    @property
    def ready(self) -> bool:
        return self.api_key_set and self.api_secret_set


def configuration() -> Configuration:
    return Configuration(
        base_url=settings.SHIPSTATION_BASE_URL,
        api_key_set=bool(settings.SHIPSTATION_API_KEY),
        api_secret_set=bool(settings.SHIPSTATION_API_SECRET),
        overlap_days=settings.SHIPSTATION_OVERLAP_DAYS,
        webhook_enabled=bool(settings.SHIPSTATION_WEBHOOK_TOKEN),
        store_reps=_store_reps(),
    )


def _store_reps() -> list[StoreRep]:
    mapping = {str(k).strip(): str(v).strip() for k, v in settings.SHIPSTATION_STORE_REPS.items()}
    users = {u.username: u for u in User.objects.filter(username__in=set(mapping.values()))}
    return [StoreRep(store_id, username, users.get(username)) for store_id, username in sorted(mapping.items())]


def client_from_settings(*, max_wait: float | None = None) -> ShipStationClient:
    """A client for the configured account. `max_wait` bounds any single wait (rate limit, backoff): a web
    request would rather fail the run with a clear message than hold a worker for a minute."""
    if not is_configured():
        raise ShipStationNotConfigured(NOT_CONFIGURED)
    sleep: Callable[[float], None] = time.sleep if max_wait is None else _bounded_sleep(max_wait)
    return ShipStationClient(base_url=settings.SHIPSTATION_BASE_URL, api_key=settings.SHIPSTATION_API_KEY,
                             api_secret=settings.SHIPSTATION_API_SECRET, sleep=sleep)


def _bounded_sleep(max_wait: float) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        if seconds > max_wait:
            raise ShipStationUnavailable(
                f"ShipStation asked us to wait {seconds:g} s (rate limit or retries); stopped rather than "
                "hold this page open. The scheduled sync will continue, or try again in a minute.")
        time.sleep(seconds)

    return sleep


# -- windows ----------------------------------------------------------------------------------------------


def pacific_today() -> datetime.date:
    """ShipStation's ship dates are US/Pacific calendar dates."""
    return datetime.datetime.now(PACIFIC).date()


def covered_until() -> datetime.date | None:
    """The end of the ship dates covered without a gap by successful runs, from the first one on.

    Usually the last successful run's window end. A hand-run window that starts after the covered end
    (`--since` later than it) does not count, so it can never make the next run skip the days between.
    """
    covered: datetime.date | None = None
    windows = (SyncRun.objects.filter(status=SyncRun.RunStatus.SUCCEEDED).order_by("window_start", "window_end")
               .values_list("window_start", "window_end"))
    for start, end in windows.iterator(chunk_size=2000):
        if covered is not None and start > covered + datetime.timedelta(days=1):
            break
        covered = end if covered is None else max(covered, end)
    return covered


def default_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """(start, end): from the covered end minus the overlap to today; the first run: the last 30 days."""
    today = today or pacific_today()
    covered = covered_until()
    if covered is None:
        return today - datetime.timedelta(days=FIRST_RUN_DAYS), today
    return min(covered, today) - datetime.timedelta(days=settings.SHIPSTATION_OVERLAP_DAYS), today


# -- mapping a shipment item to entry values ----------------------------------------------------------


def external_ref(shipment: Shipment, item: ShipmentItem) -> str | None:
    key = item.line_item_key or (str(item.order_item_id) if item.order_item_id is not None else "")
    return f"shipstation:{shipment.shipment_id}:{key}" if key else None


def shipment_ref_prefix(shipment: Shipment) -> str:
    return f"shipstation:{shipment.shipment_id}:"


def entry_values(shipment: Shipment, item: ShipmentItem) -> dict[str, Any]:
    """The entry fields ShipStation supplies (rep comes from the store mapping, apart)."""
    to = shipment.ship_to
    return {
        "ship_date": shipment.ship_date,
        "order_number": shipment.order_number,
        "facility_name": to.company or to.name,
        "address1": to.street1,
        "address2": ", ".join(p for p in (to.street2, to.street3) if p),
        "city": to.city,
        "state": to.state,
        "postal_code": to.postal_code,
        "country": to.country,
        "sku": item.sku,
        "quantity": item.quantity,
        "lot_number": item.lot_number,
    }


# -- the run ----------------------------------------------------------------------------------------------


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    voided: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Context:
    run: SyncRun
    actor: User | None
    reps: dict[str, User]
    errors_not_listed: int = 0

    @property
    def create_reason(self) -> str:
        return f"imported from ShipStation (sync run {self.run.pk})"

    @property
    def change_reason(self) -> str:
        return f"changed in ShipStation (sync run {self.run.pk})"


def sync_shipments(*, actor: User | None, since: datetime.date | None = None, until: datetime.date | None = None,
                   dry_run: bool = False, client: ShipStationClient | None = None,
                   request_ip: str | None = None, progress: Progress | None = None) -> SyncRun:
    """Fetch the shipments shipped in [since, until] (default: `default_window()`) and upsert their items.

    Returns the finished SyncRun: succeeded, dry_run, or failed with the reason in `errors` (ShipStation
    errors such as rejected credentials end the run, they are not raised). Raises ShipStationNotConfigured
    (no run recorded), SyncAlreadyRunning (no run recorded), ValueError for an inverted window, and any
    unexpected error after marking the run failed. `progress` (a background job's) counts pages.
    """
    own_client = client is None
    client = client or client_from_settings()
    try:
        default_start, default_end = default_window()
        start, end = since or default_start, until or default_end
        if start > end:
            raise ValueError(f"The window starts ({start}) after it ends ({end}).")
        # Inside a job (or a request's batch) the run's events join it: the job page links them.
        outer = current_context()
        with contextlib.nullcontext(outer) if outer else audit_batch(request_ip=request_ip) as batch:
            _fail_stale_runs()
            running = SyncRun.objects.filter(status=SyncRun.RunStatus.RUNNING).first()
            if running is not None:
                started = timezone.localtime(running.started_at)
                raise SyncAlreadyRunning(f"Sync run {running.pk} is still running (started {started:%Y-%m-%d %H:%M}).")
            run = SyncRun.objects.create(window_start=start, window_end=end, status=SyncRun.RunStatus.RUNNING,
                                         batch_id=batch.batch_id, started_by=actor)
            _run(run=run, actor=actor, client=client, dry_run=dry_run, progress=progress or NullProgress())
            return run
    finally:
        if own_client:
            client.close()


def _run(*, run: SyncRun, actor: User | None, client: ShipStationClient, dry_run: bool, progress: Progress
         ) -> None:
    ctx = _Context(run=run, actor=actor, reps={})
    try:
        ctx.reps, rep_errors = _rep_users()
        run.errors = list(rep_errors)
        for page in client.iter_shipment_pages(ship_date_start=run.window_start, ship_date_end=run.window_end):
            result = _sync_page(page, ctx=ctx, dry_run=dry_run)
            run.pages += 1
            run.created += result.created
            run.updated += result.updated
            run.voided += result.voided
            run.unchanged += result.unchanged
            _add_errors(run, result.errors, ctx)
            run.save(update_fields=["pages", "created", "updated", "voided", "unchanged", "errors"])
            progress.update(run.pages, max(page.pages, run.pages))
    except ShipStationError as exc:
        _finish(run, ctx=ctx, dry_run=dry_run, failure=str(exc))
    except BaseException as exc:  # a bug, the database, Ctrl-C: record the failure, then let it propagate
        try:
            _finish(run, ctx=ctx, dry_run=dry_run, failure=f"{type(exc).__name__}: {exc}")
        except Exception:
            logger.exception("could not record the failure of ShipStation sync run %s", run.pk)
        raise
    else:
        _finish(run, ctx=ctx, dry_run=dry_run)


def _rep_users() -> tuple[dict[str, User], list[str]]:
    reps, errors = {}, []
    for store_rep in _store_reps():
        if store_rep.user is None:
            errors.append(f"SHIPSTATION_STORE_REPS names “{store_rep.username}” for store {store_rep.store_id}, "
                          "but no user has that username: the rep of its orders is left blank.")
        else:
            reps[store_rep.store_id] = store_rep.user
    return reps, errors


def _fail_stale_runs() -> None:
    cutoff = timezone.now() - STALE_RUN_AFTER
    for stale in SyncRun.objects.filter(status=SyncRun.RunStatus.RUNNING, started_at__lt=cutoff):
        stale.status = SyncRun.RunStatus.FAILED
        stale.finished_at = timezone.now()
        stale.errors = [*stale.errors, "Interrupted: the run stopped without recording its end (process killed?). "
                                       "Pages it committed are kept; the next run covers the rest."]
        stale.save(update_fields=["status", "finished_at", "errors"])


def _add_errors(run: SyncRun, errors: Iterable[str], ctx: _Context) -> None:
    for error in errors:
        if len(run.errors) < MAX_ERRORS:
            run.errors.append(error)
        else:
            ctx.errors_not_listed += 1


def _finish(run: SyncRun, *, ctx: _Context, dry_run: bool, failure: str = "") -> None:
    if ctx.errors_not_listed:
        run.errors.append(f"… and {ctx.errors_not_listed} more errors not listed.")
    if failure:
        run.status = SyncRun.RunStatus.FAILED
        run.errors.append(failure)
    else:
        run.status = SyncRun.RunStatus.DRY_RUN if dry_run else SyncRun.RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record_event(
            actor=ctx.actor, action="distribution.synced", target=run,
            reason="dry run: nothing written" if dry_run else "",
            data={
                "window": {"start": run.window_start, "end": run.window_end},
                "pages": run.pages,
                "counts": {"created": run.created, "updated": run.updated, "voided": run.voided,
                           "unchanged": run.unchanged},
                "errors": run.errors,
                "status": run.status,
                "dry_run": dry_run,
            },
        )


# -- one page ---------------------------------------------------------------------------------------------


def _sync_page(page: ShipmentPage, *, ctx: _Context, dry_run: bool) -> PageResult:
    """All of a page's writes in one transaction; a dry run computes the same counts, then rolls back."""
    result = PageResult()
    with transaction.atomic():
        _serialize_page_writes()
        refs = sorted({ref for s in page.shipments for i in s.items if (ref := external_ref(s, i))})
        existing = {
            e.external_ref: e
            for chunk in (refs[i:i + 500] for i in range(0, len(refs), 500))
            for e in DistributionLogEntry.objects.filter(external_ref__in=chunk)
        }
        for shipment in page.shipments:
            if shipment.voided:
                _void_shipment(shipment, ctx=ctx, result=result)
            else:
                _upsert_shipment(shipment, existing=existing, ctx=ctx, result=result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _serialize_page_writes() -> None:
    hold_lock(ENTRY_WRITERS_LOCK)


def _void_shipment(shipment: Shipment, *, ctx: _Context, result: PageResult) -> None:
    """Every entry of a voided shipment is voided; a voided shipment never seen before creates nothing."""
    for entry in DistributionLogEntry.objects.filter(external_ref__startswith=shipment_ref_prefix(shipment)):
        if entry.status == Status.VOIDED:
            result.unchanged += 1
            continue
        services.void_entry(actor=ctx.actor, entry=entry, reason=VOID_REASON)
        result.voided += 1


def _upsert_shipment(shipment: Shipment, *, existing: dict[str, DistributionLogEntry], ctx: _Context,
                     result: PageResult) -> None:
    label = f"Shipment {shipment.shipment_id} (order {shipment.order_number or '?'})"
    if not shipment.items:
        result.errors.append(f"{label}: ShipStation sent no items, so there is nothing to record — check the "
                             "shipment in ShipStation.")
        return
    seen: set[str] = set()
    for item in shipment.items:
        ref = external_ref(shipment, item)
        item_label = f"{label}, item {item.line_item_key or item.order_item_id or '?'} ({item.sku or 'no SKU'})"
        problem = _item_problem(item, ref, seen)
        if problem:
            result.errors.append(f"{item_label}: {problem} — skipped.")
            continue
        seen.add(ref)
        try:
            entry = existing.get(ref)
            if entry is None:
                existing[ref] = _create(shipment, item, ref, ctx=ctx)
                result.created += 1
            elif _update(entry, shipment, item, ctx=ctx, result=result, label=item_label):
                result.updated += 1
            else:
                result.unchanged += 1
        except ValidationError as exc:
            result.errors.append(f"{item_label}: {_messages(exc)} — skipped.")


def _item_problem(item: ShipmentItem, ref: str | None, seen: set[str]) -> str:
    if not item.sku:
        return "no SKU"
    if item.quantity <= 0:
        return f"quantity is {item.quantity}"
    if ref is None:
        return "neither lineItemKey nor orderItemId, so it cannot be matched on the next run"
    if ref in seen:
        return "the same line item appears twice in the shipment"
    return ""


def _create(shipment: Shipment, item: ShipmentItem, ref: str, *, ctx: _Context) -> DistributionLogEntry:
    rep = ctx.reps.get(str(shipment.store_id)) if shipment.store_id is not None else None
    # A consignee close to an existing customer (but not it by key) creates no customer: the entry waits
    # in the review queue, with the close customers, for a person to choose.
    return services.create_entry(actor=ctx.actor, data={**entry_values(shipment, item), "rep": rep},
                                 source=Source.SHIPSTATION, external_ref=ref, reason=ctx.create_reason,
                                 on_near_duplicate=services.OnNearDuplicate.REVIEW)


def _update(entry: DistributionLogEntry, shipment: Shipment, item: ShipmentItem, *, ctx: _Context,
            result: PageResult, label: str) -> bool:
    """Bring an entry in line with ShipStation; True when anything changed."""
    if entry.status == Status.VOIDED:
        return False  # voided here (by a person or an earlier void in ShipStation): never revived
    values = entry_values(shipment, item)
    changes, confirm_lot, conflict = _planned_changes(entry, values)
    if conflict:
        result.errors.append(f"{label}: {conflict}")
    if not changes and not confirm_lot:
        return False
    if confirm_lot and entry.customer_id is None:  # still waiting for its customer: the lot alone
        changes, confirm_lot = {**changes, "lot_number": confirm_lot}, ""
    if changes:
        entry = services.update_entry(actor=ctx.actor, entry=entry, data=changes, reason=ctx.change_reason,
                                      version=entry.version, on_near_duplicate=services.OnNearDuplicate.REVIEW)
    if confirm_lot:
        services.confirm_entry(actor=ctx.actor, entry=entry, lot_number=confirm_lot, version=entry.version,
                               reason=f"lot supplied by ShipStation (sync run {ctx.run.pk})")
    return True


def _planned_changes(entry: DistributionLogEntry, values: Mapping[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(field changes, lot to confirm, conflict message).

    ShipStation owns the consignee, dates, SKU and quantity. The lot is ShipStation's only while it is
    the one that set it: a lot a person entered or confirmed is never overwritten (ShipStation without a
    lot keeps it silently; a different ShipStation lot is reported). A lot arriving for an entry waiting
    for review confirms it, as if the entry had been created with it.
    """
    changes = {name: values[name] for name in OWNED_FIELDS if getattr(entry, name) != values[name]}
    new_lot, old_lot = values["lot_number"], entry.lot_number
    if not new_lot or new_lot == old_lot:
        return changes, "", ""
    if not old_lot:
        if entry.status == Status.NEEDS_REVIEW:
            return changes, new_lot, ""
        return {**changes, "lot_number": new_lot}, "", ""
    if _lot_last_set_by_a_sync(entry):
        return {**changes, "lot_number": new_lot}, "", ""
    return changes, "", (f"ShipStation now says lot {new_lot}, but lot {old_lot} was entered by a person; "
                         f"kept {old_lot}. Correct the entry by hand if ShipStation is right.")


def _lot_last_set_by_a_sync(entry: DistributionLogEntry) -> bool:
    batch_id = (AuditEvent.objects.filter(target_type=entry._meta.label_lower, target_id=str(entry.pk),
                                          changes__has_key="lot_number")
                .order_by("-seq").values_list("batch_id", flat=True).first())
    return bool(batch_id) and SyncRun.objects.filter(batch_id=batch_id).exists()


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
                         for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
