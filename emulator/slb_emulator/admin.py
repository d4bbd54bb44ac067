"""The admin API under ``/_emulator/``: state, faults, storage, load balancers, the request
log and the console, each route a small handler in a table (path -> method -> handler).

Owns the routes and their JSON bodies, the console's forms, and what a reset puts back; who
may call it at all is admin_guard.py's. It is composed with the SLB API by server.py, not
derived from it, and hands the console a ConsolePage to render. Imports http_base.py (the
exchange it answers on), admin_guard.py, console.py, parameters.py, seed.py, faults.py,
request_log.py, backend.py and storage.py (the parts it is given), models.py, wire.py and
exceptions.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from . import exceptions as exc
from .admin_guard import AdminGuard
from .backend import SlbBackend
from .console import ConsolePage, render
from .faults import FaultError, Faults
from .http_base import JsonHandler
from .models import Group, Listener, State
from .parameters import Parameters
from .request_log import RequestLog
from .seed import Seed, SeedError, validate_load_balancer
from .storage import Store
from .wire import JsonObject, parse_form

# A group's CreateTime as the API writes it (UTC, to the second).
CREATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

ADMIN_PREFIX = "/_emulator"
CONSOLE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
MAX_PAGES_USAGE = "give {\"max_pages\": N} (N >= 1) or {\"max_pages\": null}"
OK: JsonObject = {"ok": True}
# The console form's number fields, read as a JSON body would carry them.
FORM_NUMBERS: tuple[tuple[str, Callable[[str], float]], ...] = (
    ("count", int), ("every", int), ("status", int), ("seconds", float), ("rps", float))


def admin_query(query: str) -> Parameters:
    """An admin request's query string (token, error), decoded leniently."""
    return Parameters(dict(parse_qsl(query)))


def _valid_max_pages(body: object) -> bool:
    """{"max_pages": N} with N an integer >= 1, or {"max_pages": null}."""
    if not isinstance(body, dict) or "max_pages" not in body:
        return False
    pages = body["max_pages"]
    return pages is None or (isinstance(pages, int) and not isinstance(pages, bool)
                             and pages >= 1)


def fault_from_form(form: Parameters) -> dict[str, Any]:
    """A fault spec from the console's form fields; empty fields are omitted. Raises
    ValueError on a number that does not parse (faults.validate checks the rest)."""
    spec: dict[str, Any] = {"kind": form.text("kind")}
    if form.text("action"):
        spec["action"] = form.text("action")
    for name, kind in FORM_NUMBERS:
        text = form.text(name)
        if text:
            try:
                spec[name] = kind(text)
            except ValueError as e:
                raise ValueError("%s must be a number" % name) from e
    for name in ("code", "message"):
        if form.text(name):
            spec[name] = form.text(name)
    return spec


def _group_json(group: Group) -> JsonObject:
    return {"id": group.id, "name": group.name, "load_balancer_id": group.load_balancer_id,
            "region_id": group.region_id, "servers": [s.to_api() for s in group.servers],
            "tags": dict(group.tags), "create_time": group.create_time}


def _listener_json(listener: Listener) -> JsonObject:
    return {"load_balancer_id": listener.load_balancer_id, "protocol": listener.protocol,
            "port": listener.port,
            "master_slave_server_group_id": listener.master_slave_server_group_id}


def state_json(state: State) -> JsonObject:
    """GET /_emulator/state: the groups (servers with ServerIp) and the listeners."""
    return {"groups": [_group_json(g) for g in state.groups],
            "listeners": [_listener_json(listener) for listener in state.listeners]}


