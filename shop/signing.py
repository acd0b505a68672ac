"""HMAC-SHA256 signatures between the shop and the warehouse (both directions)."""

import hashlib
import hmac

HEADER = "X-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str, secret: str) -> bool:
    """True only for a body signed with this (non-empty) secret."""
    return bool(secret) and hmac.compare_digest(sign(body, secret), signature or "")
