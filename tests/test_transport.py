"""The gateway's HTTP transport on its own: proxies, kept-alive connections, the deadline.

Small servers on 127.0.0.1 play a forward proxy and a server that drops idle connections;
each handles a fixed number of connections and stops with the test.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from slb_master_slave.client.transport import (
    Answer,
    Failure,
    Target,
    Transport,
    TransportFailure,
)

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok": "y"}'


class Server:
    """Calls `handle(conn, head)` for each connection, head = the bytes up to the blank line."""

    def __init__(self, handle: Callable[[socket.socket, bytes], bool]) -> None:
        self.handle = handle
        self.heads: list[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head = data.split(b"\r\n\r\n")[0]
                self.heads.append(head)
                if not self.handle(conn, head):
                    return
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self.listener.close()


StartServer = Callable[[Callable[[socket.socket, bytes], bool]], Server]


@pytest.fixture()
def servers() -> Iterator[Callable[[Callable[[socket.socket, bytes], bool]], Server]]:
    started: list[Server] = []

    def start(handle: Callable[[socket.socket, bytes], bool]) -> Server:
        server = Server(handle)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def send(transport: Transport, target: Target, budget: float = 3.0) -> Answer:
    now = time.monotonic()
    return transport.send(target, "POST", "/?Action=X&Signature=s", {"Accept-Encoding": "identity"}, None,
                          connect_deadline=now + budget, read_seconds=budget, deadline=now + budget)


def test_plain_http_goes_through_the_proxy_with_an_absolute_uri_and_its_credentials(servers: StartServer) -> None:
    def answer(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(OK)
        return True

    proxy = servers(answer)
    target = Target(False, "slb.example.invalid", 8080, f"http://user:p%40ss@127.0.0.1:{proxy.port}")
    answer_ = send(Transport(), target)
    assert answer_.status == 200 and answer_.body == b'{"ok": "y"}'
    [head] = proxy.heads
    assert head.startswith(b"POST http://slb.example.invalid:8080/?Action=X&Signature=s HTTP/1.1\r\n")
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"user:p@ss") in head


def test_https_is_tunnelled_with_connect(servers: StartServer) -> None:
    def tunnel(conn: socket.socket, head: bytes) -> bool:
        if head.startswith(b"CONNECT"):
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            conn.recv(65536)  # the TLS ClientHello, answered as a plain-http server would
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False

    proxy = servers(tunnel)
    with pytest.raises(TransportFailure) as info:
        send(Transport(), Target(True, "127.0.0.1", 9443, f"http://127.0.0.1:{proxy.port}"))
    # http.client (under urllib3) writes CONNECT as HTTP/1.0 before Python 3.12, HTTP/1.1 from it
    version = b"HTTP/1.1" if sys.version_info >= (3, 12) else b"HTTP/1.0"
    assert proxy.heads[0].split(b"\r\n")[0] == b"CONNECT 127.0.0.1:9443 " + version
    assert info.value.failure is Failure.TLS, "the tunnel was made; the handshake behind it failed"


def test_a_proxy_refusing_the_tunnel_is_named(servers: StartServer) -> None:
    def refuse(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return False

    proxy = servers(refuse)
    with pytest.raises(TransportFailure) as info:
        send(Transport(), Target(True, "slb.example.invalid", 443, f"http://127.0.0.1:{proxy.port}"))
    assert info.value.failure is Failure.PROXY and "403" in info.value.detail and not info.value.sent


def test_kept_alive_connections_are_reused_and_a_closed_one_is_not(servers: StartServer) -> None:
    scheduled: set[int] = set()
    dropped = threading.Event()

    def drop(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
        dropped.set()

    def once_then_close_later(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(OK)  # HTTP/1.1 without Connection: close invites reuse...
        if id(conn) not in scheduled:
            scheduled.add(id(conn))
            threading.Timer(0.2, drop, args=(conn,)).start()  # ...then the server drops it
        return True

    server = servers(once_then_close_later)
    transport = Transport()
    target = Target(False, "127.0.0.1", server.port)
    assert send(transport, target).status == 200
    assert send(transport, target).status == 200, "reused at once"
    assert server.connections == 1
    assert dropped.wait(10), "the server dropped the idle connection"
    assert send(transport, target).status == 200, "the dropped idle connection is noticed, not used"
    assert server.connections == 2


def test_headers_dripped_one_byte_at_a_time_still_end_at_the_deadline(servers: StartServer) -> None:
    def drip_headers(conn: socket.socket, head: bytes) -> bool:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
        return False

    server = servers(drip_headers)
    started = time.monotonic()
    with pytest.raises(TransportFailure) as info:
        send(Transport(), Target(False, "127.0.0.1", server.port), budget=1.0)
    assert time.monotonic() - started < 1.3
    assert info.value.failure is Failure.READ_TIMEOUT and info.value.sent


def test_a_host_that_does_not_resolve_fails_within_the_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(TransportFailure) as info:
        send(Transport(), Target(False, "slb.no-such-host.invalid", 8080), budget=3.0)
    assert time.monotonic() - started < 3.5
    # NXDOMAIN where a resolver answers; a resolver that never answers is cut at the deadline
    assert info.value.failure in (Failure.DNS, Failure.CONNECT_TIMEOUT) and not info.value.sent
