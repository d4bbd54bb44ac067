"""The SLB gateway: the official SDK's calls, our retries, error mapping and reconciliation.

The SDK retries nothing for SLB, so throttling, busy and 5xx handling lives here, with
exponential backoff and full jitter inside one deadline per operation. A create whose
response was lost may still have happened (the API takes no client token), so a unique
tag rides along with every create and is looked up before anything is sent again: a
lost response never leaves a duplicate or an orphan. This module knows nothing of
Pulumi; the SDK is imported on first use so a provider process that only previews
never pays for it.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import random
import time
import urllib.request
from typing import Any, Callable, Mapping
from urllib.parse import quote

from .settings import Settings
from .spec import GroupSpec, api_listeners, api_servers

INVALID_RESPONSE = "SDK.InvalidResponse"
NOT_FOUND_MESSAGE = "The specified MasterSlaveGroupId does not exist"
NOT_FOUND_CODES = ("InvalidLoadBalancerId.NotFound",)
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
        "SDK.HttpError",
    }
)
LISTENER_HOLDS_GROUP = "RspoolVipExist"
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 1.5
TROUBLESHOOT_URL = "https://api.aliyun.com/troubleshoot?q={code}&product=Slb"


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every secret, raw or URL-encoded, from a text we are about to show."""
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote(secret, safe="~")}:
            if form:
                text = text.replace(form, "***")
    return text


class SlbApiError(Exception):
    """An SLB call that failed, shown with Code, Message, RequestId and where to look."""

    def __init__(self, action: str, code: str, message: str, *, request_id: str | None = None,
                 http_status: int | None = None, attempts: int = 1) -> None:
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.attempts = attempts
        super().__init__(self.describe())

    def describe(self) -> str:
        details = [f"RequestId {self.request_id}"] if self.request_id else []
        if self.http_status:
            details.append(f"HTTP {self.http_status}")
        if self.attempts > 1:
            details.append(f"after {self.attempts} attempts")
        suffix = f" ({', '.join(details)})" if details else ""
        return (f"SLB {self.action} failed: {self.code}: {self.message}{suffix}. "
                f"Troubleshoot: {TROUBLESHOOT_URL.format(code=quote(self.code))}")

    def after(self, attempts: int) -> "SlbApiError":
        """The same error, told with how many attempts were made."""
        return type(self)(self.action, self.code, self.message, request_id=self.request_id,
                          http_status=self.http_status, attempts=attempts)

    @property
    def retryable(self) -> bool:
        return (self.code.startswith("Throttling") or self.code in RETRYABLE_CODES or self.code == INVALID_RESPONSE
                or (self.http_status is not None and self.http_status >= 500))

    @property
    def outcome_unknown(self) -> bool:
        """The request may have been applied: the connection broke, the server failed, or
        the answer could not be read."""
        return (self.code in ("SDK.HttpError", INVALID_RESPONSE)
                or (self.http_status is not None and self.http_status >= 500))

    @property
    def timed_out(self) -> bool:
        """We stopped waiting; the server may still be working on the request and apply it later."""
        return self.code == "SDK.HttpError" and ("timed out" in self.message.lower() or "timeout" in self.message.lower())

    @property
    def not_found(self) -> bool:
        """Only the exact not-found signatures: any other InvalidParameter is a real error."""
        return self.code in NOT_FOUND_CODES or (self.code == "InvalidParameter" and NOT_FOUND_MESSAGE in self.message)


def _require_group(action: str, group_id: str, answer: Mapping[str, Any]) -> None:
    """A 200 that does not describe the group asked for is an invalid answer, not a fact."""
    servers = api_servers(answer)
    if answer.get("MasterSlaveServerGroupId") not in (None, group_id) or len(servers) != 2 or not all(
            isinstance(s, Mapping) and s.get("ServerId") and s.get("Port") is not None for s in servers):
        raise SlbApiError(action, INVALID_RESPONSE,
                          f"the answer for {group_id} does not describe its two servers: {str(dict(answer))[:200]!r}",
                          request_id=answer.get("RequestId"), http_status=200)


