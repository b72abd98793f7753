"""The referral pathway (alur rujukan) of a regency/city: per service type, the
district, province and national institutions that offer it, as a page and as an
xlsx file."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from setara.spreadsheets import Table

from .models import ReferralInstitution, ServiceType


def pathway_services(region) -> list[ServiceType]:
    """Every service type in pathway order, each with ``pathway_institutions`` (the
    active institutions serving ``region`` that offer it, district/city first, then
    province, then national, with trained-staff counts) and ``has_trained_staff``.

    Runs two queries whatever the number of institutions.
    """
    institutions = (
        ReferralInstitution.objects.active()
        .serving(region)
        .select_related("region")
        .with_trained_staff()
        .by_level()
    )
    services = list(
        ServiceType.objects.prefetch_related(
            Prefetch(
                "institutions", queryset=institutions, to_attr="pathway_institutions"
            )
        )
    )
    for service in services:
        service.has_trained_staff = any(
            i.trained_total for i in service.pathway_institutions
        )
    return services


#: Column widths of the pathway sheet, in Excel character units.
PATHWAY_WIDTHS = (38, 14, 40, 22, 30, 16, 16, 16, 26, 26, 24, 24, 10, 10, 14)


def pathway_table(services: list[ServiceType]) -> Table:
    """The pathway as one export table (``services`` from ``pathway_services``):
    a row per service and institution, phone columns kept as text, the last
    verification as a date. Written by ``setara.spreadsheets`` like every export,
    so a name starting with ``=`` stays text."""
    header = [
        _("Service"),
        _("Level"),
        _("Institution"),
        _("Region"),
        _("Address"),
        pgettext("institution", "Phone"),
        _("Other phone"),
        _("WhatsApp"),
        _("Email"),
        _("Website"),
        _("Opening hours"),
        _("Focal person"),
        _("Staff trained (L)"),
        _("Staff trained (P)"),
        _("Last verified on"),
    ]
    rows = (
        [
            service.display_name,
            i.get_level_display(),
            i.name,
            i.region.name if i.region else "",
            i.address,
            i.phone,
            i.phone_alt,
            i.whatsapp,
            i.email,
            i.website,
            i.opening_hours,
            i.focal_person,
            i.trained_male,
            i.trained_female,
            i.last_verified_on,
        ]
        for service in services
        for i in service.pathway_institutions
    )
    return Table(
        _("Referral pathway"),
        header,
        rows,
        text_columns=frozenset({5, 6, 7}),
        widths=PATHWAY_WIDTHS,
    )
