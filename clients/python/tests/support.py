"""Helpers for the tests that run against a real server."""

import datetime as dt
import os
import time
from typing import Any, Optional

from hindsight_client import Hindsight

POLL = 0.1
# Generous: CI machines are small and a batch shares them with the whole service.
OPERATION_TIMEOUT = float(os.environ.get("HINDSIGHT_TEST_OPERATION_TIMEOUT", "240"))

OPERATION_KEYS = {
    "operation_id",
    "bank_id",
    "type",
    "status",
    "progress",
    "total",
    "created_at",
    "started_at",
    "completed_at",
    "error",
    "result",
}

PEOPLE = [
    "Alice Martin",
    "Bruno Costa",
    "Chen Wei",
    "Dara Okafor",
    "Elena Petrova",
    "Farid Haddad",
    "Grace Kim",
    "Hugo Lindqvist",
    "Ines Duarte",
    "Jonas Weber",
]
PLACES = [
    "Paris",
    "Lisbon",
    "Nairobi",
    "Kyoto",
    "Toronto",
    "Oslo",
    "Lima",
    "Melbourne",
    "Cairo",
    "Edinburgh",
]
DEEDS = [
    "opened a small bakery",
    "taught mathematics at the university",
    "joined the city orchestra",
    "started a bicycle repair shop",
    "volunteered at the public library",
    "wrote a novel about the harbour",
]


def make_docs(count: int, start: int = 0) -> list[dict[str, str]]:
    """Short, distinct documents about people and places."""
    docs = []
    for i in range(start, start + count):
        person = PEOPLE[i % len(PEOPLE)]
        friend = PEOPLE[(i * 7 + 3) % len(PEOPLE)]
        place = PLACES[(i // len(PEOPLE) + i) % len(PLACES)]
        deed = DEEDS[i % len(DEEDS)]
        year = 1990 + i % 33
        text = f"In {year}, {person} moved to {place} and {deed}. {friend} visited {person} there (note {i})."
        docs.append({"content": text})
    return docs


def wait_until_ended(
    client: Hindsight, bank_id: str, operation_id: str, timeout: float = OPERATION_TIMEOUT
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll until the operation reaches a final state; returns it and every state seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        op = client.get_operation(bank_id=bank_id, operation_id=operation_id)
        seen.append(op)
        if op["status"] in ("completed", "failed", "cancelled"):
            return op, seen
        assert time.monotonic() < deadline, f"operation still {op['status']} after {timeout:g}s: {op}"
        time.sleep(POLL)


def parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_operation_shape(op: dict[str, Any]) -> None:
    missing = OPERATION_KEYS - set(op)
    assert not missing, f"operation lacks {sorted(missing)}: {op}"
    assert op["type"] in ("batch_retain", "regenerate_observations", "graph_update"), op
    assert op["status"] in ("pending", "running", "completed", "failed", "cancelled"), op
    assert isinstance(op["progress"], int) and op["progress"] >= 0, op
    assert op["total"] is None or (isinstance(op["total"], int) and op["progress"] <= op["total"]), op
    assert parse_time(op["created_at"]) is not None
    for key in ("started_at", "completed_at"):
        parse_time(op[key])  # must be ISO 8601 or null
    if op["status"] in ("pending", "running"):
        assert op["completed_at"] is None and op["result"] is None, op
    if op["status"] == "completed":
        assert op["completed_at"] is not None and op["result"] is not None and op["error"] is None, op
    if op["status"] == "failed":
        assert op["error"], op


def cancel_quietly(client: Hindsight, bank_id: str, operation_id: str) -> None:
    from hindsight_client import ConflictError

    try:
        client.cancel_operation(bank_id=bank_id, operation_id=operation_id)
    except ConflictError:
        pass
