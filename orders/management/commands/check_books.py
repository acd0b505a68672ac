"""Check the books after an incident: stock against its ledger, orders against their copies, and
every email and warehouse request owed actually sent; nothing stuck."""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from orders.books import books_check


class Command(BaseCommand):
    help = "Check that stock equals its ledger, each paid order had one confirmation and one fulfilment request, and no order is stuck."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-minutes", type=float, default=10,
            help="Work younger than this is still in progress, not a problem (default 10).",
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the result as JSON.")

    def handle(self, *args, grace_minutes, as_json, **options):
        books = books_check(grace=timedelta(minutes=grace_minutes))
        if as_json:
            self.stdout.write(json.dumps({
                "balanced": books.balanced, "publications": books.publications, "orders": books.orders,
                "paid_orders": books.paid_orders, "confirmations_resent": books.confirmations_resent, "problems": [vars(problem) for problem in books.problems],
            }))  # fmt: skip
        else:
            for problem in books.problems:
                self.stdout.write(str(problem))
        summary = f"{books.publications} publications, {books.orders} orders ({books.paid_orders} paid)"
        if books.confirmations_resent:
            summary += f", {books.confirmations_resent} confirmation(s) sent again at staff's request"
        if not books.balanced:
            raise CommandError(f"The books do not balance: {len(books.problems)} problems in {summary}.")
        if not as_json:
            self.stdout.write(self.style.SUCCESS(f"The books balance: {summary}."))