class AdminApi:
    """The admin routes over the emulator's parts; one instance serves every request."""

    def __init__(self, backend: SlbBackend, store: Store, faults: Faults, log: RequestLog,
                 seed: Seed, guard: AdminGuard, url: str) -> None:
        self._backend = backend
        self._store = store
        self._faults = faults
        self._log = log
        self._seed = seed
        self._guard = guard
        self._url = url

    def handle(self, exchange: JsonHandler, path: str, query: str) -> None:
        """One admin request; path is what follows ADMIN_PREFIX ("/" at least)."""
        try:
            refusal = self._guard.refusal(exchange.headers, admin_query(query))
            if refusal is not None:
                exchange.close_connection = True
                exchange.send_json(403, {"error": refusal})
                return
            self._dispatch(exchange, path, query)
        except exc.SlbError as e:
            exchange.send_json(e.status, {"error": e.message})
        except OSError:
            raise
        except Exception as e:
            exchange.send_json(400, {"error": "%s: %s" % (type(e).__name__, e)})

    def _dispatch(self, exchange: JsonHandler, path: str, query: str) -> None:
        """The route for path and method; 405 for a known path, 404 for any other."""
        method = exchange.command
        if path == "/" and method in ("GET", "HEAD"):
            self._console_page(exchange, query)
            return
        if path.startswith("/console/") and method == "POST":
            self._console_post(exchange, path[len("/console"):], query)
            return
        route = ADMIN_ROUTES.get(path, {}).get(method)
        if route is not None:
            route(self, exchange)
            return
        for prefix, item_routes in ADMIN_ITEM_ROUTES.items():
            item_route = item_routes.get(method)
            if path.startswith(prefix) and item_route is not None:
                item_route(self, exchange, path[len(prefix):])
                return
        if path in ("/", *ADMIN_ROUTES) or path.startswith(tuple(ADMIN_ITEM_ROUTES)):
            exchange.send_json(405, {"error": "method not allowed"})
            return
        exchange.send_json(404, {"error": "unknown admin path %s" % path})

    @staticmethod
    def _json_body(exchange: JsonHandler) -> Any:
        raw = exchange.read_body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise exc.BadRequest("The body is not valid JSON.") from e

    # --- the routes --------------------------------------------------------------------

    def _health(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, OK)

    def _reset(self, exchange: JsonHandler) -> None:
        """Back to the seed: no storage limit, no groups, nonces, faults or logged requests."""
        self._json_body(exchange)
        self._store.set_max_pages(None)
        self._backend.reset(self._seed)
        self._faults.clear()
        self._log.clear()
        exchange.send_json(200, OK)

    def _state(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, state_json(self._backend.state()))

    def _list_requests(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, {"requests": self._log.list()})

    def _clear_requests(self, exchange: JsonHandler) -> None:
        self._log.clear()
        exchange.send_json(200, OK)

    def _list_faults(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, {"faults": self._faults.list()})

    def _add_fault(self, exchange: JsonHandler) -> None:
        try:
            fault_id = self._faults.add(self._json_body(exchange))
        except FaultError as e:
            exchange.send_json(400, {"error": str(e)})
            return
        exchange.send_json(200, {"id": fault_id})

    def _clear_faults(self, exchange: JsonHandler) -> None:
        self._faults.clear()
        exchange.send_json(200, OK)

    def _remove_fault(self, exchange: JsonHandler, fault_id: str) -> None:
        if self._faults.remove(fault_id):
            exchange.send_json(200, OK)
        else:
            exchange.send_json(404, {"error": "no such fault"})

    def _storage(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, dataclasses.asdict(self._store.size()))

    def _limit_storage(self, exchange: JsonHandler) -> None:
        body = self._json_body(exchange)
        if not _valid_max_pages(body):
            exchange.send_json(400, {"error": MAX_PAGES_USAGE})
            return
        exchange.send_json(200, dataclasses.asdict(self._store.set_max_pages(body["max_pages"])))

    def _list_load_balancers(self, exchange: JsonHandler) -> None:
        exchange.send_json(200, {"load_balancers": [
            dataclasses.asdict(lb) for lb in self._backend.load_balancers()]})

    def _add_load_balancer(self, exchange: JsonHandler) -> None:
        try:
            lb = validate_load_balancer(self._json_body(exchange), "load balancer")
        except SeedError as e:
            exchange.send_json(400, {"error": str(e)})
            return
        self._backend.add_load_balancer(lb)
        exchange.send_json(200, OK)

    def _remove_load_balancer(self, exchange: JsonHandler, lb_id: str) -> None:
        if self._backend.remove_load_balancer(lb_id):
            exchange.send_json(200, OK)
        else:
            exchange.send_json(404, {"error": "no such load balancer"})

    def _set_delete_protection(self, exchange: JsonHandler, lb_id: str) -> None:
        body = self._json_body(exchange)
        value = body.get("delete_protection") if isinstance(body, dict) else None
        if value not in ("on", "off"):
            exchange.send_json(400, {"error": "delete_protection must be on or off"})
        elif self._backend.set_delete_protection(lb_id, value):
            exchange.send_json(200, OK)
        else:
            exchange.send_json(404, {"error": "no such load balancer"})

    def _set_group_create_time(self, exchange: JsonHandler, group_id: str) -> None:
        """A group made long ago, for what decides by age (the fence, the audit)."""
        body = self._json_body(exchange)
        value = body.get("create_time") if isinstance(body, dict) else None
        if not isinstance(value, str) or not CREATE_TIME.fullmatch(value):
            exchange.send_json(400, {"error": "give {\"create_time\": \"YYYY-MM-DDTHH:MM:SSZ\"}"})
        elif self._backend.set_create_time(group_id, value):
            exchange.send_json(200, OK)
        else:
            exchange.send_json(404, {"error": "no such group"})

    # --- the console -------------------------------------------------------------------

    def _console_page(self, exchange: JsonHandler, query: str) -> None:
        args = admin_query(query)
        page = ConsolePage(self._url, self._backend.state(), self._log.list(),
                           self._faults.list())
        html = render(page, args.get("token"), args.get("error"))
        exchange.send_bytes(200, html.encode("utf-8"), "text/html;charset=utf-8",
                            CONSOLE_HEADERS)

    def _console_post(self, exchange: JsonHandler, path: str, query: str) -> None:
        """The console's forms (plain HTML, no JavaScript): act, then 303 back to the page."""
        form = Parameters(dict(parse_form(exchange.read_body())))
        error = None
        if path == "/faults":
            try:
                self._faults.add(fault_from_form(form))
            except (FaultError, ValueError) as e:
                error = str(e)
        elif path == "/faults/clear":
            self._faults.clear()
        elif path.startswith("/faults/") and path.endswith("/delete"):
            self._faults.remove(path[len("/faults/"):-len("/delete")])
        else:
            exchange.send_json(404, {"error": "unknown console action %s" % path})
            return
        exchange.see_other(console_location(admin_query(query).get("token"), error))


