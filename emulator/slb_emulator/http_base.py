"""The HTTP plumbing under both APIs: one connection's exchanges.

Owns answering (JSON, XML, any bytes, a redirect), reading a bounded body in bounded time,
dropping a connection unanswered, and http.server's own errors answered as JSON, never as a
5xx. The APIs (slb_api.py, admin.py) are handed a JsonHandler for each request and use only
its public methods; server.py routes to them. Imports wire.py and exceptions.py only.
"""

from __future__ import annotations

import contextlib
import json
import socket
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler

from . import exceptions as exc
from .wire import JsonObject, error_body, to_xml

MAX_BODY = 1024 * 1024
IDLE_TIMEOUT = 60.0   # a keep-alive connection may wait this long for its next request
BODY_TIMEOUT = 5.0    # a body must arrive within this (per read)


class JsonHandler(BaseHTTPRequestHandler):
    """Every method goes to ``route``; answers go out whole, with a Content-Length."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body of every answer on a
    # kept-alive connection waited ~40 ms for the client's delayed ACK (measured by bench/).
    disable_nagle_algorithm = True
    server_version = "SlbEmulator/0.1"
    sys_version = ""
    timeout = IDLE_TIMEOUT

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # http.server's own errors (bad request line, unknown method, ...): JSON, never 5xx.
        if code == 501:
            code, err_code = 405, "UnsupportedHTTPMethod"
        elif code >= 500:
            code, err_code = 400, "BadRequest"
        else:
            err_code = "BadRequest"
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # always answer with a status line
        with contextlib.suppress(OSError):
            self.send_json(code, error_body(
                str(uuid.uuid4()).upper(), err_code, message or "Bad request."))

    def send_json(self, status: int, body: JsonObject, root: str | None = None) -> None:
        """Answer with body as JSON, or as XML under ``root`` when root is given."""
        if root is not None:
            data = to_xml(root, body).encode("utf-8")
            ctype = "text/xml;charset=utf-8"
        else:
            data = json.dumps(body).encode("utf-8")
            ctype = "application/json;charset=utf-8"
        self.send_bytes(status, data, ctype, {"x-acs-request-id": body.get("RequestId")})

    def send_bytes(self, status: int, data: bytes, ctype: str,
                    headers: Mapping[str, str | None] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            if value:
                self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def see_other(self, location: str) -> None:
        """303 to location, with no body."""
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _content_length(self) -> int | None:
        """The body's announced length (None: no body), within MAX_BODY."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise exc.BadRequest("Transfer-Encoding is not supported: send Content-Length.")
        header = self.headers.get("Content-Length")
        if header is None:
            return None
        text = header.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            self.close_connection = True
            raise exc.BadRequest("The Content-Length header is not valid.")
        length = int(text)
        if length > MAX_BODY:
            self.close_connection = True
            raise exc.RequestEntityTooLarge()
        return length

    def read_body(self) -> bytes:
        length = self._content_length()
        if length is None:
            return b""
        chunks, remaining = [], length
        try:
            self.connection.settimeout(BODY_TIMEOUT)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except TimeoutError as e:
            self.close_connection = True
            raise exc.RequestTimeout() from e
        finally:
            with contextlib.suppress(OSError):
                self.connection.settimeout(self.timeout)
        if remaining:
            self.close_connection = True
            raise exc.BadRequest("The request body is shorter than its Content-Length.")
        return b"".join(chunks)

    # --- methods --------------------------------------------------------------------

    def do_GET(self) -> None:
        self.route()

    def do_POST(self) -> None:
        self.route()

    def do_DELETE(self) -> None:
        self.route()

    def do_PUT(self) -> None:
        self.route()

    def do_PATCH(self) -> None:
        self.route()

    def do_HEAD(self) -> None:
        self.route()

    def do_OPTIONS(self) -> None:
        self.route()

    def route(self) -> None:
        """Answer the request just read (server.py's Handler says where it goes)."""
        raise NotImplementedError
