"""The sections of the app and the permission each needs; the layout shows only the permitted ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    title: str
    url_name: str
    permission: str
    summary: str


SECTIONS: tuple[Section, ...] = (
    Section("Distribution Log", "distribution:entry_list", "distribution.view",
            "Device distribution records: every shipped line item, imports, exports, lot traces."),
    Section("Customers", "customers:customer_list", "customers.view",
            "Facilities, their notes, rep assignments and order history."),
    Section("Products", "products:product_list", "products.view",
            "The product catalogue (SKU, GTIN / UDI-DI) and its lots: expiry, status and status history."),
    Section("Sales Dashboard", "sales_dashboard:dashboard", "sales_dashboard.view",
            "Orders, units and customers in a date window; SKU and lot tables; export."),
    Section("Recalls", "recalls:recall_list", "recalls.view",
            "Recalls, corrections, removals and mock recalls: consignees, letters, responses, effectiveness."),
    Section("Audit Trail", "audit_list", "silqeqms.view_audit",
            "Who changed what, when and why; tamper-evident."),
    Section("Users", "users:user_list", "silqeqms.manage_users",
            "Accounts, their roles, sign-in locks and passwords; every change in the audit trail."),
)


def sections_for(user) -> list[Section]:
    return [s for s in SECTIONS if user.is_authenticated and user.has_perm(s.permission)]