def console_location(token: str | None, error: str | None) -> str:
    """The console page's address, carrying the token and the error to show."""
    extra = {}
    if token:
        extra["token"] = token
    if error:
        extra["error"] = error
    return ADMIN_PREFIX + "/" + ("?" + urlencode(extra) if extra else "")


AdminRoute = Callable[[AdminApi, JsonHandler], None]
AdminItemRoute = Callable[[AdminApi, JsonHandler, str], None]   # the rest of the path
ADMIN_ROUTES: dict[str, dict[str, AdminRoute]] = {
    "/health": {"GET": AdminApi._health},
    "/reset": {"POST": AdminApi._reset},
    "/state": {"GET": AdminApi._state},
    "/requests": {"GET": AdminApi._list_requests, "DELETE": AdminApi._clear_requests},
    "/faults": {"GET": AdminApi._list_faults, "POST": AdminApi._add_fault,
                "DELETE": AdminApi._clear_faults},
    "/storage": {"GET": AdminApi._storage, "POST": AdminApi._limit_storage},
    "/load_balancers": {"GET": AdminApi._list_load_balancers,
                        "POST": AdminApi._add_load_balancer},
}
ADMIN_ITEM_ROUTES: dict[str, dict[str, AdminItemRoute]] = {
    "/faults/": {"DELETE": AdminApi._remove_fault},
    "/groups/": {"PATCH": AdminApi._set_group_create_time},
    "/load_balancers/": {"DELETE": AdminApi._remove_load_balancer,
                         "PATCH": AdminApi._set_delete_protection,
                         "POST": AdminApi._set_delete_protection},
}
