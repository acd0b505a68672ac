"""Write a finance report to a file or standard output, for scripts."""

import shutil
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports import finance, services


class Command(BaseCommand):
    help = "Export a finance report (orders, order-lines, refunds, summary) for whole days in the shop's time zone."

    def add_arguments(self, parser):
        parser.add_argument("report", choices=list(finance.REPORTS))
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD, included")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD, included")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--include-unpaid", action="store_true")
        parser.add_argument("-o", "--output", help="File to write (default: standard output; required for xlsx)")

    def handle(self, *args, report, start, end, format, include_unpaid, output, **options):
        try:
            period = finance.period_parse(start, end)
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())) from None
        if format == "xlsx" and not output:
            raise CommandError("Give --output for an Excel file.")
        definition = finance.REPORTS[report]
        services.report_download_record(user=None, report=report, period=period, format=format, include_unpaid=include_unpaid, via="command")
        if format == "xlsx":
            with open(output, "wb") as target:
                shutil.copyfileobj(finance.xlsx_file(definition, period, include_unpaid), target)
            return
        target = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
        try:
            for line in finance.csv_lines(definition, period, include_unpaid):
                target.write(line)
        finally:
            if output:
                target.close()
