"""Client behaviour over real HTTP against a scripted local server; no Hindsight server needed."""

import datetime as dt
import time

import pytest
from fakeserver import Reply, closed_port, operation

from hindsight_client import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    Hindsight,
    NotFoundError,
    OperationCancelledError,
    OperationFailedError,
    OperationList,
    OperationTimeoutError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
)

BANK = "/v1/default/banks/bank-1"


@pytest.fixture
def hs(fake_server):
    return Hindsight(base_url=fake_server.url, timeout=5, backoff_factor=0.001)


# ---------------------------------------------------------------- construction


def test_base_url_defaults(monkeypatch):
    monkeypatch.delenv("HINDSIGHT_API_URL", raising=False)
    monkeypatch.delenv("HINDSIGHT_API_KEY", raising=False)
    assert Hindsight().base_url == "http://localhost:8888"
    monkeypatch.setenv("HINDSIGHT_API_URL", "http://example.test:9000/")
    assert Hindsight().base_url == "http://example.test:9000"
    assert Hindsight(base_url="http://other:1").base_url == "http://other:1"
    assert Hindsight(base_url="localhost:8888").base_url == "http://localhost:8888"


def test_api_key_from_argument_or_environment(monkeypatch, fake_server):
    monkeypatch.delenv("HINDSIGHT_API_KEY", raising=False)
    fake_server.reply(200, {"status": "ok"})
    Hindsight(base_url=fake_server.url).health()
    assert "authorization" not in fake_server.last.headers

    fake_server.reply(200, {"status": "ok"})
    Hindsight(base_url=fake_server.url, api_key="k-123").health()
    assert fake_server.last.headers["authorization"] == "Bearer k-123"

    monkeypatch.setenv("HINDSIGHT_API_KEY", "k-env")
    fake_server.reply(200, {"status": "ok"})
    Hindsight(base_url=fake_server.url).health()
    assert fake_server.last.headers["authorization"] == "Bearer k-env"


def test_base_url_path_prefix_is_kept(fake_server):
    c = Hindsight(base_url=fake_server.url + "/hindsight/", timeout=5)
    fake_server.reply(200, operation())
    c.get_operation("bank-1", "op-1")
    assert fake_server.last.path == "/hindsight/v1/default/banks/bank-1/operations/op-1"


def test_context_manager(fake_server):
    fake_server.reply(200, {"status": "ok", "parts": {}})
    with Hindsight(base_url=fake_server.url) as c:
        assert c.health() == {"status": "ok", "parts": {}}
    assert fake_server.last.path == "/health"
    assert fake_server.last.headers["accept"] == "application/json"
    assert fake_server.last.headers["user-agent"].startswith("hindsight-client-python/")


# ---------------------------------------------------------------- URL building


def test_path_segments_are_quoted(hs, fake_server):
    fake_server.error(400, "invalid_request", "bank_id must match [A-Za-z0-9_.:-]{1,128}")
    with pytest.raises(BadRequestError):
        hs.list_operations("bad bank!")
    assert fake_server.last.raw_path.startswith("/v1/default/banks/bad%20bank%21/operations")

    fake_server.reply(200, operation())
    hs.get_operation("a/b?c#d", "op:1.x")
    assert fake_server.last.raw_path == "/v1/default/banks/a%2Fb%3Fc%23d/operations/op:1.x"


def test_dot_segments_cannot_escape_the_route(hs, fake_server):
    fake_server.reply(200, operation())
    hs.get_operation("bank-1", "..")
    assert fake_server.last.raw_path == f"{BANK}/operations/%2E%2E"


@pytest.mark.parametrize("bad", ["", None])
def test_empty_ids_are_rejected_before_sending(hs, fake_server, bad):
    with pytest.raises(ValueError, match="operation_id"):
        hs.get_operation("bank-1", bad)
    with pytest.raises(ValueError, match="bank_id"):
        hs.list_operations(bad)
    assert fake_server.requests == []


