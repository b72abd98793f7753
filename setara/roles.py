"""The three user roles, as Django groups with model permissions.

Programme staff record trainings; coordinators also export personal data; admins
also keep the referral directory and the users. ``sync_roles`` is idempotent: data
migrations call it whenever the permissions of a role change.
"""

PROGRAMME_STAFF = "Programme staff"
COORDINATOR = "Coordinator"
ADMIN = "Admin"

_RECORD_TRAININGS = [
    f"{action}_{model}"
    for model in ("training", "enrolment", "attendance", "participant", "agency")
    for action in ("view", "add", "change", "delete")
] + [
    "view_topic",
    "view_region",
    "view_agencyalias",
    "add_agencyalias",
    "view_referralinstitution",
    "view_servicetype",
]

#: Coordinators read the change history of the records they report on.
_READ_HISTORY = [
    "view_historicaltraining",
    "view_historicalenrolment",
    "view_historicalattendance",
    "view_historicalparticipant",
    "view_historicalreferralinstitution",
]

#: Coordinators merge two records of one person and read the merges; only admins
#: undo a merge or merge agencies (that re-points the referral directory).
_MERGE_PARTICIPANTS = ["merge_participant", "view_participantmerge"]

#: Staff issue and print certificates; coordinators also revoke them and read
#: their history (certificates app).
_ISSUE_CERTIFICATES = ["view_certificate", "add_certificate"]
_REVOKE_CERTIFICATES = ["revoke_certificate", "view_historicalcertificate"]

#: Role name -> permission codenames (``None`` means every permission).
ROLE_PERMISSIONS: dict[str, list[str] | None] = {
    PROGRAMME_STAFF: [*_RECORD_TRAININGS, *_ISSUE_CERTIFICATES],
    COORDINATOR: [
        *_RECORD_TRAININGS,
        *_ISSUE_CERTIFICATES,
        *_REVOKE_CERTIFICATES,
        *_READ_HISTORY,
        "export_personal_data",
        *_MERGE_PARTICIPANTS,
    ],
    ADMIN: None,
}


def sync_roles(apps) -> None:
    """Create the role groups and set their permissions to ``ROLE_PERMISSIONS``.

    ``apps`` is a migration's app registry (or ``django.apps.apps``). Permissions are
    created first, since on a new database they do not exist until ``post_migrate``.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, which is
        # how a migration's app registry presents them; restore the value after.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.all()
        if codenames is not None:
            perms = perms.filter(codename__in=codenames)
        group.permissions.set(perms)
