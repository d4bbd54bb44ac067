"""The ResourceProvider: thin glue between the Pulumi engine and the spec, validation and api.

Its module path and class name are pickled into every user's state by reference: never
rename or move `MasterSlaveServerGroupProvider`. The instance holds nothing worth
pickling: stack config arrives through configure() in the provider process only, and
__getstate__ drops it anyway, so no credential can ride into state with `__provider`.
"""

from __future__ import annotations

from typing import Any, Mapping

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .api import IDEMPOTENCY_TAG_KEY, MAX_TAGS, LISTENER_HOLDS_GROUP, SlbApiError, SlbGateway, scrub
from .settings import CONFIG_KEYS, Settings, SettingsError, resolve_region, resolve_settings
from .spec import (
    BackendServer,
    GroupSpec,
    api_servers,
    api_tags,
    contains_unknown,
    is_unknown,
    normalize_inputs,
    normalize_servers,
    normalize_tags,
    servers_equal,
)
from .validation import validate

REPLACE_KEYS = ("load_balancer_id", "region_id", "name", "servers")


class ProviderError(Exception):
    """What the user reads when an operation fails: the field, the rule and the fix."""


class MasterSlaveServerGroupProvider(ResourceProvider):
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self._config = {}

    def configure(self, req: ConfigureRequest) -> None:
        """Keep only the keys we read, through Config's public get(), for this process only."""
        values = {key: req.config.get(key) for key in CONFIG_KEYS}
        self._config = {key: value for key, value in values.items() if value is not None}

    def _settings(self) -> Settings:
        return resolve_settings(getattr(self, "_config", {}))

    def _gateway(self) -> SlbGateway:
        try:
            return SlbGateway(self._settings())
        except SettingsError as error:
            raise ProviderError(str(error)) from None

    # -- preview ------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Normalize and validate without I/O or credentials; never raises."""
        try:
            region = resolve_region(getattr(self, "_config", {}))
            try:
                self._settings()
                config_failures: list[CheckFailure] = []
            except SettingsError as error:
                config_failures = [CheckFailure("", f"InvalidConfiguration: {error}")]
            bag = news if isinstance(news, Mapping) else {}
            as_written = normalize_inputs(bag, region, master_first=False)
            failures = config_failures + [CheckFailure(v.path, v.reason) for v in validate(as_written)]
            inputs = normalize_inputs(bag, region)
            return CheckResult(inputs, failures)
        except Exception as error:  # defence in depth: a bad shape must never become a traceback
            return CheckResult({}, [CheckFailure("", f"InvalidParameter: the inputs could not be read ({type(error).__name__}: {error}).")])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Explicit changes and replaces, on normalized values only."""
        replaces = [key for key in ("load_balancer_id", "region_id", "name") if _differs(olds.get(key), news.get(key))]
        old_servers, new_servers = olds.get("servers"), news.get("servers")
        if contains_unknown(new_servers) or not servers_equal(normalize_servers(old_servers), normalize_servers(new_servers)):
            replaces.append("servers")
        tags_change = contains_unknown(news.get("tags")) or normalize_tags(olds.get("tags")) != normalize_tags(news.get("tags"))
        return DiffResult(changes=bool(replaces) or tags_change, replaces=replaces, delete_before_replace=False)

    # -- lifecycle ----------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        gateway = self._gateway()
        spec = GroupSpec.from_props(props, gateway.settings.region)
        try:
            if spec.adopt_id:
                return CreateResult(spec.adopt_id, self._adopt(gateway, spec))
            created = gateway.create_group(spec)
        except SlbApiError as error:
            raise ProviderError(_scrubbed(error, gateway.settings)) from None
        return CreateResult(created.group_id, spec.to_outputs())

    def _adopt(self, gateway: SlbGateway, spec: GroupSpec) -> dict[str, Any]:
        """Take over a group made outside Pulumi, only if it is what the program declares."""
        assert spec.adopt_id is not None
        try:
            live = gateway.describe_group(spec.adopt_id)
        except SlbApiError as error:
            if error.not_found:
                raise ProviderError(
                    f"adopt_id: group {spec.adopt_id} does not exist in {spec.region_id}; "
                    "check the id and region_id, or remove adopt_id to create a new group."
                ) from None
            raise
        mismatches = _adoption_mismatches(spec, live)
        if mismatches:
            raise ProviderError(
                f"adopt_id: group {spec.adopt_id} does not match the declaration, nothing was changed:\n  - "
                + "\n  - ".join(mismatches)
                + "\nEdit the program to describe the group as it is (a group cannot be modified in place), then run again."
            )
        live_tags = {k: v for k, v in api_tags(live).items() if k != IDEMPOTENCY_TAG_KEY}
        _reconcile_tags(gateway, spec.adopt_id, live_tags, spec.tag_dict)
        return spec.to_outputs()

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        gateway = self._gateway()
        try:
            live = gateway.describe_group(id_)
        except SlbApiError as error:
            if error.not_found:
                return ReadResult("", {})
            raise ProviderError(_scrubbed(error, gateway.settings)) from None
        outputs = _outputs_from_live(live, props, gateway.settings.region)
        inputs = dict(outputs)
        return ReadResult(id_, outputs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only tags change in place: the API has no Modify call for name or servers."""
        gateway = self._gateway()
        try:
            _reconcile_tags(gateway, id_, normalize_tags(olds.get("tags")), normalize_tags(news.get("tags")))
        except SlbApiError as error:
            raise ProviderError(_scrubbed(error, gateway.settings)) from None
        return UpdateResult(GroupSpec.from_props(news, gateway.settings.region).to_outputs())

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        gateway = self._gateway()
        try:
            gateway.delete_group(id_)
        except SlbApiError as error:
            if error.code == LISTENER_HOLDS_GROUP:
                raise ProviderError(_held_by_listeners(gateway, id_, props, error)) from None
            raise ProviderError(_scrubbed(error, gateway.settings)) from None


