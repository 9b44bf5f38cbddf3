"""A scripted HTTP server on 127.0.0.1 for the server-free unit tests.

Real sockets and real urllib: each request is recorded and answered with the
next scripted response, so retries, error mapping and dropped connections are
exercised exactly as they happen against the service.
"""

import collections
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Union

DROP = "drop"


class Recorded:
    def __init__(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.raw_path = raw_path
        split = urllib.parse.urlsplit(raw_path)
        self.path = split.path
        self.query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def __repr__(self) -> str:
        return f"<{self.method} {self.raw_path}>"


class Reply:
    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: Optional[dict[str, str]] = None,
        delay: float = 0.0,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.delay = delay


Script = Union[Reply, str, Callable[[Recorded], Reply]]


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: collections.deque[Script] = collections.deque()
        self.fallback: Optional[Script] = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with fake._lock:
                    fake.requests.append(recorded)
                    step = fake.script.popleft() if fake.script else fake.fallback
                if callable(step):
                    step = step(recorded)
                if step is None:
                    step = Reply(500, {"error": {"code": "internal", "message": "nothing scripted"}})
                if step == DROP:
                    self.close_connection = True
                    return
                assert isinstance(step, Reply)
                if step.delay:
                    time.sleep(step.delay)
                if step.body is None:
                    payload = b""
                elif isinstance(step.body, bytes):
                    payload = step.body
                elif isinstance(step.body, str):
                    payload = step.body.encode("utf-8")
                else:
                    payload = json.dumps(step.body).encode("utf-8")
                try:
                    self.send_response(step.status)
                    if step.body is not None and not isinstance(step.body, (bytes, str)):
                        self.send_header("Content-Type", "application/json")
                    for key, value in step.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reply(
        self,
        status: int = 200,
        body: Any = None,
        headers: Optional[dict[str, str]] = None,
        delay: float = 0.0,
    ) -> None:
        self.script.append(Reply(status, body, headers, delay))

    def drop(self) -> None:
        self.script.append(DROP)

    def error(self, status: int, code: str, message: str, headers: Optional[dict[str, str]] = None) -> None:
        self.reply(status, {"error": {"code": code, "message": message}}, headers)

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


def operation(
    operation_id: str = "op-1",
    status: str = "pending",
    progress: int = 0,
    total: Optional[int] = 3,
    result: Any = None,
    error: Optional[str] = None,
    bank_id: str = "bank-1",
    type: str = "batch_retain",
) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "bank_id": bank_id,
        "type": type,
        "status": status,
        "progress": progress,
        "total": total,
        "created_at": "2024-03-15T10:00:00Z",
        "started_at": None if status == "pending" else "2024-03-15T10:00:05Z",
        "completed_at": "2024-03-15T10:01:00Z" if status in ("completed", "failed", "cancelled") else None,
        "error": error,
        "result": result,
    }


def closed_port() -> tuple[str, int]:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "127.0.0.1", port
