"""The second line of an error: what the user does about it.

A table, read top to bottom: a failure on the way to the API is told by its kind; an API
error by the first rule its code (or message) matches; anything else gets the API's
troubleshooting link. Templates are filled from the error, the settings and the call.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from .api_error import (
    LOAD_BALANCER_MISSING,
    RESOURCE_GONE_ON_TAGGING,
    ErrorKind,
    SlbApiError,
)
from .settings import (
    CONFIG_ENDPOINT,
    CONFIG_REGION,
    CONFIG_REQUEST_TIMEOUT,
    CONFIG_TIMEOUT,
    Settings,
)

TROUBLESHOOT_URL = "https://api.aliyun.com/troubleshoot?q={code}&product=Slb"

_NOT_THE_API = f"{{endpoint}} is not the SLB API: check {CONFIG_ENDPOINT} (or ALICLOUD_SLB_ENDPOINT)."

KIND_HINTS: dict[ErrorKind, str] = {
    ErrorKind.REFUSED: (f"Nothing accepts connections at {{endpoint}}: check {CONFIG_ENDPOINT} "
                        "(or ALICLOUD_SLB_ENDPOINT), or start the emulator."),
    ErrorKind.DNS: f"The host of {{endpoint}} does not resolve: check {CONFIG_ENDPOINT} and the machine's DNS.",
    ErrorKind.TLS: ("{endpoint} did not complete a TLS handshake; if it speaks plain http (the emulator does), "
                    f"write {CONFIG_ENDPOINT} as http://host:port."),
    ErrorKind.CONNECT_TIMEOUT: (f"{{endpoint}} accepted no connection in time: check {CONFIG_ENDPOINT}, the network "
                                f"and any proxy; {CONFIG_TIMEOUT} sets the budget."),
    ErrorKind.READ_TIMEOUT: (f"{{endpoint}} did not answer in time; {CONFIG_REQUEST_TIMEOUT} and {CONFIG_TIMEOUT} "
                             "set the limits."),
    ErrorKind.DROPPED: "The connection to {endpoint} kept breaking: check the network or proxy, then run again.",
    ErrorKind.NOT_API: _NOT_THE_API,
    ErrorKind.TOO_LARGE: _NOT_THE_API,
    ErrorKind.INVALID: ("The answers from {endpoint} kept missing what they must carry; nothing was stored. Run "
                        "again; if it persists, check that the endpoint is the SLB API and not a proxy rewriting "
                        "answers."),
    ErrorKind.SETTING: "",  # the message names the setting and the fix
}

_SIGNATURE_CODES = ("SignatureDoesNotMatch", "InvalidAccessKeySecret", "IncompleteSignature")

# (does the rule apply, the hint), for errors with the API's own body, first match wins.
CODE_HINTS: tuple[tuple[Callable[[SlbApiError], bool], str], ...] = (
    (lambda e: e.code == LOAD_BALANCER_MISSING[0] or LOAD_BALANCER_MISSING[1] in e.message,
     "Load balancer {load_balancer} was not found in {region}: check load_balancer_id, and set region_id on the "
     f"resource (or {CONFIG_REGION}) to its region."),
    (lambda e: e.code == RESOURCE_GONE_ON_TAGGING,
     "The group was deleted outside Pulumi: run `pulumi refresh` to drop it from the state, then `pulumi up` to "
     "create it again."),
    (lambda e: e.code.startswith("InvalidTimeStamp"),  # .Expired: this machine's clock is off
     "SLB refused the request's timestamp, which comes from this machine's clock: check the machine's clock (SLB "
     "accepts requests stamped within 15 minutes of its own time; sync it, e.g. with NTP), then run again."),
    (lambda e: e.code in _SIGNATURE_CODES,
     "Check that alicloud:secretKey belongs to alicloud:accessKey (and the machine's clock)."),
    (lambda e: e.code.startswith("InvalidAccessKeyId"),
     "Check alicloud:accessKey (or ALICLOUD_ACCESS_KEY): the API does not know it."),
    (lambda e: e.code.startswith("InvalidSecurityToken"),
     "The STS token is expired or not this key's: set a fresh alicloud:securityToken."),
    (lambda e: e.code.startswith("Forbidden") or e.code == "NoPermission",
     "The credentials may not call {action}: grant slb:{action} to the RAM user or role."),
    (lambda e: e.throttled,
     f"SLB kept throttling for the whole budget: run again later, or raise {CONFIG_TIMEOUT}."),
    (lambda e: e.retryable,
     f"SLB did not recover within the budget: run again later, or raise {CONFIG_TIMEOUT}."),
)


def hint_for(error: SlbApiError, settings: Settings, *, load_balancer_id: str | None = None) -> str:
    """The fix for `error`, from the first entry of the tables that applies."""
    template = KIND_HINTS.get(error.kind)
    if template is None:
        template = next((hint for applies, hint in CODE_HINTS if applies(error)),
                        "Troubleshoot: " + TROUBLESHOOT_URL.replace("{code}", "{quoted_code}"))
    return template.format(endpoint=error.endpoint, region=settings.region, action=error.action,
                           load_balancer=load_balancer_id or "the load balancer", quoted_code=quote(error.code))
