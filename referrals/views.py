from http import HTTPStatus

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from regions.models import REGENCY_LEVELS, Region
from setara.data_version import DataVersionMixin
from setara.history import record_history
from setara.pagination import ForgivingPaginationMixin
from setara.spreadsheets import SpreadsheetExportMixin

from .filters import ReferralInstitutionFilterSet
from .models import ReferralInstitution
from .reports import pathway_services, pathway_table


class ReferralInstitutionDirectoryView(
    PermissionRequiredMixin, DataVersionMixin, ForgivingPaginationMixin, FilterView
):
    """The directory every logged-in role can read; only active institutions."""

    permission_required = "referrals.view_referralinstitution"
    filterset_class = ReferralInstitutionFilterSet
    queryset = ReferralInstitution.objects.active().for_directory()
    paginate_by = 25

    def get_context_data(self, **kwargs):
        form = self.filterset.form
        valid = form.is_valid()
        region = form.cleaned_data.get("region") if valid else None
        pathway_region = regency_of(region) if region else None
        # Without a regency chosen, offer the pathways of the regencies that have
        # institutions of their own, those the search finds when there is one
        # ("dinsos maros": Maros); any other through the region filter.
        offered = ReferralInstitution.objects.active()
        if valid and form.cleaned_data.get("q"):
            offered = offered.search(form.cleaned_data["q"])
        return super().get_context_data(
            pathway_region=pathway_region,
            pathway_regions=[] if region else offered.pathway_regions(),
            **kwargs,
        )


def regency_of(region: Region) -> Region | None:
    """The regency/city ``region`` is in (itself for a regency or city), None for
    a province. Reads the parents already loaded (``Region.objects.with_parents``)
    or queries them."""
    while region is not None and region.level not in REGENCY_LEVELS:
        region = region.parent
    return region


class ReferralPathwayView(PermissionRequiredMixin, DetailView):
    """The printable referral pathway (alur rujukan) of one regency/city, by its
    Kemendagri code, active or not.

    A district or village code redirects to its regency's pathway; a province or
    an unknown code gets a 404 page that says so and links to the directory."""

    permission_required = "referrals.view_referralinstitution"
    queryset = Region.objects.with_parents()
    slug_field = "code"
    slug_url_kwarg = "code"
    context_object_name = "region"
    template_name = "referrals/referralinstitution_pathway.html"

    def get(self, request, *args, **kwargs):
        code = kwargs["code"]
        self.object = self.get_queryset().filter(code=code).first()
        regency = regency_of(self.object) if self.object else None
        if regency is None:
            return TemplateResponse(
                request,
                "referrals/pathway_not_found.html",
                {"code": code, "region": self.object},
                status=HTTPStatus.NOT_FOUND,
            )
        if regency != self.object:
            return redirect(request.resolver_match.view_name, code=regency.code)
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            services=pathway_services(self.object), **kwargs
        )


class ReferralPathwayXlsxView(SpreadsheetExportMixin, ReferralPathwayView):
    """The same pathway as an xlsx file; it names each institution's focal
    person, so the download is recorded in the export log."""

    personal_data = True

    def render_to_response(self, context, **response_kwargs):
        self.services = context["services"]
        return self.export_response("xlsx")

    def get_filename(self):
        return f"alur-rujukan-{self.object.code}"

    def get_tables(self):
        return [pathway_table(self.services)]

    def get_row_count(self):
        return sum(len(s.pathway_institutions) for s in self.services)


class ReferralInstitutionHistoryView(PermissionRequiredMixin, DetailView):
    """The change history of one institution, for coordinators and admins."""

    permission_required = "referrals.view_historicalreferralinstitution"
    queryset = ReferralInstitution.objects.select_related("region")
    template_name = "referrals/referralinstitution_history.html"
    context_object_name = "institution"

    def get_context_data(self, **kwargs):
        history = record_history(self.object, _("Referral institution"))
        return super().get_context_data(history=history, **kwargs)
