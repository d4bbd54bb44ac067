"""HTTP server: RPC routing for SLB actions, and the admin API under /_emulator/.

No request gets a 5xx unless a fault was injected or the emulator's storage failed (a full
disk: 503 ServiceUnavailable, nothing applied, which clients retry), and none hangs: bodies
are bounded, sockets time out, and every other unexpected exception becomes a 400 with a code.
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import ipaddress
import itertools
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlencode, urlsplit

from . import auth, console, responses
from . import exceptions as exc
from . import faults as faults_mod
from .models import Backend, JsonObject
from .seed import Seed, SeedError, validate_load_balancer

MAX_BODY = 1024 * 1024
MAX_PARAMS = 500
IDLE_TIMEOUT = 60.0   # a keep-alive connection may wait this long for its next request
BODY_TIMEOUT = 5.0    # a body must arrive within this (per read)
ADMIN_PREFIX = "/_emulator"
HOST_ID = "slb.emulator.local"
ADMIN_TOKEN_HEADER = "X-Emulator-Token"
# Never written to the access log or the request log in clear (any spelling, any case).
SENSITIVE_PARAMS = {"securitytoken", "signature", "x-acs-security-token", "token",
                    "accesskeysecret"}
_QUERY_PAIR = re.compile(r"([^?&=\s'\"]+)=([^&\s'\"]*)")


def mask_secrets(text: str) -> str:
    """``key=value`` pairs in text with a sensitive key (decoded: ``Security%54oken`` is
    SecurityToken too) get ``***`` as value: the access log must not leak a token."""
    def repl(m: re.Match[str]) -> str:
        try:
            key = unquote(unquote(m.group(1).replace("+", " ")))
        except Exception:
            key = m.group(1)
        return m.group(1) + "=***" if key.lower() in SENSITIVE_PARAMS else m.group(0)
    return _QUERY_PAIR.sub(repl, text)


def masked_params(params: dict[str, str]) -> dict[str, str]:
    """The request log's copy of the parameters: no Signature, tokens as ``***``."""
    return {k: ("***" if k.lower() in SENSITIVE_PARAMS else v)
            for k, v in params.items() if k != "Signature"}


