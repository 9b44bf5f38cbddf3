"""Shared fixtures.

Tests that take the ``client`` fixture talk to a real Hindsight server at
``HINDSIGHT_API_URL``.  Without one they fail (in the test itself, so they are
reported as failures, not skips): a green run must mean the examples worked.
The ``fake_server`` fixture serves the server-free unit tests.
"""

import os
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Callable, Optional

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for path in (os.path.dirname(HERE), HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

from fakeserver import FakeServer  # noqa: E402

from hindsight_client import (  # noqa: E402
    APIConnectionError,
    Hindsight,
    HindsightError,
)

STARTUP_WAIT_SECONDS = float(os.environ.get("HINDSIGHT_TEST_STARTUP_SECONDS", "60"))

_server_state: dict = {}


def _server_problem() -> Optional[str]:
    """Why the real server cannot be used, or None; checked once per session."""
    if "problem" in _server_state:
        return _server_state["problem"]
    url = os.environ.get("HINDSIGHT_API_URL")
    problem: Optional[str] = None
    if not url:
        problem = (
            "HINDSIGHT_API_URL is not set. These tests run the operations.md examples against a "
            "real Hindsight server: start it (npm start) and export HINDSIGHT_API_URL, "
            "e.g. HINDSIGHT_API_URL=http://127.0.0.1:8888. "
            "Only tests/test_unit*.py run without a server."
        )
    else:
        probe = Hindsight(base_url=url, timeout=10, max_retries=0)
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while True:
            try:
                probe.health()
                break
            except HindsightError as exc:
                # The service may still be starting its database and workflow engine.
                if time.monotonic() >= deadline:
                    kind = "cannot reach" if isinstance(exc, APIConnectionError) else "unhealthy:"
                    problem = f"Hindsight server at HINDSIGHT_API_URL={url} {kind} {exc}"
                    break
                time.sleep(0.5)
    _server_state["problem"] = problem
    return problem


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if "client" in getattr(item, "fixturenames", ()):
        problem = _server_problem()
        if problem:
            pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def client() -> Optional[Hindsight]:
    if _server_problem():
        return None  # pytest_runtest_call fails the test with the reason
    return Hindsight(base_url=os.environ["HINDSIGHT_API_URL"], timeout=60)


@pytest.fixture
def bank_id() -> str:
    return f"py-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def track(client: Optional[Hindsight]) -> Iterator[Callable[[str, str], None]]:
    """Register operations to cancel after the test so big batches do not load later tests."""
    started: list[tuple[str, str]] = []
    yield lambda bank, operation_id: started.append((bank, operation_id))
    if client is None:
        return
    for bank, operation_id in started:
        try:
            client.cancel_operation(bank_id=bank, operation_id=operation_id)
        except HindsightError:
            # Already ended (409) is the usual case; cleanup must not mask the test's outcome.
            pass


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer().start()
    try:
        yield server
    finally:
        server.stop()
