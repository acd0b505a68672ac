"""The reader's basket, kept in the session: ISBN → copies."""

from catalogue.models import Publication

from . import rules

SESSION_KEY = "basket"


class Basket:
    def __init__(self, session):
        self.session = session
        self.copies: dict[str, int] = dict(session.get(SESSION_KEY, {}))

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.copies

    def set(self, isbn: str, quantity: int) -> None:
        if quantity > 0:
            self.copies[isbn] = min(quantity, rules.max_copies())  # more is a bulk order (README)
        else:
            self.copies.pop(isbn, None)
        self._save()

    def add(self, isbn: str, quantity: int = 1) -> None:
        self.set(isbn, self.copies.get(isbn, 0) + quantity)

    def clear(self) -> None:
        self.copies = {}
        self._save()

    @property
    def count(self) -> int:
        return sum(self.copies.values())

    def items(self) -> list[tuple[Publication, int]]:
        """The publications and copies, in the order they were added; ones gone from the catalogue drop out."""
        publications = Publication.objects.in_bulk(list(self.copies), field_name="isbn")
        return [(publications[isbn], n) for isbn, n in self.copies.items() if isbn in publications]
