"""HTTP server: RPC routing for SLB actions, and the admin API under /_emulator/.

No request gets a 5xx unless a fault was injected or the emulator's storage failed (a full
disk: 503 ServiceUnavailable, nothing applied, which clients retry), and none hangs: bodies
are bounded, sockets time out, and every other unexpected exception becomes a 400 with a code.
"""

from __future__ import annotations

import collections
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit

from . import auth, console, responses
from . import exceptions as exc
from . import faults as faults_mod
from .models import Backend
from .seed import SeedError, validate_load_balancer

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
    def repl(m: re.Match) -> str:
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


def parse_form(raw):
    """Pairs from an application/x-www-form-urlencoded byte string (strict UTF-8)."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        if len(pairs) >= MAX_PARAMS:
            raise exc.InvalidParameter(message="Too many request parameters.")
        key, _, value = part.partition(b"=")
        try:
            key = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8")
            value = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise exc.InvalidParameter(
                message="The request parameters are not valid UTF-8.")
        if key:
            pairs.append((key, value))
    return pairs


class RequestLog:
    def __init__(self, maxlen=10000):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=maxlen)
        self._seq = itertools.count(1)

    def add(self, action, params, status, code, fault, signature=None, latency_ms=None):
        safe = masked_params(params)
        with self._lock:
            self._entries.append({"seq": next(self._seq), "time": time.time(),
                                  "action": action, "params": safe, "status": status,
                                  "code": code, "fault": fault, "signature": signature,
                                  "latency_ms": latency_ms})

    def list(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            self._entries.clear()


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, backend, seed, verbose=False, admin_token=None):
        self.backend = backend
        self.seed = seed
        self.verbose = verbose
        self.admin_token = admin_token or None
        self.faults = faults_mod.Faults()
        self.log = RequestLog()
        super().__init__(address, Handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, port)

    def reset(self):
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
        return bool(host_header) and origin.strip().lower() == (
            "http://" + host_header.strip().lower())
    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body of every answer on a
    # kept-alive connection waited ~40 ms for the client's delayed ACK (measured by bench/).
    disable_nagle_algorithm = True
    server_version = "SlbEmulator/0.1"
    sys_version = ""
    timeout = IDLE_TIMEOUT

    # --- plumbing -------------------------------------------------------------------

    def log_message(self, format, *args):
        # The request line carries the query string: mask tokens and signatures first.
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(),
                                             mask_secrets(format % args)))

    def send_error(self, code, message=None, explain=None):
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
        try:
            self._send_json(code, self._error_body(
                str(uuid.uuid4()).upper(), err_code, message or "Bad request."))
        except OSError:
            pass

    def _send_json(self, status, body, root=None):
        """Answer with body as JSON, or as XML under ``root`` when root is given."""
        if root is not None:
            data = responses.to_xml(root, body).encode("utf-8")
            ctype = "text/xml;charset=utf-8"
        else:
            data = json.dumps(body).encode("utf-8")
            ctype = "application/json;charset=utf-8"
        request_id = body.get("RequestId") if isinstance(body, dict) else None
        self._send_bytes(status, data, ctype, {"x-acs-request-id": request_id})

    def _send_bytes(self, status, data, ctype, headers=None):
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
    def _error_body(request_id, code, message):
        return {"RequestId": request_id, "HostId": HOST_ID, "Code": code,
                "Message": message,
                "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Slb" % code}

    def _drop(self):
        """Close the connection without a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise exc.BadRequest("Transfer-Encoding is not supported: send Content-Length.")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        length = length.strip()
        if not length.isascii() or not length.isdigit() or len(length) > 12:
            self.close_connection = True
            raise exc.BadRequest("The Content-Length header is not valid.")
        length = int(length)
        if length > MAX_BODY:
            self.close_connection = True
            raise exc.RequestEntityTooLarge()
        chunks, remaining = [], length
        try:
            self.connection.settimeout(BODY_TIMEOUT)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except TimeoutError:
            self.close_connection = True
            raise exc.RequestTimeout()
        finally:
            try:
                self.connection.settimeout(self.timeout)
            except OSError:
                pass
        if remaining:
            self.close_connection = True
            raise exc.BadRequest("The request body is shorter than its Content-Length.")
        return b"".join(chunks)

    # --- methods --------------------------------------------------------------------

    def do_GET(self):
        self._route()

    def do_POST(self):
        self._route()

    def do_DELETE(self):
        self._route()

    def do_PUT(self):
        self._route()

    def do_PATCH(self):
        self._route()

    def do_HEAD(self):
        self._route()

    def do_OPTIONS(self):
        self._route()

    def _route(self):
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

    def _api(self, query):
        server = self.server
        started = time.monotonic()
        request_id = str(uuid.uuid4()).upper()
        params = {}
        action = None
        xml = False
        signature = None
        decision = faults_mod.Decision()
        status, body, code = 200, None, None
        try:
            raw_body = self._read_body()
            query_pairs = parse_form(query.encode("latin-1", "replace"))
            pairs = list(query_pairs)
            ctype = (self.headers.get("Content-Type") or "").lower()
            if raw_body and (not ctype or "x-www-form-urlencoded" in ctype):
                pairs += parse_form(raw_body)
            if len(pairs) > MAX_PARAMS:
                raise exc.InvalidParameter(message="Too many request parameters.")
            params = dict(pairs)
            xml = str(params.get("Format", "")).strip().lower() == "xml"
            v3 = auth.is_v3(self.headers)
            signature = "v3" if v3 else ("v1" if "Signature" in params else None)
            if v3:
                # V3 clients put Action and Version in headers (a query value is a fallback).
                action = self.headers.get("x-acs-action") or params.get("Action")
                version = self.headers.get("x-acs-version") or params.get("Version")
            else:
                action = params.get("Action") or self.headers.get("x-acs-action")
                version = params.get("Version") or self.headers.get("x-acs-version")
            if self.command not in ("GET", "POST"):
                raise exc.UnsupportedHTTPMethod()
            if not action:
                raise exc.MissingParameter("Action")
            decision = server.faults.evaluate(action)
            if decision.latency:
                time.sleep(decision.latency)
            fault = decision.terminal
            if fault is not None:
                if fault["kind"] == "drop_before":
                    server.log.add(action, params, None, None, decision.name, signature,
                                   round((time.monotonic() - started) * 1000, 1))
                    self._drop()
                    return
                if fault["kind"] == "quota":
                    raise exc.Throttling()
                raise exc.InjectedError(fault["message"], code=fault["code"],
                                        status=fault["status"])
            if not version:
                raise exc.MissingParameter("Version")
            if version != responses.VERSION:
                raise exc.InvalidVersion()
            handler = responses.ACTIONS.get(action)
            if handler is None:
                raise exc.InvalidAction()
            with server.backend.disk_full(decision.disk_full):
                if v3:
                    auth.authenticate_v3(self.command, query_pairs,
                                         lambda n: self.headers.get_all(n) or [], raw_body,
                                         server.backend.find_account, server.backend)
                else:
                    auth.authenticate(self.command, params, server.backend.find_account,
                                      server.backend)
                body = handler(server.backend, params)
        except exc.SlbError as e:
            status, code = e.status, e.code
            body = self._error_body(request_id, e.code, e.message)
        except Exception as e:  # never a 5xx, never a dead server
            status, code = 400, "InvalidParameter"
            body = self._error_body(request_id, code,
                                    "The request could not be processed (%s)."
                                    % type(e).__name__)
        else:
            body = dict(body, RequestId=request_id)
        if decision.hold_after and decision.terminal is None:
            time.sleep(decision.hold_after)  # applied, answer held: logged when it goes out
        server.log.add(action, params, status, code, decision.name, signature,
                       round((time.monotonic() - started) * 1000, 1))
        if decision.drop_after:
            self._drop()
            return
        root = None
        if xml:
            root = "Error" if code is not None else "%sResponse" % action
        self._send_json(status, body, root=root)

    # --- the admin API --------------------------------------------------------------

    def _admin_body(self):
        raw = self._read_body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise exc.BadRequest("The body is not valid JSON.")

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

    def _admin(self, path, query=""):
        server = self.server
        method = self.command
        try:
            refusal = self._admin_refusal(query)
            if refusal is not None:
                self.close_connection = True
                return self._send_json(403, {"error": refusal})
            if path == "/" and method in ("GET", "HEAD"):
                args = dict(parse_qsl(query))
                page = console.render(server, args.get("token"), args.get("error"))
                return self._send_bytes(200, page.encode("utf-8"), "text/html;charset=utf-8",
                                        {"Cache-Control": "no-store",
                                         "X-Frame-Options": "DENY",
                                         "Content-Security-Policy":
                                             "default-src 'none'; style-src 'unsafe-inline'; "
                                             "form-action 'self'; frame-ancestors 'none'"})
            if path.startswith("/console/") and method == "POST":
                return self._console_post(path[len("/console"):], query)
            if path == "/health" and method == "GET":
                return self._send_json(200, {"ok": True})
            if path == "/reset" and method == "POST":
                self._admin_body()
                server.reset()
                return self._send_json(200, {"ok": True})
            if path == "/state" and method == "GET":
                return self._send_json(200, server.backend.dump_state())
            if path == "/requests":
                if method == "GET":
                    return self._send_json(200, {"requests": server.log.list()})
                if method == "DELETE":
                    server.log.clear()
                    return self._send_json(200, {"ok": True})
            if path == "/faults":
                if method == "GET":
                    return self._send_json(200, {"faults": server.faults.list()})
                if method == "POST":
                    try:
                        fault_id = server.faults.add(self._admin_body())
                    except faults_mod.FaultError as e:
                        return self._send_json(400, {"error": str(e)})
                    return self._send_json(200, {"id": fault_id})
                if method == "DELETE":
                    server.faults.clear()
                    return self._send_json(200, {"ok": True})
            if path == "/storage":
                if method == "GET":
                    return self._send_json(200, server.backend.storage())
                if method == "POST":
                    body = self._admin_body()
                    pages = body.get("max_pages") if isinstance(body, dict) else None
                    if not isinstance(body, dict) or "max_pages" not in body or not (
                            pages is None or (isinstance(pages, int) and not isinstance(pages, bool)
                                              and pages >= 1)):
                        return self._send_json(400, {"error": "give {\"max_pages\": N} (N >= 1) "
                                                              "or {\"max_pages\": null}"})
                    return self._send_json(200, server.backend.set_max_pages(pages))
            if path.startswith("/faults/") and method == "DELETE":
                if server.faults.remove(path[len("/faults/"):]):
                    return self._send_json(200, {"ok": True})
                return self._send_json(404, {"error": "no such fault"})
            if path == "/load_balancers":
                if method == "GET":
                    return self._send_json(200, {"load_balancers":
                                                 server.backend.load_balancers()})
                if method == "POST":
                    try:
                        lb = validate_load_balancer(self._admin_body(), "load balancer")
                    except SeedError as e:
                        return self._send_json(400, {"error": str(e)})
                    server.backend.add_load_balancer(lb)
                    return self._send_json(200, {"ok": True})
            if path.startswith("/load_balancers/"):
                lb_id = path[len("/load_balancers/"):]
                if method == "DELETE":
                    if server.backend.remove_load_balancer(lb_id):
                        return self._send_json(200, {"ok": True})
                    return self._send_json(404, {"error": "no such load balancer"})
                if method in ("PATCH", "POST"):
                    body = self._admin_body()
                    value = body.get("delete_protection") if isinstance(body, dict) else None
                    if value not in ("on", "off"):
                        return self._send_json(400, {"error":
                                                     "delete_protection must be on or off"})
                    if server.backend.set_delete_protection(lb_id, value):
                        return self._send_json(200, {"ok": True})
                    return self._send_json(404, {"error": "no such load balancer"})
            known = ("/", "/health", "/reset", "/state", "/requests", "/faults",
                     "/load_balancers", "/storage")
            if path in known or path.startswith(("/faults/", "/load_balancers/")):
                return self._send_json(405, {"error": "method not allowed"})
            return self._send_json(404, {"error": "unknown admin path %s" % path})
        except exc.SlbError as e:
            return self._send_json(e.status, {"error": e.message})
        except OSError:
            raise
        except Exception as e:
            return self._send_json(400, {"error": "%s: %s" % (type(e).__name__, e)})

    def _console_post(self, path: str, query: str) -> None:
        """The console's forms (plain HTML, no JavaScript): act, then 303 back to the page."""
        server = self.server
        form = dict(parse_form(self._read_body()))
        error = None
        if path == "/faults":
            try:
                server.faults.add(console.fault_from_form(form))
            except (faults_mod.FaultError, ValueError) as e:
                error = str(e)
        elif path == "/faults/clear":
            server.faults.clear()
        elif path.startswith("/faults/") and path.endswith("/delete"):
            server.faults.remove(path[len("/faults/"):-len("/delete")])
        else:
            return self._send_json(404, {"error": "unknown console action %s" % path})
        location = ADMIN_PREFIX + "/"
        extra = {}
        token = dict(parse_qsl(query)).get("token")
        if token:
            extra["token"] = token
        if error:
            extra["error"] = error
        if extra:
            from urllib.parse import urlencode
            location += "?" + urlencode(extra)
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def make_server(host="127.0.0.1", port=8080, db=None, seed=None, verbose=False,
                admin_token=None):
    backend = Backend(db)
    backend.apply_seed(seed)
    return EmulatorServer((host, port), backend, seed, verbose=verbose,
                          admin_token=admin_token)
