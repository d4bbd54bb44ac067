"""A loopback proxy in front of the emulator that mangles chosen answers.

The emulator answers like the API; the network between the provider and the API does
not always. This proxy forwards every request unchanged and, for the next `count`
requests of a chosen action, lets the emulator apply it but hands back a mangled
answer: HTML, a truncated JSON body, a JSON answer without the call's fields, or a body
cut off before its declared length. It lives on 127.0.0.1 only and each exchange is
bounded by a timeout.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .environment import LOOPBACK_OPENER

MANGLES = ("html", "truncated", "fieldless", "cut")
UPSTREAM_TIMEOUT = 10.0


def _action(path: str, body: bytes | None) -> str:
    """The API action a request names, in its query or its form body."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    return (query.get("Action") or form.get("Action") or [""])[0]


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    proxy: ManglingProxy


class _Handler(http.server.BaseHTTPRequestHandler):
    """Forwards one request to the emulator and answers with what the proxy's plan says."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        status, payload = self._upstream(proxy.upstream, body)
        mangle = proxy._take(_action(self.path, body)) if status == 200 else None
        if mangle is None:
            self._answer(status, payload, "application/json")
        elif mangle == "html":
            self._answer(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        elif mangle == "truncated":
            self._answer(200, payload[: max(1, len(payload) // 2)], "application/json")
        elif mangle == "fieldless":
            request_id = json.loads(payload).get("RequestId", "mangled")
            self._answer(200, json.dumps({"RequestId": request_id}).encode(), "application/json")
        else:
            self._cut(payload)

    def _upstream(self, upstream: str, body: bytes | None) -> tuple[int, bytes]:
        """The emulator's answer to this request, sent unchanged: (status, body)."""
        request = urllib.request.Request(upstream + self.path, data=body, method=self.command,
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        try:
            with LOOPBACK_OPENER.open(request, timeout=UPSTREAM_TIMEOUT) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _cut(self, payload: bytes) -> None:
        """Declare the whole body, send half, close."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload[: len(payload) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _answer(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class ManglingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._lock = threading.Lock()
        self._plan: dict[str, list[str]] = {}  # action -> mangles still to apply, in order
        self.mangled: list[tuple[str, str]] = []
        self._server = _ProxyServer(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def mangle(self, action: str, *kinds: str) -> None:
        """The next answers to `action` (after the emulator applied it) come back as `kinds`."""
        assert all(kind in MANGLES for kind in kinds), kinds
        with self._lock:
            self._plan.setdefault(action, []).extend(kinds)

    def _take(self, action: str) -> str | None:
        with self._lock:
            pending = self._plan.get(action)
            if not pending:
                return None
            kind = pending.pop(0)
            self.mangled.append((action, kind))
            return kind

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()
            self.mangled.clear()

    def __enter__(self) -> ManglingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
