"""The records of merges: two records of one person, or of one agency, merged
into one (``setara.merging``, ``participants.merging``), kept for the undo.

Defined here to keep ``participants.models`` short; ``participants.models``
imports them, so they are found as ``participants.models.ParticipantMerge``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MergeRecord(models.Model):
    """What every merge records: the number of the record merged away, who merged
    and when, and who undid it and when (``undone_at`` None while it stands)."""

    duplicate_id = models.BigIntegerField(_("number of the merged record"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class MergeQuerySet(models.QuerySet):
    def standing(self):
        """Merges not undone."""
        return self.filter(undone_at__isnull=True)


class ParticipantMerge(MergeRecord):
    """Two records of one person merged into one (``setara.merging``): the
    duplicate was deleted (its history keeps it) after its enrolments moved to
    ``survivor``. For the undo: ``duplicate_data`` (its every column),
    ``survivor_before``/``survivor_after`` (the survivor's columns),
    ``moved_enrolment_ids``, ``removed_enrolments`` (in trainings both were in:
    ``{"id", "training_id", "role", "created_at", "attendances": [{"id", "date",
    "present"}]}``) and ``attendance_changes`` (marks set on the survivor's
    enrolments: ``{"id", "enrolment_id", "date", "old", "new"}``, ``old`` None
    when added)."""

    survivor = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("kept record"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="merges_kept",
    )
    #: The kept record's number, kept when the record itself is merged away
    #: later (``survivor`` is then null), so undoing that later merge can link
    #: this one again.
    survivor_number = models.BigIntegerField(_("number of the kept record"))
    duplicate_data = models.JSONField(_("merged record"), default=dict)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    moved_enrolment_ids = models.JSONField(default=list)
    removed_enrolments = models.JSONField(default=list)
    attendance_changes = models.JSONField(default=list)

    objects = MergeQuerySet.as_manager()

    class Meta(MergeRecord.Meta):
        verbose_name = _("participant merge")
        verbose_name_plural = _("participant merges")
        permissions = [
            ("merge_participant", _("Can merge duplicate participants")),
            ("undo_participantmerge", _("Can undo a merge of participants")),
        ]

    def __str__(self):
        return _("#%(duplicate)s merged into #%(survivor)s") % {
            "duplicate": self.duplicate_id,
            "survivor": self.survivor_id or "?",
        }


class AgencyMerge(MergeRecord):
    """Two records of one agency merged into one (``participants.merging``): rows
    that named the duplicate name ``survivor`` and its names are aliases of it.
    For the undo: ``duplicate_data`` (its every column), ``repointed``
    (``{"<app_label>.<Model>.<field>": [ids]}``), ``moved_alias_ids`` and
    ``created_alias_ids``."""

    survivor = models.ForeignKey(
        "participants.Agency",
        verbose_name=_("kept agency"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="merges_kept",
    )
    duplicate_data = models.JSONField(_("merged agency"), default=dict)
    repointed = models.JSONField(default=dict)
    moved_alias_ids = models.JSONField(default=list)
    created_alias_ids = models.JSONField(default=list)

    class Meta(MergeRecord.Meta):
        verbose_name = _("agency merge")
        verbose_name_plural = _("agency merges")
        permissions = [
            ("merge_agency", _("Can merge duplicate agencies")),
            ("undo_agencymerge", _("Can undo a merge of agencies")),
        ]

    def __str__(self):
        return _("%(duplicate)s merged into %(survivor)s") % {
            "duplicate": self.duplicate_data.get("name", f"#{self.duplicate_id}"),
            "survivor": self.survivor or "?",
        }
