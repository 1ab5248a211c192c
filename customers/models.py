"""Customers (facilities), their notes and sales-rep assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class PostalAddress(models.Model):
    """The address fields a customer has and a distribution entry keeps as shipped (one definition)."""

    address1 = models.CharField("Address line 1", max_length=255, blank=True)
    address2 = models.CharField("Address line 2", max_length=255, blank=True)
    city = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=64, blank=True)
    postal_code = models.CharField("Postal code", max_length=20, blank=True)
    country = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


ADDRESS_FIELDS: tuple[str, ...] = tuple(f.name for f in PostalAddress._meta.local_fields)


class Customer(PostalAddress):
    company_key = models.CharField(
        max_length=255, unique=True,
        help_text="Canonical key of the facility name (A–Z, 0–9; customers.keys). A key ending in “~” and an "
                  "id was kept apart when a new key rule made two customers' keys equal: a possible duplicate.",
    )
    facility_name = models.CharField(max_length=255)
    # The facility name's words as the near-duplicate finder compares them (customers.matching); on
    # PostgreSQL a trigram index over it finds the closest names without reading every customer.
    match_words = models.TextField(blank=True, editable=False)
    # Its numbers and one-letter words (customers.matching.designators): only names with the same ones
    # can be near-duplicates, so the finder reads only those.
    match_designators = models.CharField(max_length=255, blank=True, editable=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    contact_name = models.CharField("Contact name", max_length=150, blank=True)
    is_active = models.BooleanField("Active", default=True)
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
        ordering = ["facility_name", "id"]
        default_permissions = ()
        permissions = [
            ("view", "View customers"),
            # Without it a user sees only the customers assigned to them (and their entries and figures).
            ("view_all", "See every customer, not only those assigned to you"),
            ("create", "Create customers"),
            ("edit", "Edit customers and rep assignments"),
            ("delete", "Delete or merge customers"),
            ("notes", "Add and edit customer notes"),
        ]
        indexes = [
            models.Index(fields=["facility_name"], name="customer_name_idx"),
            models.Index(fields=["state", "facility_name"], name="customer_state_idx"),
            models.Index(fields=["city"], name="customer_city_idx"),
            models.Index(fields=["match_designators"], name="customer_designators_idx"),
        ]

    def __str__(self) -> str:
        return self.facility_name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    @property
    def city_state(self) -> str:
        return ", ".join(part for part in (self.city, self.state) if part)


# The fields a person edits on a customer (the form, the service and the audit diff use this list).
EDITABLE_FIELDS: tuple[str, ...] = ("facility_name", *ADDRESS_FIELDS, "phone", "email", "contact_name", "is_active")


class CustomerAlias(models.Model):
    """Another spelling's key that resolves to a customer (kept when duplicates are merged)."""

    key = models.CharField(max_length=255, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="aliases")
    facility_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()
        verbose_name_plural = "customer aliases"

    def __str__(self) -> str:
        return f"{self.key} → {self.customer}"


class MergedCustomer(models.Model):
    """A customer merged into another: its old id, so its old address leads to the survivor."""

    former_id = models.PositiveIntegerField(primary_key=True)
    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merged_customers")
    facility_name = models.CharField(max_length=255)
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.former_id} {self.facility_name} → {self.survivor}"


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="notes")
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["customer", "-created_at"], name="customernote_customer_idx")]

    def __str__(self) -> str:
        return f"Note on {self.customer}: {self.body[:40]}"


class RepAssignment(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="rep_assignments")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rep_assignments")
    is_primary = models.BooleanField("Primary rep", default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-is_primary", "rep__username"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["customer", "rep"], name="unique_rep_per_customer"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_rep_per_customer"
            ),
        ]
        indexes = [models.Index(fields=["rep", "customer"], name="repassignment_rep_idx")]

    def __str__(self) -> str:
        return f"{self.rep} → {self.customer}{' (primary)' if self.is_primary else ''}"
