"""Exceptions raised by the Hindsight client.

Every HTTP failure maps to one class per status kind, so callers can write
``except NotFoundError`` instead of comparing status codes.  Each error keeps
the server's stable ``code`` and human ``message`` from the
``{"error": {"code", "message"}}`` envelope.
"""

import datetime as _dt
import email.utils
import json
from collections.abc import Mapping
from typing import Any, Optional

# A server asking for a longer pause than this is better answered by failing.
MAX_RETRY_AFTER_SECONDS = 60.0

__all__ = [
    "HindsightError",
    "APIConnectionError",
    "APITimeoutError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "ServiceUnavailableError",
    "OperationError",
    "OperationFailedError",
    "OperationCancelledError",
    "OperationTimeoutError",
    "error_class_for_status",
    "error_from_response",
    "parse_retry_after",
]


class HindsightError(Exception):
    """Base class of every error raised by this package."""

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        body: Any = None,
        headers: Any = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body
        # Lower-cased names: servers differ in header capitalisation.
        self.headers = {str(k).lower(): v for k, v in headers.items()} if headers is not None else {}
        self.method = method
        self.url = url
        self.retry_after = parse_retry_after(self.headers.get("retry-after"))
        # How many HTTP attempts were made before giving up; set by the client.
        self.attempts = 1

    def __str__(self) -> str:
        prefix = " ".join(str(p) for p in (self.status, self.code) if p is not None)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        seconds = (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


class APIConnectionError(HindsightError, ConnectionError):
    """The server could not be reached or the connection broke mid-answer."""


class APITimeoutError(APIConnectionError, TimeoutError):
    """The server did not answer within the client's timeout."""


class BadRequestError(HindsightError):
    """400: the request was malformed (for example an invalid bank id)."""


class AuthenticationError(HindsightError):
    """401: missing or wrong API key."""


class PermissionDeniedError(HindsightError):
    """403: the API key may not do this."""


class NotFoundError(HindsightError):
    """404: the bank, operation, memory, entity or webhook does not exist."""


class ConflictError(HindsightError):
    """409: the request conflicts with current state (e.g. cancelling an ended operation)."""


class PayloadTooLargeError(HindsightError):
    """413: too much content for a synchronous call; use ``retain_batch_async``."""


class RateLimitError(HindsightError):
    """429: too many requests."""


class ServerError(HindsightError):
    """5xx: the server failed."""


class ServiceUnavailableError(ServerError):
    """503: a part of the service (database, workflow engine) is down."""


_STATUS_CLASSES: dict[int, type[HindsightError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def error_class_for_status(status: int) -> type[HindsightError]:
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return ServerError
    return HindsightError


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_from_response(
    status: int,
    raw: bytes,
    headers: Any = None,
    *,
    method: Optional[str] = None,
    url: Optional[str] = None,
) -> HindsightError:
    """Build the matching error from an HTTP status and raw response body.

    Proxies and crashed servers do not always answer with the JSON envelope,
    so plain-text and empty bodies still produce a usable message.
    """
    body = _parse_body(raw)
    code: Optional[str] = None
    message: Optional[str] = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            code = err.get("code") if isinstance(err.get("code"), str) else None
            msg = err.get("message")
            message = msg if isinstance(msg, str) else None
        elif isinstance(err, str):
            message = err
        if message is None and isinstance(body.get("message"), str):
            message = body["message"]
        if message is None:
            # /health answers 503 with its own shape that names the failing part.
            message = json.dumps(body, sort_keys=True)
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:1000]
    if not message:
        message = f"HTTP {status}"
    cls = error_class_for_status(status)
    return cls(message, status=status, code=code, body=body, headers=headers, method=method, url=url)


class OperationError(HindsightError):
    """An operation ended without completing; ``.operation`` is its final state."""

    def __init__(self, message: str, operation: Mapping[str, Any], *, code: Optional[str] = None) -> None:
        super().__init__(message, code=code, body=dict(operation))
        self.operation = dict(operation)
        self.operation_id = self.operation.get("operation_id")


def _describe_error(error: Any) -> str:
    if isinstance(error, dict):
        msg = error.get("message")
        if isinstance(msg, str) and msg:
            return msg
        return json.dumps(error, sort_keys=True)
    if error is None:
        return "no error detail given"
    return str(error)


class OperationFailedError(OperationError):
    """The operation's status is ``failed``; the message carries the server's ``error``."""

    def __init__(self, operation: Mapping[str, Any]) -> None:
        super().__init__(
            f"Operation {operation.get('operation_id')} failed: {_describe_error(operation.get('error'))}",
            operation,
            code="operation_failed",
        )


class OperationCancelledError(OperationError):
    """The operation's status is ``cancelled``."""

    def __init__(self, operation: Mapping[str, Any]) -> None:
        super().__init__(
            f"Operation {operation.get('operation_id')} was cancelled",
            operation,
            code="operation_cancelled",
        )


class OperationTimeoutError(OperationError, TimeoutError):
    """``wait_for_operation`` gave up; ``.operation`` is the last state seen."""

    def __init__(self, operation: Mapping[str, Any], timeout: float) -> None:
        super().__init__(
            f"Operation {operation.get('operation_id')} still {operation.get('status')} "
            f"after {timeout:g}s (progress {operation.get('progress')}/{operation.get('total')})",
            operation,
            code="operation_timeout",
        )
        self.timeout = timeout
