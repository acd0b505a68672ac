"""Import publication pages saved as plain text from the publisher's old website: all files or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalogue import services
from catalogue.pages import PageError, parse_files


class Command(BaseCommand):
    help = (
        "Create or update publications (by ISBN) and their comments (by number) from pages in the "
        "publisher's plain-text form. A page that does not read is reported with its file and line, "
        "and then nothing of any file is written. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--user", help="Username recorded as having made the price changes and approved the comments.")
        parser.add_argument("--dry-run", action="store_true", help="Check the files and report, change nothing.")

    def handle(self, *args, files: list[Path], user=None, dry_run=False, **options):
        by = get_user_model().objects.filter(username=user).first() if user else None
        if user and by is None:
            raise CommandError(f"No user called {user!r}.")
        missing = [f"{path}: no such file." for path in files if not path.is_file()]
        pages, problems = parse_files((str(path), path.stat().st_size, path.read_bytes) for path in files if path.is_file())
        problems = missing + problems
        if problems:
            raise CommandError("Nothing imported.\n" + "\n".join(problems))
        try:
            imported = services.pages_import(pages=pages, by=by, dry_run=dry_run)
        except PageError as error:
            raise CommandError(f"Nothing imported.\n{error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Checked' if dry_run else 'Imported'} {len(pages)} page(s): publications {imported.publications_new} new, "
                f"{imported.publications_updated} updated, {imported.publications_unchanged} unchanged; comments "
                f"{imported.comments_new} new, {imported.comments_updated} updated, {imported.comments_unchanged} unchanged."
            )
        )
