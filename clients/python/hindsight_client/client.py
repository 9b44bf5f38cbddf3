"""Synchronous HTTP client for the Hindsight memory API (standard library only)."""

import datetime as _dt
import http.client
import ipaddress
import json
import mimetypes
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable, Optional, Union

from . import __version__
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ConflictError,
    OperationCancelledError,
    OperationFailedError,
    OperationTimeoutError,
    error_from_response,
)

__all__ = ["Hindsight", "OperationList", "DEFAULT_BASE_URL", "TERMINAL_STATUSES"]

DEFAULT_BASE_URL = "http://localhost:8888"
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
# The longest wait the server accepts on a GET of an operation.
MAX_WAIT_SECONDS = 60.0

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE"})
_NO_BODY = object()

Item = Union[str, Mapping[str, Any]]
Operation = dict[str, Any]


class OperationList(list):
    """A page of operations: a plain list plus the page's ``total``, ``limit`` and ``offset``."""

    def __init__(
        self,
        operations: Iterable[Operation] = (),
        *,
        total: Optional[int] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        bank_id: Optional[str] = None,
    ) -> None:
        super().__init__(operations)
        self.total = len(self) if total is None else total
        self.limit = limit
        self.offset = offset
        self.bank_id = bank_id

    def __repr__(self) -> str:
        return (
            f"OperationList({list.__repr__(self)}, total={self.total!r}, "
            f"limit={self.limit!r}, offset={self.offset!r})"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _path_segment(value: Any, name: str) -> str:
    if value is None or str(value) == "":
        raise ValueError(f"{name} must be a non-empty string")
    quoted = urllib.parse.quote(str(value), safe=":")
    # "." and ".." would be collapsed by URL normalisation and hit another route.
    if quoted in (".", ".."):
        quoted = quoted.replace(".", "%2E")
    return quoted


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def _is_loopback(host: Optional[str]) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    return isinstance(exc, (socket.timeout, TimeoutError))


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _normalize_items(contents: Iterable[Item], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    # A bare string would otherwise be iterated character by character.
    if isinstance(contents, (str, bytes, Mapping)):
        raise TypeError("contents must be a list of items ({'content': ...} dicts or strings)")
    items: list[dict[str, Any]] = []
    for index, item in enumerate(contents):
        if isinstance(item, str):
            entry: dict[str, Any] = {"content": item}
        elif isinstance(item, Mapping):
            if "content" not in item:
                raise ValueError(f"contents[{index}] has no 'content' key")
            entry = {k: v for k, v in item.items() if v is not None}
        else:
            raise TypeError(
                f"contents[{index}] must be a dict with 'content' or a string, not {type(item).__name__}"
            )
        for key, value in defaults.items():
            if value is not None and key not in entry:
                entry[key] = value
        items.append(entry)
    return items


class Hindsight:
    """Client for one Hindsight server.

    ``base_url`` defaults to the ``HINDSIGHT_API_URL`` environment variable,
    then ``http://localhost:8888``; ``api_key`` defaults to ``HINDSIGHT_API_KEY``
    and is sent as ``Authorization: Bearer``.  GET and DELETE calls, and POSTs
    that carry a caller-chosen ``operation_id`` (a repeat names the same
    operation, so it cannot start twice), are retried with exponential backoff
    on 429, 5xx and connection failures; other POSTs are sent once.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        *,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        url = base_url or os.environ.get("HINDSIGHT_API_URL") or DEFAULT_BASE_URL
        url = url.strip()
        if "://" not in url:
            url = "http://" + url
        self.base_url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else (os.environ.get("HINDSIGHT_API_KEY") or None)
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self._headers = {
            "Accept": "application/json",
            "User-Agent": f"hindsight-client-python/{__version__}",
        }
        if self.api_key:
            self._headers["Authorization"] = f"Bearer {self.api_key}"
        if headers:
            self._headers.update(headers)
        host = urllib.parse.urlsplit(self.base_url).hostname
        # A proxy taken from the environment cannot reach a server on this machine.
        handlers = [urllib.request.ProxyHandler({})] if _is_loopback(host) else []
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"Hindsight(base_url={self.base_url!r})"

    def __enter__(self) -> "Hindsight":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own connection."""

    # ------------------------------------------------------------------ HTTP

    def _bank_path(self, bank_id: str, *segments: Any) -> str:
        parts = ["v1", "default", "banks", _path_segment(bank_id, "bank_id")]
        for segment in segments:
            if isinstance(segment, tuple):
                value, name = segment
                parts.append(_path_segment(value, name))
            else:
                parts.append(segment)
        return "/" + "/".join(parts)

    def _url(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        url = self.base_url + path
        if query:
            pairs = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs, doseq=True)
        return url

    def _backoff(self, attempt: int, retry_after: Optional[float] = None) -> float:
        if retry_after is not None:
            return retry_after
        delay = min(self.backoff_max, self.backoff_factor * (2**attempt))
        # Jitter keeps many clients that failed together from retrying together.
        return delay * (0.5 + random.random() / 2)

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = _NO_BODY,
        form: Optional[tuple[bytes, str]] = None,
        retry: Optional[bool] = None,
    ) -> Any:
        url = self._url(path, query)
        headers = dict(self._headers)
        data = None
        if body is not _NO_BODY:
            data = json.dumps(body, default=_json_default).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if form is not None:
            data, headers["Content-Type"] = form
        may_retry = method in _IDEMPOTENT_METHODS if retry is None else retry
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    raw = response.read()
                return _decode(raw)
            except urllib.error.HTTPError as exc:
                try:
                    raw = exc.read()
                except (OSError, http.client.HTTPException):
                    raw = b""
                finally:
                    exc.close()
                error = error_from_response(exc.code, raw, exc.headers, method=method, url=url)
                # 501: a feature the server does not serve; asking again cannot change that.
                retryable = exc.code == 429 or (exc.code >= 500 and exc.code != 501)
                if may_retry and retryable and attempt < self.max_retries:
                    time.sleep(self._backoff(attempt, error.retry_after))
                    attempt += 1
                    continue
                error.attempts = attempt + 1
                raise error from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                cls = APITimeoutError if _is_timeout(exc) else APIConnectionError
                error = cls(
                    f"{method} {url} failed: {reason or type(exc).__name__}",
                    method=method,
                    url=url,
                )
                if may_retry and attempt < self.max_retries:
                    time.sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                error.attempts = attempt + 1
                raise error from exc

    def _start_operation(
        self,
        bank_id: str,
        path: str,
        body: dict[str, Any],
        operation_id: Optional[str],
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Operation:
        if operation_id is not None:
            body["operation_id"] = operation_id
        if metadata is not None:
            body["metadata"] = dict(metadata)
        try:
            return self._request("POST", path, body=body, retry=operation_id is not None)
        except ConflictError as exc:
            # An earlier attempt got through but its answer was lost: the
            # operation exists under the caller's id, so report it.
            if operation_id is not None and exc.attempts > 1:
                return self.get_operation(bank_id, operation_id)
            raise

    # ---------------------------------------------------------------- health

    def health(self) -> dict[str, Any]:
        """``GET /health``; a 503 raises ``ServiceUnavailableError`` naming the failing part."""
        return self._request("GET", "/health")

    # ---------------------------------------------------------------- retain

    def retain(
        self,
        bank_id: str,
        content: Optional[str] = None,
        *,
        contents: Optional[Iterable[Item]] = None,
        context: Optional[str] = None,
        timestamp: Union[str, _dt.datetime, None] = None,
        document_id: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        operation_id: Optional[str] = None,
    ) -> dict[str, Any]:
        """Store one ``content`` (or several ``contents``) and wait for the memories.

        The keyword fields apply to every item that does not set its own.
        Returns ``{"bank_id", "items_count", "memory_ids"}`` (with a model
        provider also ``failed_items`` and ``operation_id``).  Above 100 items
        or 100 KB the server answers 413; use ``retain_batch_async`` then.
        """
        if (content is None) == (contents is None):
            raise ValueError("pass exactly one of content or contents")
        defaults = {
            "context": context,
            "timestamp": timestamp,
            "document_id": document_id,
            "metadata": dict(metadata) if metadata is not None else None,
            "tags": list(tags) if tags is not None else None,
        }
        source: Iterable[Item] = [content] if content is not None else (contents or [])
        items = _normalize_items(source, defaults)
        body: dict[str, Any] = {"items": items}
        if operation_id is not None:
            body["operation_id"] = operation_id
        answer = self._request(
            "POST", self._bank_path(bank_id, "memories"), body=body, retry=operation_id is not None
        )
        if "memory_ids" in answer:
            return answer
        # With a model provider the server answers with the operation when it outlasts the server's wait.
        result = self.wait_for_operation(bank_id, answer["operation_id"], poll_interval=0.5) or {}
        return {
            "bank_id": bank_id,
            "items_count": len(items),
            "memory_ids": result.get("memory_ids", []),
            "failed_items": result.get("failed_items", []),
            "operation_id": answer["operation_id"],
        }

    def retain_batch(
        self,
        bank_id: str,
        contents: Iterable[Item],
        *,
        document_id: Optional[str] = None,
        operation_id: Optional[str] = None,
    ) -> dict[str, Any]:
        """Synchronous batch retain: ``{"bank_id", "items_count", "memory_ids"}``."""
        return self.retain(bank_id, contents=contents, document_id=document_id, operation_id=operation_id)

    def retain_batch_async(
        self,
        bank_id: str,
        contents: Iterable[Item],
        operation_id: Optional[str] = None,
        *,
        document_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Operation:
        """Queue a ``batch_retain`` operation and return it at once (status ``pending`` or ``running``).

        ``metadata`` labels the operation (string keys and values: at most 16 keys of 1 to 64 letters,
        digits, ``_``, ``.`` or ``-``, values up to 256 characters; past that ``BadRequestError``). It is
        returned in the operation's ``metadata`` and filtered on by ``list_operations(metadata=...)``."""
        items = _normalize_items(contents, {"document_id": document_id})
        return self._start_operation(
            bank_id,
            self._bank_path(bank_id, "memories"),
            {"items": items, "async": True},
            operation_id,
            metadata,
        )

    def retain_files(
        self,
        bank_id: str,
        files: Iterable[Union[str, os.PathLike, tuple[str, Union[str, bytes]]]],
        files_metadata: Optional[list[Mapping[str, Any]]] = None,
    ) -> dict[str, Any]:
        """Upload text files (paths, or ``(name, text)`` pairs): each is one document of a single
        ``batch_retain``, answered at once as ``{"operation_ids": [id]}``. ``files_metadata`` gives each file,
        in order, its ``document_id`` (default: the file name), ``context``, ``tags`` or ``metadata``. Not
        retried: a second upload would retain the files twice."""
        boundary = f"hindsight-{uuid.uuid4().hex}"
        parts: list[bytes] = []
        for file in files:
            if isinstance(file, tuple):
                name, content = file
                data = content.encode("utf-8") if isinstance(content, str) else content
            else:
                name = os.path.basename(os.fspath(file))
                with open(file, "rb") as f:
                    data = f.read()
            kind = mimetypes.guess_type(name)[0] or "text/plain"
            quoted = name.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
                f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n"
            )
        request = json.dumps({"files_metadata": [dict(m) for m in files_metadata or []]})
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n{request}\r\n'.encode()
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._request(
            "POST",
            self._bank_path(bank_id, "files", "retain"),
            form=(body, f"multipart/form-data; boundary={boundary}"),
            retry=False,
        )

    # ------------------------------------------------------------ operations

    def get_operation(self, bank_id: str, operation_id: str, wait: Optional[float] = None) -> Operation:
        """The operation; with ``wait`` (seconds, at most 60) the server holds the answer until the
        operation ends or the wait runs out. A server without waits answers at once."""
        query = None if wait is None else {"wait": "%gs" % round(min(wait, MAX_WAIT_SECONDS), 3)}
        return self._request(
            "GET", self._bank_path(bank_id, "operations", (operation_id, "operation_id")), query=query
        )

    def list_operations(
        self,
        bank_id: str,
        status: Optional[str] = None,
        type: Optional[str] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        *,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> OperationList:
        """One page of operations, newest first; iterate it like a list, read ``.total`` for the count.

        ``metadata`` keeps the operations labelled with every one of its pairs (exact matches)."""
        query: dict[str, Any] = {"status": status, "type": type, "limit": limit, "offset": offset}
        for key, value in (metadata or {}).items():
            query["metadata." + key] = value
        page = self._request("GET", self._bank_path(bank_id, "operations"), query=query)
        return OperationList(
            page.get("operations", []),
            total=page.get("total"),
            limit=page.get("limit"),
            offset=page.get("offset"),
            bank_id=page.get("bank_id", bank_id),
        )

    def iter_operations(
        self,
        bank_id: str,
        status: Optional[str] = None,
        type: Optional[str] = None,
        page_size: int = 100,
        *,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Iterator[Operation]:
        """Every matching operation across pages, newest first."""
        offset = 0
        while True:
            page = self.list_operations(
                bank_id, status=status, type=type, limit=page_size, offset=offset, metadata=metadata
            )
            yield from page
            offset += len(page)
            if not page or offset >= page.total:
                return

    def cancel_operation(self, bank_id: str, operation_id: str) -> Operation:
        """Cancel a pending or running operation.

        The answer may still say ``running`` while the work stops; poll
        ``get_operation`` (or ``wait_for_operation``) for the final ``cancelled``.
        Cancelling an operation that already ended raises ``ConflictError``.
        """
        return self._request("DELETE", self._bank_path(bank_id, "operations", (operation_id, "operation_id")))

    def retry_operation(self, bank_id: str, operation_id: str) -> Operation:
        """Retain again, as a new ``batch_retain``, the items an ended batch retain failed on.

        Returns the new operation (its ``retry_of`` names ``operation_id``).  Raises
        ``ConflictError`` when the operation has not ended, has no failed items, or
        was already retried (the message names the retry to retry instead).
        """
        answer = self._request(
            "POST", self._bank_path(bank_id, "operations", (operation_id, "operation_id"), "retry")
        )
        return answer["operation"]

    def delete_operation(self, bank_id: str, operation_id: str) -> dict[str, Any]:
        """Delete the record of an ended operation (the memories it wrote stay).

        Raises ``ConflictError`` for one that has not ended: cancel it first.
        """
        return self._request(
            "DELETE", self._bank_path(bank_id, "operations", (operation_id, "operation_id"), "delete")
        )

    def cancel_pending_operations(self, bank_id: str) -> list[Operation]:
        """Cancel every pending operation of the bank; returns the cancelled operations."""
        answer = self._request(
            "POST", self._bank_path(bank_id, "operations", "cancel"), body={"status": "pending"}
        )
        return list(answer.get("cancelled", [])) if isinstance(answer, dict) else list(answer or [])

    def wait_for_operation(
        self,
        bank_id: str,
        operation_id: str,
        poll_interval: float = 5,
        timeout: Optional[float] = None,
        on_progress: Optional[Callable[[Operation], Any]] = None,
    ) -> Any:
        """Wait until the operation ends and return its ``result`` (GETs that wait on the server).

        Raises ``OperationFailedError`` or ``OperationCancelledError`` (both
        carry ``.operation``) when it did not complete, and
        ``OperationTimeoutError`` (a ``TimeoutError``) after ``timeout`` seconds.
        ``on_progress`` receives every non-final state seen.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        # The first GET answers at once; the next ones wait on the server up to the poll interval and come
        # back as soon as the operation ends. A server that ignores the wait answers at once, and is asked
        # again after the rest of the interval, as plain polling would.
        wait: Optional[float] = None
        while True:
            asked = time.monotonic()
            operation = self.get_operation(bank_id, operation_id, wait=wait)
            status = operation.get("status")
            if status == "completed":
                return operation.get("result")
            if status == "failed":
                raise OperationFailedError(operation)
            if status == "cancelled":
                raise OperationCancelledError(operation)
            if on_progress is not None:
                on_progress(operation)
            left = 0.0 if wait is None else poll_interval - (time.monotonic() - asked)
            wait = min(poll_interval, MAX_WAIT_SECONDS)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationTimeoutError(operation, float(timeout or 0))
                left = min(left, remaining)
                wait = min(wait, remaining)
            if self.timeout is not None:
                # The socket must stay open for the whole wait.
                wait = min(wait, max(self.timeout - 1, 0))
            if left > 0:
                time.sleep(left)

    def regenerate_observations(
        self,
        bank_id: str,
        entity_ids: Optional[Iterable[str]] = None,
        *,
        operation_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Operation:
        """Start a ``regenerate_observations`` operation (all entities when ``entity_ids`` is None)."""
        body: dict[str, Any] = {}
        if entity_ids is not None:
            body["entity_ids"] = list(entity_ids)
        return self._start_operation(
            bank_id, self._bank_path(bank_id, "observations", "regenerate"), body, operation_id, metadata
        )

    def update_graph(
        self,
        bank_id: str,
        full_rebuild: bool = False,
        *,
        operation_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Operation:
        """Start a ``graph_update`` operation."""
        return self._start_operation(
            bank_id,
            self._bank_path(bank_id, "graph", "update"),
            {"full_rebuild": bool(full_rebuild)},
            operation_id,
            metadata,
        )

    # -------------------------------------------------------------- memories

    def list_memories(
        self,
        bank_id: str,
        operation_id: Optional[str] = None,
        document_id: Optional[str] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> dict[str, Any]:
        """``{"bank_id", "memories", "total", "limit", "offset"}``."""
        return self._request(
            "GET",
            self._bank_path(bank_id, "memories"),
            query={
                "operation_id": operation_id,
                "document_id": document_id,
                "limit": limit,
                "offset": offset,
            },
        )

    def get_memory(self, bank_id: str, memory_id: str) -> dict[str, Any]:
        return self._request("GET", self._bank_path(bank_id, "memories", (memory_id, "memory_id")))

    def get_memory_links(self, bank_id: str, memory_id: str) -> dict[str, Any]:
        """``{"memory_id", "links": [{"target_id", "kind", "weight"}]}``."""
        return self._request("GET", self._bank_path(bank_id, "memories", (memory_id, "memory_id"), "links"))

    def recall(self, bank_id: str, query: str, limit: Optional[int] = None) -> dict[str, Any]:
        """``{"bank_id", "query", "results": [memory + "score"]}``."""
        body: dict[str, Any] = {"query": query}
        if limit is not None:
            body["limit"] = limit
        # Recall only reads, so a retry cannot duplicate anything.
        return self._request("POST", self._bank_path(bank_id, "memories", "recall"), body=body, retry=True)

    def reflect(
        self,
        bank_id: str,
        query: str,
        context: Optional[str] = None,
        budget: Optional[str] = None,
    ) -> dict[str, Any]:
        """``{"text", "based_on": {"memories": [...]}, "usage"}``: the server's chat model answers from the bank's
        memories and cites them. A server without a model provider answers 501 saying so."""
        body: dict[str, Any] = {"query": query}
        if context is not None:
            body["context"] = context
        if budget is not None:
            body["budget"] = budget
        # Reflect stores nothing, so asking again cannot duplicate anything.
        return self._request("POST", self._bank_path(bank_id, "reflect"), body=body, retry=True)

    # -------------------------------------------------------------- entities

    def list_entities(
        self, bank_id: str, limit: Optional[int] = None, offset: Optional[int] = None
    ) -> dict[str, Any]:
        """``{"bank_id", "entities", "total", "limit", "offset"}``."""
        return self._request(
            "GET", self._bank_path(bank_id, "entities"), query={"limit": limit, "offset": offset}
        )

    def get_entity(self, bank_id: str, entity_id: str) -> dict[str, Any]:
        """The entity with its ``observation`` (or None before one was generated)."""
        return self._request("GET", self._bank_path(bank_id, "entities", (entity_id, "entity_id")))

    # -------------------------------------------------------------- webhooks

    def configure_webhook(
        self,
        bank_id: str,
        url: str,
        events: Iterable[str],
        secret: Optional[str] = None,
        operation_types: Optional[Iterable[str]] = None,
    ) -> dict[str, Any]:
        """Register a webhook for ``operation.completed`` / ``.failed`` / ``.cancelled``.

        ``operation_types`` (e.g. ``["batch_retain"]``) limits deliveries to operations of those types,
        leaving out the ``graph_update`` and ``regenerate_observations`` follow-ups every retain queues;
        omitted: every type.
        """
        body: dict[str, Any] = {"url": url, "events": list(events)}
        if secret is not None:
            body["secret"] = secret
        if operation_types is not None:
            body["operation_types"] = list(operation_types)
        return self._request("POST", self._bank_path(bank_id, "webhooks"), body=body)

    def list_webhooks(self, bank_id: str) -> Any:
        return self._request("GET", self._bank_path(bank_id, "webhooks"))

    def get_webhook(self, bank_id: str, webhook_id: str) -> dict[str, Any]:
        return self._request("GET", self._bank_path(bank_id, "webhooks", (webhook_id, "webhook_id")))

    def update_webhook(self, bank_id: str, webhook_id: str, **fields: Any) -> dict[str, Any]:
        """PATCH the given fields (``url``, ``events``, ``operation_types``, ``secret``, ``enabled``)."""
        for listed in ("events", "operation_types"):
            if listed in fields and fields[listed] is not None:
                fields[listed] = list(fields[listed])
        return self._request(
            "PATCH", self._bank_path(bank_id, "webhooks", (webhook_id, "webhook_id")), body=fields
        )

    def delete_webhook(self, bank_id: str, webhook_id: str) -> None:
        self._request("DELETE", self._bank_path(bank_id, "webhooks", (webhook_id, "webhook_id")))

    def list_webhook_deliveries(
        self, bank_id: str, webhook_id: str, limit: Optional[int] = None, offset: Optional[int] = None
    ) -> Any:
        return self._request(
            "GET",
            self._bank_path(bank_id, "webhooks", (webhook_id, "webhook_id"), "deliveries"),
            query={"limit": limit, "offset": offset},
        )
