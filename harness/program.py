"""Run a Pulumi program under `pulumi.runtime.set_mocks` and collect its registrations.

What a Registration holds is what the engine receives in RegisterResource: the type, the
name, the urn the engine derives, the inputs (deserialized from the request, INCLUDING
the `__provider` key that pulumi.dynamic.Resource adds) and the dependencies the SDK
declared (depends_on, Output-derived dependencies and the parent, minus the root stack).

Inputs keep the SDK's rpc secret wrappers for secret values, except `__provider`, which is
always unwrapped (it is a secret unless the provider sets serialize_as_secret_always =
False). Unknown values (only produced with preview=True) become the harness's UNKNOWN
marker.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi.resource as _pulumi_resource
import pulumi.runtime
from pulumi.runtime import rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .rpc_properties import PROVIDER_KEY, UNKNOWN, Props, sentinels_to_marker

__all__ = ["UNKNOWN", "DefaultMocks", "Registration", "collect_registrations"]

STACK_TYPE = "pulumi:pulumi:Stack"
# pulumi.resource's own name for the function every Resource constructor calls (it imports
# it from pulumi.runtime.resource without re-exporting it): patched there, by this name.
_REGISTER = "register_resource"
# What pulumi.dynamic wraps on pickle's pure-Python pickler (see _restore_pickler).
_PURE_PICKLER = getattr(pickle, "_Pickler")  # noqa: B009  # private, and absent from typeshed
_PICKLER_METHODS = ("_batch_setitems", "save_dict")


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    inputs: Props
    custom: bool
    dependencies: list[str] = field(default_factory=list)
    is_dynamic: bool = False
    delete_before_replace: bool = False  # the deleteBeforeReplace resource option
    read_id: str | None = None  # set for a ReadResource (a `get` of an external resource)


class DefaultMocks(Mocks):
    """Returns id f"{name}-id" and the inputs as the state."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> Any:
        # A dict, not ({}, None): pulumi 3.272's MockMonitor.Invoke iterates the second item.
        return {}


class _RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, plus a record of every RegisterResourceRequest."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        resp = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # the SDK's mock monitor is unannotated
        if request.type == STACK_TYPE:
            self.stack_urn = resp.urn
            return resp
        # The mock monitor puts the root stack's type into the urn of every top-level
        # resource ("...::pulumi:pulumi:Stack$type::name"); the engine does not.
        urn = engine_urn(resp.urn)
        inputs = rpc.deserialize_properties(request.object)
        if PROVIDER_KEY in inputs:
            inputs[PROVIDER_KEY] = rpc.unwrap_rpc_secret(inputs[PROVIDER_KEY])
        inputs = sentinels_to_marker(inputs)
        deps: list[str] = []
        for dep in list(request.dependencies) + ([request.parent] if request.parent else []):
            if dep and dep != self.stack_urn and engine_urn(dep) not in deps:
                deps.append(engine_urn(dep))
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                inputs=inputs,
                custom=bool(request.custom),
                dependencies=deps,
                is_dynamic=request.type.startswith("pulumi-python:dynamic"),
                delete_before_replace=bool(request.deleteBeforeReplace),
            )
        )
        return resp

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """The program's exports arrive as the root stack's outputs, serialized as for the engine."""
        if request.urn == self.stack_urn:
            self.stack_outputs.update(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]  # the SDK's mock monitor is unannotated

    def ReadResource(self, request: Any) -> Any:
        """A `Resource.get` (opts.id): the engine reads the external resource instead of managing it."""
        resp = super().ReadResource(request)  # type: ignore[no-untyped-call]  # the SDK's mock monitor is unannotated
        inputs = rpc.deserialize_properties(request.properties)
        if PROVIDER_KEY in inputs:
            inputs[PROVIDER_KEY] = rpc.unwrap_rpc_secret(inputs[PROVIDER_KEY])
        deps = [engine_urn(d) for d in request.dependencies if d and d != self.stack_urn]
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=engine_urn(resp.urn),
                inputs=sentinels_to_marker(inputs),
                custom=True,
                dependencies=deps,
                is_dynamic=request.type.startswith("pulumi-python:dynamic"),
                read_id=request.id,
            )
        )
        return resp


class _EngineLikeMonitor:
    """The recording monitor behind an object that is not a MockMonitor.

    Code that answers differently under `set_mocks` (the look-up sends an invoke to
    `Mocks.call` when the monitor is a MockMonitor) cannot tell this run from one under
    the engine, so it does its real work; registrations are recorded as usual.
    """

    def __init__(self, inner: _RecordingMonitor) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def engine_urn(urn: str) -> str:
    """A mock-monitor urn as the engine spells it (no root stack type in the chain)."""
    return urn.replace("::" + STACK_TYPE + "$", "::", 1)


def _namespaced(config: dict[str, Any], project: str) -> dict[str, str]:
    return {(k if ":" in k else f"{project}:{k}"): v for k, v in config.items()}


