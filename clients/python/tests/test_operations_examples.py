"""Every Python example of operations.md, run as written against a real server.

Each test keeps the example's statements and adds the checks that make its
comments true ("'pending' or 'running'", progress/total, "Created N memories").
Bank ids are unique per test; poll intervals are short so the suite is fast.
"""

import time

import pytest
from support import (
    OPERATION_TIMEOUT,
    POLL,
    assert_operation_shape,
    make_docs,
    parse_time,
    wait_until_ended,
)

from hindsight_client import OperationList

# ----------------------------------------------------------------------------
# Async Batch Retain


def test_async_batch_retain_with_status_polling(client, bank_id, track):
    doc1_text = "Alice Martin moved from Lyon to Paris in 2019 to work as a curator at the Louvre."
    doc2_text = "Bruno Costa, Alice's cousin, lives in Lisbon, where he runs a bakery near the river."
    more_docs = make_docs(58)
    documents = [{"content": doc1_text}, {"content": doc2_text}, *more_docs]

    # Start async batch retain
    operation = client.retain_batch_async(
        bank_id=bank_id,
        contents=documents,
    )
    track(bank_id, operation["operation_id"])

    print(f"Operation ID: {operation['operation_id']}")
    print(f"Status: {operation['status']}")  # 'pending' or 'running'
    assert operation["operation_id"]
    assert operation["status"] in ("pending", "running"), operation
    assert operation["bank_id"] == bank_id
    assert operation["type"] == "batch_retain"
    assert operation["result"] is None and operation["error"] is None
    assert_operation_shape(operation)

    # Check status
    status = client.get_operation(
        bank_id=bank_id,
        operation_id=operation["operation_id"],
    )

    print(f"Status: {status['status']}")  # 'pending', 'running', 'completed', 'failed'
    print(f"Progress: {status['progress']}/{status['total']}")
    assert status["operation_id"] == operation["operation_id"]
    assert status["status"] in ("pending", "running", "completed"), status
    assert_operation_shape(status)

    # Wait for completion
    progress_seen = [status["progress"]]
    deadline = time.monotonic() + OPERATION_TIMEOUT
    while True:
        status = client.get_operation(bank_id=bank_id, operation_id=operation["operation_id"])
        assert_operation_shape(status)
        progress_seen.append(status["progress"])
        if status["status"] in ["completed", "failed"]:
            break
        assert status["status"] in ("pending", "running"), status
        assert time.monotonic() < deadline, f"not done after {OPERATION_TIMEOUT:g}s: {status}"
        print(f"Progress: {status['progress']}/{status['total']}")
        time.sleep(POLL)

    assert status["status"] == "completed", status
    if status["status"] == "completed":
        print(f"Created {len(status['result']['memory_ids'])} memories")

    result = status["result"]
    assert len(result["memory_ids"]) > 0
    assert len(set(result["memory_ids"])) == len(result["memory_ids"])
    # Progress only rises, and ends at the number of documents sent.
    assert progress_seen == sorted(progress_seen), progress_seen
    assert status["total"] == len(documents)
    assert status["progress"] == status["total"]
    assert result["items_count"] == len(documents)
    assert result["memories_count"] == len(result["memory_ids"])
    assert result.get("failed_items", []) == []
    assert status["error"] is None
    created, started, completed = (
        parse_time(status[k]) for k in ("created_at", "started_at", "completed_at")
    )
    assert created <= started <= completed

    # The memories it reports are the ones stored under the operation.
    page = client.list_memories(bank_id=bank_id, operation_id=operation["operation_id"], limit=100)
    assert page["total"] == len(result["memory_ids"])
    assert {m["id"] for m in page["memories"]} <= set(result["memory_ids"])
    assert all(m["operation_id"] == operation["operation_id"] for m in page["memories"])


# ----------------------------------------------------------------------------
# List Operations


