"""``python manage.py import_participants FILE --training ID [--dry-run]``.

The same import as the page: a sign-in sheet or registration list (.xlsx or .csv)
is read, checked and written in one transaction, or not at all. Unknown agencies
are created unless mapped with ``--map-agency``; a name several agencies have is a
problem until mapped, or created with ``--create-agency``. People who match someone
in the registry by NIK or phone are enrolled as that person unless the row is given
to ``--reject-match``; a match on the name in the same agency alone is a problem
unless ``--accept-name-matches`` (or ``--reject-match``) is given, and suggestions
(the same name elsewhere, a close spelling) are printed and never taken: those rows
create new people. Exit status 0 when every row was imported (people already
enrolled count as imported); otherwise 1, with one line per problem on stderr and
nothing written. Warnings (a placeholder NIK or phone such as "belum ada" read as
empty) are printed on stderr as "warning: ..." lines and do not change the status.
A row's village ("Desa/Kelurahan", narrowed by "Kecamatan") found once among the
villages of the training's regency is recorded with its region; a village several
villages have, or none, is kept as text only (never a problem).
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants.matching import SUGGESTED
from participants.normalisation import normalise_key
from participants.services import registry_lock
from participants.sheets import ImportFileError, check_file_size
from trainings.imports.plan import (
    CREATE_AGENCY,
    AgencyChoiceProblem,
    ImportOptions,
    NameMatchProblem,
    plan_import,
)
from trainings.imports.rows import read_participant_file
from trainings.models import Training
from trainings.services import enrolments_import


def count_text(count: int) -> str:
    """ "1 problem" / "N problems" in the active language."""
    return ngettext("%(count)s problem", "%(count)s problems", count) % {"count": count}


class Command(BaseCommand):
    help = (
        "Import participants and their attendance from an .xlsx or .csv sign-in "
        "sheet into a training. Nothing is written if any row has a problem. A "
        "village found once in the training's regency is recorded as that "
        "village; one that several villages have, or none, is kept as text."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument(
            "--training", type=int, required=True, help="The training's id."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and show what would happen; write nothing.",
        )
        parser.add_argument(
            "--blank-sex-not-recorded",
            action="store_true",
            help="Import an empty sex cell as 'not recorded' instead of an error.",
        )
        parser.add_argument(
            "--map-agency",
            action="append",
            default=[],
            metavar="NAME=ID|NAME=OTHER NAME",
            help="Map an agency name in the file to an existing agency id, or to "
            "another new agency name of the file that means the same agency "
            "(repeatable). Other unknown agencies are created.",
        )
        parser.add_argument(
            "--reject-match",
            action="append",
            type=int,
            default=[],
            metavar="ROW",
            help="Create a new person for this spreadsheet row instead of using "
            "the matching existing person (repeatable).",
        )
        parser.add_argument(
            "--accept-name-matches",
            action="store_true",
            help="Enrol the existing person for rows that match someone only by "
            "the same name in the same agency (otherwise such rows are problems). "
            "Suggestions (same name elsewhere, close spellings) are never taken.",
        )
        parser.add_argument(
            "--create-agency",
            action="append",
            default=[],
            metavar="NAME",
            help="Create a new agency for this name of the file although several "
            "existing agencies have it (repeatable).",
        )

    def handle(self, *args, **options):
        try:
            training = Training.objects.get(pk=options["training"])
        except Training.DoesNotExist:
            raise CommandError(
                _("No training with id %(id)s.") % {"id": options["training"]}
            ) from None
        path = Path(options["file"])
        agency_choices = {
            normalise_key(name): CREATE_AGENCY for name in options["create_agency"]
        }
        agency_choices |= self._agency_choices(options["map_agency"])
        import_options = ImportOptions(
            blank_sex_is_not_recorded=options["blank_sex_not_recorded"],
            agency_choices=agency_choices,
            rejected_rows=set(options["reject_match"]),
            accept_name_matches=options["accept_name_matches"],
        )
        parsed = self._read(path, training, import_options)
        # Planned and written under the registry lock, like the web import, so a
        # person added meanwhile through another door is matched, not copied.
        with transaction.atomic():
            registry_lock()
            plan = plan_import(training=training, parsed=parsed, options=import_options)
            self._check(plan)
            if options["dry_run"]:
                self.stdout.write(_("Dry run: nothing was written."))
                return
            result = self._write(training, plan)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported into training %(training)s: %(created)s new "
                    "participants, %(matched)s existing participants enrolled, "
                    "%(already)s already enrolled, %(agencies)s new agencies, "
                    "%(attendance)s attendance records."
                )
                % {
                    "training": training.pk,
                    "created": result.created,
                    "matched": result.matched,
                    "already": result.already_enrolled,
                    "agencies": result.agencies_created,
                    "attendance": result.attendance,
                }
            )
        )

    def _warn(self, plan):
        """The plan's warnings on stderr; they never change the exit status. The
        prefix is fixed (untranslated) so scripts can tell them apart."""
        for warning in plan.warnings:
            self.stderr.write(f"warning: {warning}")

    def _read(self, path: Path, training, import_options):
        """The clean rows of the file at ``path``; CommandError when it cannot be
        read (never printing a cell value)."""
        try:
            check_file_size(path.stat().st_size)
            data = path.read_bytes()
            return read_participant_file(
                data,
                path.name,
                days=training.days,
                blank_sex_is_not_recorded=import_options.blank_sex_is_not_recorded,
            )
        except ImportFileError as error:
            raise CommandError(f"{path.name}: {error}") from None
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except Exception as error:  # a reader bug must not print cell values
            raise CommandError(
                _("%(name)s: could not be read (%(error)s).")
                % {"name": path.name, "error": type(error).__name__}
            ) from None

    def _check(self, plan) -> None:
        """Print the warnings and what the import does; CommandError listing every
        problem when there is one."""
        self._warn(plan)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(self._problem_line(problem))
            raise CommandError(
                _("%(problems)s; nothing was imported.")
                % {"problems": count_text(len(plan.problems))}
            )
        self._describe(plan)

    def _write(self, training, plan):
        """Write ``plan``; CommandError (nothing written) when the database
        refuses it."""
        try:
            with transaction.atomic():
                return enrolments_import(training=training, plan=plan)
        except (ValidationError, DatabaseError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            for message in messages:
                self.stderr.write(message)
            raise CommandError(_("Nothing was imported.")) from None

    def _agency_choices(self, mappings):
        choices = {}
        for mapping in mappings:
            name, sep, target = mapping.partition("=")
            if not sep or not normalise_key(name) or not normalise_key(target):
                raise CommandError(
                    _("--map-agency needs NAME=ID, not %(value)r.") % {"value": mapping}
                )
            target = target.strip()
            choices[normalise_key(name)] = (
                int(target)
                if target.isascii() and target.isdigit()
                else normalise_key(target)
            )
        return choices

    def _describe(self, plan):
        summary = plan.summary()
        self.stdout.write(
            _(
                "%(total)s to enrol (%(male)s L, %(female)s P, %(not_recorded)s not "
                "recorded); %(new)s new people; %(already)s already enrolled."
            )
            % {
                **summary,
                "new": len(plan.to_create),
                "already": len(plan.already_enrolled),
            }
        )
        for date, present in summary["days"]:
            self.stdout.write(
                "  "
                + _("%(date)s: %(present)s present")
                % {"date": f"{date:%d/%m/%Y}", "present": present}
            )
        for row_plan in plan.rows:
            if row_plan.match is not None:
                self.stdout.write("  " + self._match_line(row_plan))
        for suggestion in plan.file_suggestions:
            self.stdout.write(
                "  "
                + _(
                    "row %(row)s: possibly the same person as row %(first)s "
                    "(%(reasons)s); imported as two people"
                )
                % {
                    "row": suggestion.second_row,
                    "first": suggestion.first_row,
                    "reasons": ", ".join(map(str, suggestion.reason_labels)),
                }
            )
        for unknown in plan.unknown_agencies:
            if unknown.same_as:
                action = _("same new agency as %(name)r") % {"name": unknown.same_as}
            elif unknown.choice is not None:
                action = _("mapped to agency %(id)s") % {"id": unknown.choice}
            else:
                action = _("will be created")
            self.stdout.write(
                "  "
                + _("agency %(name)r: %(action)s")
                % {"name": unknown.name, "action": action}
            )

    def _match_line(self, row_plan) -> str:
        """What the import does with a row that matches someone in the registry."""
        values = {
            "row": row_plan.row.row,
            "pk": row_plan.match.pk,
            "reasons": ", ".join(map(str, row_plan.reason_labels)),
        }
        if row_plan.action == "create" and row_plan.strength == SUGGESTED:
            return (
                _(
                    "row %(row)s: possibly participant #%(pk)s (%(reasons)s); not "
                    "taken: a new person is created"
                )
                % values
            )
        if row_plan.action == "create":
            return (
                _("row %(row)s: not participant #%(pk)s (%(reasons)s), as asked")
                % values
            )
        line = _("row %(row)s: matches participant #%(pk)s (%(reasons)s)") % values
        if row_plan.action == "enrolled":
            line += ", " + _("already enrolled")
        return line

    def _problem_line(self, problem) -> str:
        """A problem as one line, with the options that settle it on the command
        line (the page's wording points at its own choices)."""
        if isinstance(problem, NameMatchProblem):
            return _(
                "row %(row)s: possibly participant #%(pk)s (%(reasons)s): use "
                "--accept-name-matches to use them, or --reject-match %(row)s"
            ) % {
                "row": problem.row,
                "pk": problem.participant_id,
                "reasons": problem.reasons,
            }
        if isinstance(problem, AgencyChoiceProblem):
            return _(
                "row %(row)s: the agency %(name)r matches several agencies: "
                "%(list)s; use --map-agency %(name)r=ID, or --create-agency %(name)r"
            ) % {
                "row": problem.row,
                "name": problem.value,
                "list": "; ".join(
                    f"#{pk} {name} ({region})"
                    for pk, name, region in problem.candidates
                ),
            }
        return str(problem)
