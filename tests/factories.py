"""factory_boy factories. Tests build the rows they need; no hand-written fixture files."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Permission

from customers.keys import canonical_customer_key
from customers.matching import designators, match_words
from silqeqms.models import User
from tests.products.gtins import gtin14

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test data


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """UserFactory(perms=["distribution.view"]) grants exactly those permissions."""
        if not create:
            return
        for key in extracted or []:
            app_label, codename = key.split(".", 1)
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    facility_name = factory.Sequence(lambda n: f"General Hospital {n}")
    company_key = factory.LazyAttribute(lambda c: canonical_customer_key(c.facility_name))
    match_words = factory.LazyAttribute(lambda c: match_words(c.facility_name))
    match_designators = factory.LazyAttribute(lambda c: " ".join(designators(c.match_words)))
    address1 = factory.Faker("street_address")
    city = factory.Faker("city")
    state = factory.Faker("state_abbr")
    postal_code = factory.Faker("postcode")
    country = "US"


class CustomerNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.CustomerNote"

    customer = factory.SubFactory(CustomerFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence")


class RepAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.RepAssignment"

    customer = factory.SubFactory(CustomerFactory)
    rep = factory.SubFactory(UserFactory)
    is_primary = False


class DistributionLogEntryFactory(factory.django.DjangoModelFactory):
    """A raw row (no service, no audit, no summaries): for reads. Writes in tests go through services."""

    class Meta:
        model = "distribution.DistributionLogEntry"

    ship_date = factory.Faker("date_between", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 10, 31))
    order_number = factory.Sequence(lambda n: f"SO-{10000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    facility_name = factory.LazyAttribute(lambda e: e.customer.facility_name if e.customer else "Unlinked Clinic")
    address1 = factory.LazyAttribute(lambda e: e.customer.address1 if e.customer else "1 Main St")
    city = factory.LazyAttribute(lambda e: e.customer.city if e.customer else "Austin")
    state = factory.LazyAttribute(lambda e: e.customer.state if e.customer else "TX")
    postal_code = factory.LazyAttribute(lambda e: e.customer.postal_code if e.customer else "78701")
    country = "US"
    sku = factory.Iterator(["211810SPT", "211820SPT", "311400KIT"])
    lot_number = factory.Sequence(lambda n: f"LOT{2600 + n % 50}")
    quantity = factory.Faker("pyint", min_value=1, max_value=20)
    source = "manual"
    status = "active"


def entry_data(**overrides) -> dict:
    """Form-like values for distribution services (create_entry(data=...))."""
    data = {
        "ship_date": datetime.date(2026, 3, 2), "order_number": "SO-1001", "facility_name": "Hospital A",
        "address1": "100 Main St", "address2": "", "city": "Austin", "state": "TX", "postal_code": "78701",
        "country": "US", "sku": "211810SPT", "udi_di": "", "lot_number": "LOT2601", "quantity": 5, "rep": None,
        "notes": "",
    }
    data.update(overrides)
    return data


class ProductFactory(factory.django.DjangoModelFactory):
    """A raw row (no service, no audit): for reads. Writes in tests go through products.services."""

    class Meta:
        model = "products.Product"

    sku = factory.Sequence(lambda n: f"SKU-{1000 + n}")
    description = factory.Faker("sentence", nb_words=3)
    gtin = factory.Sequence(lambda n: gtin14(n % 1000))


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "products.Lot"

    product = factory.SubFactory(ProductFactory)
    lot_number = factory.Sequence(lambda n: f"LOT-{2600 + n}")
    expiry_date = datetime.date(2030, 12, 31)
    manufacture_date = datetime.date(2026, 1, 15)


def import_rows(actor, rows: list[dict], *, tag: str = "a", decisions=None):
    """Import `rows` (ImportLine values over small defaults) through the service, as file `{tag}.csv`.
    `decisions`: the person's answers to the preview (distribution.imports.decisions.ImportDecisions)."""
    from distribution.imports.lines import ImportLine
    from distribution.imports.writer import import_entries

    lines = [ImportLine(line=n + 1, **{"ship_date": datetime.date(2026, 2, 1), "sku": "S-1", "quantity": 1,
                                       "facility_name": "Hospital A", "order_number": "SO-1", **row})
             for n, row in enumerate(rows)]
    return import_entries(actor=actor, rows=lines, source="csv", reason="import", file_name=f"{tag}.csv",
                          sha256=tag * 64, decisions=decisions)


class RecallFactory(factory.django.DjangoModelFactory):
    """A raw draft (no service, no audit): for pages. Writes in tests go through recalls.services."""

    class Meta:
        model = "recalls.Recall"

    year = 2026
    sequence = factory.Sequence(lambda n: 900 + n)
    number = factory.LazyAttribute(lambda r: f"RCL-{r.year}-{r.sequence:03d}")
    title = factory.Sequence(lambda n: f"Seal defect {n}")
    kind = "recall"
    reason = "Tray seal may open in transit."
    lots = factory.LazyFunction(lambda: ["LOT2601"])


class RecallConsigneeFactory(factory.django.DjangoModelFactory):
    """A raw consignee of an open recall."""

    class Meta:
        model = "recalls.RecallConsignee"

    recall = factory.SubFactory(RecallFactory, status="open",
                                opened_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)))
    number = factory.Sequence(lambda n: n + 1)
    customer = factory.SubFactory(CustomerFactory)
    facility_name = factory.LazyAttribute(lambda c: c.customer.facility_name)
    addresses = factory.LazyAttribute(lambda c: [f"{c.customer.facility_name}, {c.customer.address1}"])
    units = 5
    lots = factory.LazyFunction(lambda: ["LOT2601"])
