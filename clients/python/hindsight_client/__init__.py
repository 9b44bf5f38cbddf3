"""Python client for the Hindsight memory API.

from hindsight_client import Hindsight
client = Hindsight(base_url="http://localhost:8888")
operation = client.retain_batch_async(bank_id="my-bank", contents=[{"content": "..."}])
result = client.wait_for_operation("my-bank", operation["operation_id"])
"""

__version__ = "0.1.0"

from .client import DEFAULT_BASE_URL, TERMINAL_STATUSES, Hindsight, OperationList  # noqa: E402
from .errors import (  # noqa: E402
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HindsightError,
    NotFoundError,
    OperationCancelledError,
    OperationError,
    OperationFailedError,
    OperationTimeoutError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
)
from .webhooks import (  # noqa: E402
    WebhookVerificationError,
    assert_webhook_signature,
    verify_webhook_signature,
)

__all__ = [
    "__version__",
    "Hindsight",
    "OperationList",
    "DEFAULT_BASE_URL",
    "TERMINAL_STATUSES",
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
    "WebhookVerificationError",
    "assert_webhook_signature",
    "verify_webhook_signature",
]
