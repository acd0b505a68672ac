"""The catalogue's business errors."""

from shop.errors import ShopError


class InsufficientStock(ShopError):
    code = "insufficient_stock"
    message = "Not enough copies in stock."

    def __init__(self, *, isbn: str, available: int, requested: int | None = None):
        details = {"isbn": isbn, "available": available}
        if requested is not None:
            details["requested"] = requested
        super().__init__(f"Only {available} copies of {isbn} are in stock.", **details)
