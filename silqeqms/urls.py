from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from silqeqms import views
from silqeqms.forms import LoginForm
from silqeqms.users.views import OwnPasswordChangeView

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "accounts/login/",
        login_not_required(auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True)),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", OwnPasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/audit/", views.AuditEventListView.as_view(), name="audit_list"),
    path("admin/audit/export/", views.AuditEventExportView.as_view(), name="audit_export"),
    path("admin/jobs/", include("silqeqms.jobs.urls")),
    # Merging repoints distribution entries, so its route lives on the distribution side
    # (customers never imports distribution); the path stays under the customer it merges into.
    path("admin/customers/", include("distribution.merge_urls")),
    path("admin/customers/", include("customers.urls")),
    path("admin/products/", include("products.urls")),
    # The label scanner's JSON (GET ?code=…) keeps its short address outside /admin/products/.
    path("admin/scan/", include("products.scan_urls")),
    path("admin/distribution-log/", include("distribution.urls")),
    path("admin/sales-dashboard/", include("sales_dashboard.urls")),
    path("admin/recalls/", include("recalls.urls")),
    path("admin/users/", include("silqeqms.users.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "silqeqms.views.bad_request"
handler403 = "silqeqms.views.permission_denied"
handler404 = "silqeqms.views.page_not_found"
handler500 = "silqeqms.views.server_error"

admin.site.site_header = "SilqeQMS administration"
admin.site.site_title = "SilqeQMS admin"
