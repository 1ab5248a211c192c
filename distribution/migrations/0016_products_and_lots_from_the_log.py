"""A product for every SKU already in the distribution log, and a lot (released) for every (SKU, lot)
shipped, so the catalogue starts complete. Spellings that differ only in case or surrounding spaces are
one product (one lot), as the catalogue's own unique constraints require; the most shipped spelling
names it. Products are created without GTIN or description: a person adds them on the product page.

Reversing removes only what this migration made and nobody has touched since (no GTIN, no
description, version 1; lots with no status change and no dates).
"""

from collections import Counter

from django.db import migrations
from django.db.models import Count, Sum

REASON = "created from the distribution log by migration distribution 0016"


def _key(value):
    return (value or "").strip().upper()


def forwards(apps, schema_editor):
    Entry = apps.get_model("distribution", "DistributionLogEntry")
    Product = apps.get_model("products", "Product")
    Lot = apps.get_model("products", "Lot")
    shipped = Counter()
    for row in Entry.objects.order_by().values("sku").annotate(n=Sum("quantity")):
        if row["sku"].strip():
            shipped[row["sku"].strip()] += row["n"] or 0
    spelling = {}
    for sku, _ in shipped.most_common():
        spelling.setdefault(_key(sku), sku)
    existing = {_key(p.sku): p for p in Product.objects.all()}
    new = [Product(sku=sku, description="") for key, sku in spelling.items() if key not in existing]
    Product.objects.bulk_create(new, batch_size=1000)
    products = {_key(p.sku): p for p in Product.objects.all()}

    lots = Counter()
    for row in (Entry.objects.exclude(lot_number="").order_by().values("sku", "lot_number")
                .annotate(n=Count("id")).iterator(chunk_size=5000)):
        if row["sku"].strip() and row["lot_number"].strip():
            lots[(_key(row["sku"]), row["lot_number"].strip())] += row["n"]
    have = {(p_id, _key(n)) for p_id, n in Lot.objects.values_list("product_id", "lot_number")}
    chosen = {}
    for (sku_key, lot), _ in lots.most_common():
        product = products[sku_key]
        chosen.setdefault((product.pk, _key(lot)), Lot(product=product, lot_number=lot, status="released"))
    Lot.objects.bulk_create([lot for key, lot in chosen.items() if key not in have], batch_size=2000)
    _record(len(new), len(chosen) - len(have & chosen.keys()))


def _record(products: int, lots: int) -> None:
    """One audit event for the whole catalogue made here (the records have no actor: a migration)."""
    if not products and not lots:
        return
    from silqeqms.audit import record_event

    record_event(actor=None, action="products.created_from_log", target_type="products.product",
                 target_repr="products and lots from the distribution log", reason=REASON,
                 data={"products_created": products, "lots_created": lots})


def backwards(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    Lot = apps.get_model("products", "Lot")
    Lot.objects.filter(status="released", status_since__isnull=True, expiry_date__isnull=True,
                       manufacture_date__isnull=True, version=1, created_by__isnull=True,
                       status_changes__isnull=True).delete()
    Product.objects.filter(gtin="", description="", version=1, created_by__isnull=True,
                           lots__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0015_entry_expiry_and_serial"),
        ("products", "0001_products_and_lots"),
        ("silqeqms", "0005_user_manager_audited"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
