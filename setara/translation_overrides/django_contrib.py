"""Overrides of Django's own Indonesian: the admin, sign-in and form messages.

Marked for extraction only (see the package docstring); the Indonesian is in
``locale/id/LC_MESSAGES/django.po``.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

#: django.contrib.admin: changelist, change form, delete page, history, login.
ADMIN = (
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff "
        "account. Note that both fields may be case-sensitive."
    ),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Delete multiple objects"),
    gettext_noop("Any date"),
    gettext_noop("Past 7 days"),
    gettext_noop("Action:"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("action time"),
    gettext_noop("content type"),
    gettext_noop("action flag"),
    gettext_noop("change message"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("Changed {fields}."),
    gettext_noop("No fields changed."),
    gettext_noop("None"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("You may edit it again below."),
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may edit it again below."
    ),
    gettext_noop(
        "Items must be selected in order to perform actions on them. No "
        "items have been changed."
    ),
    gettext_noop("No action selected."),
    gettext_noop("Database error"),
    gettext_noop("Change history: %s"),
    gettext_noop(
        "Deleting %(class_name)s %(instance)s would require deleting the "
        "following protected related objects: %(related_objects)s"
    ),
    gettext_noop("Server error (500)"),
    gettext_noop("Run the selected action"),
    gettext_noop("Go"),
    gettext_noop("Click here to select the objects across all pages"),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("Clear selection"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("You don’t have permission to view or edit anything."),
    gettext_noop(
        "After you’ve created a user, you’ll be able to edit more user options."
    ),
    gettext_noop("Set password"),
    ngettext_lazy(
        "Please correct the error below.", "Please correct the errors below."
    ),
    gettext_noop("Enter a new password for the user <strong>%(username)s</strong>."),
    gettext_noop(
        "This action will <strong>enable</strong> password-based "
        "authentication for this user."
    ),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Clear all filters"),
    gettext_noop("Remove from sorting"),
    gettext_noop("Toggle sorting"),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in "
        "deleting related objects, but your account doesn't have "
        "permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require "
        "deleting the following protected related objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s "
        '"%(escaped_object)s"? All of the following related items will be '
        "deleted:"
    ),
    gettext_noop("Objects"),
    gettext_noop("No, take me back"),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting "
        "related objects, but your account doesn't have permission to "
        "delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the selected %(objects_name)s? "
        "All of the following objects and their related items will be "
        "deleted:"
    ),
    gettext_noop(" By %(filter_title)s "),
    gettext_noop("Changed:"),
    gettext_noop(
        "You are authenticated as %(username)s, but are not authorized to "
        "access this page. Would you like to login to a different account?"
    ),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Sidebar"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Filter navigation items"),
    ngettext_lazy("entry", "entries"),
    gettext_noop(
        "This object doesn’t have a change history. It probably wasn’t "
        "added via this admin site."
    ),
    gettext_noop("Popup closing…"),
    ngettext_lazy("%(counter)s result", "%(counter)s results"),
    gettext_noop("%(full_result_count)s total"),
    gettext_noop("Save and continue editing"),
    gettext_noop("Save and view"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop("Password change"),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then "
        "enter your new password twice so we can verify you typed it in "
        "correctly."
    ),
    gettext_noop("Change my password"),
    gettext_noop("New password:"),
    gettext_noop("Confirm password:"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Select %s to view"),
)

#: django.contrib.auth and contenttypes: login, passwords, the user form.
AUTH = (
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both "
        "fields may be case-sensitive."
    ),
    gettext_noop("Password changed successfully."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Change password: %s"),
    gettext_noop("Set password: %s"),
    gettext_noop("password"),
    gettext_noop("last login"),
    gettext_noop("No password set."),
    gettext_noop("Reset password"),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Password"),
    gettext_noop("Password confirmation"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or "
        "not. If disabled, they may still be able to authenticate using "
        "other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop(
        "Raw passwords are not stored, so there is no way to see the user’s password."
    ),
    gettext_noop(
        "Enable password-based authentication for this user by setting a password."
    ),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Old password"),
    gettext_noop("codename"),
    gettext_noop(
        "Designates whether this user should be treated as active. "
        "Unselect this instead of deleting accounts."
    ),
    gettext_noop(
        "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."
    ),
    gettext_noop("A user with that username already exists."),
    gettext_noop("date joined"),
    gettext_noop(
        "Your password can’t be too similar to your other personal information."
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented "
        "lowercase a-z and uppercase A-Z letters, numbers, and @/./+/-/_ "
        "characters."
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only letters, "
        "numbers, and @/./+/-/_ characters."
    ),
    gettext_noop("Logged out"),
    gettext_noop("Password reset"),
    gettext_noop("Password change successful"),
    gettext_noop("Content Types"),
)

#: Django's forms, model validation and error pages.
CORE = (
    gettext_noop("That page number is not an integer"),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a number."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("This field cannot be null."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("This field is required."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Please either submit a file or check the clear checkbox, not both."),
    gettext_noop(
        "Select a valid choice. %(value)s is not one of the available choices."
    ),
    gettext_noop(
        "Select a valid choice. That choice is not one of the available choices."
    ),
    gettext_noop("Enter a valid UUID."),
    gettext_noop("(Hidden field %(name)s) %(error)s"),
    gettext_noop("Forbidden"),
    gettext_noop("CSRF verification failed. Request aborted."),
)
