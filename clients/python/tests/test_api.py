"""The rest of the client surface against a real server: errors, operation
types, synchronous retain limits, memories, entities, recall, webhooks."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import OPERATION_TIMEOUT, POLL, assert_operation_shape, make_docs, wait_until_ended

from hindsight_client import (
    BadRequestError,
    ConflictError,
    HindsightError,
    NotFoundError,
    OperationCancelledError,
    OperationTimeoutError,
    PayloadTooLargeError,
    verify_webhook_signature,
)


def test_health(client):
    health = client.health()
    assert health["status"] == "ok"


# ---------------------------------------------------------------- errors


def test_unknown_operation_is_not_found(client, bank_id):
    with pytest.raises(NotFoundError) as info:
        client.get_operation(bank_id=bank_id, operation_id="op-does-not-exist")
    err = info.value
    assert err.status == 404
    assert err.code == "not_found"
    assert err.message
    with pytest.raises(NotFoundError):
        client.cancel_operation(bank_id=bank_id, operation_id="op-does-not-exist")


def test_invalid_bank_id_is_bad_request(client):
    with pytest.raises(BadRequestError) as info:
        client.list_operations(bank_id="bad bank!")
    err = info.value
    assert err.status == 400
    assert err.code == "invalid_request"
    assert err.message
    with pytest.raises(BadRequestError):
        client.retain_batch_async(bank_id="bad bank!", contents=["Alice lives in Paris."])
    with pytest.raises(BadRequestError):
        client.list_operations(bank_id="x" * 129)


def test_invalid_operation_id_is_bad_request(client, bank_id):
    with pytest.raises(BadRequestError) as info:
        client.get_operation(bank_id=bank_id, operation_id="bad op!")
    assert info.value.code == "invalid_request"


def test_cancelling_an_ended_operation_conflicts(client, bank_id, track):
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(2))
    track(bank_id, op["operation_id"])
    client.wait_for_operation(bank_id, op["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT)
    with pytest.raises(ConflictError) as info:
        client.cancel_operation(bank_id=bank_id, operation_id=op["operation_id"])
    assert info.value.status == 409
    assert info.value.code == "conflict"
    assert client.get_operation(bank_id=bank_id, operation_id=op["operation_id"])["status"] == "completed"


# ---------------------------------------------------------------- synchronous retain


def test_retain_one_content(client, bank_id):
    out = client.retain(
        bank_id,
        "Alice Martin lives in Paris and works at the Louvre.",
        context="profile",
        document_id="doc-alice",
        tags=["people"],
    )
    assert out["bank_id"] == bank_id
    assert out["items_count"] == 1
    assert len(out["memory_ids"]) > 0

    memory = client.get_memory(bank_id=bank_id, memory_id=out["memory_ids"][0])
    assert memory["id"] == out["memory_ids"][0]
    assert memory["bank_id"] == bank_id
    assert memory["document_id"] == "doc-alice"
    assert memory["text"]
    by_doc = client.list_memories(bank_id=bank_id, document_id="doc-alice")
    assert by_doc["total"] == len(out["memory_ids"])


def test_sync_retain_batch_limits(client, bank_id):
    hundred = make_docs(100)
    out = client.retain_batch(bank_id=bank_id, contents=hundred)
    assert out["items_count"] == 100
    assert len(out["memory_ids"]) >= 1

    with pytest.raises(PayloadTooLargeError) as info:
        client.retain_batch(bank_id=bank_id, contents=make_docs(101))
    assert info.value.status == 413
    assert info.value.code == "payload_too_large"

    big = [{"content": "Grace Kim wrote about Oslo. " * 200} for _ in range(25)]  # ~140 KB
    with pytest.raises(PayloadTooLargeError):
        client.retain_batch(bank_id=bank_id, contents=big)


def test_client_chosen_operation_id(client, bank_id, track):
    op_id = f"op-py-{uuid.uuid4().hex[:12]}"
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(3), operation_id=op_id)
    track(bank_id, op_id)
    assert op["operation_id"] == op_id
    assert client.get_operation(bank_id=bank_id, operation_id=op_id)["operation_id"] == op_id
    result = client.wait_for_operation(bank_id, op_id, poll_interval=POLL, timeout=OPERATION_TIMEOUT)
    assert result["items_count"] == 3


def test_operation_metadata(client, bank_id, track):
    labels = {"customer": "acme", "Batch.v2": "7"}
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(2), metadata=labels)
    track(bank_id, op["operation_id"])
    # Label keys are the caller's own, returned exactly as given.
    assert op["metadata"] == labels
    assert client.get_operation(bank_id=bank_id, operation_id=op["operation_id"])["metadata"] == labels
    other = client.update_graph(bank_id=bank_id, metadata={"customer": "globex"})
    track(bank_id, other["operation_id"])
    assert other["metadata"] == {"customer": "globex"}
    observed = client.regenerate_observations(bank_id=bank_id, metadata={"customer": "initech"})
    track(bank_id, observed["operation_id"])
    assert observed["metadata"] == {"customer": "initech"}

    page = client.list_operations(bank_id, metadata={"customer": "acme", "Batch.v2": "7"})
    assert [o["operation_id"] for o in page] == [op["operation_id"]]
    assert page.total == 1
    assert client.list_operations(bank_id, metadata={"customer": "acme", "Batch.v2": "8"}).total == 0
    every = list(client.iter_operations(bank_id, metadata={"customer": "globex"}))
    assert [o["operation_id"] for o in every] == [other["operation_id"]]

    with pytest.raises(BadRequestError) as refused:
        too_many = {"k%d" % i: "v" for i in range(17)}
        client.retain_batch_async(bank_id=bank_id, contents=make_docs(1), metadata=too_many)
    assert "at most 16 keys" in str(refused.value)
    with pytest.raises(BadRequestError):
        client.list_operations(bank_id, metadata={"a b": "c"})


# ---------------------------------------------------------------- operation types and wait helper


def test_wait_for_operation_returns_the_result(client, bank_id, track):
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(30))
    track(bank_id, op["operation_id"])
    seen = []
    result = client.wait_for_operation(
        bank_id, op["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT, on_progress=seen.append
    )
    assert len(result["memory_ids"]) > 0
    assert result["items_count"] == 30
    for state in seen:
        assert state["status"] in ("pending", "running")
        assert_operation_shape(state)


def test_wait_for_operation_learns_of_the_end_before_its_poll_interval(client, bank_id, track):
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(30))
    track(bank_id, op["operation_id"])
    started = time.monotonic()
    # Plain polling would sleep a minute before seeing the end; the waiting GET answers when it comes.
    result = client.wait_for_operation(bank_id, op["operation_id"], poll_interval=60, timeout=OPERATION_TIMEOUT)
    assert result["items_count"] == 30
    assert time.monotonic() - started < 45


def test_get_operation_caps_its_wait_at_the_server_maximum(client, bank_id, track):
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(1))
    track(bank_id, op["operation_id"])
    ended = client.get_operation(bank_id, op["operation_id"], wait=30)
    assert ended["status"] in ("pending", "running", "completed", "failed", "cancelled")
    # The client caps its waits at the server's maximum, so a large wait is sent as 60 s, not refused.
    assert client.get_operation(bank_id, op["operation_id"], wait=600)["operation_id"] == op["operation_id"]


def test_wait_for_operation_raises_when_cancelled(client, bank_id, track):
    op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(3000))
    track(bank_id, op["operation_id"])
    client.cancel_operation(bank_id=bank_id, operation_id=op["operation_id"])
    with pytest.raises(OperationCancelledError) as info:
        client.wait_for_operation(bank_id, op["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT)
    assert info.value.operation["status"] == "cancelled"
    assert info.value.operation["operation_id"] == op["operation_id"]


def test_wait_for_operation_timeout(client, bank_id, track):
    # The last of three large batches waits behind the others, so it cannot end within the timeout.
    ops = [
        client.retain_batch_async(bank_id=bank_id, contents=make_docs(2000, start=2000 * n)) for n in range(3)
    ]
    for op in ops:
        track(bank_id, op["operation_id"])
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        client.wait_for_operation(bank_id, ops[-1]["operation_id"], poll_interval=POLL, timeout=0.3)
    assert isinstance(info.value, OperationTimeoutError)
    assert info.value.operation["status"] in ("pending", "running")
    assert info.value.operation["operation_id"] == ops[-1]["operation_id"]
    assert time.monotonic() - started < 30


def test_cancel_pending_operations(client, bank_id, track):
    submitted = []
    for n in range(5):
        op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(1000, start=1000 * n))
        track(bank_id, op["operation_id"])
        submitted.append(op["operation_id"])
    cancelled = client.cancel_pending_operations(bank_id)
    assert isinstance(cancelled, list) and cancelled
    ids = [op["operation_id"] for op in cancelled]
    assert set(ids) <= set(submitted)
    for op_id in ids:
        final, _ = wait_until_ended(client, bank_id, op_id)
        assert final["status"] == "cancelled", final
    remaining = client.list_operations(bank_id=bank_id, status="pending")
    assert not set(ids) & {op["operation_id"] for op in remaining}


def test_graph_update_and_observations(client, bank_id, track):
    retained = client.retain_batch(bank_id=bank_id, contents=make_docs(30))
    memory_id = retained["memory_ids"][0]

    graph = client.update_graph(bank_id=bank_id, full_rebuild=True)
    track(bank_id, graph["operation_id"])
    assert graph["type"] == "graph_update"
    assert graph["status"] in ("pending", "running")
    assert_operation_shape(graph)
    result = client.wait_for_operation(
        bank_id, graph["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT
    )
    assert result["memories_processed"] >= len(retained["memory_ids"])
    assert result["links_created"] >= 0
    links = client.get_memory_links(bank_id=bank_id, memory_id=memory_id)
    assert links["memory_id"] == memory_id
    for link in links["links"]:
        assert {"target_id", "kind", "weight"} <= set(link)

    entities = client.list_entities(bank_id=bank_id, limit=100)
    assert entities["total"] >= 1 and entities["entities"]
    entity_id = entities["entities"][0]["id"]

    regen = client.regenerate_observations(bank_id=bank_id, entity_ids=[entity_id])
    track(bank_id, regen["operation_id"])
    assert regen["type"] == "regenerate_observations"
    result = client.wait_for_operation(
        bank_id, regen["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT
    )
    assert result["entities_processed"] >= 1
    assert entity_id in result["entity_ids"]
    entity = client.get_entity(bank_id=bank_id, entity_id=entity_id)
    assert entity["id"] == entity_id
    assert entity["observation"] is not None and entity["observation"]["text"]

    everything = client.regenerate_observations(bank_id=bank_id)
    track(bank_id, everything["operation_id"])
    result = client.wait_for_operation(
        bank_id, everything["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT
    )
    assert result["entities_processed"] == entities["total"]

    types = {op["type"] for op in client.list_operations(bank_id=bank_id, limit=100)}
    assert {"graph_update", "regenerate_observations"} <= types


def test_recall(client, bank_id):
    client.retain_batch(
        bank_id=bank_id,
        contents=[
            "Alice Martin moved to Paris in 2019 and works at the Louvre.",
            "Chen Wei teaches mathematics in Kyoto.",
            "Bruno Costa runs a bakery in Lisbon.",
        ],
    )
    answer = client.recall(bank_id=bank_id, query="Who teaches mathematics?", limit=2)
    assert answer["bank_id"] == bank_id
    assert answer["query"] == "Who teaches mathematics?"
    assert 1 <= len(answer["results"]) <= 2
    assert all("score" in r and "text" in r for r in answer["results"])
    assert "Chen" in answer["results"][0]["text"]


# ---------------------------------------------------------------- webhooks


def test_webhook_crud(client, bank_id):
    hook = client.configure_webhook(
        bank_id=bank_id,
        url="https://example.com/hooks/hindsight",
        events=["operation.completed"],
        secret="s3cret-value-0123",
    )
    hook_id = hook["id"]
    updated = client.update_webhook(bank_id, hook_id, events=["operation.completed", "operation.cancelled"])
    assert sorted(updated["events"]) == ["operation.cancelled", "operation.completed"]
    assert sorted(client.get_webhook(bank_id, hook_id)["events"]) == [
        "operation.cancelled",
        "operation.completed",
    ]
    client.list_webhook_deliveries(bank_id, hook_id)
    assert client.delete_webhook(bank_id, hook_id) is None
    with pytest.raises(NotFoundError):
        client.get_webhook(bank_id, hook_id)
    with pytest.raises(BadRequestError):
        client.configure_webhook(bank_id, url="not a url", events=["operation.completed"])
    with pytest.raises(BadRequestError):
        client.configure_webhook(bank_id, url="https://example.com/h", events=["operation.exploded"])


def test_webhook_operation_types(client, bank_id):
    hook = client.configure_webhook(
        bank_id=bank_id,
        url="https://example.com/hooks/retains",
        events=["operation.completed"],
        operation_types=["batch_retain"],
    )
    assert hook["operation_types"] == ["batch_retain"]
    updated = client.update_webhook(bank_id, hook["id"], operation_types=("graph_update",))
    assert updated["operation_types"] == ["graph_update"]
    with pytest.raises(BadRequestError):
        client.configure_webhook(
            bank_id, url="https://example.com/h", events=["operation.completed"], operation_types=["retain"]
        )
    client.delete_webhook(bank_id, hook["id"])


class _Receiver:
    def __init__(self):
        self.deliveries = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.deliveries.append((dict(self.headers.items()), body))
                receiver.arrived.set()
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_webhook_delivery_is_signed(client, bank_id, track):
    receiver = _Receiver()
    try:
        try:
            hook = client.configure_webhook(
                bank_id, url=receiver.url, events=["operation.completed"], secret="s3cret-0123456789"
            )
        except BadRequestError as exc:
            pytest.skip(f"server refuses loopback webhook URLs (HINDSIGHT_WEBHOOK_ALLOW_PRIVATE): {exc}")
        op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(3))
        track(bank_id, op["operation_id"])
        client.wait_for_operation(bank_id, op["operation_id"], poll_interval=POLL, timeout=OPERATION_TIMEOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            op["operation_id"] in b.decode() for _, b in receiver.deliveries
        ):
            receiver.arrived.wait(0.2)
            receiver.arrived.clear()
        matching = [(h, b) for h, b in receiver.deliveries if op["operation_id"] in b.decode()]
        if not matching:
            try:
                log = client.list_webhook_deliveries(bank_id, hook["id"])
            except HindsightError as exc:
                log = exc
            pytest.fail(f"no delivery for {op['operation_id']} within 60 s; delivery log: {log}")
        headers, body = matching[0]
        assert "operation.completed" in body.decode()
        json.loads(body)
        assert verify_webhook_signature(body, headers, "s3cret-0123456789")
        assert not verify_webhook_signature(body, headers, "other-secret")
    finally:
        receiver.close()
