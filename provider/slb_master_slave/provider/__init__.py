"""The dynamic provider process: what `python -m pulumi.dynamic` runs for the engine.

It owns the ResourceProvider, defined in this very file, and what only the provider process
does: the lifecycle against SLB (`lifecycle.py`, loaded on the first create, read, update or
delete, so a preview never imports the SDK), preview's opt-in live checks
(`preview_checks.py`), the delete-protection switch (`protection.py`), more than 4 operations
at once (`worker_pool.py`, warning through `engine_log.py`) and a crash reported as a bug
(`internal_error.py`). It may import `ownership`, `client`, `domain` and `errors`, never the
program side or the audit.

`slb_master_slave.provider.MasterSlaveServerGroupProvider` is pickled into every user's state
by reference, its module path and class name as the class itself records them: the class
must stay DEFINED here (a class defined elsewhere and imported here would write its own
module into new state, which earlier releases cannot read). The instance holds nothing worth
pickling: stack config arrives through configure() in the provider process only, and
__getstate__ drops it anyway, so no credential can ride into state with `__provider`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

from ..client.settings import (
    CONFIG_KEYS,
    MIN_CONCURRENT_OPERATIONS,
    Settings,
    SettingsError,
    max_concurrent_operations,
    resolve_region,
    resolve_settings,
)
from ..domain.fields import OWNER_TAG_OUTPUT
from ..domain.normalize import (
    PROTECTION_FLAG,
    contains_unknown,
    default_name,
    is_unknown,
    normalize_inputs,
    normalize_tags,
    servers_equal,
    servers_in_api_order,
)
from ..domain.validation import unreadable_inputs, validate
from ..errors import ProviderError
from ..ownership import engine_presence
from ..ownership.tag import owner_value
from . import preview_checks, worker_pool
from .internal_error import internal_error_reason
from .protection import flag_failure, flag_of

__all__ = ["MasterSlaveServerGroupProvider", "ProviderError"]


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
        """Keep only the keys we read, through Config's public get(), for this process only.

        The first call of a provider process started by an engine also starts the watch that
        ends the process once that engine is gone (engine_presence), and lets the process run
        `maxConcurrentOperations` operations at once (worker_pool: it runs in one of the host's
        worker threads, whose pool it widens). An invalid value changes nothing here: check()
        reports it."""
        values = {key: req.config.get(key) for key in CONFIG_KEYS}
        self._config = {key: value for key, value in values.items() if value is not None}
        if engine_presence.running_as_dynamic_provider():
            engine_presence.exit_when_engine_gone()
            worker_pool.widen_once(_concurrency(self._config), dynamic_main=True)

    def _settings(self) -> Settings:
        return resolve_settings(getattr(self, "_config", {}))

    def _settings_or_error(self) -> Settings:
        try:
            settings = self._settings()
            settings.require_credentials()
            return settings
        except SettingsError as error:
            raise ProviderError(str(error)) from None

    # -- preview ------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Normalize and validate without I/O or credentials; never raises.

        Inputs that are not a mapping cannot be read: one `InvalidParameter` failure says so.
        Any exception past that point is a bug of ours, reported under its own code
        (`ProviderInternalError`, internal_error.py) rather than as a traceback, and never
        dressed up as a validation failure.
        """
        unreadable = unreadable_inputs(news)
        if unreadable is not None:
            return CheckResult({}, [CheckFailure(unreadable.path, unreadable.reason)])
        try:
            return self._checked(olds if isinstance(olds, Mapping) else {}, news)
        except Exception as error:  # preview never shows a traceback; the reason says it is our bug
            return CheckResult({}, [CheckFailure("", internal_error_reason(error, operation="check"))])

    def _checked(self, prior: Mapping[str, Any], given: Mapping[str, Any]) -> CheckResult:
        region = resolve_region(getattr(self, "_config", {}))
        try:
            self._settings()
            config_failures: list[CheckFailure] = []
        except SettingsError as error:
            config_failures = [CheckFailure("", f"InvalidConfiguration: {error}")]
        bag = _with_stable_identity(prior, given)
        # Normalized once: validated in the order the user wrote (failures' paths point at their
        # servers), kept in the API's order.
        as_written = normalize_inputs(bag, region, master_first=False)
        name_from_resource = given.get("name") is None and bag.get("name") != prior.get("name")
        failures = config_failures + [CheckFailure(v.path, v.reason)
                                      for v in validate(as_written, name_from_resource=name_from_resource)]
        failures += [CheckFailure(*f) for f in filter(None, [flag_failure(bag.get(PROTECTION_FLAG))])]
        inputs = servers_in_api_order(as_written)
        if not config_failures and preview_checks.enabled(getattr(self, "_config", {})):
            failures += [CheckFailure(*f) for f in preview_checks.live_failures(self._settings(), inputs)]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Explicit changes and replaces, on normalized values only.

        The ownership tag changes in place when the value state recorded (`owner_tag`) is
        not the owner's (a group from an earlier release, a renamed stack or resource). A
        new `adopt_id` naming another group than the one managed replaces: the other group
        is adopted (verified) and this one deleted; removing adopt_id after adoption changes
        nothing, like removing an import option.
        """
        replaces = [key for key in ("load_balancer_id", "region_id", "name") if _differs(olds.get(key), news.get(key))]
        adopt_id = news.get("adopt_id")
        if adopt_id is not None and (is_unknown(adopt_id) or adopt_id not in (_id, olds.get("adopt_id"))):
            replaces.append("adopt_id")
        old_servers, new_servers = olds.get("servers"), news.get("servers")
        if contains_unknown(new_servers) or not servers_equal(old_servers, new_servers):  # each normalized there
            replaces.append("servers")
        tags_change = contains_unknown(news.get("tags")) or normalize_tags(olds.get("tags")) != normalize_tags(news.get("tags"))
        flag_change = _differs(flag_of(olds), flag_of(news))  # in place, no API call
        owner = news.get("owner")
        owner_change = is_unknown(owner) or (
            isinstance(owner, str) and bool(owner) and olds.get(OWNER_TAG_OUTPUT) != owner_value(owner))
        return DiffResult(changes=bool(replaces) or tags_change or flag_change or owner_change, replaces=replaces,
                          delete_before_replace=False)

    # -- lifecycle: the SDK and the gateway load on first use, never at preview ---------
    def create(self, props: dict[str, Any]) -> CreateResult:
        from . import lifecycle

        with engine_presence.operation(), worker_pool.operation_slot():
            group_id, outputs = lifecycle.create(self._settings_or_error(), props)
        return CreateResult(group_id, outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from . import lifecycle

        with engine_presence.operation(), worker_pool.operation_slot():
            found = lifecycle.read(self._settings_or_error(), id_, props)
        if found is None:
            return ReadResult("", {})
        return ReadResult(id_, found, {k: v for k, v in found.items() if k != OWNER_TAG_OUTPUT})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from . import lifecycle

        with engine_presence.operation(), worker_pool.operation_slot():
            return UpdateResult(lifecycle.update(self._settings_or_error(), id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from . import lifecycle

        with engine_presence.operation(), worker_pool.operation_slot():
            lifecycle.delete(self._settings_or_error(), id_, props)


def _with_stable_identity(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The name, chosen once and kept (Pulumi's auto-naming convention), and the region.

    olds are the prior checked inputs. A name left out is the prior one, else the resource
    name, so renaming a resource with `aliases` keeps its group's name. A region left out is
    the one recorded for the group, so changing `alicloud:region` never moves (replaces)
    existing groups. The owner is the URN the program passes now, not the recorded one:
    after `pulumi stack rename` or an `aliases` rename, another resource may take the old
    URN, and two owners must never share a tag value (the next `up` retags in place, see
    diff()); a bag without one (a program of a release before owners) keeps the recorded one.
    """
    bag = dict(news)
    if bag.get("region_id") is None and isinstance(olds.get("region_id"), str) and olds.get("region_id"):
        bag["region_id"] = olds["region_id"]
    if bag.get("owner") is None and isinstance(olds.get("owner"), str) and olds.get("owner"):
        bag["owner"] = olds["owner"]
    if bag.get("name") is None:
        chosen = olds.get("name") if isinstance(olds.get("name"), str) and olds.get("name") else default_name(bag.get("owner"))
        if chosen is not None:
            bag["name"] = chosen
    return bag


def _concurrency(config: Mapping[str, Any]) -> int:
    try:
        return max_concurrent_operations(config)
    except SettingsError:
        return MIN_CONCURRENT_OPERATIONS


def _differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new
