"""HTTP for the gateway: one request inside a hard deadline, a size cap, classified failures.

The SDK signs; this module sends, on urllib3 (pools, proxies, CONNECT, TLS to the target
and to an https proxy). urllib3's timeouts, like the SDK's vendored requests', measure
inactivity: a server dripping one byte every 0.3 s resets them forever. So each request
also gets a watchdog that shuts its socket down at the request's deadline, whatever phase
it is in; a host name resolves in a helper thread we stop waiting for (getaddrinfo honours
no timeout); an answer larger than `MAX_ANSWER_BYTES` (after gzip decoding) is refused
after at most that many bytes; and every failure comes out as a `TransportFailure` of a
known `Failure` class, so the retry policy and the question "may the request have reached
the server?" are decided from the class, never from message text.
"""

from __future__ import annotations

import concurrent.futures
import enum
import functools
import http.client
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import urllib3
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .proxies import split_credentials
from .settings import MAX_CONCURRENT_OPERATIONS
from .watchdog import Watch, Watchdog

MAX_ANSWER_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
# Kept-alive connections per host: one per call the provider process may run at once.
_POOL_SIZE = MAX_CONCURRENT_OPERATIONS


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


class Sender(Protocol):
    """What the gateway sends with: `Transport`, or a scripted stand-in in unit tests."""

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
             *, connect_deadline: float, read_seconds: float, deadline: float) -> Answer: ...


# -- the watched connection: tells the request's watch which socket to shut down ---------
# urllib3 logs trouble with an answer's headers together with the request's URL, whose query
# holds the signature and the STS token: none of it may reach a handler of the root logger.
logging.getLogger("urllib3").propagate = False

_current = threading.local()
_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="slb-dns")


