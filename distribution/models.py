"""The device distribution record (21 CFR 820.160(b), ISO 13485 §7.5.9): one row per shipped line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Source(models.TextChoices):
    MANUAL = "manual", "Manual entry"
    CSV = "csv", "CSV import"
    PDF = "pdf", "PDF import"
    SHIPSTATION = "shipstation", "ShipStation"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_REVIEW = "needs_review", "Needs review"
    VOIDED = "voided", "Voided"


class DistributionLogEntry(models.Model):
    ship_date = models.DateField("Ship date")
    order_number = models.CharField("Order number", max_length=64)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_entries",
    )
    # The consignee as shipped: a snapshot, kept even when the customer record changes later.
    facility_name = models.CharField("Facility", max_length=255)
    address1 = models.CharField("Address line 1", max_length=255, blank=True)
    address2 = models.CharField("Address line 2", max_length=255, blank=True)
    city = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=64, blank=True)
    postal_code = models.CharField("Postal code", max_length=20, blank=True)
    country = models.CharField(max_length=64, blank=True)
    sku = models.CharField("SKU", max_length=64)
    udi_di = models.CharField("UDI-DI", max_length=64, blank=True)
    lot_number = models.CharField("Lot", max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_entries",
        verbose_name="Sales rep",
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    external_ref = models.CharField(max_length=128, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    void_reason = models.TextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
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
        ]
        indexes = [
            models.Index(fields=["-ship_date", "-id"], name="dist_ship_date_idx"),
            models.Index(fields=["order_number"], name="dist_order_idx"),
            models.Index(fields=["sku", "-ship_date"], name="dist_sku_idx"),
            models.Index(fields=["lot_number", "ship_date"], name="dist_lot_idx"),
            models.Index(fields=["rep", "-ship_date"], name="dist_rep_idx"),
            models.Index(fields=["status", "-ship_date"], name="dist_status_idx"),
            models.Index(fields=["source", "-ship_date"], name="dist_source_idx"),
            models.Index(fields=["facility_name"], name="dist_facility_idx"),
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
