"""Verification of webhook deliveries.

A delivery carries ``webhook-id``, ``webhook-timestamp`` (unix seconds) and
``webhook-signature`` (``v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``,
several space- or comma-separated while a secret is being rotated).  The
timestamp check stops a captured delivery from being replayed later.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from typing import Any, Optional, Union

from .errors import HindsightError

__all__ = ["WebhookVerificationError", "assert_webhook_signature", "verify_webhook_signature"]

_DIGITS = re.compile(r"^\d+$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class WebhookVerificationError(HindsightError):
    """The delivery's signature headers are missing, stale or do not match."""


def _header(headers: Any, name: str) -> Optional[str]:
    # Accepts dicts, http.server / email Message objects and WSGI-style lists of pairs.
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if str(key).lower() == name:
            return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
    return None


def assert_webhook_signature(
    payload: Union[bytes, str],
    headers: Union[Mapping[str, Any], Any],
    secret: str,
    tolerance_seconds: float = 300,
    now: Optional[float] = None,
) -> None:
    """Raise ``WebhookVerificationError`` unless the delivery was signed with ``secret``.

    ``payload`` must be the request body exactly as received, before JSON parsing.
    """
    delivery_id = _header(headers, "webhook-id")
    timestamp_text = _header(headers, "webhook-timestamp")
    signature_text = _header(headers, "webhook-signature")
    if not delivery_id:
        raise WebhookVerificationError("missing webhook-id header")
    if not timestamp_text:
        raise WebhookVerificationError("missing webhook-timestamp header")
    if not signature_text:
        raise WebhookVerificationError("missing webhook-signature header")
    if not _DIGITS.match(timestamp_text):
        raise WebhookVerificationError("webhook-timestamp is not unix seconds")

    timestamp = int(timestamp_text)
    current = int(time.time() if now is None else now)
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookVerificationError(
            f"webhook-timestamp is {current - timestamp} s away from now (tolerance {tolerance_seconds:g} s)"
        )

    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    expected = hmac.new(
        secret.encode("utf-8"), timestamp_text.encode("ascii") + b"." + body, hashlib.sha256
    ).digest()
    for part in re.split(r"[\s,]+", signature_text):
        if not part.startswith("v1="):
            continue
        candidate = part[3:]
        if len(candidate) != len(expected) * 2 or not _HEX.match(candidate):
            continue
        if hmac.compare_digest(bytes.fromhex(candidate), expected):
            return
    raise WebhookVerificationError("no webhook-signature matches the payload and secret")


def verify_webhook_signature(
    payload: Union[bytes, str],
    headers: Union[Mapping[str, Any], Any],
    secret: str,
    tolerance_seconds: float = 300,
    now: Optional[float] = None,
) -> bool:
    """Boolean form of ``assert_webhook_signature``."""
    try:
        assert_webhook_signature(payload, headers, secret, tolerance_seconds, now)
    except WebhookVerificationError:
        return False
    return True
