"""The HTTP server: composes the emulator's parts and routes each request, the admin API
(admin.py) under ``/_emulator/``, the SLB API (slb_api.py) everywhere else.

Owns the composition (make_server: storage, backend and seed; EmulatorServer: the faults and
the request log shared by both APIs), the bound address and base URL, the access log (secrets
masked), and closing the storage with the server. Bodies are bounded and sockets time out
(http_base.py), so no request hangs. Imports admin.py, admin_guard.py, slb_api.py,
http_base.py, backend.py, storage.py, seed.py, faults.py, request_log.py and wire.py;
nothing imports it but ``__main__``.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .admin import ADMIN_PREFIX, AdminApi
from .admin_guard import AdminGuard
from .backend import SlbBackend
from .faults import Faults
from .http_base import JsonHandler
from .request_log import RequestLog
from .seed import Seed
from .slb_api import SlbApi
from .storage import Store
from .wire import mask_secrets


class EmulatorServer(ThreadingHTTPServer):
    """Serves the SLB API and the admin API over one backend, one store, one set of faults
    and one request log."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], backend: SlbBackend, store: Store,
                 seed: Seed, verbose: bool = False, admin_token: str | None = None) -> None:
        super().__init__(address, Handler)   # binds: the address is known from here on
        self.verbose = verbose
        self._store = store
        faults, log = Faults(), RequestLog()
        self.slb = SlbApi(backend, store, faults, log)
        self.admin = AdminApi(backend, store, faults, log, seed,
                              AdminGuard(str(self.server_address[0]), admin_token or None),
                              self.url)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, port)

    def server_close(self) -> None:
        super().server_close()
        self._store.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose:
            super().handle_error(request, client_address)


class Handler(JsonHandler):
    """One connection's requests, each routed to the admin API or the SLB API."""

    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the query string: mask tokens and signatures first.
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(),
                                             mask_secrets(format % args)))

    def route(self) -> None:
        try:
            split = urlsplit(self.path)
            path, query = split.path, split.query
        except ValueError:
            path, query = "/", ""
        try:
            if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
                self.server.admin.handle(self, path[len(ADMIN_PREFIX):].rstrip("/") or "/",
                                         query)
            else:
                self.server.slb.handle(self, query)
        except OSError:
            self.close_connection = True


def make_server(host: str = "127.0.0.1", port: int = 8080, db: str | None = None,
                seed: Seed | None = None, verbose: bool = False,
                admin_token: str | None = None) -> EmulatorServer:
    """The emulator, bound and not yet serving: the store opened (in memory without db),
    the seed applied."""
    seed = seed or Seed()
    store = Store(db)
    backend = SlbBackend(store)
    try:
        backend.apply_seed(seed)
        return EmulatorServer((host, port), backend, store, seed, verbose=verbose,
                              admin_token=admin_token)
    except BaseException:
        store.close()
        raise