def test_list_operations_query_and_result(hs, fake_server):
    ops = [operation("op-2", "running", 5, 10), operation("op-1", "pending")]
    fake_server.reply(200, {"bank_id": "bank-1", "operations": ops, "total": 7, "limit": 2, "offset": 4})
    page = hs.list_operations(bank_id="bank-1", status="running", type="batch_retain", limit=2, offset=4)
    assert fake_server.last.method == "GET"
    assert fake_server.last.path == f"{BANK}/operations"
    assert fake_server.last.query == {
        "status": "running",
        "type": "batch_retain",
        "limit": "2",
        "offset": "4",
    }
    assert isinstance(page, list) and isinstance(page, OperationList)
    assert [op["operation_id"] for op in page] == ["op-2", "op-1"]
    assert (page.total, page.limit, page.offset, page.bank_id) == (7, 2, 4, "bank-1")
    assert page == ops

    fake_server.reply(200, {"bank_id": "bank-1", "operations": [], "total": 0, "limit": 20, "offset": 0})
    empty = hs.list_operations(bank_id="bank-1")
    assert fake_server.last.query == {}
    assert list(empty) == [] and empty.total == 0


def test_iter_operations_walks_pages(hs, fake_server):
    def page(ids, total, offset):
        return {
            "bank_id": "bank-1",
            "operations": [operation(i) for i in ids],
            "total": total,
            "limit": 2,
            "offset": offset,
        }

    fake_server.reply(200, page(["a", "b"], 5, 0))
    fake_server.reply(200, page(["c", "d"], 5, 2))
    fake_server.reply(200, page(["e"], 5, 4))
    ids = [op["operation_id"] for op in hs.iter_operations("bank-1", status="completed", page_size=2)]
    assert ids == ["a", "b", "c", "d", "e"]
    assert [r.query["offset"] for r in fake_server.requests] == ["0", "2", "4"]
    assert all(r.query["status"] == "completed" for r in fake_server.requests)


# ---------------------------------------------------------------- request bodies


def test_retain_single_content(hs, fake_server):
    fake_server.reply(200, {"bank_id": "bank-1", "items_count": 1, "memory_ids": ["m1"]})
    when = dt.datetime(2024, 3, 15, 10, 0, tzinfo=dt.timezone.utc)
    out = hs.retain(
        "bank-1",
        "Alice moved to Paris.",
        context="diary",
        timestamp=when,
        document_id="d1",
        metadata={"source": "test"},
        tags=["travel"],
    )
    assert out == {"bank_id": "bank-1", "items_count": 1, "memory_ids": ["m1"]}
    req = fake_server.last
    assert (req.method, req.path) == ("POST", f"{BANK}/memories")
    assert req.headers["content-type"] == "application/json"
    assert req.json == {
        "items": [
            {
                "content": "Alice moved to Paris.",
                "context": "diary",
                "timestamp": "2024-03-15T10:00:00+00:00",
                "document_id": "d1",
                "metadata": {"source": "test"},
                "tags": ["travel"],
            }
        ]
    }


def test_retain_waits_for_the_operation_the_server_answers_with(hs, fake_server):
    # With a model provider the server answers 202 with the operation when it outlasts the server's wait.
    running = {"operation_id": "op-1", "bank_id": "bank-1", "status": "running", "result": None}
    fake_server.reply(202, running)
    fake_server.reply(200, {**running, "status": "completed", "result": {"memory_ids": ["m1"], "failed_items": []}})
    out = hs.retain("bank-1", "Alice moved to Paris.")
    assert out == {
        "bank_id": "bank-1",
        "items_count": 1,
        "memory_ids": ["m1"],
        "failed_items": [],
        "operation_id": "op-1",
    }
    assert fake_server.last.path == f"{BANK}/operations/op-1"


