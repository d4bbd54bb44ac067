"""The HTTP server: SLB's RPC actions at ``/``, the admin API (admin.py) under /_emulator/.

No request gets a 5xx unless a fault was injected or the emulator's storage failed (a full
disk: 503 ServiceUnavailable, nothing applied, which clients retry), and none hangs: bodies
are bounded, sockets time out, and every other unexpected exception becomes a 400 with a code.
"""

from __future__ import annotations

import collections
import ipaddress
import itertools
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import auth
from . import exceptions as exc
from . import faults as faults_mod
from .admin import ADMIN_PREFIX, AdminApi
from .backend import SlbBackend
from .parameters import Parameters
from .responses import ACTIONS
from .rules import API_VERSION
from .seed import Seed
from .storage import Store
from .wire import MAX_PARAMS, JsonObject, mask_secrets, masked_params, parse_form


class RequestLog:
    """The last requests the SLB API answered (admin API and console), secrets masked."""

    def __init__(self, maxlen: int = 10000) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque[JsonObject] = collections.deque(maxlen=maxlen)
        self._seq = itertools.count(1)

    def add(self, action: str | None, params: dict[str, str], status: int | None,
            code: str | None, fault: str | None, signature: str | None = None,
            latency_ms: float | None = None) -> None:
        safe = masked_params(params)
        with self._lock:
            self._entries.append({"seq": next(self._seq), "time": time.time(),
                                  "action": action, "params": safe, "status": status,
                                  "code": code, "fault": fault, "signature": signature,
                                  "latency_ms": latency_ms})

    def list(self) -> list[JsonObject]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], backend: SlbBackend, store: Store, seed: Seed,
                 verbose: bool = False, admin_token: str | None = None) -> None:
        self.backend = backend
        self.store = store
        self.seed = seed
        self.verbose = verbose
        self.admin_token = admin_token or None
        self.faults = faults_mod.Faults()
        self.log = RequestLog()
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, port)

    def reset(self) -> None:
        self.store.set_max_pages(None)
        self.backend.reset(self.seed)
        self.faults.clear()
        self.log.clear()

    def admin_host_allowed(self, host_header: str | None) -> bool:
        """The admin API answers only to a loopback name or the bound address: a page on
        another site whose name was rebound to 127.0.0.1 sends its own name as Host."""
        if not host_header:
            return False
        try:
            host = urlsplit("//" + host_header.strip()).hostname or ""
        except ValueError:
            return False
        host = host.lower().rstrip(".")
        if host == "localhost" or host.endswith(".localhost"):
            return True
        bound = str(self.server_address[0]).lower()
        if host == bound:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def admin_origin_allowed(self, origin: str | None, host_header: str | None) -> bool:
        """No Origin (curl, scripts, the SDK) or our own: a cross-site page may neither
        add faults nor read state (CSRF)."""
        if origin is None:
            return True
        if not host_header:
            return False
        return origin.strip().lower() == "http://" + host_header.strip().lower()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose:
            super().handle_error(request, client_address)


@dataclass
class ApiCall:
    """An SLB API call as read off the wire; filled in step by step, so that a call refused
    half way is logged with what was known by then."""
    params: dict[str, str] = field(default_factory=dict)
    query_pairs: list[tuple[str, str]] = field(default_factory=list)
    raw_body: bytes = b""
    action: str | None = None
    version: str | None = None
    xml: bool = False
    v3: bool = False
    signature: str | None = None    # "v1", "v3" or None (unsigned), for the request log


