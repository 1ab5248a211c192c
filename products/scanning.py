"""A scanned UDI label, read and matched with the catalogue: what the entry form and /admin/scan/ fill."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from products.gs1 import GS1Error, parse_label
from products.models import Lot, Product
from products.selectors import lot_for, product_for_gtin


@dataclass(frozen=True)
class ScanResult:
    """Either every field a label gave (error "") or none of them and an error saying why."""

    udi_di: str = ""
    sku: str = ""
    lot_number: str = ""
    expiry_date: datetime.date | None = None
    serial_number: str = ""
    error: str = ""
    product: Product | None = None
    lot: Lot | None = None  # the lot already recorded under this number, if any
    warnings: tuple[str, ...] = ()  # e.g. the label's expiry differs from the lot record's

    @property
    def ok(self) -> bool:
        return not self.error

    def as_json(self) -> dict:
        return {
            "udi_di": self.udi_di, "sku": self.sku, "lot_number": self.lot_number,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "serial_number": self.serial_number, "error": self.error,
        }


def read_label(code: str | None) -> ScanResult:
    """Parse a GS1 element string, (01)… text or Digital Link and find its product (and lot): two queries.

    A wrong check digit, an unreadable code or a GTIN that is no product's gives an error and fills nothing."""
    try:
        label = parse_label(code)
    except GS1Error as error:
        return ScanResult(error=str(error))
    product = product_for_gtin(label.udi_di)
    if product is None:
        return ScanResult(error=f"No product has GTIN {label.udi_di}. Add it to the product catalogue "
                                "(Products › New product) or check the label.")
    lot = lot_for(product, label.lot_number) if label.lot_number else None
    warnings = []
    if not product.is_active:
        warnings.append(f"Product {product.sku} is marked inactive.")
    if lot is not None and label.expiry_date and lot.expiry_date and lot.expiry_date != label.expiry_date:
        warnings.append(f"The label's expiry date {label.expiry_date:%Y-%m-%d} differs from lot {lot.lot_number}'s "
                        f"recorded {lot.expiry_date:%Y-%m-%d}.")
    return ScanResult(udi_di=label.udi_di, sku=product.sku, lot_number=label.lot_number,
                      expiry_date=label.expiry_date, serial_number=label.serial_number, product=product, lot=lot,
                      warnings=tuple(warnings))
