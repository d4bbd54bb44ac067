"""Live checks at preview (opt-in: `slb-master-slave:previewChecks: true`).

check() stays pure unless the setting is on. With it on, and once the group's load
balancer id and region are known, check() asks SLB (DescribeLoadBalancerAttribute,
read-only) whether the load balancer exists in that region, is active, and can take what
is declared: ENI and ECI backends need a guaranteed-performance ("high-performance")
instance in a VPC (Alibaba Cloud, "Add backend servers by specifying their ENIs", Limits:
"You can specify the primary and secondary ENIs of ECS instances only for
high-performance CLB instances"; the ECS instance "belongs to the same VPC as the CLB
instance"). The ECS/ENI/ECI ids themselves are not checked: that needs the ECS and ECI
APIs, not SLB.

At most one call per (endpoint, region, load balancer) for the life of the provider
process (the answer is cached, failures too), capped at a few seconds. A failure of the
API itself (throttling, network, credentials) is a warning, never a validation failure:
the dynamic provider process has no engine logging channel, so `pulumi.log.warn` writes
it to the process's stderr ("warning: ..."), which the engine relays to the CLI as a
diagnostic of the provider plugin. Nothing here raises.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..client.gone import LOAD_BALANCER_NOT_FOUND, load_balancer_gone
from ..client.settings import CONFIG_PREVIEW_CHECKS, Settings
from ..domain.normalize import is_unknown

if TYPE_CHECKING:  # the model's classes load with the gateway, never at a preview without live checks
    from ..domain.model import LoadBalancer

CHECK_BUDGET_SECONDS = 3.0
NOT_FOUND = LOAD_BALANCER_NOT_FOUND
STATUS_CODE = "IncorrectStatus.LoadBalancer"
BACKEND_TYPE_CODE = "InvalidParameter.Type"
VPC_ONLY_TYPES = ("eni", "eci")

_CACHE: dict[tuple[Any, ...], tuple[str, Any]] = {}  # key -> ("ok", LoadBalancer) | ("missing", error) | ("error", text)
_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}
_GUARD = threading.Lock()


def enabled(config: Mapping[str, Any]) -> bool:
    value = config.get(CONFIG_PREVIEW_CHECKS)
    return isinstance(value, (str, bool)) and str(value).strip().lower() in ("true", "1", "yes", "on")


def clear_cache() -> None:
    with _GUARD:
        _CACHE.clear()
        _LOCKS.clear()


def _warn(message: str) -> None:
    try:
        import pulumi.log

        pulumi.log.warn(message)
    except Exception:  # never let a warning break check()
        pass


def _lookup(settings: Settings, load_balancer_id: str, describe: Callable[[Settings, str], LoadBalancer]) -> tuple[str, Any]:
    endpoint = settings.endpoint.url if settings.endpoint else ""
    key = (endpoint, settings.region, load_balancer_id)
    with _GUARD:
        if key in _CACHE:
            return _CACHE[key]
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:  # concurrent checks of groups on one load balancer share one call
        with _GUARD:
            if key in _CACHE:
                return _CACHE[key]
        outcome = _describe_once(settings, load_balancer_id, describe)
        with _GUARD:
            _CACHE[key] = outcome
        return outcome


def _describe_once(settings: Settings, load_balancer_id: str, describe: Callable[[Settings, str], LoadBalancer]) -> tuple[str, Any]:
    from ..client.api_error import SlbApiError
    from ..client.scrubbing import scrub

    try:
        return ("ok", describe(settings, load_balancer_id))
    except SlbApiError as error:
        if load_balancer_gone(error):
            return ("missing", error)
        return ("error", str(error))  # the gateway's text, already scrubbed
    except Exception as error:  # a bug or an odd answer must not fail the preview
        return ("error", scrub(f"{type(error).__name__}: {error}", settings.secrets()))


def _describe(settings: Settings, load_balancer_id: str) -> LoadBalancer:
    from ..client.gateway import SlbGateway

    return SlbGateway(settings).describe_load_balancer(load_balancer_id)


def budgeted(settings: Settings) -> Settings:
    """The same settings, with the whole call capped at CHECK_BUDGET_SECONDS."""
    return dataclasses.replace(
        settings,
        timeout_seconds=min(settings.timeout_seconds, CHECK_BUDGET_SECONDS),
        request_timeout_seconds=min(settings.request_timeout_seconds, CHECK_BUDGET_SECONDS),
        connect_timeout_seconds=min(settings.connect_timeout_seconds, CHECK_BUDGET_SECONDS),
    )


def _known_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and not is_unknown(value) else None


def _target(settings: Settings, inputs: Mapping[str, Any]) -> tuple[str, str] | None:
    """(load balancer, region) when both are known and there are credentials to ask with."""
    load_balancer_id, region = _known_text(inputs.get("load_balancer_id")), _known_text(inputs.get("region_id"))
    if load_balancer_id is None or region is None:
        return None
    if not settings.access_key_id or not settings.access_key_secret:
        _warn(f"slb-master-slave: previewChecks is on but no credentials are configured; "
              f"{load_balancer_id} was not checked at preview.")
        return None
    return load_balancer_id, region


def _outcome_failures(outcome: tuple[str, Any], load_balancer_id: str, region: str,
                      servers: Any) -> list[tuple[str, str]]:
    """The cached outcome of one DescribeLoadBalancerAttribute as failures (or a warning)."""
    state, value = outcome
    if state == "missing":
        return [("load_balancer_id",
                 f"{NOT_FOUND}: load balancer {load_balancer_id} does not exist in region {region} "
                 f"(DescribeLoadBalancerAttribute, RequestId {value.request_id}); check load_balancer_id and region_id.")]
    if state == "error":
        _warn(f"slb-master-slave: previewChecks could not read load balancer {load_balancer_id} in {region}; "
              f"not checked at preview: {value}")
        return []
    return attribute_failures(load_balancer_id, region, value, servers)


def live_failures(settings: Settings, inputs: Mapping[str, Any], *,
                  describe: Callable[[Settings, str], LoadBalancer] = _describe) -> list[tuple[str, str]]:
    """(property, reason) failures found by asking SLB; [] when nothing is known enough to ask."""
    try:
        target = _target(settings, inputs)
        if target is None:
            return []
        load_balancer_id, region = target
        outcome = _lookup(budgeted(dataclasses.replace(settings, region=region)), load_balancer_id, describe)
        return _outcome_failures(outcome, load_balancer_id, region, inputs.get("servers"))
    except Exception as error:  # never raise from check()
        _warn(f"slb-master-slave: previewChecks skipped ({type(error).__name__}).")
        return []


def attribute_failures(load_balancer_id: str, region: str, load_balancer: LoadBalancer,
                       servers: Any) -> list[tuple[str, str]]:
    """Pure: what the load balancer's attributes say about a declaration."""
    failures: list[tuple[str, str]] = []
    request_id = load_balancer.request_id
    status = load_balancer.status
    if status and status != "active":
        failures.append(("load_balancer_id",
                         f"{STATUS_CODE}: load balancer {load_balancer_id} in {region} is {status}, not active "
                         f"(RequestId {request_id}); start or unlock it (SetLoadBalancerStatus active) before adding groups."))
    shared = not load_balancer.spec and load_balancer.charge_type != "PayByCLCU"
    network = load_balancer.network_type
    for index, server in enumerate(servers if isinstance(servers, (list, tuple)) else []):
        if not isinstance(server, Mapping) or is_unknown(server):
            continue
        kind = server.get("type")
        if kind not in VPC_ONLY_TYPES:
            continue
        reasons = []
        if shared:
            reasons.append("it is a shared-performance instance (no LoadBalancerSpec); ENI and ECI backends need a "
                           "guaranteed-performance one")
        if network == "classic":
            reasons.append("its network type is classic; ENI and ECI backends need a VPC load balancer")
        if reasons:
            failures.append((f"servers[{index}].type",
                             f"{BACKEND_TYPE_CODE}: server {server.get('server_id')} is type {kind}, which load balancer "
                             f"{load_balancer_id} cannot take: {'; '.join(reasons)} (RequestId {request_id}). Use an ecs "
                             "server, or a guaranteed-performance VPC load balancer."))
    return failures
