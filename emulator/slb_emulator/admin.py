"""The admin API under ``/_emulator/``: state, faults, storage, load balancers, the request
log and the console, each route a small handler in a table (path -> method -> handler).

Only loopback Hosts, same-origin requests and, when set, the admin token get in.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from . import console
from . import exceptions as exc
from . import faults as faults_mod
from .http_base import JsonHandler
from .models import Group, Listener, State
from .parameters import Parameters
from .seed import SeedError, validate_load_balancer
from .wire import JsonObject, parse_form

if TYPE_CHECKING:
    from .server import EmulatorServer

ADMIN_PREFIX = "/_emulator"
ADMIN_TOKEN_HEADER = "X-Emulator-Token"
# Admin routes: an exact path, or a prefix whose rest is the handler's argument.
AdminRoute = Callable[["AdminApi"], None]
AdminItemRoute = Callable[["AdminApi", str], None]
CONSOLE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
MAX_PAGES_USAGE = "give {\"max_pages\": N} (N >= 1) or {\"max_pages\": null}"


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


class AdminApi(JsonHandler):
    server: EmulatorServer

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
            given = self.headers.get(ADMIN_TOKEN_HEADER) or admin_query(query).get("token") or ""
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
        args = admin_query(query)
        page = console.render(self.server, args.get("token"), args.get("error"))
        self._send_bytes(200, page.encode("utf-8"), "text/html;charset=utf-8", CONSOLE_HEADERS)

    def _health(self) -> None:
        self._ok()

    def _reset(self) -> None:
        self._admin_body()
        self.server.reset()
        self._ok()

    def _state(self) -> None:
        self._send_json(200, state_json(self.server.backend.state()))

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
        self._send_json(200, dataclasses.asdict(self.server.store.size()))

    def _limit_storage(self) -> None:
        body = self._admin_body()
        if not _valid_max_pages(body):
            self._send_json(400, {"error": MAX_PAGES_USAGE})
            return
        self._send_json(200, dataclasses.asdict(self.server.store.set_max_pages(body["max_pages"])))

    def _list_load_balancers(self) -> None:
        self._send_json(200, {"load_balancers": [
            dataclasses.asdict(lb) for lb in self.server.backend.load_balancers()]})

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
        form = Parameters(dict(parse_form(self._read_body())))
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
        token = admin_query(query).get("token")
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
    "/load_balancers/": {"DELETE": AdminApi._remove_load_balancer,
                         "PATCH": AdminApi._set_delete_protection,
                         "POST": AdminApi._set_delete_protection},
}