def _differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new


def _scrubbed(error: SlbApiError, settings: Settings) -> str:
    return scrub(str(error), settings.secrets())


def _reconcile_tags(gateway: SlbGateway, group_id: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Untag first so a full set of 20 never overflows; then the create token yields its slot too."""
    removed = [key for key in old if key not in new]
    to_set = {key: value for key, value in new.items() if old.get(key) != value}
    token_must_go = len(new) >= MAX_TAGS and bool(to_set)
    if removed or token_must_go:
        gateway.untag_group(group_id, removed + ([IDEMPOTENCY_TAG_KEY] if token_must_go else []))
    gateway.tag_group(group_id, to_set)


def _outputs_from_live(live: Mapping[str, Any], state: Mapping[str, Any], default_region: str | None) -> dict[str, Any]:
    """What refresh stores: the live group, plus what the API never returns (server_ip, region)."""
    known_ips = {}
    for server in normalize_servers(state.get("servers")) or []:
        if isinstance(server, Mapping) and server.get("server_ip"):
            known_ips[(server.get("server_id"), server.get("port"))] = server["server_ip"]
    servers = []
    for item in api_servers(live):
        server = BackendServer.from_api(item).to_props()
        ip = known_ips.get((server["server_id"], server["port"]))
        if ip and "server_ip" not in server:
            server["server_ip"] = ip
        servers.append(server)
    outputs: dict[str, Any] = {
        "load_balancer_id": live.get("LoadBalancerId") or state.get("load_balancer_id"),
        "region_id": state.get("region_id") or default_region,
        "name": live.get("MasterSlaveServerGroupName", state.get("name", "")),
        "servers": normalize_servers(servers),
        "tags": ({k: v for k, v in api_tags(live).items() if k != IDEMPOTENCY_TAG_KEY}
                 if "Tags" in live else normalize_tags(state.get("tags"))),
    }
    if state.get("adopt_id"):
        outputs["adopt_id"] = state["adopt_id"]
    return outputs


def _adoption_mismatches(spec: GroupSpec, live: Mapping[str, Any]) -> list[str]:
    mismatches = []
    live_lb = live.get("LoadBalancerId")
    if live_lb and live_lb != spec.load_balancer_id:
        mismatches.append(f"load_balancer_id: declared {spec.load_balancer_id}, the group belongs to {live_lb}")
    live_name = live.get("MasterSlaveServerGroupName", "")
    if live_name != spec.name:
        mismatches.append(f"name: declared {spec.name!r}, the group is named {live_name!r}")
    declared = {s.key: s for s in spec.servers}
    actual = {s.key: s for s in (BackendServer.from_api(i) for i in api_servers(live))}
    for key in sorted(set(declared) | set(actual)):
        where = f"server {key[0]}:{key[1]}"
        if key not in actual:
            mismatches.append(f"servers: {where} is declared but not in the group")
        elif key not in declared:
            mismatches.append(f"servers: {where} is in the group but not declared")
        else:
            for field in ("weight", "server_type", "type"):
                want, have = getattr(declared[key], field), getattr(actual[key], field)
                if want != have:
                    mismatches.append(f"servers: {where} {field} declared {want!r}, the group has {have!r}")
    return mismatches


def _held_by_listeners(gateway: SlbGateway, group_id: str, props: Mapping[str, Any], error: SlbApiError) -> str:
    load_balancer_id = props.get("load_balancer_id")
    listeners = gateway.listeners_holding(load_balancer_id, group_id) if isinstance(load_balancer_id, str) else []
    held_by = ", ".join(listeners) if listeners else "a listener"
    return (
        f"group {group_id} is still used by {held_by} on {load_balancer_id} ({error.code}, "
        f"{error.attempts} attempts). Release it first: point the listener at another group, "
        "turn MasterSlaveServerGroup off on it, or delete the listener; then run destroy again. "
        f"(RequestId {error.request_id})"
    )
