"""The Django admin of this project: for the Admin role only.

Programme staff and coordinators do all their work on the app's own pages (the
role table in the README); the admin is where admins keep the referral directory,
the users and the read-only logs. ``SetaraAdminSite`` is the ``admin.site`` of the
project (``setara.apps.SetaraAdminConfig`` names it), and its ``has_permission``
admits an active user with "Staff status" who is a superuser or in the Admin role.
"Staff status" ticked by mistake on another role opens nothing: every admin URL,
history pages and their POSTs included, sends that user to the admin's login page,
which says they may not enter. That page logs nobody in (``SetaraAdminSite.login``):
signing in is the app's login, with its second factor. ``admin_access`` tells
templates whether to offer the link to the admin.

Whatever a ModelAdmin says, the site also makes every registered one
(``register``, through ``GuardedAdminMixin``):
- refuse lookups through a NIK field (``?nik=``, ``?nik__contains=``,
  ``?participant__nik=``) with 400 to users who may not see full NIKs
  (``participants.nik_access.may_see_nik``), so the changelist is no NIK oracle;
- treat a date-hierarchy year, month or day that no date can hold (twenty digits,
  year 9999) as a wrong filter, as Django does for "month 13" (the changelist's
  "?e=1" page), not as a server error;
and every admin view answers a filter it cannot apply with 400 (django-import-
export's export view lets Django's ``IncorrectLookupParameters`` through).

``HistoryAdmin`` is django-simple-history's admin with revert off for everyone:
its past-version page saves the form on POST after checking only the *view*
permission, so a view-only user could change or undelete a record through it.
Deleted records are restored on their own page (``setara.restore``), through
each app's restore service.
"""

import functools

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.defaults import bad_request
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import is_historic
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

from participants.nik_access import may_see_nik

from . import roles
from .history import EMPTY, display_value

#: Who may see (and so search or filter by) a full NIK.
#: The name of the NIK fields (``Participant.nik``, ``Registration.nik``).
NIK_FIELD = "nik"


def is_admin_role(user) -> bool:
    """True for an active superuser or member of the Admin role (one query, then
    remembered on the user object for the rest of the request)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_setara_admin_role"):
        user._setara_admin_role = user.groups.filter(name=roles.ADMIN).exists()
    return user._setara_admin_role


@functools.cache
def _guarded_changelist(base: type[ChangeList]) -> type[ChangeList]:
    """``base`` whose filters refuse dates no calendar holds as wrong filters."""

    class GuardedChangeList(base):
        def get_filters(self, request):
            # Django catches ValueError from datetime() only: a year of twenty
            # digits raises OverflowError, year 9999 a ValueError one step later.
            try:
                return super().get_filters(request)
            except (OverflowError, ValueError) as error:
                raise IncorrectLookupParameters(error) from error

    return GuardedChangeList


class GuardedAdminMixin:
    """Added by ``SetaraAdminSite.register`` to every ModelAdmin: no lookups by
    NIK for those who may not see it, no server error from impossible dates."""

    def lookup_allowed(self, lookup, value, request=None):
        through_nik = NIK_FIELD in lookup.split(LOOKUP_SEP)
        if through_nik and not (request and may_see_nik(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request, **kwargs):
        return _guarded_changelist(super().get_changelist(request, **kwargs))


class SetaraAdminSite(admin.AdminSite):
    """The admin for the Admin role (and superusers) only; see the module."""

    site_header = _("SETARA administration")
    site_title = _("SETARA administration")
    index_title = _("Records, referral directory and users")
    site_url = "/"

    def has_permission(self, request) -> bool:
        # Django's check (active, "Staff status") and the role. A second factor,
        # if required, is checked on top of this, never instead of it.
        return super().has_permission(request) and is_admin_role(request.user)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """The admin's login page, which logs nobody in: anonymous visitors go to
        the app's login (password, then the second factor; Django's
        ``LoginRequiredMiddleware`` sends them there, as this view does without
        it) and come back; an admitted user goes on to ``next`` (or the admin's
        index); anyone else logged in gets a page (200) saying the
        administration is for admins only. The admin's own password form would
        admit any "Staff status" user and skip the second factor."""
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(
            REDIRECT_FIELD_NAME, ""
        )
        if not url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        return TemplateResponse(request, "admin/not_admitted.html")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, GuardedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (GuardedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view, cacheable=False):
        @functools.wraps(view)
        def refusing_bad_filters(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except IncorrectLookupParameters as error:
                return bad_request(request, error)

        return super().admin_view(refusing_bad_filters, cacheable)


def admin_access(request) -> dict:
    """Context processor: ``can_open_admin``, whether the admin site admits
    ``request.user`` (``SetaraAdminSite.has_permission``), for the link to it
    in the navigation. No query for users without "Staff status"."""
    admitted = hasattr(request, "user") and admin.site.has_permission(request)
    return {"can_open_admin": admitted}


class HistoryContextHelper(HistoricalRecordContextHelper):
    """The changes on the admin's history pages shown as on the app's history
    (``setara.history.display_value``): "—" for an empty value or a related
    record never set (never "None" or "Deleted region (pk=None)"), labels of
    choices, yes or no, NIKs masked; many-to-many values as their names."""

    def prepare_delta_change_value(self, change, value):
        model_field = self.model._meta.get_field(change.field)
        if not model_field.many_to_many:
            return display_value(model_field, value)
        related = get_m2m_reverse_field_name(model_field)
        names = [display_value(model_field, row[related]) for row in value]
        return ", ".join(names) or EMPTY


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin as this project uses it.

    History pages need the history model's view permission (as the app's history
    pages do); a past version is shown, never saved back (revert is off: any
    method but GET or HEAD on it is refused with 403); NIKs in the history and in
    past versions are masked for everyone, as on the app's history.
    """

    enforce_history_permissions = True
    object_history_list_template = "admin/simple_history/object_history_list.html"

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def shows_full_nik(self, request, obj=None) -> bool:
        """Whether a page of ``obj`` (a record, or a past version of it) shows
        its full NIK to ``request.user``: never for a past version."""
        return not is_historic(obj) and may_see_nik(request.user)
