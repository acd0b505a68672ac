"""The shop's business errors: one small hierarchy, mapped to HTTP once (shop.api)."""


class ShopError(Exception):
    """A business rule said no. `code` is stable and machine-readable; `details` go to the client."""

    code = "shop_error"
    message = "The request conflicts with the shop's rules."
    http_status = 409

    def __init__(self, message: str | None = None, **details):
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)
