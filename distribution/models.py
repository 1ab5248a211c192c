"""The device distribution record (21 CFR 820.160(b), ISO 13485 §7.5.9): one row per shipped line."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse

from customers.models import PostalAddress


class Source(models.TextChoices):
    MANUAL = "manual", "Manual entry"
    CSV = "csv", "CSV import"
    PDF = "pdf", "PDF import"
    SHIPSTATION = "shipstation", "ShipStation"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_REVIEW = "needs_review", "Needs review"
    VOIDED = "voided", "Voided"


class DistributionLogEntry(PostalAddress):
    ship_date = models.DateField("Ship date")
    order_number = models.CharField("Order number", max_length=64)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_entries",
        db_index=False,  # dist_customer_date_idx (customer, ship_date) serves every lookup by customer
    )
    # The consignee as shipped: a snapshot (with the PostalAddress fields), kept even when the customer
    # record changes later.
    facility_name = models.CharField("Facility", max_length=255)
    sku = models.CharField("SKU", max_length=64)
    udi_di = models.CharField("UDI-DI", max_length=64, blank=True)
    lot_number = models.CharField("Lot", max_length=64, blank=True)
    # The label's other production identifiers (UDI, 21 CFR 801.20 / §820.35(c)): GS1 AI 17 and AI 21.
    expiry_date = models.DateField("Expiry date", null=True, blank=True)
    serial_number = models.CharField("Serial number", max_length=64, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1, "Quantity must be at least 1.")])
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_entries",
        verbose_name="Sales rep",
        db_index=False,  # dist_rep_idx (rep, -ship_date) serves every lookup by rep
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    # Unique where set (ShipStation items): see the partial constraint and index in Meta. Most rows have
    # none, and a partial index costs their inserts nothing.
    external_ref = models.CharField(max_length=128, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    source_document = models.ForeignKey(
        "SourceDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
        db_index=False,  # dist_source_doc_idx, partial: only the rows that came from a document
    )
    void_reason = models.TextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,  # never searched by; users are never deleted, so PROTECT never looks
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,  # never searched by; users are never deleted, so PROTECT never looks
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,  # never searched by; users are never deleted, so PROTECT never looks
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-ship_date", "-id"]
        verbose_name = "distribution log entry"
        verbose_name_plural = "distribution log entries"
        default_permissions = ()
        permissions = [
            ("view", "View the distribution log"),
            ("create", "Create distribution entries"),
            ("edit", "Edit and confirm distribution entries"),
            ("delete", "Void distribution entries"),
            ("import", "Import distribution entries (CSV, PDF)"),
            ("export", "Export distribution entries and lot traces"),
            ("sync", "Run the ShipStation sync"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="distribution_quantity_positive"),
            models.UniqueConstraint(fields=["external_ref"], condition=Q(external_ref__isnull=False),
                                    name="dist_external_ref_uniq"),
        ]
        indexes = [
            models.Index(fields=["-ship_date", "-id"], name="dist_ship_date_idx"),
            models.Index(fields=["order_number"], name="dist_order_idx"),
            # The list's SKU and order filters ignore case (UPPER(col) = UPPER(value)). On PostgreSQL
            # migration 0012 adds INCLUDE (sku) to the SKU index, so filtered counts are index-only.
            models.Index(Upper("sku"), F("ship_date").desc(), name="dist_sku_upper_idx"),
            models.Index(Upper("order_number"), name="dist_order_upper_idx"),
            models.Index(fields=["lot_number", "ship_date"], name="dist_lot_idx"),
            models.Index(fields=["rep", "-ship_date"], name="dist_rep_idx"),
            # Partial: the lists ask for entries that need review or were voided (a few), never for all
            # the active ones through this index, and a partial index costs active rows' inserts nothing.
            models.Index(fields=["status", "-ship_date"], condition=~Q(status="active"), name="dist_status_idx"),
            models.Index(fields=["source", "-ship_date"], name="dist_source_idx"),
            models.Index(fields=["facility_name"], name="dist_facility_idx"),
            models.Index(fields=["source_document"], condition=Q(source_document__isnull=False),
                         name="dist_source_doc_idx"),
            # The ShipStation sync's prefix lookups (external_ref LIKE 'shipment-…%'); PostgreSQL only
            # uses a btree for LIKE with this operator class (SQLite ignores it).
            models.Index(fields=["external_ref"], opclasses=["varchar_pattern_ops"],
                         condition=Q(external_ref__isnull=False), name="dist_external_ref_like"),
            # A customer's order history (its lines by date), merges, and unlinked entries (customer NULL).
            models.Index(fields=["customer", "ship_date"], name="dist_customer_date_idx"),
            # The dashboard's "customers active in the window": an index-only range scan of the window.
            # (With the log in ship-date order, as a real one is, PostgreSQL otherwise reads every row.)
            models.Index(fields=["ship_date", "customer"], condition=~Q(status="voided"),
                         name="dist_live_date_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} · {self.sku} · lot {self.lot_number or 'pending'} · {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("distribution:entry_detail", args=[self.pk])

    @property
    def is_voided(self) -> bool:
        return self.status == Status.VOIDED

    @property
    def consignee_address(self) -> str:
        city_line = " ".join(p for p in (", ".join(p for p in (self.city, self.state) if p), self.postal_code) if p)
        return ", ".join(p for p in (self.address1, self.address2, city_line, self.country) if p)


class SourceDocument(models.Model):
    """An imported original (a sales-order PDF): kept, so each record can refer to where it came from."""

    file = models.FileField(upload_to="source-documents/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, default="application/pdf")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class SyncRun(models.Model):
    """One ShipStation sync run: its window, what it did, and how it ended."""

    class RunStatus(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry_run", "Dry run"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateField()
    window_end = models.DateField()
    pages = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    voided = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    batch_id = models.CharField(max_length=36, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-window_end"], name="syncrun_status_idx")]

    def __str__(self) -> str:
        return f"Sync {self.window_start}–{self.window_end} ({self.get_status_display()})"


# Exact summaries for the sales dashboard, maintained by distribution.services in the same
# transaction as every write to the entries; each is defined once in distribution/summaries/definitions.py.
# Voided entries never count. `manage.py verify_summaries` recomputes them from the entries.


class OrderSummary(models.Model):
    """One row per order = (customer, order_number)."""

    # Indexed by ordersummary_key (customer, order_number), whose first column serves lookups by customer.
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="order_summaries",
                                 db_index=False)
    order_number = models.CharField(max_length=64)
    first_ship_date = models.DateField()
    last_ship_date = models.DateField(null=True)  # null only before migration 0011 filled it in
    units = models.PositiveIntegerField()
    lines = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["customer", "order_number"], name="ordersummary_key")]
        indexes = [models.Index(fields=["first_ship_date", "customer"], name="ordersummary_date_idx")]

    def __str__(self) -> str:
        return f"order {self.order_number} of customer {self.customer_id}"


class CustomerOrderStats(models.Model):
    """Per customer: how many orders and the first order's date (first-time vs repeat); units and the
    last ship date, so the customer list shows them without adding up every entry of every customer."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="order_stats")
    order_count = models.PositiveIntegerField()
    first_order_date = models.DateField()
    units = models.PositiveBigIntegerField(default=0)
    last_order_date = models.DateField(null=True)  # null only before migration 0011 filled it in

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["order_count"], name="custstats_count_idx")]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.order_count} orders"


class LotSummary(models.Model):
    """Per lot, all time. lot_number "" collects the entries whose lot is still pending."""

    lot_number = models.CharField(max_length=64, unique=True)
    units = models.PositiveIntegerField()
    entries = models.PositiveIntegerField()
    first_ship_date = models.DateField()
    last_ship_date = models.DateField()

    class Meta:
        default_permissions = ()
        # Lot lookups ignore case (the lot search, the list's lot filter, the trace page's other spellings).
        indexes = [models.Index(Upper("lot_number"), name="lotsummary_upper_idx")]

    def __str__(self) -> str:
        return f"lot {self.lot_number or '(pending)'}: {self.units} units"


class DailySkuSummary(models.Model):
    """Units and entries per (ship date, SKU): window totals, the SKU table and the monthly chart; the
    entry counts also let the log jump to a deep page without walking every row before it."""

    ship_date = models.DateField()
    sku = models.CharField(max_length=64)
    units = models.PositiveIntegerField()
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["ship_date", "sku"], name="dailysku_key")]

    def __str__(self) -> str:
        return f"{self.ship_date} {self.sku}: {self.units}"