def collect_registrations(
    program: Callable[[], Any],
    *,
    project: str = "project",
    stack: str = "dev",
    config: dict[str, str] | None = None,
    mocks: Mocks | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = False,
    mock_monitor: bool = True,
    stack_outputs: dict[str, Any] | None = None,
) -> list[Registration]:
    """Run `program` under mocks and return its resource registrations, in order.

    Config keys without a namespace get the project's. Callable many times per process:
    the root stack, settings and config are reset on every call. With mock_monitor=False
    the program's monitor is not a MockMonitor, as under the engine: look-ups do their
    own HTTP instead of asking `mocks.call`. `stack_outputs`, when given, receives the
    program's exports as the engine would store them.
    """
    monitor = _RecordingMonitor(mocks if mocks is not None else DefaultMocks())
    saved = _snapshot_runtime()
    pickler = _snapshot_pickler()
    try:
        # Start from a clean runtime whatever a previous run (or a test's own
        # set_mocks) left behind: no root stack, fresh settings, only this config.
        _settings.ROOT.set(None)
        pulumi.runtime.set_all_config(
            _namespaced(config or {}, project),
            [k if ":" in k else f"{project}:{k}" for k in (secret_keys or [])],
        )
        # The engine-like monitor is a duck type on purpose: set_mocks only stores it.
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview,
                                 monitor=monitor if mock_monitor else cast(MockMonitor, _EngineLikeMonitor(monitor)))
        _settings.SETTINGS.outputs = set()
        # set_mocks made (and finished) a root stack; the program gets one of its own, as the
        # SDK's entry point gives it (run_in_stack): its exports are registered when it ends.
        _settings.ROOT.set(None)
        constructed: list[tuple[str, str]] = []
        with _recording_constructions(constructed):
            _sync_await(run_in_stack(program))
    finally:
        _restore_runtime(saved)
        _restore_pickler(pickler)
    if stack_outputs is not None:
        stack_outputs.update(monitor.stack_outputs)
    return _in_construction_order(monitor.registrations, constructed)


@contextlib.contextmanager
def _recording_constructions(constructed: list[tuple[str, str]]) -> Iterator[None]:
    """Note (type, name) of every resource as the program constructs it, in order."""
    original = getattr(_pulumi_resource, _REGISTER)

    def recording(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        constructed.append((ty, name))
        return original(res, ty, name, *args, **kwargs)

    setattr(_pulumi_resource, _REGISTER, recording)
    try:
        yield
    finally:
        setattr(_pulumi_resource, _REGISTER, original)


def _snapshot_pickler() -> tuple[Any, ...]:
    return tuple(getattr(_PURE_PICKLER, name) for name in _PICKLER_METHODS)


def _restore_pickler(saved: tuple[Any, ...]) -> None:
    """pulumi.dynamic's serialize_provider wraps pickle._Pickler._batch_setitems in a
    sorting wrapper on every call and never unwraps it: each dynamic resource registered
    in this process adds a level, until pickling hits the recursion limit (about a
    thousand registrations; the stateful test gets there). Undo it after every program."""
    for name, method in zip(_PICKLER_METHODS, saved):
        setattr(_PURE_PICKLER, name, method)


def _in_construction_order(regs: list[Registration], constructed: list[tuple[str, str]]) -> list[Registration]:
    """The mock monitor receives registrations from a thread pool, in no fixed order;
    return them in the order the program constructed the resources (deterministic, and
    a topological order of their dependencies)."""
    slots: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(constructed):
        slots.setdefault(key, []).append(i)
    keyed: list[tuple[int, Registration]] = []
    for n, r in enumerate(regs):
        free = slots.get((r.type, r.name))
        keyed.append(((free.pop(0) if free else len(constructed) + n), r))
    return [r for _, r in sorted(keyed, key=lambda kv: kv[0])]


_SETTINGS_FIELDS = (
    "rpc_manager", "lock", "outputs", "monitor", "engine", "organization", "project",
    "root_directory", "stack", "parallel", "dry_run", "legacy_apply_enabled",
    "monitor_features", "package_refs", "base_providers_by_ref", "callbacks",
)


def _snapshot_runtime() -> dict[str, Any]:
    from pulumi.runtime import config as _config

    # hasattr: a field this SDK version does not have is left out.
    snap: dict[str, Any] = {"settings": {name: getattr(_settings.SETTINGS, name) for name in _SETTINGS_FIELDS
                                         if hasattr(_settings.SETTINGS, name)}}
    snap["root"] = _settings.ROOT.get()
    snap["config"] = dict(_config.CONFIG.get())
    snap["secret_keys"] = set(_config._SECRET_KEYS.get())
    return snap


def _restore_runtime(snap: dict[str, Any]) -> None:
    """Put back the runtime state seen before collect_registrations (so a test module's
    own set_mocks keeps working after calling it)."""
    for name, value in snap["settings"].items():
        setattr(_settings.SETTINGS, name, value)
    _settings.ROOT.set(snap["root"])
    pulumi.runtime.set_all_config(snap["config"], list(snap["secret_keys"]))
