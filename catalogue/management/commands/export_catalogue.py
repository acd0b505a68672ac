"""Export the catalogue (publications with price and stock) as CSV or Excel."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalogue.resources import FILE_FORMATS, PublicationResource


class Command(BaseCommand):
    help = "Export the catalogue to a .csv or .xlsx file, in the columns the import reads."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        file_format = FILE_FORMATS.get(file.suffix.lower())
        if file_format is None:
            raise CommandError(f"{file}: give a .csv or .xlsx file.")
        dataset = PublicationResource().export()
        content = file_format().export_data(dataset)
        if isinstance(content, str):
            file.write_text(content, encoding="utf-8")
        else:
            file.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Exported {len(dataset)} publications to {file}."))
