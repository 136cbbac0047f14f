"""A local stand-in for the part of Handwrytten's API v2 that a handwritten note touches.

Endpoints (paths relative to the SDK's base URL, ``…/v2/``):

- ``GET  orders/list``        newest orders first, ``{"orders": [...]}``
- ``GET  basket/allNew``      the account's unsent basket, ``{"items": [...]}``
- ``POST orders/placeBasket`` adds one item per ``addresses`` row, answers ``{"order_id": …}``
- ``POST basket/send``        submits every basket item, answers ``{"items": {id: order}}``

Like the real API it authenticates with the bare API key as the ``Authorization`` header
(401 otherwise), refuses with ``{"httpCode": 400, "error": "..."}`` and keeps the basket per
account. It stores ``client_metadata`` and echoes it in listings, which is what lets a client
find an order it placed before; it does not dedupe orders itself, because the real API
documents no such thing and a fake that did would hide a client that relies on it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

API_PREFIX = "/v2/"
REQUIRED_ADDRESS_FIELDS = ("to_address1", "to_city", "to_zip")


@dataclass
class _Failure:
    remaining: int
    status: int
    path: str | None


@dataclass
class FakeHandwrytten:
    """The state of one fake account; ``serve()`` puts it on 127.0.0.1 on a free port."""

    api_key: str
    basket: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _rejected: dict[str, str] = field(default_factory=dict)
    _next_id: int = 70001
    _lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def fail_next(self, count: int, *, status: int = 503, path: str | None = None) -> None:
        """Answer the next ``count`` requests (to ``path`` only, if given) with ``status``."""
        with self._lock:
            self._failures.append(_Failure(count, status, path))

    def reject_address(self, fragment: str, error: str = "address error") -> None:
        """Refuse any order whose recipient address contains ``fragment``, as the API does."""
        with self._lock:
            self._rejected[fragment] = error

    @contextmanager
    def serve(self) -> Iterator[FakeHandwrytten]:
        server = _Server(("127.0.0.1", 0), _Handler, self)
        # A short poll interval: shutdown() waits for it, once per test.
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}{API_PREFIX}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def handle(
        self, method: str, path: str, authorization: str | None, body: Any
    ) -> tuple[int, Any]:
        with self._lock:
            self.calls.append((method, path))
            for failure in self._failures:
                if failure.remaining > 0 and failure.path in (None, path):
                    failure.remaining -= 1
                    return failure.status, {
                        "httpCode": failure.status,
                        "status": "error",
                        "message": "Service Unavailable",
                    }
            if authorization != self.api_key:
                return 401, {"httpCode": 401, "status": "error", "message": "no auth"}
            route = {
                ("GET", "orders/list"): self._list_orders,
                ("GET", "basket/allNew"): self._list_basket,
                ("POST", "orders/placeBasket"): self._place_basket,
                ("POST", "basket/send"): self._send_basket,
            }.get((method, path))
            if route is None:
                return 404, {"httpCode": 404, "status": "error", "message": "not found"}
            return route(body)

    def _list_orders(self, _: Any) -> tuple[int, Any]:
        return 200, {"httpCode": 200, "status": "ok", "orders": self.orders[::-1]}

    def _list_basket(self, _: Any) -> tuple[int, Any]:
        return 200, {"httpCode": 200, "status": "ok", "items": list(self.basket), "test_mode": 0}

    def _place_basket(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("card_id"), int):
            return 400, {"httpCode": 400, "error": "card id error"}
        rows = body.get("addresses")
        if not isinstance(rows, list) or not rows:
            return 400, {"httpCode": 400, "error": "addresses count error"}
        for row in rows:
            if not all(row.get(name) for name in REQUIRED_ADDRESS_FIELDS):
                return 400, {"httpCode": 400, "error": "address error"}
            text = " ".join(str(value) for name, value in row.items() if name.startswith("to_"))
            for fragment, error in self._rejected.items():
                if fragment in text:
                    return 400, {"httpCode": 400, "error": error}
        first_id = self._next_id
        for row in rows:
            self.basket.append(
                {
                    "id": self._next_id,
                    "status": "basket",
                    "card_id": body["card_id"],
                    "font": body.get("font"),
                    "message": row.get("message", body.get("message")),
                    "client_metadata": body.get("client_metadata"),
                    "address": row,
                }
            )
            self._next_id += 1
        return 200, {"httpCode": 200, "status": "ok", "order_id": first_id}

    def _send_basket(self, _: Any) -> tuple[int, Any]:
        if not self.basket:
            # The real wording for an empty basket is not documented.
            return 400, {"httpCode": 400, "error": "basket is empty"}
        sent = [{**item, "status": "processing"} for item in self.basket]
        self.orders.extend(sent)
        self.basket.clear()
        items = {str(order["id"]): order for order in sent}
        return 200, {"httpCode": 200, "status": "ok", "items": items}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeHandwrytten
    ) -> None:
        super().__init__(address, handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            status, answer = 400, {"httpCode": 400, "error": "invalid json"}
        else:
            if url.path.startswith(API_PREFIX):
                path = url.path.removeprefix(API_PREFIX)
                auth = self.headers.get("Authorization")
                status, answer = self.server.fake.handle(method, path, auth, body)
            else:
                status, answer = 404, {"httpCode": 404, "status": "error", "message": "not found"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep pytest's output free of access logs."""
