"""HTTP for the gateway: one request inside a hard deadline, a size cap, classified failures.

The SDK signs; this module sends. The SDK's own transport (vendored requests,
`timeout=(connect, read)`, the whole body read at once) can give neither a total deadline
nor a size cap: a server dripping one byte every 0.3 s resets its read timeout forever,
and a 400 MB answer is read into memory whole. Here every socket operation gets the time
left before the request's deadline as its timeout, so no phase (connect, TLS handshake,
sending, headers, body) can outlive it; an answer larger than `MAX_ANSWER_BYTES` is
refused after at most that many bytes; and every failure comes out as a `TransportFailure`
of a known `Failure` class, so the retry policy and the question "may the request have
reached the server?" are decided from the class, never from message text.

Standard library only (http.client, socket, ssl); idle connections are kept per
(scheme, host, port, proxy) and checked before reuse.
"""

from __future__ import annotations

import base64
import concurrent.futures
import enum
import functools
import http.client
import io
import ipaddress
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_ANSWER_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
_POOL_SIZE = 16


class Failure(enum.Enum):
    """What went wrong on the wire, in words a message can use."""

    DNS = "the host name does not resolve"
    REFUSED = "connection refused"
    UNREACHABLE = "network unreachable"
    CONNECT_TIMEOUT = "no connection within the time left"
    TLS = "TLS handshake failed"
    PROXY = "the proxy refused the tunnel"
    SEND_FAILED = "the connection broke while sending"
    READ_TIMEOUT = "no complete answer within the time left"
    DROPPED = "the connection was dropped before a complete answer"
    TOO_LARGE = "the answer is larger than 1 MiB"
    BAD_HTTP = "the answer is not HTTP"


class TransportFailure(Exception):
    """A request that got no usable answer; `sent` = the whole request went out."""

    def __init__(self, failure: Failure, detail: str, *, sent: bool, status: int | None = None) -> None:
        self.failure = failure
        self.detail = detail
        self.sent = sent
        self.status = status
        super().__init__(f"{failure.value}: {detail}" if detail else failure.value)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Target:
    """Where a request goes: scheme, host and port, and the proxy URL if any."""

    https: bool
    host: str
    port: int
    proxy: str | None = None

    @property
    def origin(self) -> str:
        default = 443 if self.https else 80
        port = "" if self.port == default else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.https else 'http'}://{host}{port}"


