"""The admin app's configuration: the project's admin site (``setara.admin_site``)
as ``admin.site``, so every ``@admin.register`` lands on it."""

from django.contrib.admin.apps import AdminConfig


class SetaraAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``SetaraAdminSite`` as the default site."""

    default_site = "setara.admin_site.SetaraAdminSite"
