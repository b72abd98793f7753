"""The section of the main navigation a page belongs to, so base.html can mark
its link as the current one (``aria-current="page"``)."""

#: URL namespace -> section of the main navigation. Pages of other namespaces
#: (a person's page, the account pages) belong to no section.
SECTIONS = {
    "trainings": "trainings",
    "registrations": "trainings",
    "jobs": "jobs",
    "referrals": "referrals",
    "merging": "duplicates",
    "certificates": "certificates",
    "restore": "deleted",
}


def navigation(request) -> dict:
    """Context processor: ``nav_section``, the navigation entry of the current
    page: "trainings", "reports", "jobs", "referrals", "duplicates",
    "certificates", "deleted", or "" for none (also when no URL matched, as on a
    404 page). The report pages are the trainings namespace's ``report*`` URLs."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"nav_section": ""}
    section = SECTIONS.get(match.namespace, "")
    if section == "trainings" and (match.url_name or "").startswith("report"):
        section = "reports"
    return {"nav_section": section}
