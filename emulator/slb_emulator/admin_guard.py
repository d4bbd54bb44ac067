"""Who may use the admin API: a guard against DNS rebinding, cross-site requests and
strangers.

Owns the three checks, in order: the Host is a loopback name or the bound address; the request
is not cross-site (no foreign Origin, no ``Sec-Fetch-Site: cross-site``); and, when the
emulator has an admin token, the request carries it (header or ``?token=``, compared in
constant time). Pure: no I/O. Imports parameters.py only.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from .parameters import Parameters

ADMIN_TOKEN_HEADER = "X-Emulator-Token"
CROSS_SITE = "cross-site requests to the admin API are refused"


def host_allowed(host_header: str | None, bound_host: str) -> bool:
    """A loopback name or the bound address: a page on another site whose name was rebound
    to 127.0.0.1 sends its own name as Host."""
    if not host_header:
        return False
    try:
        host = urlsplit("//" + host_header.strip()).hostname or ""
    except ValueError:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or host == bound_host.lower():
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """No Origin (curl, scripts, the SDK) or our own: a cross-site page may neither add
    faults nor read state (CSRF)."""
    if origin is None:
        return True
    if not host_header:
        return False
    return origin.strip().lower() == "http://" + host_header.strip().lower()


@dataclass
class AdminGuard:
    """Who may use the admin API: checks against DNS rebinding, CSRF, and the token."""
    bound_host: str
    token: str | None = None

    def refusal(self, headers: Mapping[str, str] | Message, query: Parameters) -> str | None:
        """Why this request is refused, or None."""
        host = headers.get("Host")
        if not host_allowed(host, self.bound_host):
            return "the admin API answers only to a loopback Host or the bound address"
        if not origin_allowed(headers.get("Origin"), host):
            return CROSS_SITE
        if (headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
            return CROSS_SITE
        if self.token:
            given = headers.get(ADMIN_TOKEN_HEADER) or query.get("token") or ""
            if not hmac.compare_digest(given.encode("utf-8", "replace"),
                                       self.token.encode("utf-8")):
                return "this emulator needs its admin token (%s header or ?token=)" % (
                    ADMIN_TOKEN_HEADER)
        return None
