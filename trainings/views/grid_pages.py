"""Pages of a training's grids (attendance, test scores): the rows by name, a
hundred to a page (``?page=``), with a search by name (``?q=``) to find a person
on any page. Each page is its own form and its own POST: a save writes only the
rows of the page that was shown, and returns to that page and search."""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.urls import reverse

from setara.pagination import page_number

#: Rows on one page of a grid.
GRID_PAGE_SIZE = 100
#: Fields an attendance page's POST sends besides its rows' (the CSRF token,
#: ``all_present``), with room to spare.
_FIXED_FIELDS = 10
#: The longest name search read (characters); more is cut off.
MAX_SEARCH_LENGTH = 100
#: An enrolment id as a form sends it (longer numbers are not ids).
_ID = re.compile(r"[0-9]{1,18}")


def attendance_page_size(days: int, most: int = GRID_PAGE_SIZE) -> int:
    """People on one page of the attendance grid of a training of ``days`` days:
    ``most`` (``GRID_PAGE_SIZE``), fewer for a long training, so that a page
    with every box ticked stays within Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS``
    (1000 fields a POST; more is refused with a 400 and the ticks are lost). Each
    person sends ``shown``, ``loaded`` and one field per day ticked: 100 people
    up to 8 days, 82 for 10 days, 30 for 31 days; at least 1."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is None:  # no limit set
        return most
    return max(1, min(most, (limit - _FIXED_FIELDS) // (days + 2)))


class GridPagesMixin:
    """For the view of one training's grid (``self.object`` is the training):
    the page of rows asked for, the address of this page, and the enrolment ids
    a POST names."""

    grid_page_size = GRID_PAGE_SIZE
    #: The URL name of the grid (one ``pk`` argument).
    grid_url_name = ""

    def page_size(self) -> int:
        """Rows on a page: ``grid_page_size``."""
        return self.grid_page_size

    def grid_search(self) -> str:
        """The name searched for (``?q=``), stripped; "" for none."""
        return self.request.GET.get("q", "").strip()[:MAX_SEARCH_LENGTH]

    def grid_page(self, rows, *, total: int) -> Page:
        """The page of ``rows`` (an ordered QuerySet of enrolments) asked for by
        ``?page=``: the last page for a number past the end (or "last"), the
        first for anything that is not a number. With a search, only the
        enrolments whose name contains it (any case). ``total`` is the number
        of ``rows`` (counted with the page's other numbers), so without a
        search the pages cost no COUNT query. One query for the page's rows
        (and those ``rows`` prefetches)."""
        search = self.grid_search()
        if search:
            rows = rows.filter(participant__full_name__icontains=search)
        paginator = Paginator(rows, self.page_size())
        if not search:
            paginator.count = total  # a cached_property: no COUNT query
        page = paginator.page(page_number(self.request.GET.get("page"), paginator))
        # The page's ids are sorted out of the whole list narrow (id and name),
        # then only its rows are read in full: twice as fast for 20,000 people.
        page.object_list = rows.filter(pk__in=page.object_list.values("pk"))
        return page

    def grid_url(self) -> str:
        """The address of the page shown, with its page number and search:
        where a save goes back to."""
        params = {
            name: self.request.GET[name]
            for name in ("page", "q")
            if self.request.GET.get(name)
        }
        url = reverse(self.grid_url_name, args=[self.object.pk])
        return f"{url}?{urlencode(params)}" if params else url

    def grid_context(self, page: Page) -> dict:
        """What the pages' navigation (``trainings/includes/_grid_pages.html``)
        shows: ``page_obj`` and ``search``."""
        return {"page_obj": page, "search": self.grid_search()}


def posted_ids(values) -> list[int]:
    """The enrolment ids among ``values`` (strings a form sent); anything else,
    which the form refuses when it checks them, is left out."""
    return sorted({int(value) for value in values if _ID.fullmatch(value)})