def _form_text(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def parse_form(raw: bytes) -> list[tuple[str, str]]:
    """Pairs from an application/x-www-form-urlencoded byte string (strict UTF-8)."""
    pairs: list[tuple[str, str]] = []
    for part in raw.split(b"&"):
        if not part:
            continue
        if len(pairs) >= MAX_PARAMS:
            raise exc.InvalidParameter(message="Too many request parameters.")
        raw_key, _, raw_value = part.partition(b"=")
        try:
            key, value = _form_text(raw_key), _form_text(raw_value)
        except UnicodeDecodeError as e:
            raise exc.InvalidParameter(
                message="The request parameters are not valid UTF-8.") from e
        if key:
            pairs.append((key, value))
    return pairs


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

    def __init__(self, address: tuple[str, int], backend: Backend, seed: Seed,
                 verbose: bool = False, admin_token: str | None = None) -> None:
        self.backend = backend
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
        self.backend.set_max_pages(None)
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


# Admin routes: an exact path, or a prefix whose rest is the handler's argument.
AdminRoute = Callable[["Handler"], None]
AdminItemRoute = Callable[["Handler", str], None]
CONSOLE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
MAX_PAGES_USAGE = "give {\"max_pages\": N} (N >= 1) or {\"max_pages\": null}"


def _valid_max_pages(body: object) -> bool:
    """{"max_pages": N} with N an integer >= 1, or {"max_pages": null}."""
    if not isinstance(body, dict) or "max_pages" not in body:
        return False
    pages = body["max_pages"]
    return pages is None or (isinstance(pages, int) and not isinstance(pages, bool)
                             and pages >= 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body of every answer on a
    # kept-alive connection waited ~40 ms for the client's delayed ACK (measured by bench/).
    disable_nagle_algorithm = True
    server_version = "SlbEmulator/0.1"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: EmulatorServer

    # --- plumbing -------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the query string: mask tokens and signatures first.
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(),
                                             mask_secrets(format % args)))

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
            self._send_json(code, self._error_body(
                str(uuid.uuid4()).upper(), err_code, message or "Bad request."))

    def _send_json(self, status: int, body: JsonObject, root: str | None = None) -> None:
        """Answer with body as JSON, or as XML under ``root`` when root is given."""
        if root is not None:
            data = responses.to_xml(root, body).encode("utf-8")
            ctype = "text/xml;charset=utf-8"
        else:
            data = json.dumps(body).encode("utf-8")
            ctype = "application/json;charset=utf-8"
        self._send_bytes(status, data, ctype, {"x-acs-request-id": body.get("RequestId")})

    def _send_bytes(self, status: int, data: bytes, ctype: str,
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

    @staticmethod
    def _error_body(request_id: str, code: str, message: str) -> JsonObject:
        return {"RequestId": request_id, "HostId": HOST_ID, "Code": code,
                "Message": message,
                "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Slb" % code}

    def _drop(self) -> None:
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

    def _read_body(self) -> bytes:
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
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()

    def do_PATCH(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route()

    def do_OPTIONS(self) -> None:
        self._route()

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
        call.params = params = dict(pairs)
        call.xml = str(params.get("Format", "")).strip().lower() == "xml"
        call.v3 = auth.is_v3(self.headers)
        call.signature = "v3" if call.v3 else ("v1" if "Signature" in params else None)
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
        if call.version != responses.VERSION:
            raise exc.InvalidVersion()
        handler = responses.ACTIONS.get(call.action or "")
        if handler is None:
            raise exc.InvalidAction()
        backend = self.server.backend
        with backend.disk_full(decision.disk_full):
            if call.v3:
                auth.authenticate_v3(self.command, call.query_pairs, self._header_values,
                                     call.raw_body, backend.find_account, backend)
            else:
                auth.authenticate(self.command, call.params, backend.find_account, backend)
            return handler(backend, call.params)

    def _api(self, query: str) -> None:
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

    # --- the admin API --------------------------------------------------------------

    def _admin_body(self) -> Any:
        raw = self._read_body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise exc.BadRequest("The body is not valid JSON.") from e

    def _admin_refusal(self, query: str) -> str | None:
        """Why this admin request is refused, or None (DNS rebinding, CSRF, token)."""
        server = self.server
        host = self.headers.get("Host")
        if not server.admin_host_allowed(host):
            return "the admin API answers only to a loopback Host or the bound address"
        if not server.admin_origin_allowed(self.headers.get("Origin"), host):
            return "cross-site requests to the admin API are refused"
        if (self.headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
            return "cross-site requests to the admin API are refused"
        if server.admin_token:
            given = self.headers.get(ADMIN_TOKEN_HEADER) or ""
            if not given:
                given = dict(parse_qsl(query)).get("token", "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"),
                                       server.admin_token.encode("utf-8")):
                return "this emulator needs its admin token (%s header or ?token=)" % (
                    ADMIN_TOKEN_HEADER)
        return None

    def _ok(self) -> None:
        self._send_json(200, {"ok": True})

    def _admin(self, path: str, query: str = "") -> None:
        try:
            refusal = self._admin_refusal(query)
            if refusal is not None:
                self.close_connection = True
                self._send_json(403, {"error": refusal})
                return
            self._admin_dispatch(path, query)
        except exc.SlbError as e:
            self._send_json(e.status, {"error": e.message})
        except OSError:
            raise
        except Exception as e:
            self._send_json(400, {"error": "%s: %s" % (type(e).__name__, e)})

    def _admin_dispatch(self, path: str, query: str) -> None:
        """The route for path and method; 405 for a known path, 404 for any other."""
        method = self.command
        if path == "/" and method in ("GET", "HEAD"):
            self._console_page(query)
            return
        if path.startswith("/console/") and method == "POST":
            self._console_post(path[len("/console"):], query)
            return
        route = ADMIN_ROUTES.get(path, {}).get(method)
        if route is not None:
            route(self)
            return
        for prefix, item_routes in ADMIN_ITEM_ROUTES.items():
            item_route = item_routes.get(method)
            if path.startswith(prefix) and item_route is not None:
                item_route(self, path[len(prefix):])
                return
        if path in ("/", *ADMIN_ROUTES) or path.startswith(tuple(ADMIN_ITEM_ROUTES)):
            self._send_json(405, {"error": "method not allowed"})
            return
        self._send_json(404, {"error": "unknown admin path %s" % path})

    def _console_page(self, query: str) -> None:
        args = dict(parse_qsl(query))
        page = console.render(self.server, args.get("token"), args.get("error"))
        self._send_bytes(200, page.encode("utf-8"), "text/html;charset=utf-8", CONSOLE_HEADERS)

    def _health(self) -> None:
        self._ok()

    def _reset(self) -> None:
        self._admin_body()
        self.server.reset()
        self._ok()

    def _state(self) -> None:
        self._send_json(200, self.server.backend.dump_state())

    def _list_requests(self) -> None:
        self._send_json(200, {"requests": self.server.log.list()})

    def _clear_requests(self) -> None:
        self.server.log.clear()
        self._ok()

    def _list_faults(self) -> None:
        self._send_json(200, {"faults": self.server.faults.list()})

    def _add_fault(self) -> None:
        try:
            fault_id = self.server.faults.add(self._admin_body())
        except faults_mod.FaultError as e:
            self._send_json(400, {"error": str(e)})
            return
        self._send_json(200, {"id": fault_id})

    def _clear_faults(self) -> None:
        self.server.faults.clear()
        self._ok()

    def _remove_fault(self, fault_id: str) -> None:
        if self.server.faults.remove(fault_id):
            self._ok()
        else:
            self._send_json(404, {"error": "no such fault"})

    def _storage(self) -> None:
        self._send_json(200, self.server.backend.storage())

    def _limit_storage(self) -> None:
        body = self._admin_body()
        if not _valid_max_pages(body):
            self._send_json(400, {"error": MAX_PAGES_USAGE})
            return
        self._send_json(200, self.server.backend.set_max_pages(body["max_pages"]))

    def _list_load_balancers(self) -> None:
        self._send_json(200, {"load_balancers": self.server.backend.load_balancers()})

    def _add_load_balancer(self) -> None:
        try:
            lb = validate_load_balancer(self._admin_body(), "load balancer")
        except SeedError as e:
            self._send_json(400, {"error": str(e)})
            return
        self.server.backend.add_load_balancer(lb)
        self._ok()

    def _remove_load_balancer(self, lb_id: str) -> None:
        if self.server.backend.remove_load_balancer(lb_id):
            self._ok()
        else:
            self._send_json(404, {"error": "no such load balancer"})

    def _set_delete_protection(self, lb_id: str) -> None:
        body = self._admin_body()
        value = body.get("delete_protection") if isinstance(body, dict) else None
        if value not in ("on", "off"):
            self._send_json(400, {"error": "delete_protection must be on or off"})
        elif self.server.backend.set_delete_protection(lb_id, value):
            self._ok()
        else:
            self._send_json(404, {"error": "no such load balancer"})

    def _console_post(self, path: str, query: str) -> None:
        """The console's forms (plain HTML, no JavaScript): act, then 303 back to the page."""
        faults = self.server.faults
        form = dict(parse_form(self._read_body()))
        error = None
        if path == "/faults":
            try:
                faults.add(console.fault_from_form(form))
            except (faults_mod.FaultError, ValueError) as e:
                error = str(e)
        elif path == "/faults/clear":
            faults.clear()
        elif path.startswith("/faults/") and path.endswith("/delete"):
            faults.remove(path[len("/faults/"):-len("/delete")])
        else:
            self._send_json(404, {"error": "unknown console action %s" % path})
            return
        self._see_console(query, error)

    def _see_console(self, query: str, error: str | None) -> None:
        """303 to the console page, carrying the token and the error to show."""
        location = ADMIN_PREFIX + "/"
        extra = {}
        token = dict(parse_qsl(query)).get("token")
        if token:
            extra["token"] = token
        if error:
            extra["error"] = error
        if extra:
            location += "?" + urlencode(extra)
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


ADMIN_ROUTES: dict[str, dict[str, AdminRoute]] = {
    "/health": {"GET": Handler._health},
    "/reset": {"POST": Handler._reset},
    "/state": {"GET": Handler._state},
    "/requests": {"GET": Handler._list_requests, "DELETE": Handler._clear_requests},
    "/faults": {"GET": Handler._list_faults, "POST": Handler._add_fault,
                "DELETE": Handler._clear_faults},
    "/storage": {"GET": Handler._storage, "POST": Handler._limit_storage},
    "/load_balancers": {"GET": Handler._list_load_balancers,
                        "POST": Handler._add_load_balancer},
}
ADMIN_ITEM_ROUTES: dict[str, dict[str, AdminItemRoute]] = {
    "/faults/": {"DELETE": Handler._remove_fault},
    "/load_balancers/": {"DELETE": Handler._remove_load_balancer,
                         "PATCH": Handler._set_delete_protection,
                         "POST": Handler._set_delete_protection},
}


def make_server(host: str = "127.0.0.1", port: int = 8080, db: str | None = None,
                seed: Seed | None = None, verbose: bool = False,
                admin_token: str | None = None) -> EmulatorServer:
    backend = Backend(db)
    backend.apply_seed(seed or {})
    return EmulatorServer((host, port), backend, seed or {}, verbose=verbose,
                          admin_token=admin_token)
