"""The SLB gateway: the one module that knows the SLB wire.

It takes and returns domain types (`GroupSpec`, `BackendServer`, `LiveGroup`); the API's
field names and shapes live here and nowhere else. The official SDK builds and signs each
request; `transport` sends it inside the operation's deadline and refuses answers over
1 MiB. The SDK retries nothing for SLB: one loop here (`SlbGateway._call`) retries what can
heal, fails fast on what cannot, and waits out a listener that holds a group on delete.

A create whose outcome is unknown may still have happened (the API takes no client token),
so the retry loop calls a settle hook (the caller's look-up of the group the create would
have made, by the pending ownership tag sent with it) before it sends the create again. A 200
that does not say what it should (no group id, no two servers, no listing) is an invalid
answer: retried, then surfaced, never stored. Every error leaves as an
`SlbApiError` whose text names the operation, the group or load balancer, the region, the
API's code, message and RequestId, and the fix, scrubbed of the secret and the token in one
place (`scrub`). This module knows nothing of Pulumi; the SDK is imported on first use so a
provider process that only previews never pays for it.
"""

from __future__ import annotations

import base64
import enum
import functools
import ipaddress
import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .settings import (
    CONFIG_ENDPOINT,
    CONFIG_REGION,
    CONFIG_REQUEST_TIMEOUT,
    CONFIG_TIMEOUT,
    Settings,
)
from .spec import BackendServer, GroupSpec, LiveGroup, LoadBalancer
from .transport import Answer, Failure, Target, Transport, TransportFailure

INVALID_RESPONSE = "SDK.InvalidResponse"
NOT_FOUND_MESSAGE = "The specified MasterSlaveGroupId does not exist"
NOT_FOUND_CODES = ("InvalidLoadBalancerId.NotFound",)
LOAD_BALANCER_MISSING = ("InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist")
RESOURCE_GONE_ON_TAGGING = "InvalidResourceId.NotFound"
RETRYABLE_CODES = frozenset(
    {
        "ServiceIsConfiguring",
        "OperationBusy",
        "BackendServer.configuring",
        "ServiceIsStopping",
        "SystemBusy",
        "ProcessingSameRequest",
        "ServiceUnavailable",
        "InternalError",
    }
)
LISTENER_HOLDS_GROUP = "RspoolVipExist"
RESOURCE_TYPE = "masterslaveservergroup"

# Retry cadence (docs/RELIABILITY.md). Fast: full-jitter exponential backoff.
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 1.5
# Permanent-looking failures (refused, DNS, TLS against plain http, not the API): two quick retries.
QUICK_RETRY_DELAYS = (0.5, 1.0)
# A listener holding a group on delete: seconds between tries, a bounded number of tries.
LISTENER_WAIT_BASE_SECONDS = 1.0
LISTENER_WAIT_CAP_SECONDS = 10.0
LISTENER_WAIT_MAX_TRIES = 40
# Time create and delete keep back from the budget for one look-up after them: the lost
# create's tag, or the listeners holding a group, within the operation's budget.
LOOKUP_RESERVE_SECONDS = 2.0
SUMMARY_CHARS = 200
TROUBLESHOOT_URL = "https://api.aliyun.com/troubleshoot?q={code}&product=Slb"


# -- secrets: scrubbed here, once, for every text an error can carry ---------------------
# A form of a secret this long is removed wherever it appears: no text holds it by chance.
SCRUB_ANYWHERE_CHARS = 16
# Shorter forms are removed where they stand as a whole token; shorter than this, never
# (one to three characters are in every sentence and are no credential).
SCRUB_MIN_CHARS = 4
_ALNUM = "A-Za-z0-9"
# Before a whole token: not a letter or digit, unless that is the end of a %XX or %25XX escape
# ("Secret%3Dk3y" is "Secret=k3y" once decoded).
_TOKEN_START = rf"(?:(?<![{_ALNUM}])|(?<=%[0-9A-Fa-f]{{2}})|(?<=%25[0-9A-Fa-f]{{2}}))"


def _secret_forms(secret: str) -> set[str]:
    """The secret as it can appear: raw, URL-encoded (once or twice, SDK or stdlib style), base64."""
    once = {quote(secret, safe=""), quote(secret, safe="~"), quote(secret),
            quote(secret, safe="~").replace("%7E", "~").replace("+", "%20")}
    twice = {quote(form, safe="") for form in once} | {quote(form, safe="~") for form in once}
    b64 = {base64.b64encode(secret.encode()).decode(), base64.urlsafe_b64encode(secret.encode()).decode()}
    forms = {secret} | once | twice | b64 | {f.rstrip("=") for f in b64}
    forms |= {f.lower() for f in once | twice if "%" in f}
    return {f for f in forms if len(f) >= SCRUB_MIN_CHARS}


