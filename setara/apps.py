"""The admin app's configuration: the project's admin site (``setara.admin_site``)
as ``admin.site``, so every ``@admin.register`` lands on it; and, being the one
app config of the ``setara`` package, the place that installs the data-version
watch on database connections (``setara.data_version``)."""

from django.contrib.admin.apps import AdminConfig


class SetaraAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``SetaraAdminSite`` as the default site."""

    default_site = "setara.admin_site.SetaraAdminSite"

    def ready(self):
        super().ready()
        from . import data_version

        # Cached counts are keyed on the data version; every write bumps it.
        data_version.install()
