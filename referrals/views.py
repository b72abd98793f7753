from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from regions.models import Region
from setara.history import record_history
from setara.spreadsheets import SpreadsheetExportMixin

from .filters import ReferralInstitutionFilterSet
from .models import ReferralInstitution
from .reports import pathway_services, pathway_table


class ReferralInstitutionDirectoryView(PermissionRequiredMixin, FilterView):
    """The directory every logged-in role can read; only active institutions."""

    permission_required = "referrals.view_referralinstitution"
    filterset_class = ReferralInstitutionFilterSet
    queryset = ReferralInstitution.objects.active().for_directory()
    paginate_by = 25

    def get_context_data(self, **kwargs):
        form = self.filterset.form
        region = form.cleaned_data.get("region") if form.is_valid() else None
        pathway_region = region if region and region.parent_id else None
        return super().get_context_data(
            pathway_region=pathway_region,
            # Without a regency chosen, offer every regency's pathway.
            pathway_regions=[] if pathway_region else Region.objects.regencies(),
            **kwargs,
        )


class ReferralPathwayView(PermissionRequiredMixin, DetailView):
    """The printable referral pathway (alur rujukan) of one regency/city."""

    permission_required = "referrals.view_referralinstitution"
    queryset = Region.objects.regencies().select_related("parent")
    slug_field = "code"
    slug_url_kwarg = "code"
    context_object_name = "region"
    template_name = "referrals/referralinstitution_pathway.html"

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
