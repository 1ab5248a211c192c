"""Roles are data: each group's permission keys. `manage.py seed_permissions` applies this file.

A key is "<app_label>.<codename>"; each is a custom permission declared on a model's Meta (see
DESIGN.md "Permissions"). Adding a key here and on the model is all a new feature needs.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "customers.view": "View customers",
    "customers.view_all": "See every customer, not only those assigned to you",
    "customers.create": "Create customers",
    "customers.edit": "Edit customers and rep assignments",
    "customers.delete": "Delete or merge customers",
    "customers.notes": "Add and edit customer notes",
    "products.view": "View products and lots",
    "products.create": "Create products",
    "products.edit": "Edit products, add lots and edit their dates",
    "products.import": "Import products (CSV)",
    "products.lot_status": "Change a lot's status (hold, quarantine, recall, release)",
    "distribution.view": "View the distribution log",
    "distribution.create": "Create distribution entries",
    "distribution.edit": "Edit and confirm distribution entries",
    "distribution.delete": "Void distribution entries",
    "distribution.import": "Import distribution entries (CSV, PDF)",
    "distribution.export": "Export distribution entries and lot traces",
    "distribution.sync": "Run the ShipStation sync",
    "sales_dashboard.view": "View the sales dashboard",
    "sales_dashboard.export": "Export the sales dashboard",
    "recalls.view": "View recalls and field actions",
    "recalls.manage": "Open recalls, update consignees, generate letters",
    "recalls.close": "Close recalls (e-signed)",
    "silqeqms.view_audit": "View the audit trail",
    "silqeqms.manage_users": "Manage users and their roles",
    "silqeqms.view_all_jobs": "See everyone's background jobs, not only your own",
}

VIEW_KEYS = [key for key in PERMISSIONS if key.endswith(".view") or key == "silqeqms.view_audit"]

ROLES: dict[str, list[str]] = {
    "admin": list(PERMISSIONS),
    # Quality reads everything, corrects distribution records and runs recalls (lot-trace export).
    "quality": [*VIEW_KEYS, "customers.view_all", "distribution.edit", "distribution.export", "products.lot_status",
                "silqeqms.view_all_jobs", "recalls.manage", "recalls.close"],
    "ops": [
        "distribution.view",
        "distribution.create",
        "distribution.edit",
        "distribution.import",
        "distribution.export",
        "distribution.sync",
        "customers.view",
        "customers.view_all",
        "customers.create",
        "customers.edit",
        "customers.notes",
        "sales_dashboard.view",
        "products.view",
        "products.create",
        "products.edit",
        "products.import",
    ],
    "sales_rep": ["customers.view", "customers.notes", "distribution.view", "sales_dashboard.view", "products.view"],
    "readonly": [*(key for key in PERMISSIONS if key.endswith(".view")), "customers.view_all"],
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    "admin": "Everything, including voiding records, merging customers and exports.",
    "quality": "Reads everything and the audit trail; corrects distribution records; exports lot traces; "
               "holds, quarantines, recalls and releases lots; runs and closes recalls.",
    "ops": "Enters, imports, syncs and exports distribution records; maintains customers and products.",
    "sales_rep": "Sees the customers assigned to them, their orders and the dashboard; adds notes.",
    "readonly": "Reads every section; changes nothing.",
}
