from django.urls import path

from silqeqms.users import views

app_name = "users"

urlpatterns = [
    path("", views.UserListView.as_view(), name="user_list"),
    path("new/", views.UserCreateView.as_view(), name="user_create"),
    path("locked-addresses/unlock/", views.AddressUnlockView.as_view(), name="address_unlock"),
    path("<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("<int:pk>/details/", views.UserDetailsUpdateView.as_view(), name="user_update"),
    path("<int:pk>/roles/", views.UserRolesView.as_view(), name="user_roles"),
    path("<int:pk>/password/", views.UserPasswordResetView.as_view(), name="user_password"),
    path("<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user_deactivate"),
    path("<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="user_reactivate"),
    path("<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
]
