"""Error parsing and the exception hierarchy; no server needed."""

import email.utils
import time

import pytest

from hindsight_client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HindsightError,
    NotFoundError,
    OperationCancelledError,
    OperationFailedError,
    OperationTimeoutError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
)
from hindsight_client.errors import error_from_response, parse_retry_after


def envelope(code: str, message: str) -> bytes:
    return (f'{{"error": {{"code": "{code}", "message": "{message}"}}}}').encode()


@pytest.mark.parametrize(
    "status, code, cls",
    [
        (400, "invalid_request", BadRequestError),
        (401, "unauthorized", AuthenticationError),
        (403, "forbidden", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "conflict", ConflictError),
        (413, "payload_too_large", PayloadTooLargeError),
        (429, "rate_limited", RateLimitError),
        (500, "internal", ServerError),
        (502, "bad_gateway", ServerError),
        (503, "unavailable", ServiceUnavailableError),
    ],
)
def test_status_maps_to_class_with_code_and_message(status, code, cls):
    err = error_from_response(status, envelope(code, "what to fix"), {}, method="GET", url="http://x/y")
    assert type(err) is cls
    assert isinstance(err, HindsightError)
    assert err.status == status
    assert err.code == code
    assert err.message == "what to fix"
    assert err.method == "GET" and err.url == "http://x/y"
    assert str(err) == f"{status} {code}: what to fix"


def test_service_unavailable_is_a_server_error():
    assert issubclass(ServiceUnavailableError, ServerError)


def test_unknown_client_status_is_base_error():
    err = error_from_response(418, envelope("teapot", "short and stout"))
    assert type(err) is HindsightError
    assert err.status == 418 and err.code == "teapot"


def test_plain_text_body_becomes_message():
    err = error_from_response(502, b"<html>Bad Gateway</html>\n")
    assert isinstance(err, ServerError)
    assert err.code is None
    assert err.message == "<html>Bad Gateway</html>"


def test_empty_body_names_the_status():
    err = error_from_response(500, b"")
    assert err.message == "HTTP 500"
    assert err.body is None


def test_health_style_body_is_kept_in_message_and_body():
    raw = b'{"status": "unavailable", "parts": {"database": "ok", "temporal": "down"}}'
    err = error_from_response(503, raw)
    assert isinstance(err, ServiceUnavailableError)
    assert "temporal" in err.message
    assert err.body["parts"]["temporal"] == "down"


def test_envelope_without_code_still_has_message():
    err = error_from_response(400, b'{"error": "bank id is invalid"}')
    assert err.code is None and err.message == "bank id is invalid"


def test_headers_are_case_insensitive_and_retry_after_parsed():
    err = error_from_response(429, envelope("rate_limited", "slow down"), {"retry-after": "2"})
    assert err.headers["retry-after"] == "2"
    assert err.retry_after == 2.0
    err = error_from_response(503, envelope("unavailable", "x"), {"Retry-After": "1.5"})
    assert err.retry_after == 1.5


def test_parse_retry_after_forms():
    assert parse_retry_after(None) is None
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("3600") == 60.0  # capped
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= parse_retry_after(in_ten) <= 10.0
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert parse_retry_after(past) == 0.0


def test_connection_errors_are_builtin_connection_and_timeout_errors():
    err = APIConnectionError("refused")
    assert isinstance(err, ConnectionError) and isinstance(err, HindsightError)
    timeout = APITimeoutError("slow")
    assert isinstance(timeout, APIConnectionError)
    assert isinstance(timeout, TimeoutError)
    with pytest.raises(ConnectionError):
        raise timeout


def _op(status, error=None):
    return {"operation_id": "op-9", "status": status, "error": error, "progress": 4, "total": 10}


def test_operation_failed_error_carries_server_error():
    err = OperationFailedError(_op("failed", "database went away"))
    assert "database went away" in str(err)
    assert err.operation["status"] == "failed"
    assert err.operation_id == "op-9"
    assert isinstance(err, HindsightError)


def test_operation_cancelled_error():
    err = OperationCancelledError(_op("cancelled"))
    assert "cancelled" in str(err)
    assert err.operation["status"] == "cancelled"


def test_operation_timeout_error_is_timeout_error():
    err = OperationTimeoutError(_op("running"), 1.5)
    assert isinstance(err, TimeoutError)
    assert isinstance(err, HindsightError)
    assert err.timeout == 1.5
    assert "4/10" in str(err) and "1.5s" in str(err)