def _form_pattern(form: str) -> str:
    """A long form anywhere; a short one only as a whole token, so a wrong secret such as
    "sign" leaves "signature" in the API's message alone but never shows as itself."""
    pattern = re.escape(form)
    if len(form) >= SCRUB_ANYWHERE_CHARS:
        return pattern
    if re.match(f"[{_ALNUM}]", form):
        pattern = _TOKEN_START + pattern
    if re.search(f"[{_ALNUM}]$", form):
        pattern += f"(?![{_ALNUM}])"
    return pattern


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every secret, in every encoding we know of, from a text we are about to show."""
    for secret in secrets:
        for form in sorted(_secret_forms(secret), key=len, reverse=True):
            text = re.sub(_form_pattern(form), "***", text)
    return text


_SIGNED_PARAMETER = re.compile(r"[^\s]*(?:\?|&|%26|%3D)[^\s]*")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)


def summarize(body: bytes, limit: int = SUMMARY_CHARS) -> str:
    """One line of at most `limit` characters from an answer that is not the API's: no markup,
    no query strings (a server may echo the signed URL back)."""
    text = body[: 64 * 1024].decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    text = _TAG.sub(" ", title.group(1) if title else text)
    text = _SIGNED_PARAMETER.sub("[…]", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- errors ----------------------------------------------------------------------------
class ErrorKind(enum.Enum):
    """Where a failure came from: the API's own error body, or the way to it."""

    API = "api"
    REFUSED = "refused"  # connection refused, network unreachable
    DNS = "dns"
    TLS = "tls"  # e.g. https against a plain-http port
    CONNECT_TIMEOUT = "connect-timeout"  # no connection or TLS handshake in time: nothing was sent
    READ_TIMEOUT = "read-timeout"  # sent, no complete answer in time
    DROPPED = "dropped"  # reset or closed before a complete answer
    NOT_API = "not-api"  # an answer without an API error body (HTML, 404, 501, ...)
    TOO_LARGE = "too-large"
    INVALID = "invalid-answer"  # a 2xx that does not say what it must (mangled, fieldless, cut short)


_FAILURE_KINDS = {
    Failure.DNS: ErrorKind.DNS,
    Failure.REFUSED: ErrorKind.REFUSED,
    Failure.UNREACHABLE: ErrorKind.REFUSED,
    Failure.PROXY: ErrorKind.REFUSED,
    Failure.CONNECT_TIMEOUT: ErrorKind.CONNECT_TIMEOUT,
    Failure.TLS: ErrorKind.TLS,
    Failure.SEND_FAILED: ErrorKind.DROPPED,
    Failure.READ_TIMEOUT: ErrorKind.READ_TIMEOUT,
    Failure.DROPPED: ErrorKind.DROPPED,
    Failure.TOO_LARGE: ErrorKind.TOO_LARGE,
    Failure.BAD_HTTP: ErrorKind.NOT_API,
}
_TRANSPORT_CODES = {
    ErrorKind.REFUSED: "ConnectionRefused",
    ErrorKind.DNS: "NameNotResolved",
    ErrorKind.TLS: "TlsHandshakeFailed",
    ErrorKind.CONNECT_TIMEOUT: "ConnectTimeout",
    ErrorKind.READ_TIMEOUT: "ReadTimeout",
    ErrorKind.DROPPED: "ConnectionDropped",
    ErrorKind.NOT_API: "NotSlbApi",
    ErrorKind.TOO_LARGE: "AnswerTooLarge",
    ErrorKind.INVALID: INVALID_RESPONSE,
}
_GATEWAY_STATUSES = (502, 503, 504)


