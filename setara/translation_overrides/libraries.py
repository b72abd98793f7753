"""Overrides and additions for the third-party apps' Indonesian.

Marked for extraction only (see the package docstring); the Indonesian is in
``locale/id/LC_MESSAGES/django.po``.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

#: django-simple-history: the history pages of the admin.
SIMPLE_HISTORY = (
    gettext_noop("You may edit it again below"),
    gettext_noop("Deleted %(type_name)s"),
    gettext_noop("Change History"),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("Object"),
    gettext_noop("Changes"),
)

#: django-import-export: the admin's import and export pages (no Indonesian).
IMPORT_EXPORT = (
    gettext_noop("%s through import_export"),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you "
        "have chosen the correct format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers "
        "or data for import."
    ),
    gettext_noop("Export selected %(verbose_name_plural)s"),
    gettext_noop("export failed due to IllegalCharacterError"),
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    ngettext_lazy("Export %(len)s selected item.", "Export %(len)s selected items."),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("Select all"),
    gettext_noop("Submit"),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied "
        "with the results, click 'Confirm import'"
    ),
    gettext_noop("Confirm import"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then "
        "reupload it using the form above."
    ),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Preview"),
    gettext_noop("New"),
    gettext_noop("Skipped"),
    gettext_noop("Value could not be parsed."),
)

#: django-filter: the filter forms (no Indonesian).
DJANGO_FILTERS = (
    gettext_noop("Yesterday"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("%s (descending)"),
    gettext_noop("Ordering"),
    gettext_noop("Select a lookup."),
    gettext_noop("Range query expects two values."),
)

#: django-axes: the lock-out messages and its admin pages.
AXES = (
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop(
        "Account locked: too many login attempts. Contact an admin to "
        "unlock your account."
    ),
    gettext_noop("Locked Out"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)

#: django-autocomplete-light: the region pickers (no Indonesian).
DAL_SELECT2 = (gettext_noop('Create "%(new_value)s"'),)