def test_retain_contents_accepts_strings_and_drops_nulls(hs, fake_server):
    fake_server.reply(200, {"bank_id": "bank-1", "items_count": 2, "memory_ids": ["m1", "m2"]})
    hs.retain(
        "bank-1",
        contents=["plain text", {"content": "dict", "context": None, "tags": ["x"]}],
        document_id="doc",
    )
    assert fake_server.last.json == {
        "items": [
            {"content": "plain text", "document_id": "doc"},
            {"content": "dict", "tags": ["x"], "document_id": "doc"},
        ]
    }


def test_retain_argument_checks(hs, fake_server):
    with pytest.raises(ValueError):
        hs.retain("bank-1")
    with pytest.raises(ValueError):
        hs.retain("bank-1", "a", contents=["b"])
    with pytest.raises(TypeError):
        hs.retain_batch("bank-1", "not a list")
    with pytest.raises(ValueError, match=r"contents\[1\]"):
        hs.retain_batch("bank-1", [{"content": "ok"}, {"text": "no content key"}])
    with pytest.raises(TypeError):
        hs.retain_batch("bank-1", [42])
    assert fake_server.requests == []


def test_retain_batch_is_synchronous(hs, fake_server):
    fake_server.reply(200, {"bank_id": "bank-1", "items_count": 2, "memory_ids": ["m1", "m2"]})
    out = hs.retain_batch(bank_id="bank-1", contents=[{"content": "a"}, {"content": "b"}])
    assert out["items_count"] == 2
    assert "async" not in fake_server.last.json


def test_retain_batch_async_returns_operation(hs, fake_server):
    fake_server.reply(202, operation("op-7", "pending", 0, 2))
    op = hs.retain_batch_async(bank_id="bank-1", contents=[{"content": "a"}, {"content": "b"}])
    assert op["operation_id"] == "op-7" and op["status"] == "pending"
    assert fake_server.last.json == {"items": [{"content": "a"}, {"content": "b"}], "async": True}

    fake_server.reply(202, operation("my-op", "pending", 0, 1))
    hs.retain_batch_async("bank-1", ["c"], operation_id="my-op")
    assert fake_server.last.json == {"items": [{"content": "c"}], "async": True, "operation_id": "my-op"}


def test_413_maps_to_payload_too_large(hs, fake_server):
    fake_server.error(413, "payload_too_large", "more than 100 items: use async: true")
    with pytest.raises(PayloadTooLargeError) as info:
        hs.retain_batch("bank-1", ["x"] * 101)
    assert info.value.code == "payload_too_large"
    assert len(fake_server.requests) == 1


def test_cancel_calls(hs, fake_server):
    fake_server.reply(202, operation("op-1", "running"))
    op = hs.cancel_operation(bank_id="bank-1", operation_id="op-1")
    assert (fake_server.last.method, fake_server.last.path) == ("DELETE", f"{BANK}/operations/op-1")
    assert op["status"] == "running"

    cancelled = [operation("op-2", "cancelled"), operation("op-3", "cancelled")]
    fake_server.reply(200, {"bank_id": "bank-1", "cancelled": cancelled, "count": 2})
    out = hs.cancel_pending_operations("bank-1")
    assert (fake_server.last.method, fake_server.last.path) == ("POST", f"{BANK}/operations/cancel")
    assert fake_server.last.json == {"status": "pending"}
    assert out == cancelled


def test_operation_starters(hs, fake_server):
    fake_server.reply(202, operation("op-r", type="regenerate_observations"))
    hs.regenerate_observations("bank-1")
    assert (fake_server.last.path, fake_server.last.json) == (f"{BANK}/observations/regenerate", {})
    fake_server.reply(202, operation("op-r", type="regenerate_observations"))
    hs.regenerate_observations("bank-1", entity_ids=("e1", "e2"))
    assert fake_server.last.json == {"entity_ids": ["e1", "e2"]}
    fake_server.reply(202, operation("op-g", type="graph_update"))
    hs.update_graph("bank-1", full_rebuild=True)
    assert (fake_server.last.path, fake_server.last.json) == (f"{BANK}/graph/update", {"full_rebuild": True})
    fake_server.reply(202, operation("op-g", type="graph_update"))
    hs.update_graph("bank-1", operation_id="g-1")
    assert fake_server.last.json == {"full_rebuild": False, "operation_id": "g-1"}


