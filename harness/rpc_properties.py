"""Properties on the wire, as the engine sends them to a provider and reads its answers.

Serialized with the SDK's own `pulumi.runtime.rpc.serialize_properties`, so what reaches
the provider is what the engine sends: every number is a float, None-valued keys are
gone, unknowns are the rpc UNKNOWN sentinel string and secrets are unwrapped (the dynamic
provider answers Configure with acceptSecrets=False, so the engine strips secret markers
before every resource call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from pulumi.runtime import rpc

__all__ = ["PROVIDER_KEY", "UNKNOWN", "Props", "WireStruct", "from_wire", "optional_wire", "sentinels_to_marker", "strip_secrets", "to_wire"]

PROVIDER_KEY = "__provider"
Props = dict[str, Any]
# google.protobuf's Struct, as rpc.serialize_properties returns it (protobuf ships no types).
WireStruct = Any
_T = TypeVar("_T")


class _Unknown:
    """The harness's marker for a value the engine does not know yet (a preview unknown).

    Put `UNKNOWN` anywhere inside a registration's inputs; it goes over the wire as the
    rpc UNKNOWN sentinel (`rpc.UNKNOWN`), which the provider process turns into a
    `pulumi.output.Unknown` in check() and diff(). Values coming back from the provider
    that were unknown are turned into this marker again.
    """

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> tuple[type[_Unknown], tuple[()]]:
        return (_Unknown, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unknown:
        return self

    def __copy__(self) -> _Unknown:
        return self


UNKNOWN = _Unknown()


_KEEP = object()


def _rewrite(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """Apply `leaf` to every value, outermost first; it returns a replacement, or _KEEP to
    descend into dicts and lists (tuples become lists, as on the wire)."""
    replaced = leaf(value)
    if replaced is not _KEEP:
        return replaced
    if isinstance(value, dict):
        return {k: _rewrite(v, leaf) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rewrite(v, leaf) for v in value]
    return value


def strip_secrets(value: Any) -> Any:
    """Remove rpc secret wrappers (recursively), as the engine does for a provider that
    answered Configure with acceptSecrets=False."""
    return _rewrite(value, lambda v: strip_secrets(v["value"]) if rpc.is_rpc_secret(v) else _KEEP)


def _marker_to_sentinel(value: Any) -> Any:
    from pulumi.output import Unknown

    return _rewrite(value, lambda v: rpc.UNKNOWN if v is UNKNOWN or isinstance(v, Unknown) else _KEEP)


def sentinels_to_marker(value: Any) -> Any:
    """`value` with every unknown (the rpc sentinel string, an output.Unknown) as UNKNOWN."""
    from pulumi.output import Unknown

    def leaf(v: Any) -> Any:
        if isinstance(v, Unknown) or (isinstance(v, str) and v == rpc.UNKNOWN):
            return UNKNOWN
        return v if isinstance(v, tuple) else _KEEP

    return _rewrite(value, leaf)


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def to_wire(props: Props | None, *, keep_secrets: bool = False) -> WireStruct:
    """Serialize a property bag with the SDK's serialize_properties, as the engine sends it."""
    plain = dict(props or {})
    if not keep_secrets:
        plain = strip_secrets(plain)
    return _run(rpc.serialize_properties(_marker_to_sentinel(plain), {}))


def optional_wire(props: Props | None) -> WireStruct | None:
    return to_wire(props) if props is not None else None


def from_wire(struct: WireStruct) -> Props:
    """Deserialize a provider response. Unknowns become the UNKNOWN marker, whatever the
    ambient `is_dry_run()` of this (test) process says."""
    return cast(Props, sentinels_to_marker(rpc.deserialize_properties(struct, keep_unknowns=True)))