def _require_listing(answer: Mapping[str, Any]) -> None:
    """A listing without its container is invalid: taken for empty, it would "confirm" that
    every group is gone."""
    if not isinstance(answer.get("MasterSlaveServerGroups"), (Mapping, list)):
        raise SlbApiError("DescribeMasterSlaveServerGroups", INVALID_RESPONSE,
                          f"the answer carries no MasterSlaveServerGroups: {str(dict(answer))[:200]!r}",
                          request_id=answer.get("RequestId"), http_status=200)


class CreateOutcomeUnknown(SlbApiError):
    """A create that may have happened, and that we could not settle before the deadline."""


def _tag_params(tags: Mapping[str, str]) -> dict[str, str]:
    """`Tag.N.Key` / `Tag.N.Value`, N from 1, as CreateMasterSlaveServerGroup,
    DescribeMasterSlaveServerGroups and TagResources all spell a tag list."""
    params: dict[str, str] = {}
    for n, (key, value) in enumerate(sorted(tags.items()), start=1):
        params[f"Tag.{n}.Key"] = key
        params[f"Tag.{n}.Value"] = value
    return params


def _proxies_for(settings: Settings) -> dict[str, str | None]:
    """Explicit proxies: the SDK reads HTTP_PROXY but ignores NO_PROXY; loopback never proxies."""
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
    """One SDK client per distinct settings, built on first use, never stored on the provider.

    Credentials go in as ak/secret so the SDK's own ALIYUN_ACCESS_KEY_ID environment
    override cannot replace them; an STS token then swaps in the STS signer explicitly.
    """
    from aliyunsdkcore.auth.credentials import StsTokenCredential
    from aliyunsdkcore.auth.signers.sts_token_signer import StsTokenSigner
    from aliyunsdkcore.client import AcsClient

    client = AcsClient(
        ak=settings.access_key_id,
        secret=settings.access_key_secret,
        region_id=settings.require_region(),
        auto_retry=False,
        connect_timeout=settings.connect_timeout_seconds,
        timeout=settings.request_timeout_seconds,
        proxy=_proxies_for(settings),
        pool_size=16,
    )
    if settings.security_token:
        client._signer = StsTokenSigner(
            StsTokenCredential(settings.access_key_id, settings.access_key_secret, settings.security_token)
        )
    return client