class _DeadlineSocket:
    """A socket whose every send and receive times out at one deadline, not per call."""

    def __init__(self, sock: socket.socket, clock: Callable[[], float]) -> None:
        self.sock = sock
        self.deadline = float("inf")
        self.received = 0
        self._clock = clock
        self._readers = 0
        self._closed = False

    def arm(self) -> None:
        left = self.deadline - self._clock()
        if left <= 0:
            raise TimeoutError("deadline reached")
        self.sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self.arm()
        self.sock.sendall(data)

    def recv_into(self, buffer: Any) -> int:
        self.arm()
        n = self.sock.recv_into(buffer)
        self.received += n
        return n

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_Reader(self), 8192)

    def close(self) -> None:
        """Like a socket with files made from it: really closed once the last reader is."""
        self._closed = True
        if self._readers == 0:
            self.sock.close()

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closed and self._readers == 0:
            self.sock.close()

    def stale(self) -> bool:
        """An idle kept-alive connection with anything to read has been closed (or spoken on)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class _Reader(io.RawIOBase):
    def __init__(self, owner: _DeadlineSocket) -> None:
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._owner.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._owner.reader_closed()
        super().close()


class _Connection(http.client.HTTPConnection):
    """http.client on a socket we opened ourselves (connect never runs here)."""

    def __init__(self, host: str, port: int, sock: _DeadlineSocket) -> None:
        super().__init__(host, port)
        self.sock = sock
        self.deadline_socket = sock

    def connect(self) -> None:  # pragma: no cover - the socket is always given
        raise http.client.NotConnected("connection closed")


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """Verify against ALIBABA_CLOUD_CA_BUNDLE or the bundle the SDK ships, as the SDK does."""
    bundle = os.environ.get("ALIBABA_CLOUD_CA_BUNDLE")
    if not bundle:
        try:
            from aliyunsdkcore.vendored.requests.certs import where

            bundle = where()
        except ImportError:  # pragma: no cover - the SDK is a dependency
            bundle = None
    return ssl.create_default_context(cafile=bundle)


_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="slb-dns")


def _resolve(host: str, port: int, deadline: float, clock: Callable[[], float]) -> list[Any]:
    """getaddrinfo honours no timeout: a hostname resolves in a helper thread we stop waiting for."""
    try:
        ipaddress.ip_address(host)
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except ValueError:
        pass
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=max(0.0, deadline - clock()))
    except concurrent.futures.TimeoutError:
        raise TransportFailure(Failure.CONNECT_TIMEOUT, f"resolving {host} took too long", sent=False) from None
    except socket.gaierror as error:
        raise TransportFailure(Failure.DNS, f"{host}: {error.strerror or error}", sent=False) from None


def _open_socket(host: str, port: int, deadline: float, clock: Callable[[], float]) -> socket.socket:
    last: TransportFailure | None = None
    for family, kind, proto, _, address in _resolve(host, port, deadline, clock):
        left = deadline - clock()
        if left <= 0:
            break
        sock = socket.socket(family, kind, proto)
        sock.settimeout(left)
        try:
            sock.connect(address)
        except ConnectionRefusedError:
            last = TransportFailure(Failure.REFUSED, "", sent=False)
        except TimeoutError:
            last = TransportFailure(Failure.CONNECT_TIMEOUT, "", sent=False)
        except OSError as error:
            last = TransportFailure(Failure.UNREACHABLE, error.strerror or str(error), sent=False)
        else:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        sock.close()
    raise last or TransportFailure(Failure.CONNECT_TIMEOUT, "", sent=False)


def _proxy_auth(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy)
    if parts.username is None:
        return {}
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _tunnel(sock: _DeadlineSocket, target: Target, proxy: str) -> None:
    """CONNECT host:port through an http proxy; its answer must be 2xx."""
    authority = f"{target.host}:{target.port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    lines += [f"{k}: {v}" for k, v in _proxy_auth(proxy).items()]
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        reader = sock.makefile()
        status_line = reader.readline(65537).decode("latin-1", "replace")
        while True:
            line = reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
    except TimeoutError:
        raise TransportFailure(Failure.CONNECT_TIMEOUT, "the proxy did not answer CONNECT", sent=False) from None
    except OSError as error:
        raise TransportFailure(Failure.PROXY, error.strerror or str(error), sent=False) from None
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[1].startswith("2"):
        raise TransportFailure(Failure.PROXY, status_line.strip()[:100], sent=False)


class Transport:
    """Sends one request at a time per call; safe to share between threads."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._idle: dict[Target, list[_Connection]] = {}
        self._lock = threading.Lock()

    def _connect(self, target: Target, deadline: float) -> _Connection:
        proxy = urlsplit(target.proxy) if target.proxy else None
        if proxy is not None:
            raw = _open_socket(proxy.hostname or "", proxy.port or 80, deadline, self._clock)
        else:
            raw = _open_socket(target.host, target.port, deadline, self._clock)
        sock = _DeadlineSocket(raw, self._clock)
        sock.deadline = deadline
        try:
            if target.https:
                if target.proxy:
                    _tunnel(sock, target, target.proxy)
                raw.settimeout(max(0.001, deadline - self._clock()))
                try:
                    sock.sock = _tls_context().wrap_socket(raw, server_hostname=target.host)
                except TimeoutError:
                    raise TransportFailure(Failure.CONNECT_TIMEOUT, "the TLS handshake stalled", sent=False) from None
                except ssl.SSLError as error:
                    raise TransportFailure(Failure.TLS, error.reason or str(error), sent=False) from None
                except OSError as error:
                    raise TransportFailure(Failure.TLS, error.strerror or str(error), sent=False) from None
        except BaseException:
            raw.close()
            raise
        return _Connection(target.host, target.port, sock)

    def _checkout(self, target: Target) -> _Connection | None:
        with self._lock:
            idle = self._idle.get(target, [])
            while idle:
                connection = idle.pop()
                if not connection.deadline_socket.stale():
                    return connection
                connection.close()
        return None

    def _checkin(self, target: Target, connection: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(target, [])
            if len(idle) < _POOL_SIZE:
                idle.append(connection)
                return
        connection.close()

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
             *, connect_deadline: float, read_seconds: float, deadline: float) -> Answer:
        """One exchange: connected by `connect_deadline`, answered within `read_seconds` of
        connecting, and never past `deadline`."""
        if min(connect_deadline, deadline) <= self._clock():
            raise TransportFailure(Failure.CONNECT_TIMEOUT, "no time left in the budget", sent=False)
        connection = self._checkout(target)
        if connection is None:
            connection = self._connect(target, min(connect_deadline, deadline))
        sock = connection.deadline_socket
        sock.deadline = min(deadline, self._clock() + read_seconds)
        sock.received = 0
        url = path
        extra: dict[str, str] = {}
        if target.proxy and not target.https:
            url = target.origin + path
            extra = _proxy_auth(target.proxy)
        keep = False
        response: http.client.HTTPResponse | None = None
        try:
            try:
                connection.request(method, url, body=body, headers={**headers, **extra})
            except (TimeoutError, OSError) as error:
                raise TransportFailure(Failure.SEND_FAILED, _why(error), sent=False) from None
            try:
                response = connection.getresponse()
                answer, keep = self._read(response)
            except TransportFailure:
                raise
            except TimeoutError:
                raise TransportFailure(Failure.READ_TIMEOUT, "", sent=True) from None
            except http.client.RemoteDisconnected:
                raise TransportFailure(Failure.DROPPED, "closed without an answer", sent=True) from None
            except http.client.IncompleteRead:
                raise TransportFailure(Failure.DROPPED, "the answer was cut short", sent=True) from None
            except (http.client.HTTPException, ValueError) as error:
                raise TransportFailure(Failure.BAD_HTTP, type(error).__name__, sent=True) from None
            except OSError as error:
                raise TransportFailure(Failure.DROPPED, _why(error), sent=True) from None
            return answer
        finally:
            if response is not None and not keep:
                response.close()
            if keep:
                self._checkin(target, connection)
            else:
                connection.close()

    @staticmethod
    def _read(response: http.client.HTTPResponse) -> tuple[Answer, bool]:
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        length = response.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > MAX_ANSWER_BYTES:
            raise TransportFailure(Failure.TOO_LARGE, f"Content-Length {int(length)}", sent=True,
                                   status=response.status)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_ANSWER_BYTES:
                raise TransportFailure(Failure.TOO_LARGE, "", sent=True, status=response.status)
            chunks.append(chunk)
        return Answer(response.status, content_type, b"".join(chunks)), not response.will_close

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


def _why(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
