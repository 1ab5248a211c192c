"""User and role administration: services (every write, audited), selectors, forms, views, the Django
admin's user and group pages, and sign-in throttling (lockout)."""
