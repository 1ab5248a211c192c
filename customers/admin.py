"""Django admin for superusers: read-only (customer writes are audited through the staff pages)."""

from django.contrib import admin

from customers.models import Customer, CustomerAlias, CustomerNote, RepAssignment
from silqeqms.admin import ReadOnlyModelAdmin


@admin.register(Customer)
class CustomerAdmin(ReadOnlyModelAdmin):
    list_display = ["facility_name", "company_key", "city", "state", "is_active"]
    search_fields = ["facility_name", "company_key", "city"]


admin.site.register(CustomerAlias, ReadOnlyModelAdmin)
admin.site.register(CustomerNote, ReadOnlyModelAdmin)
admin.site.register(RepAssignment, ReadOnlyModelAdmin)
