"""Database rule: attendance only on the training's days.

A CHECK constraint cannot look at another table, so triggers enforce it, on SQLite
and PostgreSQL alike: inserting or moving an attendance row outside its training's
start and end dates fails, and so does moving a training's dates past attendance
already recorded. The error is an IntegrityError like any other constraint.

SQLite drops a table's triggers when a later migration rebuilds the table; the test
``test_database_refuses_attendance_outside_training_days`` fails if that happens, and
the fix is to run this SQL again in that migration.
"""

from django.db import migrations

OUTSIDE_DAYS = "attendance date is outside the training days"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION trainings_attendance_within_days() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM trainings_enrolment e
    JOIN trainings_training t ON t.id = e.training_id
    WHERE e.id = NEW.enrolment_id AND NEW.date BETWEEN t.start_date AND t.end_date
  ) THEN
    RAISE EXCEPTION '{OUTSIDE_DAYS}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER trainings_attendance_within_days
BEFORE INSERT OR UPDATE OF date, enrolment_id ON trainings_attendance
FOR EACH ROW EXECUTE FUNCTION trainings_attendance_within_days();

CREATE OR REPLACE FUNCTION trainings_training_keeps_attendance() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM trainings_attendance a
    JOIN trainings_enrolment e ON e.id = a.enrolment_id
    WHERE e.training_id = NEW.id
      AND (a.date < NEW.start_date OR a.date > NEW.end_date)
  ) THEN
    RAISE EXCEPTION '{OUTSIDE_DAYS}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER trainings_training_keeps_attendance
BEFORE UPDATE OF start_date, end_date ON trainings_training
FOR EACH ROW EXECUTE FUNCTION trainings_training_keeps_attendance();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS trainings_attendance_within_days ON trainings_attendance;
DROP FUNCTION IF EXISTS trainings_attendance_within_days();
DROP TRIGGER IF EXISTS trainings_training_keeps_attendance ON trainings_training;
DROP FUNCTION IF EXISTS trainings_training_keeps_attendance();
"""

_SQLITE_ATTENDANCE_CHECK = f"""
WHEN NOT EXISTS (
  SELECT 1 FROM trainings_enrolment e
  JOIN trainings_training t ON t.id = e.training_id
  WHERE e.id = NEW.enrolment_id AND NEW.date BETWEEN t.start_date AND t.end_date
)
BEGIN SELECT RAISE(ABORT, '{OUTSIDE_DAYS}'); END
"""

SQLITE_FORWARD = [
    "CREATE TRIGGER trainings_attendance_within_days_insert "
    "BEFORE INSERT ON trainings_attendance " + _SQLITE_ATTENDANCE_CHECK,
    "CREATE TRIGGER trainings_attendance_within_days_update "
    "BEFORE UPDATE OF date, enrolment_id ON trainings_attendance "
    + _SQLITE_ATTENDANCE_CHECK,
    f"""
CREATE TRIGGER trainings_training_keeps_attendance
BEFORE UPDATE OF start_date, end_date ON trainings_training
WHEN EXISTS (
  SELECT 1 FROM trainings_attendance a
  JOIN trainings_enrolment e ON e.id = a.enrolment_id
  WHERE e.training_id = NEW.id AND (a.date < NEW.start_date OR a.date > NEW.end_date)
)
BEGIN SELECT RAISE(ABORT, '{OUTSIDE_DAYS}'); END
""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS trainings_attendance_within_days_insert",
    "DROP TRIGGER IF EXISTS trainings_attendance_within_days_update",
    "DROP TRIGGER IF EXISTS trainings_training_keeps_attendance",
]


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    # Other databases are not supported; the model's clean() still checks.


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


def reverse(apps, schema_editor):
    _run(schema_editor, POSTGRES_REVERSE, SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