def test_memory_entity_and_webhook_routes(hs, fake_server):
    calls = [
        (
            lambda: hs.list_memories("bank-1", operation_id="op-1", limit=5),
            "GET",
            f"{BANK}/memories",
            {"operation_id": "op-1", "limit": "5"},
        ),
        (lambda: hs.get_memory("bank-1", "m 1"), "GET", f"{BANK}/memories/m%201", {}),
        (lambda: hs.get_memory_links("bank-1", "m1"), "GET", f"{BANK}/memories/m1/links", {}),
        (lambda: hs.list_entities("bank-1", offset=10), "GET", f"{BANK}/entities", {"offset": "10"}),
        (lambda: hs.get_entity("bank-1", "e1"), "GET", f"{BANK}/entities/e1", {}),
        (lambda: hs.list_webhooks("bank-1"), "GET", f"{BANK}/webhooks", {}),
        (lambda: hs.get_webhook("bank-1", "w1"), "GET", f"{BANK}/webhooks/w1", {}),
        (lambda: hs.list_webhook_deliveries("bank-1", "w1"), "GET", f"{BANK}/webhooks/w1/deliveries", {}),
    ]
    for call, method, path, query in calls:
        fake_server.reply(200, {"ok": True})
        assert call() == {"ok": True}
        assert (fake_server.last.method, fake_server.last.path, fake_server.last.query) == (
            method,
            path,
            query,
        )

    fake_server.reply(200, {"bank_id": "bank-1", "query": "where", "results": []})
    hs.recall("bank-1", "where", limit=3)
    assert (fake_server.last.method, fake_server.last.path) == ("POST", f"{BANK}/memories/recall")
    assert fake_server.last.json == {"query": "where", "limit": 3}

    fake_server.reply(201, {"id": "w1", "url": "https://x.test/h", "events": ["operation.completed"]})
    hook = hs.configure_webhook(bank_id="bank-1", url="https://x.test/h", events=["operation.completed"])
    assert hook["id"] == "w1"
    assert fake_server.last.json == {"url": "https://x.test/h", "events": ["operation.completed"]}
    fake_server.reply(201, {"id": "w2"})
    hs.configure_webhook("bank-1", "https://x.test/h", ("operation.failed",), secret="s3cret")
    assert fake_server.last.json == {
        "url": "https://x.test/h",
        "events": ["operation.failed"],
        "secret": "s3cret",
    }

    fake_server.reply(200, {"id": "w1"})
    hs.update_webhook("bank-1", "w1", events=("operation.cancelled",), url="https://y.test")
    assert fake_server.last.method == "PATCH"
    assert fake_server.last.json == {"events": ["operation.cancelled"], "url": "https://y.test"}

    fake_server.reply(204)
    assert hs.delete_webhook("bank-1", "w1") is None
    assert (fake_server.last.method, fake_server.last.path) == ("DELETE", f"{BANK}/webhooks/w1")


# ---------------------------------------------------------------- errors and retries


def test_error_envelope_over_http(hs, fake_server):
    fake_server.error(404, "not_found", "operation op-x not found in bank bank-1")
    with pytest.raises(NotFoundError) as info:
        hs.get_operation("bank-1", "op-x")
    err = info.value
    assert (err.status, err.code) == (404, "not_found")
    assert err.message == "operation op-x not found in bank bank-1"
    assert err.method == "GET" and err.url.endswith("/operations/op-x")
    assert len(fake_server.requests) == 1  # 4xx other than 429 is final