def _resolve_within(host: str, port: int, seconds: float | None) -> None:
    """Fail a host name that does not resolve within `seconds` (urllib3 then resolves it
    again, answered from the resolver's cache at once)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        raise TransportFailure(Failure.CONNECT_TIMEOUT, f"resolving {host} took too long", sent=False) from None
    except socket.gaierror as error:
        raise TransportFailure(Failure.DNS, f"{host}: {error.strerror or error}", sent=False) from None


def _watch() -> Watch | None:
    watch: Watch | None = getattr(_current, "watch", None)
    return watch


class _WatchedConnection(HTTPConnection):
    def connect(self) -> None:
        watch = _watch()
        if watch is not None:
            watch.connection = self
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        _resolve_within(self.host, self.port, timeout)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = _watch()
        if watch is not None:
            watch.sending(self)
        super().request(*args, **kwargs)
        if watch is not None:
            watch.sent = True


class _WatchedTlsConnection(_WatchedConnection, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTlsConnection


@functools.lru_cache(maxsize=4)
def _tls_context(bundle: str | None) -> ssl.SSLContext:
    """Verify against ALIBABA_CLOUD_CA_BUNDLE or the bundle the SDK ships, as the SDK does."""
    if not bundle:
        from aliyunsdkcore.vendored.requests.certs import where

        bundle = where()
    return ssl.create_default_context(cafile=bundle)


# -- failures: urllib3's exceptions as our classes ---------------------------------------
def _cause(error: BaseException) -> BaseException | None:
    return error.__cause__ or error.__context__


def _connect_failure(error: BaseException) -> TransportFailure:
    """A failure before anything was sent: the name, the connection, the proxy, TLS."""
    if isinstance(error, TransportFailure):
        return error
    if isinstance(error, u3.ProxyError):
        inner = error.original_error
        if isinstance(inner, (u3.NewConnectionError, u3.ConnectTimeoutError, u3.SSLError, TransportFailure)):
            return _connect_failure(inner)
        return TransportFailure(Failure.PROXY, str(inner)[:100], sent=False)
    if isinstance(error, u3.NewConnectionError):
        return _no_connection(error)
    if isinstance(error, u3.ConnectTimeoutError):
        return TransportFailure(Failure.CONNECT_TIMEOUT, "", sent=False)
    return TransportFailure(Failure.TLS, _why(_cause(error) or error), sent=False)


def _no_connection(error: u3.NewConnectionError) -> TransportFailure:
    cause = _cause(error)
    if isinstance(error, u3.NameResolutionError):
        return TransportFailure(Failure.DNS, str(cause or error), sent=False)
    if isinstance(cause, ConnectionRefusedError):
        return TransportFailure(Failure.REFUSED, "", sent=False)
    if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
        return TransportFailure(Failure.UNREACHABLE, cause.strerror or str(cause), sent=False)
    return TransportFailure(Failure.CONNECT_TIMEOUT, "", sent=False)


def _exchange_failure(error: BaseException, watch: Watch) -> TransportFailure:
    """A failure once sending began."""
    if watch.fired:
        if not watch.began:
            return TransportFailure(Failure.CONNECT_TIMEOUT, "", sent=False)
        return TransportFailure(Failure.READ_TIMEOUT, "", sent=watch.sent)
    if isinstance(error, (u3.ReadTimeoutError, TimeoutError)):
        return TransportFailure(Failure.READ_TIMEOUT, "", sent=True)
    inner = error.args[1] if isinstance(error, u3.ProtocolError) and len(error.args) > 1 else _cause(error)
    if not watch.sent:
        return TransportFailure(Failure.SEND_FAILED, _why(inner or error), sent=False)
    if isinstance(inner, http.client.RemoteDisconnected):
        return TransportFailure(Failure.DROPPED, "closed without an answer", sent=True)
    if isinstance(inner, http.client.IncompleteRead):
        return TransportFailure(Failure.DROPPED, "the answer was cut short", sent=True)
    if isinstance(inner, (http.client.HTTPException, ValueError)) or isinstance(error, u3.DecodeError):
        return TransportFailure(Failure.BAD_HTTP, type(inner or error).__name__, sent=True)
    return TransportFailure(Failure.DROPPED, _why(inner or error), sent=True)


_CONNECT_ERRORS = (u3.ProxyError, u3.NewConnectionError, u3.ConnectTimeoutError, u3.SSLError)


class Transport:
    """Sends one request at a time per call; safe to share between threads."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._managers: dict[tuple[str | None, str | None], urllib3.PoolManager] = {}
        self._lock = threading.Lock()
        self._watchdog = Watchdog(clock)

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        """One pool manager per proxy (and CA bundle), made on first use."""
        bundle = os.environ.get("ALIBABA_CLOUD_CA_BUNDLE") or None
        with self._lock:
            manager = self._managers.get((proxy, bundle))
            if manager is None:
                manager = self._managers[(proxy, bundle)] = self._new_manager(proxy, _tls_context(bundle))
        return manager

    @staticmethod
    def _new_manager(proxy: str | None, context: ssl.SSLContext) -> urllib3.PoolManager:
        manager: urllib3.PoolManager
        if proxy is None:
            manager = urllib3.PoolManager(maxsize=_POOL_SIZE, ssl_context=context)
        else:
            url, headers = split_credentials(proxy)
            manager = urllib3.ProxyManager(url, maxsize=_POOL_SIZE, proxy_headers=headers, ssl_context=context,
                                           proxy_ssl_context=context)
        manager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}
        return manager

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes | None,
             *, connect_deadline: float, read_seconds: float, deadline: float) -> Answer:
        """One exchange: connected by `connect_deadline`, answered within `read_seconds` of
        starting to send, and never past `deadline`."""
        now = self._clock()
        connect_left = min(connect_deadline, deadline) - now
        if connect_left <= 0:
            raise TransportFailure(Failure.CONNECT_TIMEOUT, "no time left in the budget", sent=False)
        timeout = urllib3.Timeout(connect=connect_left, read=max(0.001, min(read_seconds, deadline - now)))
        manager = self._manager(target.proxy)
        with self._watched(min(deadline, now + connect_left + read_seconds), deadline, read_seconds) as watch:
            try:
                response = manager.urlopen(method, target.origin + path, body=body, headers=dict(headers),
                                           retries=False, redirect=False, timeout=timeout,
                                           preload_content=False, assert_same_host=False)
            except _CONNECT_ERRORS as error:
                failure = _connect_failure(error)
                if watch.fired and failure.failure is Failure.TLS:  # the watchdog cut a stalled handshake
                    failure = TransportFailure(Failure.CONNECT_TIMEOUT, "the TLS handshake stalled", sent=False)
                raise failure from None
            except TransportFailure:
                raise
            except (u3.HTTPError, OSError, http.client.HTTPException) as error:
                raise _exchange_failure(error, watch) from None
            try:
                answer = self._read(response)
                watch.finish()
                if watch.fired:  # the deadline cut the answer short where HTTP cannot tell
                    raise TransportFailure(Failure.READ_TIMEOUT, "", sent=True)
                return answer
            except TransportFailure:
                response.close()
                raise
            except (u3.HTTPError, OSError, http.client.HTTPException, ValueError) as error:
                response.close()
                raise _exchange_failure(error, watch) from None
            finally:
                response.release_conn()

    @contextmanager
    def _watched(self, at: float, deadline: float, read_seconds: float) -> Iterator[Watch]:
        watch = Watch(at, deadline, read_seconds, self._clock)
        _current.watch = watch
        self._watchdog.arm(watch)
        try:
            yield watch
        finally:
            _current.watch = None
            self._watchdog.disarm(watch)

    @staticmethod
    def _read(response: urllib3.BaseHTTPResponse) -> Answer:
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        length = response.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > MAX_ANSWER_BYTES:
            raise TransportFailure(Failure.TOO_LARGE, f"Content-Length {int(length)}", sent=True,
                                   status=response.status)
        chunks: list[bytes] = []
        total = 0
        for chunk in response.stream(_CHUNK, decode_content=True):
            total += len(chunk)
            if total > MAX_ANSWER_BYTES:
                raise TransportFailure(Failure.TOO_LARGE, "", sent=True, status=response.status)
            chunks.append(chunk)
        return Answer(response.status, content_type, b"".join(chunks))


def _why(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
