"""The product catalogue (SKU, GTIN = UDI-DI) and its lots (expiry, status, status history)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone


class Product(models.Model):
    # Unique ignoring case (product_sku_upper_uniq): "211810spt" is not a second product.
    sku = models.CharField("SKU", max_length=64)
    description = models.CharField(max_length=255, blank=True)
    # The 14-digit GTIN (the UDI device identifier); "" when the product has none yet. Unique when set.
    gtin = models.CharField("GTIN (UDI-DI)", max_length=14, blank=True)
    is_active = models.BooleanField("Active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["sku", "id"]
        default_permissions = ()
        permissions = [
            ("view", "View products and lots"),
            ("create", "Create products"),
            ("edit", "Edit products, add lots and edit their dates"),
            ("import", "Import products (CSV)"),
        ]
        constraints = [
            models.UniqueConstraint(Upper("sku"), name="product_sku_upper_uniq",
                                    violation_error_message="A product with this SKU already exists."),
            models.UniqueConstraint(fields=["gtin"], condition=~Q(gtin=""), name="product_gtin_uniq",
                                    violation_error_message="Another product already has this GTIN."),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.description}" if self.description else self.sku

    def get_absolute_url(self) -> str:
        return reverse("products:product_detail", args=[self.pk])


class LotStatus(models.TextChoices):
    RELEASED = "released", "Released"
    ON_HOLD = "on_hold", "On hold"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"
    # Never stored: a lot is expired by its date (Lot.current_status), not by a person's decision.
    EXPIRED = "expired", "Expired"


# What a person sets; "expired" follows from the expiry date.
SETTABLE_STATUSES = (LotStatus.RELEASED, LotStatus.ON_HOLD, LotStatus.QUARANTINED, LotStatus.RECALLED)
# Lines shipped on or after the day a lot entered one of these are refused.
BLOCKING_STATUSES = frozenset({LotStatus.ON_HOLD, LotStatus.QUARANTINED, LotStatus.RECALLED})


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots", db_index=False)
    # Unique per product ignoring case (lot_product_number_uniq); character rules: products/identifiers.py.
    lot_number = models.CharField("Lot number", max_length=64)
    expiry_date = models.DateField("Expiry date", null=True, blank=True)
    manufacture_date = models.DateField("Manufacture date", null=True, blank=True)
    status = models.CharField(max_length=16, choices=[(s.value, s.label) for s in SETTABLE_STATUSES],
                              default=LotStatus.RELEASED)
    # The day the current status applies from (that of the last LotStatusChange); null: since the lot began.
    status_since = models.DateField("Status since", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product__sku", "lot_number", "id"]
        default_permissions = ()
        permissions = [("lot_status", "Change a lot's status (hold, quarantine, recall, release)")]
        constraints = [
            # Also the index of every lookup by product and lot (the shipping check, the product's lots).
            models.UniqueConstraint(F("product"), Upper("lot_number"), name="lot_product_number_uniq",
                                    violation_error_message="This product already has a lot with this number."),
            models.CheckConstraint(
                condition=Q(manufacture_date__isnull=True) | Q(expiry_date__isnull=True)
                | Q(manufacture_date__lte=F("expiry_date")),
                name="lot_made_before_expiry",
                violation_error_message="The manufacture date must not be after the expiry date.",
            ),
        ]
        indexes = [
            # lots_for_number(): a lot number across products (lot traces, recalls).
            models.Index(Upper("lot_number"), name="lot_number_upper_idx"),
        ]

    def __str__(self) -> str:
        # The SKU when the product is at hand; never a query per lot for it (lists, bulk audit events).
        if "product" in self._state.fields_cache:
            return f"Lot {self.lot_number} ({self.product.sku})"
        return f"Lot {self.lot_number}"

    def get_absolute_url(self) -> str:
        return reverse("products:lot_detail", args=[self.pk])

    def is_expired(self, on: datetime.date | None = None) -> bool:
        """Expired after its expiry date: a lot may still ship on the day itself."""
        return self.expiry_date is not None and (on or timezone.localdate()) > self.expiry_date

    def current_status(self, on: datetime.date | None = None) -> str:
        """The status to show: the stored one, or "expired" for a released lot past its expiry date."""
        if self.status == LotStatus.RELEASED and self.is_expired(on):
            return LotStatus.EXPIRED
        return self.status

    def get_current_status_display(self) -> str:
        return LotStatus(self.current_status()).label


class LotStatusChange(models.Model):
    """One change of a lot's status: who, when, from, to, why, and the day it applies from."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="status_changes", db_index=False)
    from_status = models.CharField(max_length=16, choices=LotStatus.choices)
    to_status = models.CharField(max_length=16, choices=LotStatus.choices)
    effective_date = models.DateField("Applies from")
    reason = models.TextField()
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-effective_date", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["lot", "effective_date", "id"], name="lotstatuschange_lot_idx")]

    def __str__(self) -> str:
        return f"{self.lot}: {self.from_status} → {self.to_status} from {self.effective_date:%Y-%m-%d}"