class SlbApiError(Exception):
    """An SLB call that failed: what was asked, what came back, what to do.

    `may_have_applied` says whether the API may have acted on the request (it was sent
    and the answer was lost, or the server failed with 5xx); only then can a create have
    happened. The text is scrubbed at construction.
    """

    def __init__(self, action: str, code: str, message: str, *, request_id: str | None = None,
                 http_status: int | None = None, attempts: int = 1, kind: ErrorKind = ErrorKind.API,
                 may_have_applied: bool | None = None, subject: str = "", region: str | None = None,
                 endpoint: str = "", hint: str = "", seconds: float | None = None) -> None:
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.attempts = attempts
        self.kind = kind
        self.may_have_applied = (
            may_have_applied if may_have_applied is not None
            else kind is ErrorKind.API and http_status is not None and http_status >= 500
        )
        self.subject = subject
        self.region = region
        self.endpoint = endpoint
        self.hint = hint
        self.seconds = seconds
        super().__init__(self.describe())

    def describe(self) -> str:
        where = f" for {self.subject}" if self.subject else ""
        if self.region:
            where += f" in {self.region}"
        details = [f"RequestId {self.request_id}"] if self.request_id else []
        if self.http_status and self.kind is ErrorKind.API:
            details.append(f"HTTP {self.http_status}")
        if self.attempts > 1:
            details.append(f"{self.attempts} attempts" + (f" in {self.seconds:.1f} s" if self.seconds else ""))
        suffix = f" ({', '.join(details)})" if details else ""
        message = self.message.rstrip(".")
        first = f"SLB {self.action} failed{where}: {self.code}: {message}{suffix}."
        return f"{first}\n{self.hint}" if self.hint else first

    def with_context(self, **changes: Any) -> SlbApiError:
        """The same error with attempts, subject, hint or time told."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        for name, value in changes.items():
            if name not in self.__dict__:
                raise TypeError(f"SlbApiError has no field {name!r}")
            setattr(clone, name, value)
        Exception.__init__(clone, clone.describe())
        return clone

    def after(self, attempts: int) -> SlbApiError:
        return self.with_context(attempts=attempts)

    @property
    def throttled(self) -> bool:
        return self.kind is ErrorKind.API and "Throttling" in self.code

    @property
    def retryable(self) -> bool:
        """Can heal by itself: throttling, busy, 5xx with an API body, timeouts, dropped connections."""
        if self.kind is ErrorKind.API:
            return self.throttled or self.code in RETRYABLE_CODES or (self.http_status or 0) >= 500
        return self.kind in (ErrorKind.CONNECT_TIMEOUT, ErrorKind.READ_TIMEOUT, ErrorKind.DROPPED)

    @property
    def permanent_looking(self) -> bool:
        """Will not heal by waiting, unless someone fixes it meanwhile: a couple of quick retries."""
        return self.kind in (ErrorKind.REFUSED, ErrorKind.DNS, ErrorKind.TLS, ErrorKind.NOT_API, ErrorKind.TOO_LARGE,
                             ErrorKind.INVALID)

    @property
    def timed_out(self) -> bool:
        """We stopped waiting for an answer; the server may still apply the request later."""
        return self.kind is ErrorKind.READ_TIMEOUT

    @property
    def not_found(self) -> bool:
        """Only the exact not-found signatures: any other InvalidParameter is a real error."""
        return self.kind is ErrorKind.API and (
            self.code in NOT_FOUND_CODES or (self.code == "InvalidParameter" and NOT_FOUND_MESSAGE in self.message))


class CreateOutcomeUnknown(SlbApiError):
    """A create that may have happened, and that we could not settle before the deadline."""


# -- retry policy: small checkers, one decision ----------------------------------------
class Retry(enum.Enum):
    NO = "no"
    FAST = "fast"  # full-jitter exponential backoff until the deadline
    QUICK = "quick"  # at most len(QUICK_RETRY_DELAYS) retries
    WAIT_OUT = "wait-out"  # a listener holds the group: slow cadence, bounded tries


def retry_decision(error: SlbApiError, *, wait_out_listener: bool = False) -> Retry:
    if wait_out_listener and error.kind is ErrorKind.API and error.code == LISTENER_HOLDS_GROUP:
        return Retry.WAIT_OUT
    if error.retryable:
        return Retry.FAST
    if error.permanent_looking:
        return Retry.QUICK
    return Retry.NO


def _hint(error: SlbApiError, settings: Settings, *, load_balancer_id: str | None = None) -> str:
    """The second line: what the user does about it."""
    endpoint = error.endpoint
    code, kind = error.code, error.kind
    if kind is ErrorKind.REFUSED:
        return (f"Nothing accepts connections at {endpoint}: check {CONFIG_ENDPOINT} (or ALICLOUD_SLB_ENDPOINT), "
                "or start the emulator.")
    if kind is ErrorKind.DNS:
        return f"The host of {endpoint} does not resolve: check {CONFIG_ENDPOINT} and the machine's DNS."
    if kind is ErrorKind.TLS:
        return (f"{endpoint} did not complete a TLS handshake; if it speaks plain http (the emulator does), "
                f"write {CONFIG_ENDPOINT} as http://host:port.")
    if kind is ErrorKind.CONNECT_TIMEOUT:
        return (f"{endpoint} accepted no connection in time: check {CONFIG_ENDPOINT}, the network and any proxy; "
                f"{CONFIG_TIMEOUT} sets the budget.")
    if kind is ErrorKind.READ_TIMEOUT:
        return f"{endpoint} did not answer in time; {CONFIG_REQUEST_TIMEOUT} and {CONFIG_TIMEOUT} set the limits."
    if kind is ErrorKind.DROPPED:
        return f"The connection to {endpoint} kept breaking: check the network or proxy, then run again."
    if kind in (ErrorKind.NOT_API, ErrorKind.TOO_LARGE):
        return f"{endpoint} is not the SLB API: check {CONFIG_ENDPOINT} (or ALICLOUD_SLB_ENDPOINT)."
    if kind is ErrorKind.INVALID:
        return (f"The answers from {endpoint} kept missing what they must carry; nothing was stored. "
                "Run again; if it persists, check that the endpoint is the SLB API and not a proxy rewriting answers.")
    region = settings.region
    if code == LOAD_BALANCER_MISSING[0] or LOAD_BALANCER_MISSING[1] in error.message:
        return (f"Load balancer {load_balancer_id or 'the load balancer'} was not found in {region}: check "
                f"load_balancer_id, and set region_id on the resource (or {CONFIG_REGION}) to its region.")
    if code == RESOURCE_GONE_ON_TAGGING:
        return ("The group was deleted outside Pulumi: run `pulumi refresh` to drop it from the state, "
                "then `pulumi up` to create it again.")
    if code.startswith("InvalidTimeStamp"):  # .Expired: this machine's clock is off by more than SLB accepts
        return ("SLB refused the request's timestamp, which comes from this machine's clock: check the machine's "
                "clock (SLB accepts requests stamped within 15 minutes of its own time; sync it, e.g. with NTP), "
                "then run again.")
    if code in ("SignatureDoesNotMatch", "InvalidAccessKeySecret", "IncompleteSignature"):
        return "Check that alicloud:secretKey belongs to alicloud:accessKey (and the machine's clock)."
    if code.startswith("InvalidAccessKeyId"):
        return "Check alicloud:accessKey (or ALICLOUD_ACCESS_KEY): the API does not know it."
    if code.startswith("InvalidSecurityToken"):
        return "The STS token is expired or not this key's: set a fresh alicloud:securityToken."
    if code.startswith("Forbidden") or code == "NoPermission":
        return f"The credentials may not call {error.action}: grant slb:{error.action} to the RAM user or role."
    if error.throttled:
        return f"SLB kept throttling for the whole budget: run again later, or raise {CONFIG_TIMEOUT}."
    if error.retryable:
        return f"SLB did not recover within the budget: run again later, or raise {CONFIG_TIMEOUT}."
    return "Troubleshoot: " + TROUBLESHOOT_URL.format(code=quote(code))


STRING_TO_SIGN_NOTE = " (the server's string to sign is not shown)"


def _trim_api_message(code: str, message: str) -> tuple[str, str]:
    """SignatureDoesNotMatch carries the server's string to sign (every parameter, the token
    included): keep the sentences before the one that shows it ("... calculation. server
    string to sign is:..."), drop that one; the note saying so is returned apart, to be
    added after scrubbing (a wrong secret such as "sign" must not cut our own words)."""
    marker = message.lower().find("string to sign")
    if marker < 0:
        return message[:500], ""
    sentence_end = message.rfind(". ", 0, marker)
    kept = (message[:sentence_end] if sentence_end >= 0 else "").rstrip(" :.,")
    return (kept or "The signature does not match")[:500], STRING_TO_SIGN_NOTE


# -- the wire: field names and shapes, here only ---------------------------------------
def _tag_params(tags: Mapping[str, str]) -> dict[str, str]:
    """`Tag.N.Key` / `Tag.N.Value`, N from 1, as CreateMasterSlaveServerGroup,
    DescribeMasterSlaveServerGroups and TagResources all spell a tag list."""
    params: dict[str, str] = {}
    for n, (key, value) in enumerate(sorted(tags.items()), start=1):
        params[f"Tag.{n}.Key"] = key
        params[f"Tag.{n}.Value"] = value
    return params


def server_to_api(server: BackendServer) -> dict[str, str]:
    """The API reference's item: every value a string, ports and weights in decimal."""
    item = {
        "ServerId": server.server_id,
        "Port": str(int(server.port)),
        "Weight": str(int(server.weight)),
        "ServerType": server.server_type,
        "Type": server.type,
    }
    if server.description:
        item["Description"] = server.description
    if server.server_ip:
        item["ServerIp"] = server.server_ip
    return item


def server_from_api(item: Mapping[str, Any]) -> BackendServer:
    return BackendServer.from_props(
        {
            "server_id": item.get("ServerId"),
            "port": item.get("Port"),
            "weight": item.get("Weight"),
            "server_type": item.get("ServerType"),
            "type": item.get("Type"),
            "description": item.get("Description"),
            "server_ip": item.get("ServerIp"),
        }
    )


def _items(container: Any, *names: str) -> list[Mapping[str, Any]]:
    """`{"Xs": {"X": [...]}}`, `{"Xs": {"X": {...}}}` or `{"Xs": [...]}`: the list of items."""
    if isinstance(container, list):
        return [i for i in container if isinstance(i, Mapping)]
    if not isinstance(container, Mapping):
        return []
    for name in names:
        if name in container:
            items = container[name]
            if isinstance(items, Mapping):
                return [items]
            return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    return []


def _api_servers(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The real nesting (singular inside) and the seed document's plural both read."""
    return _items(entry.get("MasterSlaveBackendServers") or {}, "MasterSlaveBackendServer",
                  "MasterSlaveBackendServers")


def _api_tags(entry: Mapping[str, Any]) -> dict[str, str] | None:
    if "Tags" not in entry:
        return None
    items = _items(entry.get("Tags") or {}, "Tag")
    return {str(t.get("TagKey")): str(t.get("TagValue") or "") for t in items if t.get("TagKey") is not None}


def _api_listeners(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """'tcp:80'-style names of the listeners that hold a group."""
    associated = entry.get("AssociatedObjects") or {}
    listeners = _items(associated.get("Listeners") or {}, "Listener") if isinstance(associated, Mapping) else []
    return tuple(f"{str(item.get('Protocol', '?')).lower()}:{item.get('Port', '?')}" for item in listeners)


def live_group_from_api(entry: Mapping[str, Any], *, load_balancer_id: str | None = None) -> LiveGroup:
    """A group as the Attribute or the list answer describes it (lists carry no servers)."""
    return LiveGroup(
        id=str(entry.get("MasterSlaveServerGroupId") or ""),
        name=str(entry.get("MasterSlaveServerGroupName") or ""),
        load_balancer_id=str(entry.get("LoadBalancerId") or load_balancer_id or "") or None,
        servers=tuple(server_from_api(item) for item in _api_servers(entry)),
        tags=_api_tags(entry),
        listeners=_api_listeners(entry),
        create_time=str(entry["CreateTime"]) if entry.get("CreateTime") else None,
    )


@dataclass
class PendingCreate:
    """A create we send: the caller's look-up of the group it may have made, and whether a
    lost answer could not be matched to a group (`unsettled`)."""

    settle: Callable[[], str | None]
    unsettled: bool = False


def _create_params(spec: GroupSpec, tags: Mapping[str, str]) -> dict[str, Any]:
    return {
        "LoadBalancerId": spec.load_balancer_id,
        "MasterSlaveServerGroupName": spec.name,
        "MasterSlaveBackendServers": json.dumps([server_to_api(s) for s in spec.servers], separators=(",", ":")),
        **_tag_params(tags),
    }


def load_balancer_from_api(answer: Mapping[str, Any], load_balancer_id: str) -> LoadBalancer:
    """A DescribeLoadBalancerAttribute answer as the attributes the provider reads."""
    spec = answer.get("LoadBalancerSpec")
    return LoadBalancer(
        id=str(answer.get("LoadBalancerId") or load_balancer_id),
        status=str(answer.get("LoadBalancerStatus") or "").lower(),
        spec=str(spec) if spec else None,
        charge_type=str(answer.get("InstanceChargeType") or ""),
        network_type=str(answer.get("NetworkType") or "").lower(),
        delete_protection=str(answer.get("DeleteProtection", "off")).lower() == "on",
        request_id=str(answer.get("RequestId") or "") or None,
    )


def _created_problem(answer: Mapping[str, Any]) -> str | None:
    group_id = answer.get("MasterSlaveServerGroupId")
    if isinstance(group_id, str) and group_id.startswith("rsp-"):
        return None
    return "the answer carries no MasterSlaveServerGroupId"


def _group_problem(group_id: str, answer: Mapping[str, Any]) -> str | None:
    """A 200 that does not describe the group asked for is an invalid answer, not a fact."""
    servers = _api_servers(answer)
    if answer.get("MasterSlaveServerGroupId") not in (None, group_id) or len(servers) != 2 or not all(
            s.get("ServerId") and s.get("Port") is not None for s in servers):
        return f"the answer for {group_id} does not describe its two servers"
    return None


def _listing_problem(answer: Mapping[str, Any]) -> str | None:
    """A listing without its container is invalid: taken for empty, it would "confirm" that
    every group is gone."""
    if not isinstance(answer.get("MasterSlaveServerGroups"), (Mapping, list)):
        return "the answer carries no MasterSlaveServerGroups"
    return None


# -- the SDK: signing only --------------------------------------------------------------
def _quiet_sdk_loggers() -> None:
    """The SDK logs the API's error messages (SignatureDoesNotMatch carries the string to sign,
    token included) and, with DEBUG=sdk, whole requests. Nothing of it may reach stderr."""
    for name in ["aliyunsdkcore", *list(logging.root.manager.loggerDict)]:
        if name.startswith("aliyunsdkcore"):
            logger = logging.getLogger(name)
            logger.disabled = True
            logger.propagate = False


def _proxies_for(settings: Settings) -> dict[str, str | None]:
    """Explicit proxies: loopback never proxies, NO_PROXY is honoured."""
    host = settings.endpoint.hostname if settings.endpoint else ""
    try:
        loopback = bool(host) and ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback or (host and urllib.request.proxy_bypass(host)):
        return {"http": None, "https": None}
    proxies = urllib.request.getproxies()
    return {"http": proxies.get("http"), "https": proxies.get("https")}


@functools.lru_cache(maxsize=8)
def _client_for(settings: Settings) -> Any:
    """One SDK client per distinct settings, for signing, never stored on the provider.

    Credentials go in as ak/secret so the SDK's own ALIYUN_ACCESS_KEY_ID environment
    override cannot replace them; an STS token then swaps in the STS signer explicitly.
    """
    from aliyunsdkcore.auth.credentials import StsTokenCredential
    from aliyunsdkcore.auth.signers.sts_token_signer import StsTokenSigner
    from aliyunsdkcore.client import AcsClient

    _quiet_sdk_loggers()
    client = AcsClient(ak=settings.access_key_id, secret=settings.access_key_secret,
                       region_id=settings.require_region(), auto_retry=False)
    if settings.security_token:
        client._signer = StsTokenSigner(
            StsTokenCredential(settings.access_key_id, settings.access_key_secret, settings.security_token)
        )
    _quiet_sdk_loggers()
    return client


_transport = Transport()


class SlbGateway:
    """One operation's view of SLB: a deadline, and calls named for what they do on the wire."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random,
                 transport: Transport | None = None) -> None:
        settings.require_credentials()
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._transport = transport or _transport
        self.started = clock()
        self.deadline = self.started + settings.timeout_seconds

    # -- one exchange on the wire -------------------------------------------------------
    def _signed(self, action: str, params: Mapping[str, Any]) -> tuple[Target, str, str, dict[str, str], bytes | None]:
        from aliyunsdkcore.http import protocol_type
        from aliyunsdkcore.request import RpcRequest

        client = _client_for(self.settings)
        request = RpcRequest("Slb", "2014-05-15", action)  # fresh per call: signing mutates it
        request.set_method("POST")
        request.set_accept_format("JSON")
        request.add_header("Accept-Encoding", "identity")
        endpoint = self.settings.endpoint
        https = endpoint is None or endpoint.https
        request.set_protocol_type(protocol_type.HTTPS if https else protocol_type.HTTP)
        request.add_query_param("RegionId", self.settings.require_region())
        for key, value in params.items():
            if value is not None:
                request.add_query_param(key, value)
        host = endpoint.host if endpoint is not None else client._resolve_endpoint(request)
        signed = client._make_http_response(host, request, None, None)
        body = signed.get_body()
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {str(k): str(v) for k, v in (signed.get_headers() or {}).items()}
        hostname, port = _split_host(host, https)
        proxy = _proxies_for(self.settings)["https" if https else "http"]
        return Target(https, hostname, port, proxy), signed.get_method(), signed.get_url(), headers, body

    def _send(self, action: str, params: Mapping[str, Any], *, reserve: float = 0.0) -> dict[str, Any]:
        """One request, ended `reserve` seconds before the operation's deadline."""
        target, method, path, headers, body = self._signed(action, params)
        now = self._clock()
        settings = self.settings
        deadline = self.deadline - reserve
        try:
            answer = self._transport.send(
                target, method, path, headers, body,
                connect_deadline=min(deadline, now + settings.connect_timeout_seconds),
                read_seconds=settings.request_timeout_seconds, deadline=deadline)
        except TransportFailure as failure:
            kind = _FAILURE_KINDS[failure.failure]
            reached = failure.sent and (kind in (ErrorKind.READ_TIMEOUT, ErrorKind.DROPPED)
                                        or failure.status in _GATEWAY_STATUSES)
            message = f"{target.origin}: {failure}"
            if failure.status:
                message += f" (HTTP {failure.status})"
            raise self._error(action, _TRANSPORT_CODES[kind], message, kind=kind, may_have_applied=reached,
                              endpoint=target.origin) from None
        return self._parse(action, answer, target)

    def _parse(self, action: str, answer: Answer, target: Target) -> dict[str, Any]:
        try:
            document = json.loads(answer.body)
        except ValueError:
            document = None
        if isinstance(document, dict) and 200 <= answer.status < 300:
            return document
        if 200 <= answer.status < 300:  # the API accepted the request; its answer did not survive
            raise self._error(action, INVALID_RESPONSE, f"{target.origin} answered HTTP {answer.status} "
                              f"with no readable API answer: {summarize(answer.body, 80) or 'an empty body'}",
                              kind=ErrorKind.INVALID, may_have_applied=True, http_status=answer.status,
                              endpoint=target.origin)
        if isinstance(document, dict) and isinstance(document.get("Code"), str) and answer.status >= 300:
            code = document["Code"]
            message, note = _trim_api_message(code, str(document.get("Message") or ""))
            raise self._error(
                action, code, message, note=note,
                request_id=str(document.get("RequestId") or "") or None, http_status=answer.status,
                endpoint=target.origin)
        # anything else is not the API talking: a 2xx that is not a JSON object, an error
        # without the API's error body (HTML from a proxy or another server, an empty 502)
        what = f"HTTP {answer.status}" + (f" {answer.content_type}" if answer.content_type else "")
        summary = summarize(answer.body)
        raise self._error(
            action, "NotSlbApi", f"{target.origin} answered {what}" + (f": {summary}" if summary else ", no API answer"),
            kind=ErrorKind.NOT_API, may_have_applied=answer.status in _GATEWAY_STATUSES, endpoint=target.origin)

    def _error(self, action: str, code: str, message: str, *, note: str = "", **kwargs: Any) -> SlbApiError:
        """The error with `message` (text from outside: scrubbed) and our `note` after it."""
        return SlbApiError(action, code, scrub(message, self.settings.secrets()) + note,
                           region=self.settings.region, **kwargs)

    # -- the one retry loop -------------------------------------------------------------
    def _call(self, action: str, params: Mapping[str, Any], *, subject: str,
              load_balancer_id: str | None = None, wait_out_listener: bool = False,
              settle: Callable[[SlbApiError], dict[str, Any] | None] | None = None,
              validate: Callable[[Mapping[str, Any]], str | None] | None = None,
              reserve: float = 0.0) -> dict[str, Any]:
        """Send until answered, retrying what can heal; `validate` names what a 2xx answer
        lacks (it is then an invalid answer); `settle` runs before a request whose
        predecessor may have been applied is sent again, and may answer in its place."""
        attempt = quick = waited = 0
        while True:
            attempt += 1
            try:
                answer = self._send(action, params, reserve=reserve)
                problem = validate(answer) if validate is not None else None
                if problem is None:
                    return answer
                raise self._error(action, INVALID_RESPONSE, problem, kind=ErrorKind.INVALID, may_have_applied=True,
                                  http_status=200, request_id=str(answer.get("RequestId") or "") or None,
                                  endpoint=self._endpoint_origin())
            except SlbApiError as raw:
                error = raw.with_context(attempts=attempt, subject=subject,
                                         seconds=self._clock() - self.started)
                error = error.with_context(hint=_hint(error, self.settings, load_balancer_id=load_balancer_id))
            decision = retry_decision(error, wait_out_listener=wait_out_listener)
            if decision is Retry.NO:
                raise error
            if settle is not None and error.may_have_applied:
                settled = settle(error)
                if settled is not None:
                    return settled
            if decision is Retry.QUICK:
                if quick >= len(QUICK_RETRY_DELAYS):
                    raise error
                delay = QUICK_RETRY_DELAYS[quick]
                quick += 1
            elif decision is Retry.WAIT_OUT:
                waited += 1
                if waited >= LISTENER_WAIT_MAX_TRIES:
                    raise error
                ceiling = min(LISTENER_WAIT_CAP_SECONDS, LISTENER_WAIT_BASE_SECONDS * 1.5 ** (waited - 1))
                delay = ceiling * (0.75 + 0.25 * self._rng())
            else:
                delay = self._rng() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)))
            self._pause(delay, error, reserve=reserve)

    def _reserve(self) -> float:
        """What create and delete keep back from the budget for one look-up after them."""
        return min(LOOKUP_RESERVE_SECONDS, 0.2 * self.settings.timeout_seconds)

    def _pause(self, delay: float, error: SlbApiError, *, reserve: float = 0.0) -> None:
        """Sleep before the next attempt; if that leaves no time for it, the last error stands."""
        if self._clock() + delay + reserve >= self.deadline - 0.05:
            raise error
        self._sleep(delay)

    # -- the calls ----------------------------------------------------------------------
    def create_group(self, spec: GroupSpec, tags: Mapping[str, str], settle: Callable[[], str | None]) -> str:
        """The new group's id: exactly one group per call, even when answers are lost or mangled.

        The create goes through the one retry loop. When an attempt may have been applied
        (sent and the answer lost, a 5xx, a 200 without a readable id), the loop calls the
        settle hook before sending again: `settle` (the caller's look-up of this resource's
        pending groups) answers in the create's place if it finds the group; after a read
        timeout it keeps looking for two more read timeouts, since the server may still
        apply the held request.
        """
        pending = PendingCreate(settle)
        try:  # time is kept back from each create so a lost one can still be looked up
            answer = self._call("CreateMasterSlaveServerGroup", _create_params(spec, tags),
                                subject=f"load balancer {spec.load_balancer_id}",
                                load_balancer_id=spec.load_balancer_id, validate=_created_problem,
                                settle=functools.partial(self._settle_create, pending), reserve=self._reserve())
        except CreateOutcomeUnknown:
            raise
        except SlbApiError as error:
            if error.may_have_applied or pending.unsettled:
                raise self._outcome_unknown(error, None) from None
            raise
        return str(answer["MasterSlaveServerGroupId"])

    def _settle_create(self, pending: PendingCreate, error: SlbApiError) -> dict[str, Any] | None:
        """The settle hook: the group a create that may have been applied made, as its answer, or None."""
        found = self._find_created(pending, error)
        if found is None and error.timed_out:
            found = self._await_late_create(pending, error)
        if found is None:
            pending.unsettled = True
            return None
        return {"MasterSlaveServerGroupId": found}

    def _await_late_create(self, pending: PendingCreate, cause: SlbApiError) -> str | None:
        """A create that timed out on our side may still be applied when the server gets to it.

        Sending it again at once would make a second group when the first one lands. Give
        the held request two more read timeouts to land, looking for it, before re-sending.
        """
        grace_end = min(self.deadline - self._reserve(), self._clock() + 2 * self.settings.request_timeout_seconds)
        while self._clock() < grace_end - 0.05:
            self._sleep(min(0.25, max(0.0, grace_end - self._clock())))
            found = self._find_created(pending, cause)
            if found:
                return found
        return None

    def _find_created(self, pending: PendingCreate, cause: SlbApiError) -> str | None:
        try:
            return pending.settle()
        except SlbApiError as error:
            raise self._outcome_unknown(cause, error) from None

    def _outcome_unknown(self, cause: SlbApiError, lookup: SlbApiError | None) -> CreateOutcomeUnknown:
        if lookup is None:
            looked = ""
        elif lookup.kind in (ErrorKind.CONNECT_TIMEOUT, ErrorKind.READ_TIMEOUT):
            looked = " (looking it up timed out too)"
        else:
            looked = f" (looking it up failed: {lookup.code})"
        hint = (f"The create may have happened{looked}. Run `pulumi up` again: the group carries this resource's "
                "pending ownership tag and is taken over (or removed) instead of created twice. " + cause.hint).strip()
        return CreateOutcomeUnknown(
            cause.action, cause.code, cause.message, request_id=cause.request_id, http_status=cause.http_status,
            attempts=cause.attempts, kind=cause.kind, may_have_applied=True, subject=cause.subject,
            region=cause.region, endpoint=cause.endpoint, hint=hint, seconds=cause.seconds)

    def describe_group(self, group_id: str) -> LiveGroup:
        """The group's attributes; an answer without the group's id and its two servers is
        invalid (retried, then surfaced), never taken for a group with no servers."""
        answer = self._call("DescribeMasterSlaveServerGroupAttribute", {"MasterSlaveServerGroupId": group_id},
                            subject=f"group {group_id}", validate=functools.partial(_group_problem, group_id))
        return live_group_from_api({"MasterSlaveServerGroupId": group_id, **answer})

    def list_groups(self, load_balancer_id: str, *, include_listener: bool = False,
                    tags: Mapping[str, str] | None = None) -> list[LiveGroup]:
        params: dict[str, Any] = {"LoadBalancerId": load_balancer_id, **_tag_params(tags or {})}
        if include_listener:
            params["IncludeListener"] = "true"
        answer = self._call("DescribeMasterSlaveServerGroups", params, subject=f"load balancer {load_balancer_id}",
                            load_balancer_id=load_balancer_id, validate=_listing_problem)
        items = _items(answer.get("MasterSlaveServerGroups") or {}, "MasterSlaveServerGroup")
        return [live_group_from_api(item, load_balancer_id=load_balancer_id) for item in items]

    def listeners_holding(self, load_balancer_id: str, group_id: str) -> list[str]:
        """'tcp:80'-style names of the listeners using a group, best effort, for an error message,
        within what is left of the budget (delete keeps some back for it)."""
        try:
            groups = self.list_groups(load_balancer_id, include_listener=True)
        except SlbApiError:
            return []
        return next((list(g.listeners) for g in groups if g.id == group_id), [])

    def delete_group(self, group_id: str) -> None:
        """A listener holding the group is waited out at a slow cadence, keeping back enough of
        the budget to name the listeners; a not-found answer is raised like any other, for the
        caller to confirm against a listing."""
        self._call("DeleteMasterSlaveServerGroup", {"MasterSlaveServerGroupId": group_id},
                   subject=f"group {group_id}", wait_out_listener=True, reserve=self._reserve())

    def tag_group(self, group_id: str, tags: Mapping[str, str]) -> None:
        if not tags:
            return
        self._call("TagResources", {"ResourceType": RESOURCE_TYPE, "ResourceId.1": group_id, **_tag_params(tags)},
                   subject=f"group {group_id}")

    def untag_group(self, group_id: str, keys: list[str]) -> None:
        if not keys:
            return
        params: dict[str, Any] = {"ResourceType": RESOURCE_TYPE, "ResourceId.1": group_id}
        for n, key in enumerate(sorted(keys), start=1):
            params[f"TagKey.{n}"] = key
        self._call("UntagResources", params, subject=f"group {group_id}")


    # -- read-only calls for look-ups, preview checks and delete protection (issue 12) ----
    def describe_load_balancer(self, load_balancer_id: str) -> LoadBalancer:
        """DescribeLoadBalancerAttribute: status, spec, network type, DeleteProtection."""
        answer = self._call("DescribeLoadBalancerAttribute", {"LoadBalancerId": load_balancer_id},
                            subject=f"load balancer {load_balancer_id}", load_balancer_id=load_balancer_id)
        return load_balancer_from_api(answer, load_balancer_id)

    def list_groups_all_pages(self, load_balancer_id: str, *, tags: Mapping[str, str] | None = None,
                              max_pages: int = 100) -> list[LiveGroup]:
        """Every group of a load balancer, following NextToken / PageNumber if an answer carries one.

        The API reference documents no paging for DescribeMasterSlaveServerGroups (one answer
        holds every group of the load balancer); should an answer ever carry NextToken or
        TotalCount beyond the page, the next pages are fetched, up to max_pages.
        """
        base: dict[str, Any] = {"LoadBalancerId": load_balancer_id, **_tag_params(tags or {})}
        groups: list[LiveGroup] = []
        params = dict(base)
        for page in range(1, max_pages + 1):
            answer = self._call("DescribeMasterSlaveServerGroups", params, subject=f"load balancer {load_balancer_id}",
                                load_balancer_id=load_balancer_id, validate=_listing_problem)
            items = _items(answer.get("MasterSlaveServerGroups") or {}, "MasterSlaveServerGroup")
            groups.extend(live_group_from_api(item, load_balancer_id=load_balancer_id) for item in items)
            token = answer.get("NextToken")
            total = answer.get("TotalCount")
            if token:
                params = {**base, "NextToken": token}
            elif isinstance(total, int) and len(groups) < total and items:
                params = {**base, "PageNumber": page + 1, "PageSize": answer.get("PageSize") or len(items)}
            else:
                break
        return groups

    def _endpoint_origin(self) -> str:
        endpoint = self.settings.endpoint
        return endpoint.url if endpoint is not None else "the regional SLB endpoint"


def _split_host(host: str, https: bool) -> tuple[str, int]:
    """'h', 'h:p', '[v6]:p' -> (hostname, port)."""
    default = 443 if https else 80
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default
    if host.count(":") == 1:
        name, _, port = host.partition(":")
        return name, int(port) if port.isdigit() else default
    return host, default