def test_list_operations_filters_and_pagination(client, bank_id, track):
    submitted = []
    for n in range(5):
        op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(3, start=10 * n))
        track(bank_id, op["operation_id"])
        submitted.append(op["operation_id"])
    for op_id in submitted:
        final, _ = wait_until_ended(client, bank_id, op_id)
        assert final["status"] == "completed", final

    # List all operations
    operations = client.list_operations(bank_id=bank_id)

    for op in operations:
        print(f"{op['operation_id']}: {op['type']} - {op['status']}")
        if op["status"] == "running":
            print(f"  Progress: {op['progress']}/{op['total']}")

    assert isinstance(operations, list) and isinstance(operations, OperationList)
    for op in operations:
        assert_operation_shape(op)
        assert op["bank_id"] == bank_id
    listed = [op["operation_id"] for op in operations]
    assert set(submitted) <= set(listed)
    assert operations.total == len(listed)
    assert operations.offset == 0
    # Newest first.
    ours = [op_id for op_id in listed if op_id in submitted]
    assert ours == list(reversed(submitted))
    created = [parse_time(op["created_at"]) for op in operations]
    assert created == sorted(created, reverse=True)

    # Filter by status
    pending = client.list_operations(
        bank_id=bank_id,
        status="pending",
    )

    running = client.list_operations(
        bank_id=bank_id,
        status="running",
    )

    assert [op["operation_id"] for op in pending if op["operation_id"] in submitted] == []
    assert [op["operation_id"] for op in running if op["operation_id"] in submitted] == []
    assert all(op["status"] == "pending" for op in pending)
    assert all(op["status"] == "running" for op in running)
    completed = client.list_operations(bank_id=bank_id, status="completed", type="batch_retain")
    assert sorted(op["operation_id"] for op in completed) == sorted(submitted)
    assert completed.total == 5
    # Follow-up work may have run by now: whatever the filter returns matches both criteria.
    graph_done = client.list_operations(bank_id=bank_id, type="graph_update", status="completed")
    assert all(op["type"] == "graph_update" and op["status"] == "completed" for op in graph_done)
    assert graph_done.total == len(graph_done)

    # With pagination
    operations = client.list_operations(
        bank_id=bank_id,
        limit=50,
        offset=0,
    )

    assert operations.limit == 50 and operations.offset == 0
    assert [op["operation_id"] for op in operations] == listed

    # Pages of two do not overlap and together give every operation once, in order.
    pages = []
    offset = 0
    while True:
        page = client.list_operations(bank_id=bank_id, type="batch_retain", limit=2, offset=offset)
        assert page.limit == 2 and page.offset == offset and page.total == 5
        if not page:
            break
        assert len(page) <= 2
        pages.append([op["operation_id"] for op in page])
        offset += len(page)
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [op_id for p in pages for op_id in p]
    assert len(flat) == len(set(flat)) == 5
    assert flat == list(reversed(submitted))


# ----------------------------------------------------------------------------
# Cancel Operations


def test_cancel_operation_stops_a_large_batch(client, bank_id, track):
    documents = make_docs(3000)
    operation = client.retain_batch_async(bank_id=bank_id, contents=documents)
    op_id = operation["operation_id"]
    track(bank_id, op_id)
    assert operation["status"] in ("pending", "running")

    # Cancel operation
    answer = client.cancel_operation(
        bank_id=bank_id,
        operation_id=op_id,
    )

    assert answer["operation_id"] == op_id
    # 200 with the final state, or 202 while the work is still stopping.
    assert answer["status"] in ("pending", "running", "cancelled"), answer

    final, seen = wait_until_ended(client, bank_id, op_id)
    assert final["status"] == "cancelled", final
    assert_operation_shape(final)
    assert final["total"] == len(documents)
    assert final["progress"] < final["total"], "the batch finished before the cancel reached it"
    progress = [op["progress"] for op in seen]
    assert progress == sorted(progress)

    # A cancelled batch reports what it wrote before stopping, and writes nothing after.
    written = final["result"]["memory_ids"]
    assert isinstance(written, list)
    count = client.list_memories(bank_id=bank_id, operation_id=op_id)["total"]
    assert count == len(written)
    time.sleep(1.0)
    assert client.list_memories(bank_id=bank_id, operation_id=op_id)["total"] == count
    assert client.get_operation(bank_id=bank_id, operation_id=op_id)["status"] == "cancelled"


