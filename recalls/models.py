"""Recalls and field actions (21 CFR 7, 806): the recall, its frozen consignee list and lines, and the
documents it produced (letters, merged letters)."""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Kind(models.TextChoices):
    RECALL = "recall", "Recall"
    CORRECTION = "correction", "Correction"
    REMOVAL = "removal", "Removal"
    MOCK = "mock", "Mock recall"


class Classification(models.TextChoices):
    PENDING = "pending", "Pending"
    CLASS_I = "I", "Class I"
    CLASS_II = "II", "Class II"
    CLASS_III = "III", "Class III"


class Depth(models.TextChoices):
    """How far down the distribution chain the recall reaches (21 CFR 7.42(b)(1))."""

    WHOLESALE = "wholesale", "Wholesale level"
    RETAIL = "retail", "Retail level"
    USER = "user", "Consumer or user level"


class Level(models.TextChoices):
    """The effectiveness-check level (21 CFR 7.42(b)(3)) and the share of consignees it checks."""

    A = "A", "A: 100 % of consignees"
    B = "B", "B: a share between 10 and 100 %"
    C = "C", "C: 10 % of consignees"
    D = "D", "D: 2 % of consignees"
    E = "E", "E: no effectiveness checks"


# Level → the percentage of consignees checked; B's is set per recall (LEVEL_B_RANGE, both ends excluded).
LEVEL_PERCENT = {Level.A: 100, Level.C: 10, Level.D: 2, Level.E: 0}
LEVEL_B_RANGE = (10, 100)


def target_percent(level: str, b_percent: int | None) -> int:
    """The share of consignees (in %) an effectiveness check at this level must reach."""
    return (b_percent or 0) if level == Level.B else LEVEL_PERCENT[Level(level)]


def required_consignees(consignees: int, percent: int) -> int:
    """How many consignees must have responded for the target to be met: the share, rounded up."""
    return math.ceil(consignees * percent / 100)


class RecallStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Recall(models.Model):
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=20, unique=True)  # RCL-2026-001
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RECALL)
    reason = models.TextField("Reason for the recall")
    health_hazard = models.TextField("Health hazard", blank=True)
    instructions = models.TextField("What consignees must do", blank=True)
    classification = models.CharField(max_length=8, choices=Classification.choices, default=Classification.PENDING)
    depth = models.CharField("Recall depth", max_length=16, choices=Depth.choices, default=Depth.USER)
    level = models.CharField("Effectiveness-check level", max_length=1, choices=Level.choices, default=Level.A)
    level_b_percent = models.PositiveSmallIntegerField("Level B share (%)", null=True, blank=True)
    # Scope: lot numbers (every product that carries one, ignoring case), and/or SKUs shipped in a date range.
    lots = models.JSONField(default=list, blank=True)
    skus = models.JSONField(default=list, blank=True)
    ship_date_from = models.DateField(null=True, blank=True)
    ship_date_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RecallStatus.choices, default=RecallStatus.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", db_index=False)
    # When the consignee list was last completed: the opening, or the last addition of later shipments.
    list_completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", db_index=False)
    closure_summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "-sequence"]
        default_permissions = ()
        permissions = [
            ("view", "View recalls and field actions"),
            ("manage", "Open recalls, update consignees, generate letters"),
            ("close", "Close recalls (e-signed)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="recall_year_sequence_uniq"),
            models.CheckConstraint(
                condition=Q(level_b_percent__isnull=True) | Q(level_b_percent__gt=10, level_b_percent__lt=100),
                name="recall_level_b_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("recalls:recall_detail", args=[self.pk])

    @property
    def is_mock(self) -> bool:
        return self.kind == Kind.MOCK

    @property
    def target_percent(self) -> int:
        return target_percent(self.level, self.level_b_percent)


class ConsigneeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    NOTIFIED = "notified", "Notified"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"
    UNREACHABLE = "unreachable", "Unreachable"


class NotifyMethod(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone (confirmed in writing)"
    VISIT = "visit", "Visit"


class RecallConsignee(models.Model):
    """One consignee of a recall, frozen at opening from the distribution log (one per customer)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="consignees", db_index=False)
    number = models.PositiveIntegerField()  # 1, 2, … within the recall: the reference on letter and response
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="recall_consignees")
    facility_name = models.CharField(max_length=255)
    # Every address the lines were shipped to, as shipped (most recent first): [{"address1": …, …}]
    addresses = models.JSONField(default=list)
    contact_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    reps = models.CharField("Sales reps", max_length=255, blank=True)
    # Summaries of the consignee's lines (kept with them: the list shows them without reading every line).
    units = models.PositiveIntegerField(default=0)
    lots = models.JSONField(default=list)
    order_numbers = models.JSONField(default=list)
    first_ship_date = models.DateField(null=True, blank=True)
    last_ship_date = models.DateField(null=True, blank=True)
    added_after_opening = models.BooleanField(default=False)
    # Lines were added after the consignee was notified: it must be told of them (notified again).
    renotify = models.BooleanField("Lines added since notified", default=False)
    status = models.CharField(max_length=16, choices=ConsigneeStatus.choices, default=ConsigneeStatus.PENDING)
    notified_at = models.DateTimeField(null=True, blank=True)
    notify_method = models.CharField(max_length=8, choices=NotifyMethod.choices, blank=True)
    confirmed_in_writing_on = models.DateField("Written confirmation sent", null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responder = models.CharField("Who responded", max_length=150, blank=True)
    units_on_hand = models.PositiveIntegerField(null=True, blank=True)
    units_returned = models.PositiveIntegerField(null=True, blank=True)
    units_destroyed = models.PositiveIntegerField(null=True, blank=True)
    units_corrected = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    letter = models.ForeignKey("RecallDocument", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["recall", "number"]
        default_permissions = ()
        constraints = [
            # Also the index of every lookup of a recall's consignees.
            models.UniqueConstraint(fields=["recall", "number"], name="recall_consignee_number_uniq"),
            models.UniqueConstraint(fields=["recall", "customer"], condition=Q(customer__isnull=False),
                                    name="recall_consignee_customer_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.facility_name}"

    def get_absolute_url(self) -> str:
        return reverse("recalls:consignee_detail", args=[self.recall_id, self.pk])

    @property
    def reference(self) -> str:
        """The consignee's reference on its letter and response form: RCL-2026-001-007."""
        return consignee_reference(self.recall.number, self.number)

    @property
    def units_accounted(self) -> int:
        return sum(v or 0 for v in (self.units_on_hand, self.units_returned, self.units_destroyed,
                                    self.units_corrected))


def consignee_reference(recall_number: str, number: int) -> str:
    return f"{recall_number}-{number:03d}"


class RecallLine(models.Model):
    """One distribution entry in a recall, as it was when frozen (or added later)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="lines", db_index=False)
    consignee = models.ForeignKey(RecallConsignee, on_delete=models.PROTECT, related_name="lines")
    entry = models.ForeignKey("distribution.DistributionLogEntry", on_delete=models.PROTECT,
                              related_name="recall_lines", db_index=False)
    entry_version = models.PositiveIntegerField()
    ship_date = models.DateField()
    order_number = models.CharField(max_length=64)
    sku = models.CharField(max_length=64)
    udi_di = models.CharField(max_length=64, blank=True)
    lot_number = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    shipped_to = models.CharField("Shipped to", max_length=800, blank=True)
    rep = models.CharField(max_length=150, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_after_opening = models.BooleanField(default=False)

    class Meta:
        ordering = ["consignee", "ship_date", "order_number", "id"]
        default_permissions = ()
        constraints = [
            # Also the index of "is this entry in the recall" (the later-shipments check).
            models.UniqueConstraint(fields=["recall", "entry"], name="recall_line_entry_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} · {self.sku} · lot {self.lot_number} · {self.quantity}"


class DocumentKind(models.TextChoices):
    LETTER = "letter", "Recall letter"
    MERGED_LETTERS = "merged_letters", "All letters (merged)"


class RecallDocument(models.Model):
    """A generated PDF, stored content-addressed (recall-documents/<sha256[:2]>/<sha256>.pdf)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="documents", db_index=False)
    consignee = models.ForeignKey(RecallConsignee, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="documents", db_index=False)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    file = models.FileField(upload_to="recall-documents/", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["recall", "kind", "sha256"], name="recall_document_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"

    def get_absolute_url(self) -> str:
        return reverse("recalls:document", args=[self.recall_id, self.pk])
