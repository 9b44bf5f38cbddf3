"""Webhook signature verification; no server needed."""

import hashlib
import hmac
import time
from email.message import Message

import pytest

from hindsight_client import WebhookVerificationError, assert_webhook_signature, verify_webhook_signature

SECRET = "whsec-test"
BODY = b'{"event":"operation.completed","operation":{"operation_id":"op-1","status":"completed"}}'


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def headers(timestamp: int, signature: str) -> dict:
    return {"webhook-id": "dlv-1", "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def test_valid_signature():
    now = int(time.time())
    assert verify_webhook_signature(BODY, headers(now, sign(BODY, now)), SECRET)
    assert verify_webhook_signature(BODY.decode(), headers(now, sign(BODY, now)), SECRET)


def test_header_names_are_case_insensitive_and_message_objects_work():
    now = int(time.time())
    msg = Message()
    msg["Webhook-Id"] = "dlv-1"
    msg["Webhook-Timestamp"] = str(now)
    msg["Webhook-Signature"] = sign(BODY, now)
    assert verify_webhook_signature(BODY, msg, SECRET)
    pairs = [("WEBHOOK-ID", "dlv-1"), ("webhook-timestamp", str(now)), ("Webhook-Signature", sign(BODY, now))]
    assert verify_webhook_signature(BODY, pairs, SECRET)


def test_rotation_accepts_any_matching_signature():
    now = int(time.time())
    both = f"{sign(BODY, now, 'old-secret')} {sign(BODY, now)}"
    assert verify_webhook_signature(BODY, headers(now, both), SECRET)
    assert verify_webhook_signature(BODY, headers(now, both.replace(" ", ",")), SECRET)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda h, now: {**h, "webhook-signature": sign(BODY + b" ", now)}, "no webhook-signature matches"),
        (lambda h, now: {**h, "webhook-signature": sign(BODY, now, "wrong")}, "no webhook-signature matches"),
        (lambda h, now: {**h, "webhook-signature": "v1=zz"}, "no webhook-signature matches"),
        (lambda h, now: {k: v for k, v in h.items() if k != "webhook-id"}, "missing webhook-id"),
        (
            lambda h, now: {k: v for k, v in h.items() if k != "webhook-signature"},
            "missing webhook-signature",
        ),
        (
            lambda h, now: {k: v for k, v in h.items() if k != "webhook-timestamp"},
            "missing webhook-timestamp",
        ),
        (lambda h, now: {**h, "webhook-timestamp": "yesterday"}, "not unix seconds"),
    ],
)
def test_rejections(mutate, reason):
    now = int(time.time())
    bad = mutate(headers(now, sign(BODY, now)), now)
    with pytest.raises(WebhookVerificationError, match=reason):
        assert_webhook_signature(BODY, bad, SECRET)
    assert not verify_webhook_signature(BODY, bad, SECRET)


def test_stale_delivery_is_rejected_even_with_a_good_signature():
    then = int(time.time()) - 301
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        assert_webhook_signature(BODY, headers(then, sign(BODY, then)), SECRET)
    assert verify_webhook_signature(BODY, headers(then, sign(BODY, then)), SECRET, tolerance_seconds=600)
    assert verify_webhook_signature(BODY, headers(then, sign(BODY, then)), SECRET, now=then + 10)