def test_get_retries_5xx_then_succeeds(hs, fake_server):
    fake_server.error(503, "unavailable", "starting")
    fake_server.error(500, "internal", "boom")
    fake_server.reply(200, operation())
    assert hs.get_operation("bank-1", "op-1")["operation_id"] == "op-1"
    assert len(fake_server.requests) == 3


def test_get_gives_up_after_three_retries(hs, fake_server):
    for _ in range(5):
        fake_server.error(500, "internal", "still broken")
    with pytest.raises(ServerError) as info:
        hs.get_operation("bank-1", "op-1")
    assert len(fake_server.requests) == 4
    assert info.value.attempts == 4
    assert info.value.message == "still broken"


def test_max_retries_is_configurable(fake_server):
    c = Hindsight(base_url=fake_server.url, max_retries=0)
    fake_server.error(503, "unavailable", "down")
    with pytest.raises(ServerError):
        c.health()
    assert len(fake_server.requests) == 1


def test_501_is_asked_once(hs, fake_server):
    # A feature the server does not serve stays unserved: retrying cannot help.
    fake_server.error(501, "not_implemented", "reflect needs a chat model provider")
    with pytest.raises(ServerError) as info:
        hs.reflect("bank-1", "Where?")
    assert info.value.status == 501
    assert len(fake_server.requests) == 1


def test_429_honours_retry_after(hs, fake_server):
    fake_server.error(429, "rate_limited", "slow down", headers={"Retry-After": "0.3"})
    fake_server.reply(200, operation())
    started = time.monotonic()
    hs.get_operation("bank-1", "op-1")
    assert time.monotonic() - started >= 0.25
    assert len(fake_server.requests) == 2


def test_429_surfaces_after_retries(hs, fake_server):
    for _ in range(4):
        fake_server.error(429, "rate_limited", "slow down", headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError) as info:
        hs.list_operations("bank-1")
    assert info.value.retry_after == 0.0
    assert len(fake_server.requests) == 4


def test_delete_is_retried(hs, fake_server):
    fake_server.error(502, "bad_gateway", "proxy hiccup")
    fake_server.reply(200, operation("op-1", "cancelled"))
    assert hs.cancel_operation("bank-1", "op-1")["status"] == "cancelled"
    assert [r.method for r in fake_server.requests] == ["DELETE", "DELETE"]


def test_post_without_operation_id_is_not_retried(hs, fake_server):
    fake_server.error(503, "unavailable", "down")
    fake_server.reply(202, operation())
    with pytest.raises(ServerError):
        hs.retain_batch_async("bank-1", ["a"])
    assert len(fake_server.requests) == 1


def test_post_with_operation_id_is_retried(hs, fake_server):
    fake_server.error(503, "unavailable", "down")
    fake_server.reply(202, operation("op-mine"))
    op = hs.retain_batch_async("bank-1", ["a"], operation_id="op-mine")
    assert op["operation_id"] == "op-mine"
    assert len(fake_server.requests) == 2
    assert fake_server.requests[0].body == fake_server.requests[1].body


def test_retried_post_that_conflicts_returns_the_existing_operation(hs, fake_server):
    # First attempt went through but its answer was lost; the retry meets the id already taken.
    fake_server.drop()
    fake_server.error(409, "conflict", "operation op-mine already exists")
    fake_server.reply(200, operation("op-mine", "running"))
    op = hs.retain_batch_async("bank-1", ["a"], operation_id="op-mine")
    assert op["status"] == "running"
    assert [(r.method, r.path) for r in fake_server.requests] == [
        ("POST", f"{BANK}/memories"),
        ("POST", f"{BANK}/memories"),
        ("GET", f"{BANK}/operations/op-mine"),
    ]


def test_first_attempt_conflict_is_raised(hs, fake_server):
    fake_server.error(409, "conflict", "operation op-mine already exists")
    with pytest.raises(ConflictError):
        hs.retain_batch_async("bank-1", ["a"], operation_id="op-mine")
    assert len(fake_server.requests) == 1