class Handler(AdminApi):
    """One connection's requests: the admin API under ADMIN_PREFIX, the SLB API elsewhere."""

    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the query string: mask tokens and signatures first.
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(),
                                             mask_secrets(format % args)))

    def _route(self) -> None:
        try:
            split = urlsplit(self.path)
            path, query = split.path, split.query
        except ValueError:
            path, query = "/", ""
        try:
            if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
                self._admin(path[len(ADMIN_PREFIX):].rstrip("/") or "/", query)
            else:
                self._api(query)
        except OSError:
            self.close_connection = True

    # --- the SLB API ----------------------------------------------------------------

    def _header_values(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    def _parse_call(self, query: str, call: ApiCall) -> None:
        """Read the call's parameters, action and version off the wire, into call."""
        call.raw_body = self._read_body()
        call.query_pairs = parse_form(query.encode("latin-1", "replace"))
        pairs = list(call.query_pairs)
        ctype = (self.headers.get("Content-Type") or "").lower()
        if call.raw_body and (not ctype or "x-www-form-urlencoded" in ctype):
            pairs += parse_form(call.raw_body)
        if len(pairs) > MAX_PARAMS:
            raise exc.InvalidParameter(message="Too many request parameters.")
        call.params = dict(pairs)
        params = Parameters(call.params)
        call.xml = params.text("Format").lower() == "xml"
        call.v3 = auth.is_v3(self.headers)
        call.signature = "v3" if call.v3 else ("v1" if params.get("Signature") is not None else None)
        if call.v3:
            # V3 clients put Action and Version in headers (a query value is a fallback).
            call.action = self.headers.get("x-acs-action") or params.get("Action")
            call.version = self.headers.get("x-acs-version") or params.get("Version")
        else:
            call.action = params.get("Action") or self.headers.get("x-acs-action")
            call.version = params.get("Version") or self.headers.get("x-acs-version")
        if self.command not in ("GET", "POST"):
            raise exc.UnsupportedHTTPMethod()

    def _injected_drop(self, decision: faults_mod.Decision) -> bool:
        """Act on the fault that decides the outcome, if one fired: raise its error, or
        True when the connection is to be dropped unanswered."""
        fault = decision.terminal
        if fault is None:
            return False
        if fault["kind"] == "drop_before":
            return True
        if fault["kind"] == "quota":
            raise exc.Throttling()
        raise exc.InjectedError(fault["message"], code=fault["code"], status=fault["status"])

    def _perform(self, call: ApiCall, decision: faults_mod.Decision) -> JsonObject:
        """Check the version and the signature, then run the action against the backend."""
        if not call.version:
            raise exc.MissingParameter("Version")
        if call.version != API_VERSION:
            raise exc.InvalidVersion()
        handler = ACTIONS.get(call.action or "")
        if handler is None:
            raise exc.InvalidAction()
        backend, store = self.server.backend, self.server.store
        with store.disk_full(decision.disk_full):
            if call.v3:
                auth.authenticate_v3(self.command, call.query_pairs, self._header_values,
                                     call.raw_body, backend.account, store)
            else:
                auth.authenticate(self.command, call.params, backend.account, store)
            return handler(backend, Parameters(call.params))

    def _api(self, query: str) -> None:
        """One SLB call: read it, let the injected faults act, perform it, log it, answer
        (or drop the connection). Every outcome is logged, a dropped one too."""
        server = self.server
        started = time.monotonic()

        def log(status: int | None, code: str | None) -> None:
            server.log.add(call.action, call.params, status, code, decision.name,
                           call.signature, round((time.monotonic() - started) * 1000, 1))

        request_id = str(uuid.uuid4()).upper()
        call = ApiCall()
        decision = faults_mod.Decision()
        status: int = 200
        code: str | None = None
        try:
            self._parse_call(query, call)
            if not call.action:
                raise exc.MissingParameter("Action")
            decision = server.faults.evaluate(call.action)
            if decision.latency:
                time.sleep(decision.latency)   # injected latency, not synchronisation
            if self._injected_drop(decision):
                log(None, None)
                self._drop()
                return
            body = dict(self._perform(call, decision), RequestId=request_id)
        except exc.SlbError as e:
            status, code = e.status, e.code
            body = self._error_body(request_id, e.code, e.message)
        except Exception as e:  # never a 5xx, never a dead server
            status, code = 400, "InvalidParameter"
            body = self._error_body(request_id, code,
                                    "The request could not be processed (%s)."
                                    % type(e).__name__)
        if decision.hold_after and decision.terminal is None:
            time.sleep(decision.hold_after)  # applied, answer held: logged when it goes out
        log(status, code)
        if decision.drop_after:
            self._drop()
            return
        root = None
        if call.xml:
            root = "Error" if code is not None else "%sResponse" % call.action
        self._send_json(status, body, root=root)


def make_server(host: str = "127.0.0.1", port: int = 8080, db: str | None = None,
                seed: Seed | None = None, verbose: bool = False,
                admin_token: str | None = None) -> EmulatorServer:
    seed = seed or Seed()
    store = Store(db)
    backend = SlbBackend(store)
    backend.apply_seed(seed)
    return EmulatorServer((host, port), backend, store, seed, verbose=verbose,
                          admin_token=admin_token)
