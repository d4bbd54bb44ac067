"""Endpoints that misbehave the way real ones do, for the gateway's time and message tests.

Each is a context manager serving on 127.0.0.1 only, from daemon threads, and every
connection it holds is closed after at most `hold` seconds or when the block ends,
whichever comes first: a test can never hang on one. `url` is what goes into
`slb-master-slave:endpoint`; `requests` counts the requests (or connections, for the
kinds that never read a request) it has seen, and `targets` keeps the request lines.

    with BadEndpoint("drip") as bad:          # headers, then one body byte every 0.3 s
        ...configure the provider with bad.url...

Kinds: drip, silent (reads the request, never answers), backlog (a full listen queue:
connecting gets no answer), refused (nothing listens), html404, html501 (an HTTP
server that is not the SLB API, echoing the request line in its page), huge (announces
and streams 400 MB), endless (a body without length that never ends), tls_stall
(accepts TCP and never answers a TLS ClientHello: use with https://), api_error
(answers the API's JSON error `code` with `message`, `{query}` in it replaced by the
percent-encoded query, as the real API's SignatureDoesNotMatch does).
"""

from __future__ import annotations

import contextlib
import json
import select
import selectors
import socket
import threading
import time
from urllib.parse import quote

BACKLOG_FILL_TIMEOUT = 2.0

KINDS = ("drip", "silent", "backlog", "refused", "html404", "html501", "huge", "endless", "tls_stall", "api_error")


class BadEndpoint:
    def __init__(self, kind: str, *, hold: float = 15.0, https: bool = False, code: str = "InternalError",
                 status: int = 500, message: str = "", drip_interval: float = 0.3) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")
        self.kind = kind
        self.hold = hold
        self.https = https
        self.code, self.status, self.message = code, status, message
        self.drip_interval = drip_interval
        self.requests = 0
        self.targets: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._fillers: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.port}"

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> BadEndpoint:
        if self.kind == "refused":
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
            probe.close()  # nothing listens there now
            return self
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        self._listener = listener
        if self.kind == "backlog":
            listener.listen(0)
            self._fill_backlog()
            return self
        listener.listen(64)
        listener.settimeout(0.1)
        threading.Thread(target=self._accept_loop, daemon=True, name=f"bad-{self.kind}").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for sock in [*self._conns, *self._fillers, *([self._listener] if self._listener else [])]:
            with contextlib.suppress(OSError):
                sock.close()

    def _fill_backlog(self) -> None:
        """Connections nobody accepts, until the next connect gets no SYN-ACK; returns once
        the listen queue holds one (a filler's handshake completed)."""
        with selectors.DefaultSelector() as connected:
            for _ in range(8):
                filler = socket.socket()
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", self.port))
                self._fillers.append(filler)
                connected.register(filler, selectors.EVENT_WRITE)
            connected.select(BACKLOG_FILL_TIMEOUT)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # -- one connection ----------------------------------------------------------------
    def _serve(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + self.hold
        try:
            if self.kind == "tls_stall":
                with self._lock:
                    self.requests += 1
                self._idle(conn, deadline)
                return
            while not self._stop.is_set() and time.monotonic() < deadline:
                target = self._read_request(conn, deadline)
                if target is None:
                    return
                with self._lock:
                    self.requests += 1
                    self.targets.append(target)
                if not self._answer(conn, target, deadline):
                    return
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _idle(self, conn: socket.socket, deadline: float) -> None:
        while not self._stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], 0.1)
            if readable and not conn.recv(65536):
                return

    def _read_request(self, conn: socket.socket, deadline: float) -> str | None:
        data = b""
        while b"\r\n\r\n" not in data:
            if self._stop.is_set() or time.monotonic() > deadline or len(data) > 1 << 20:
                return None
            readable, _, _ = select.select([conn], [], [], 0.1)
            if readable:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                data += chunk
                if data.startswith(b"\x16"):  # a TLS ClientHello: answer as plain-http servers do
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    with self._lock:
                        self.requests += 1
                    return None
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
        while len(rest) < length and time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        return lines[0]

    def _answer(self, conn: socket.socket, request_line: str, deadline: float) -> bool:
        """Answer one request; True when the connection may carry another."""
        kind = self.kind
        if kind == "silent":
            self._idle(conn, deadline)
            return False
        if kind in ("html404", "html501"):
            status, reason = (404, "Not Found") if kind == "html404" else (501, "Not Implemented")
            target = request_line.split(" ")[1] if " " in request_line else "/"
            page = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
                    f"<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n"
                    f"<p>The requested URL {target} was not found on this server.</p>\n"
                    "<hr>\n<address>Apache/2.4.41 (Ubuntu) Server at 127.0.0.1</address>\n</body></html>\n")
            body = page.encode()
            conn.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return True
        if kind == "api_error":
            query = request_line.split(" ")[1].partition("?")[2] if " " in request_line else ""
            message = self.message.replace("{query}", quote(query, safe=""))
            body = json.dumps({"RequestId": "BAD-ENDPOINT-REQUEST", "HostId": "127.0.0.1", "Code": self.code,
                               "Message": message}).encode()
            conn.sendall(f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return True
        if kind == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while time.monotonic() < deadline:
                conn.sendall(b" ")
                if self._stop.wait(self.drip_interval):  # paced, and done at once when the block ends
                    break
            return False
        if kind in ("huge", "endless"):
            header = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 419430400\r\n\r\n"
                      if kind == "huge" else b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            conn.sendall(header + b"[")
            block = b"0," * 32768
            conn.settimeout(0.5)
            while not self._stop.is_set() and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError):  # a full socket buffer: look at the clock, go on
                    conn.sendall(block)
            return False
        return False
