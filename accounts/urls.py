from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/setup/", views.TwoFactorSetupView.as_view(), name="setup"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="verify"),
]
