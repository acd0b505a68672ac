"""Import publications (with price and stock) from a CSV or Excel file: all rows or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalogue.resources import FILE_FORMATS, PublicationResource


class Command(BaseCommand):
    help = (
        "Import the catalogue from a .csv or .xlsx file with the export's columns. A bad row is reported "
        "with its number and reason, and then nothing of the file is applied."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Username recorded as having made the price and stock changes.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, change nothing.")

    def handle(self, *args, file: Path, user=None, dry_run=False, **options):
        file_format = FILE_FORMATS.get(file.suffix.lower())
        if file_format is None:
            raise CommandError(f"{file}: give a .csv or .xlsx file.")
        if not file.exists():
            raise CommandError(f"{file}: no such file.")
        by = get_user_model().objects.filter(username=user).first() if user else None
        if user and by is None:
            raise CommandError(f"No user called {user!r}.")

        fmt = file_format()
        content = file.read_bytes() if fmt.is_binary() else file.read_text(encoding="utf-8-sig")
        dataset = fmt.create_dataset(content)
        result = PublicationResource().import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True, user=by
        )
        problems = describe_problems(result)
        if problems:
            raise CommandError(f"{file}: nothing imported.\n" + "\n".join(problems))
        totals = result.totals
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Checked' if dry_run else 'Imported'} {file}: {totals['new']} new, {totals['update']} updated, "
                f"{totals['skip']} unchanged."
            )
        )


def describe_problems(result) -> list[str]:
    """One line per bad row: "row 3 (line 4): isbn: The check digit is wrong ..."."""
    lines = []
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            lines.append(f"row {row.number} (line {row.number + 1}): {field}: {' '.join(messages)}")
    for number, errors in result.row_errors():
        for error in errors:
            lines.append(f"row {number} (line {number + 1}): {error.error}")
    for error in result.base_errors:
        lines.append(f"file: {error.error}")
    return lines