def test_cancel_all_pending_operations(client, bank_id, track):
    submitted = []
    for n in range(5):
        op = client.retain_batch_async(bank_id=bank_id, contents=make_docs(1000, start=1000 * n))
        track(bank_id, op["operation_id"])
        submitted.append(op["operation_id"])

    # Cancel all pending operations
    operations = client.list_operations(bank_id=bank_id, status="pending")
    for op in operations:
        client.cancel_operation(bank_id=bank_id, operation_id=op["operation_id"])

    cancelled_ids = [op["operation_id"] for op in operations]
    assert cancelled_ids, "five large batches on one bank should leave some pending"
    assert set(cancelled_ids) <= set(submitted)
    for op_id in cancelled_ids:
        final, _ = wait_until_ended(client, bank_id, op_id)
        assert final["status"] == "cancelled", final

    still_pending = client.list_operations(bank_id=bank_id, status="pending")
    assert not set(cancelled_ids) & {op["operation_id"] for op in still_pending}
    cancelled = client.list_operations(bank_id=bank_id, status="cancelled")
    assert set(cancelled_ids) <= {op["operation_id"] for op in cancelled}
    assert cancelled.total >= len(cancelled_ids)


# ----------------------------------------------------------------------------
# Monitoring Strategies: Polling


def test_polling_helper_from_the_docs(client, bank_id, track):
    def wait_for_operation(client, bank_id, operation_id, poll_interval=5):
        while True:
            status = client.get_operation(bank_id=bank_id, operation_id=operation_id)

            if status["status"] == "completed":
                return status["result"]
            elif status["status"] == "failed":
                raise Exception(f"Operation failed: {status['error']}")
            elif status["status"] == "cancelled":
                raise Exception("Operation was cancelled")

            print(f"Progress: {status['progress']}/{status['total']}")
            time.sleep(poll_interval)

    operation = client.retain_batch_async(bank_id=bank_id, contents=make_docs(20))
    op_id = operation["operation_id"]
    track(bank_id, op_id)

    # Use it
    result = wait_for_operation(client, bank_id, op_id, poll_interval=POLL)
    print(f"Created {len(result['memory_ids'])} memories")
    assert len(result["memory_ids"]) > 0
    assert result["items_count"] == 20

    # The same helper reports a cancelled operation.
    big = client.retain_batch_async(bank_id=bank_id, contents=make_docs(3000))
    track(bank_id, big["operation_id"])
    client.cancel_operation(bank_id=bank_id, operation_id=big["operation_id"])
    with pytest.raises(Exception, match="Operation was cancelled"):
        wait_for_operation(client, bank_id, big["operation_id"], poll_interval=POLL)


# ----------------------------------------------------------------------------
# Webhooks (preview)


def test_configure_webhook_preview(client, bank_id):
    # Configure webhook for operation completion
    webhook = client.configure_webhook(
        bank_id=bank_id,
        url="https://myapp.com/webhooks/hindsight",
        events=["operation.completed", "operation.failed"],
    )

    assert webhook["id"]
    assert webhook["url"] == "https://myapp.com/webhooks/hindsight"
    assert sorted(webhook["events"]) == ["operation.completed", "operation.failed"]

    fetched = client.get_webhook(bank_id=bank_id, webhook_id=webhook["id"])
    assert fetched["id"] == webhook["id"] and fetched["url"] == webhook["url"]
    listed = client.list_webhooks(bank_id=bank_id)
    hooks = listed["webhooks"] if isinstance(listed, dict) else listed
    assert webhook["id"] in [h["id"] for h in hooks]