class SlbGateway:
    """One operation's view of SLB: a deadline, and calls named for what they do on the wire."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random) -> None:
        settings.require_credentials()
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self.deadline = clock() + settings.timeout_seconds

    # -- one exchange on the wire -------------------------------------------------------
    def _send(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.http import protocol_type
        from aliyunsdkcore.request import RpcRequest

        request = RpcRequest("Slb", "2014-05-15", action)  # fresh per call: signing mutates it
        request.set_method("POST")
        request.set_accept_format("JSON")
        endpoint = self.settings.endpoint
        if endpoint is not None:
            request.set_endpoint(endpoint.host)
        request.set_protocol_type(protocol_type.HTTPS if endpoint is None or endpoint.https else protocol_type.HTTP)
        request.set_read_timeout(self.settings.request_timeout_seconds)
        request.set_connect_timeout(self.settings.connect_timeout_seconds)
        request.add_query_param("RegionId", self.settings.require_region())
        for key, value in params.items():
            if value is not None:
                request.add_query_param(key, value)
        secrets = self.settings.secrets()
        try:
            body = _client_for(self.settings).do_action_with_exception(request)
        except ServerException as error:
            raise SlbApiError(action, str(error.get_error_code()), scrub(str(error.get_error_msg()), secrets),
                              request_id=error.get_request_id(), http_status=error.get_http_status()) from None
        except ClientException as error:
            raise SlbApiError(action, str(error.get_error_code()), scrub(str(error.get_error_msg()), secrets)) from None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise SlbApiError(action, INVALID_RESPONSE, f"the answer is not an API answer: {body[:200]!r}",
                              http_status=200) from None
        return answer

    # -- retries ------------------------------------------------------------------------
    def _backoff(self, attempt: int, error: SlbApiError) -> None:
        """Full-jitter exponential backoff; past the deadline the last error stands."""
        delay = self._rng() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** attempt))
        if self._clock() + delay >= self.deadline:
            raise error.after(attempt + 1) from None
        self._sleep(delay)

    def _call(self, action: str, params: Mapping[str, Any], *, retry_on: Callable[[SlbApiError], bool] | None = None,
              validate: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                answer = self._send(action, params)
                if validate is not None:
                    validate(answer)
                return answer
            except SlbApiError as error:
                if not (error.retryable or (retry_on is not None and retry_on(error))):
                    raise error.after(attempt + 1) from None
                self._backoff(attempt, error)
                attempt += 1

    # -- the calls ----------------------------------------------------------------------
    def create_group(self, spec: GroupSpec, tags: Mapping[str, str], settle: Callable[[], str | None]) -> str:
        """The new group's id: exactly one group per call, even when answers are lost or mangled.

        The API takes no client token. A create whose outcome is unknown (the connection
        broke after sending, a 5xx, a timeout, a 200 without a readable id) may have
        happened, so `settle` (a look-up of the group this resource owns) runs before
        anything is sent again; after a timeout it keeps looking for two more read
        timeouts, since the server may still apply the held request.
        """
        params: dict[str, Any] = {
            "LoadBalancerId": spec.load_balancer_id,
            "MasterSlaveServerGroupName": spec.name,
            "MasterSlaveBackendServers": json.dumps([s.to_api() for s in spec.servers]),
            **_tag_params(tags),
        }
        attempt = 0
        while True:
            try:
                response = self._send("CreateMasterSlaveServerGroup", params)
                group_id = response.get("MasterSlaveServerGroupId")
                if not isinstance(group_id, str) or not group_id.startswith("rsp-"):
                    raise SlbApiError("CreateMasterSlaveServerGroup", INVALID_RESPONSE,
                                      f"the answer carries no MasterSlaveServerGroupId: {str(response)[:200]!r}",
                                      request_id=response.get("RequestId"), http_status=200)
                return group_id
            except SlbApiError as error:
                if not error.retryable:
                    raise error.after(attempt + 1) from None
                if error.outcome_unknown:
                    found = self._settled(settle, error)
                    if not found and error.timed_out:
                        found = self._await_late_create(settle, error)
                    if found:
                        return found
                self._backoff(attempt, error)
                attempt += 1

    def _await_late_create(self, settle: Callable[[], str | None], cause: SlbApiError) -> str | None:
        """A create that timed out on our side may still be applied when the server gets to it.

        Sending it again at once would make a second group when the first one lands. Give
        the held request two more read timeouts to land, looking for it, before re-sending.
        """
        grace_end = min(self.deadline, self._clock() + 2 * self.settings.request_timeout_seconds)
        while self._clock() < grace_end:
            self._sleep(min(0.25, max(0.0, grace_end - self._clock())))
            found = self._settled(settle, cause)
            if found:
                return found
        return None

    def _settled(self, settle: Callable[[], str | None], cause: SlbApiError) -> str | None:
        try:
            return settle()
        except SlbApiError as error:
            raise CreateOutcomeUnknown(
                "CreateMasterSlaveServerGroup", cause.code,
                f"{cause.message}; the create may have happened and could not be confirmed "
                f"({error.code}: {error.message}). Run `pulumi up` again: the group carries this "
                "resource's ownership tag and is taken over instead of created twice.",
                request_id=cause.request_id, http_status=cause.http_status) from None

    def describe_group(self, group_id: str) -> dict[str, Any]:
        """The group's attributes; an answer without the group's id and its two servers is
        invalid (retried, then surfaced), never taken for a group with no servers."""
        action = "DescribeMasterSlaveServerGroupAttribute"
        return self._call(action, {"MasterSlaveServerGroupId": group_id},
                          validate=lambda answer: _require_group(action, group_id, answer))

    def list_groups(self, load_balancer_id: str, *, include_listener: bool = False,
                    tags: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"LoadBalancerId": load_balancer_id, **_tag_params(tags or {})}
        if include_listener:
            params["IncludeListener"] = "true"
        response = self._call("DescribeMasterSlaveServerGroups", params, validate=_require_listing)
        container = response.get("MasterSlaveServerGroups") or {}
        groups = container.get("MasterSlaveServerGroup", []) if isinstance(container, Mapping) else container
        return groups if isinstance(groups, list) else [groups]

    def listeners_holding(self, load_balancer_id: str, group_id: str) -> list[str]:
        """'tcp:80'-style names of the listeners using a group, best effort, for an error message.

        Called once the operation's budget is spent, so it grants itself one more request.
        """
        self.deadline = max(self.deadline, self._clock() + self.settings.request_timeout_seconds)
        try:
            groups = self.list_groups(load_balancer_id, include_listener=True)
        except SlbApiError:
            return []
        return next((api_listeners(g) for g in groups if g.get("MasterSlaveServerGroupId") == group_id), [])

    def delete_group(self, group_id: str) -> None:
        """A listener holding the group is waited out until the deadline; a not-found answer
        is raised like any other, for the caller to confirm against a listing."""
        self._call("DeleteMasterSlaveServerGroup", {"MasterSlaveServerGroupId": group_id},
                   retry_on=lambda e: e.code == LISTENER_HOLDS_GROUP)

    def tag_group(self, group_id: str, tags: Mapping[str, str]) -> None:
        if not tags:
            return
        self._call("TagResources", {"ResourceType": "masterslaveservergroup", "ResourceId.1": group_id,
                                    **_tag_params(tags)})

    def untag_group(self, group_id: str, keys: list[str]) -> None:
        if not keys:
            return
        params: dict[str, Any] = {"ResourceType": "masterslaveservergroup", "ResourceId.1": group_id}
        for n, key in enumerate(sorted(keys), start=1):
            params[f"TagKey.{n}"] = key
        self._call("UntagResources", params)

    # -- read-only calls for look-ups, preview checks and delete protection (issue 12) ----
    def describe_load_balancer(self, load_balancer_id: str) -> dict[str, Any]:
        """DescribeLoadBalancerAttribute: status, spec, network type, DeleteProtection."""
        return self._call("DescribeLoadBalancerAttribute", {"LoadBalancerId": load_balancer_id})

    def list_groups_all_pages(self, load_balancer_id: str, *, tags: Mapping[str, str] | None = None,
                              max_pages: int = 100) -> list[dict[str, Any]]:
        """Every group of a load balancer, following NextToken / PageNumber if an answer carries one.

        The API reference documents no paging for DescribeMasterSlaveServerGroups (one answer
        holds every group of the load balancer); should an answer ever carry NextToken or
        TotalCount beyond the page, the next pages are fetched, up to max_pages.
        """
        base: dict[str, Any] = {"LoadBalancerId": load_balancer_id, **_tag_params(tags or {})}
        groups: list[dict[str, Any]] = []
        params = dict(base)
        for page in range(1, max_pages + 1):
            response = self._call("DescribeMasterSlaveServerGroups", params)
            container = response.get("MasterSlaveServerGroups") or {}
            items = container.get("MasterSlaveServerGroup", []) if isinstance(container, Mapping) else container
            items = items if isinstance(items, list) else [items]
            groups.extend(items)
            token = response.get("NextToken")
            total = response.get("TotalCount")
            if token:
                params = {**base, "NextToken": token}
            elif isinstance(total, int) and len(groups) < total and items:
                params = {**base, "PageNumber": page + 1, "PageSize": response.get("PageSize") or len(items)}
            else:
                break
        return groups
