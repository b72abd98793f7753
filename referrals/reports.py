"""The referral pathway (alur rujukan) of a regency/city: per service type, the
district, province and national institutions that offer it, as a page and as an
xlsx file."""

import io
from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

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


def pathway_rows(services: list[ServiceType]) -> Iterator[list]:
    """Yield the header row, then one row per service and institution."""
    yield [
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
    for service in services:
        for i in service.pathway_institutions:
            yield [
                service.name,
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


def pathway_workbook(services: list[ServiceType]) -> bytes:
    """The pathway as an xlsx file: one sheet, bold header row frozen at the top,
    dates as real dates (dd/mm/yyyy)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Referral pathway")[:31]
    for row in pathway_rows(services):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for cell in sheet["O"][1:]:
        cell.number_format = "DD/MM/YYYY"
    widths = [38, 14, 40, 22, 30, 16, 16, 16, 26, 26, 24, 24, 10, 10, 14]
    for column, width in zip("ABCDEFGHIJKLMNO", widths, strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
