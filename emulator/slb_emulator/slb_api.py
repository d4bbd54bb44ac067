"""The SLB RPC API at ``/``: one call, from the request to the answer.

Owns what one call goes through, in order: reading it off the wire (parameters from the query
and a form body, Action, Version, Format, the signature version), the injected faults, the
version and the action's name, the signature, the action itself (responses.py) inside the
call's storage conditions, the request log, and the answer: JSON or XML, an error body, a
held answer or a dropped connection. No call gets a 5xx unless a fault injects one or the
storage fails (503 ServiceUnavailable); any other unexpected failure is a 400. Imports
http_base.py (the exchange it answers on), responses.py, auth.py, parameters.py, faults.py,
request_log.py, backend.py and storage.py (the types it is given), rules.py, wire.py and
exceptions.py.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from . import auth
from . import exceptions as exc
from .backend import SlbBackend
from .faults import Decision, Faults
from .http_base import JsonHandler
from .parameters import Parameters
from .request_log import RequestLog
from .responses import ACTIONS
from .rules import API_VERSION
from .storage import Store
from .wire import MAX_PARAMS, JsonObject, error_body, parse_form


@dataclass
class ApiCall:
    """An SLB API call as read off the wire; filled in step by step, so that a call refused
    half way is logged with what was known by then."""
    params: Parameters = field(default_factory=Parameters)
    query_pairs: list[tuple[str, str]] = field(default_factory=list)
    raw_body: bytes = b""
    action: str | None = None
    version: str | None = None
    xml: bool = False
    v3: bool = False
    signature: str | None = None    # "v1", "v3" or None (unsigned), for the request log


def read_call(exchange: JsonHandler, query: str, call: ApiCall) -> None:
    """Read the call's parameters, action and version off the wire, into call."""
    call.raw_body = exchange.read_body()
    call.query_pairs = parse_form(query.encode("latin-1", "replace"))
    pairs = list(call.query_pairs)
    ctype = (exchange.headers.get("Content-Type") or "").lower()
    if call.raw_body and (not ctype or "x-www-form-urlencoded" in ctype):
        pairs += parse_form(call.raw_body)
    if len(pairs) > MAX_PARAMS:
        raise exc.InvalidParameter(message="Too many request parameters.")
    call.params = params = Parameters(pairs)
    headers = exchange.headers
    call.xml = params.text("Format").lower() == "xml"
    call.v3 = auth.is_v3(headers)
    call.signature = "v3" if call.v3 else ("v1" if params.get("Signature") is not None else None)
    if call.v3:
        # V3 clients put Action and Version in headers (a query value is a fallback).
        call.action = headers.get("x-acs-action") or params.get("Action")
        call.version = headers.get("x-acs-version") or params.get("Version")
    else:
        call.action = params.get("Action") or headers.get("x-acs-action")
        call.version = params.get("Version") or headers.get("x-acs-version")
    if exchange.command not in ("GET", "POST"):
        raise exc.UnsupportedHTTPMethod()


def injected_drop(decision: Decision) -> bool:
    """Act on the fault that decides the outcome, if one fired: raise its error, or True
    when the connection is to be dropped unanswered."""
    fault = decision.terminal
    if fault is None:
        return False
    if fault["kind"] == "drop_before":
        return True
    if fault["kind"] == "quota":
        raise exc.Throttling()
    raise exc.InjectedError(fault["message"], code=fault["code"], status=fault["status"])


class SlbApi:
    """SLB's actions over the backend, with the injected faults and the request log."""

    def __init__(self, backend: SlbBackend, store: Store, faults: Faults,
                 log: RequestLog) -> None:
        self._backend = backend
        self._store = store
        self._faults = faults
        self._log = log

    def _perform(self, exchange: JsonHandler, call: ApiCall, decision: Decision) -> JsonObject:
        """Check the version and the signature, then run the action against the backend."""
        if not call.version:
            raise exc.MissingParameter("Version")
        if call.version != API_VERSION:
            raise exc.InvalidVersion()
        handler = ACTIONS.get(call.action or "")
        if handler is None:
            raise exc.InvalidAction()
        with self._store.disk_full(decision.disk_full):
            if call.v3:
                auth.authenticate_v3(exchange.command, call.query_pairs,
                                     lambda name: exchange.headers.get_all(name) or [],
                                     call.raw_body, self._backend.account, self._store)
            else:
                auth.authenticate(exchange.command, call.params, self._backend.account,
                                  self._store)
            return handler(self._backend, call.params)

    def handle(self, exchange: JsonHandler, query: str) -> None:
        """One SLB call: read it, let the injected faults act, perform it, log it, answer
        (or drop the connection). Every outcome is logged, a dropped one too."""
        started = time.monotonic()

        def log(status: int | None, code: str | None) -> None:
            self._log.add(call.action, call.params, status, code, decision.name,
                          call.signature, round((time.monotonic() - started) * 1000, 1))

        request_id = str(uuid.uuid4()).upper()
        call = ApiCall()
        decision = Decision()
        status: int = 200
        code: str | None = None
        try:
            read_call(exchange, query, call)
            if not call.action:
                raise exc.MissingParameter("Action")
            decision = self._faults.evaluate(call.action)
            if decision.latency:
                time.sleep(decision.latency)   # injected latency, not synchronisation
            if injected_drop(decision):
                log(None, None)
                exchange.drop()
                return
            body = dict(self._perform(exchange, call, decision), RequestId=request_id)
        except exc.SlbError as e:
            status, code = e.status, e.code
            body = error_body(request_id, e.code, e.message)
        except Exception as e:  # never a 5xx, never a dead server
            status, code = 400, "InvalidParameter"
            body = error_body(request_id, code, "The request could not be processed (%s)."
                              % type(e).__name__)
        if decision.hold_after and decision.terminal is None:
            time.sleep(decision.hold_after)  # applied, answer held: logged when it goes out
        log(status, code)
        if decision.drop_after:
            exchange.drop()
            return
        root = None
        if call.xml:
            root = "Error" if code is not None else "%sResponse" % call.action
        exchange.send_json(status, body, root=root)
