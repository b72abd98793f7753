"""``manage.py load_regions [path]``: load the Kemendagri region list."""

from django.core.management.base import BaseCommand, CommandError

from regions.loading import DEFAULT_PATH, RegionFileError, regions_load


class Command(BaseCommand):
    help = (
        "Load every Kemendagri region (province, regency/city, district, village) "
        "from a code,name CSV (.csv or .csv.gz); by default the shipped "
        "Kepmendagri No. 300.2.2-2138 Tahun 2025 list. Idempotent: renames, "
        "adds, and marks regions missing from the file inactive."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(DEFAULT_PATH), help="code,name CSV file"
        )

    def handle(self, *args, path, **options):
        try:
            result = regions_load(path, stdout=self.stdout)
        except RegionFileError as error:
            raise CommandError(
                f"{path}: file refused, nothing loaded.\n{error}"
            ) from None
        except OSError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.changed} regions changed, {result.total('unchanged')} "
                f"unchanged, in {result.seconds:.1f} s."
            )
        )