def test_dropped_connection_is_retried_for_get(hs, fake_server):
    fake_server.drop()
    fake_server.reply(200, operation())
    assert hs.get_operation("bank-1", "op-1")["operation_id"] == "op-1"
    assert len(fake_server.requests) == 2


def test_dropped_connection_on_post_raises_connection_error(hs, fake_server):
    fake_server.drop()
    with pytest.raises(APIConnectionError) as info:
        hs.retain_batch_async("bank-1", ["a"])
    assert isinstance(info.value, ConnectionError)
    assert len(fake_server.requests) == 1


def test_unreachable_server():
    host, port = closed_port()
    c = Hindsight(base_url=f"http://{host}:{port}", timeout=2, max_retries=1, backoff_factor=0.001)
    with pytest.raises(APIConnectionError) as info:
        c.health()
    assert isinstance(info.value, ConnectionError)
    assert info.value.attempts == 2
    assert f":{port}/health" in str(info.value)


def test_slow_answer_raises_timeout(fake_server):
    c = Hindsight(base_url=fake_server.url, timeout=0.2, max_retries=0)
    fake_server.reply(200, operation(), delay=1.0)
    with pytest.raises(APITimeoutError) as info:
        c.get_operation("bank-1", "op-1")
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, APIConnectionError)


def test_non_json_success_body_is_returned_as_text(hs, fake_server):
    fake_server.reply(200, "plain words")
    assert hs.health() == "plain words"


# ---------------------------------------------------------------- wait_for_operation


def test_wait_for_operation_returns_result(hs, fake_server):
    result = {
        "memory_ids": ["m1", "m2"],
        "items_count": 2,
        "memories_count": 2,
        "entities_count": 1,
        "failed_items": [],
    }
    fake_server.reply(200, operation(status="pending", progress=0, total=2))
    fake_server.reply(200, operation(status="running", progress=1, total=2))
    fake_server.reply(200, operation(status="completed", progress=2, total=2, result=result))
    seen = []
    out = hs.wait_for_operation("bank-1", "op-1", poll_interval=0.01, on_progress=seen.append)
    assert out == result
    assert [(op["status"], op["progress"]) for op in seen] == [("pending", 0), ("running", 1)]
    assert len(fake_server.requests) == 3


def test_wait_for_operation_raises_on_failed(hs, fake_server):
    fake_server.reply(200, operation(status="failed", error="extraction crashed on item 3"))
    with pytest.raises(OperationFailedError) as info:
        hs.wait_for_operation("bank-1", "op-1", poll_interval=0.01)
    assert "extraction crashed on item 3" in str(info.value)
    assert info.value.operation["status"] == "failed"


def test_wait_for_operation_raises_on_cancelled(hs, fake_server):
    fake_server.reply(200, operation(status="running"))
    fake_server.reply(200, operation(status="cancelled", result={"memory_ids": []}))
    with pytest.raises(OperationCancelledError) as info:
        hs.wait_for_operation("bank-1", "op-1", poll_interval=0.01)
    assert info.value.operation["status"] == "cancelled"


def test_wait_for_operation_times_out(hs, fake_server):
    fake_server.fallback = Reply(200, operation(status="running", progress=1, total=3))
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        hs.wait_for_operation("bank-1", "op-1", poll_interval=0.05, timeout=0.3)
    elapsed = time.monotonic() - started
    assert isinstance(info.value, OperationTimeoutError)
    assert info.value.operation["status"] == "running"
    assert 0.25 <= elapsed < 2.0


def test_wait_for_operation_propagates_not_found(hs, fake_server):
    fake_server.error(404, "not_found", "no such operation")
    with pytest.raises(NotFoundError):
        hs.wait_for_operation("bank-1", "op-404", poll_interval=0.01)
