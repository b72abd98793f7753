from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in: password change, session lifetime and the second factor."""

    name = "accounts"
    verbose_name = _("Sign-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .sessions import login_time_record

        user_logged_in.connect(login_time_record, dispatch_uid="accounts_login_time")
