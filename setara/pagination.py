"""Pagination of the app's list pages that never answers "not found".

Django's ``ListView`` (and django-filter's ``FilterView``) answer 404 to a page
number past the end (``?page=99999999999999999999``) or that is not a number
(``?page=abc``): a bookmark to page 7 of a list that has since shrunk, or an
address typed by hand, then looks like a missing page. ``ForgivingPaginationMixin``
shows the last page for a number past the end and the first for anything that
is not a number, much as ``Paginator.get_page`` does (which the duplicates list
and the report's trainings table use).
"""

from django.core.paginator import Page, Paginator


class ForgivingPaginationMixin:
    """For a ``ListView`` or ``FilterView`` with ``paginate_by``: the page asked
    for by ``?page=`` (or the URL's ``page`` argument), or the last page when the
    number is past the end, or the first page when it is below 1 or not a whole
    number; ``?page=last`` is the last page, as in Django. Never raises Http404.
    """

    def paginate_queryset(
        self, queryset, page_size: int
    ) -> tuple[Paginator, Page, list, bool]:
        """``(paginator, page, page.object_list, page.has_other_pages())``, the
        shape ``MultipleObjectMixin.paginate_queryset`` returns."""
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        page_kwarg = self.page_kwarg
        asked = self.kwargs.get(page_kwarg) or self.request.GET.get(page_kwarg)
        page = paginator.page(page_number(asked, paginator))
        return paginator, page, page.object_list, page.has_other_pages()


def page_number(asked, paginator: Paginator) -> int:
    """The page of ``paginator`` to show for ``asked`` (``?page=``: a string,
    a number or None): that number; the last page for "last" or a number past
    the end; the first for a number below 1 or anything that is not a whole
    number ("abc", "2.5", None). Counts ``paginator``'s objects when it has not
    yet (one query); never raises."""
    if asked == "last":
        return paginator.num_pages
    try:
        number = int(asked)
    except (TypeError, ValueError):  # None, "abc", "2.5"
        number = 1
    return max(1, min(number, paginator.num_pages))
