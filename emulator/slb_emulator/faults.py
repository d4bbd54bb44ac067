"""Injected faults: latency, a requests-per-second quota, errors, dropped connections.

A fault object (JSON): ``kind`` plus optional ``action`` (null = every action),
``count`` (how many times it fires; null = unlimited) and ``every`` (fires on every Nth
matching call; default 1).

- ``{"kind": "latency", "seconds": 0.05}``: delay before handling.
- ``{"kind": "quota", "rps": 20}``: at most ``rps`` calls in any sliding 1 s window;
  the others get 400 Throttling.User and are not applied.
- ``{"kind": "error", "code": "ServiceUnavailable", "status": 503, "message": "..."}``:
  the call is not applied and gets that error.
- ``{"kind": "drop_before"}``: the connection is closed without applying or answering.
- ``{"kind": "drop_after"}``: the call is applied, then the connection is closed
  without an answer (the response is lost).
- ``{"kind": "hold_after", "seconds": 20}``: the call is applied, then its answer is held
  back that long (a client that gives up, or is killed, meanwhile never sees it).
- ``{"kind": "disk_full"}``: every write the call makes (its nonce, its changes) fails as
  on a full disk, with sqlite's own "database or disk is full"; nothing is applied.

Owns the faults' validation, their counting and which fire on a call (a Decision); what a
Decision does to the call is slb_api.py's. Imports nothing of the package.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from typing import Any

KINDS = ("latency", "quota", "error", "drop_before", "drop_after", "hold_after", "disk_full")

Fault = dict[str, Any]   # a validated fault: its spec, then "id", "seen", "fired" (and a quota's "_window")


class FaultError(ValueError):
    pass


def _number(spec: dict[str, Any], name: str, low: float, high: float,
            default: float | None = None, integer: bool = False) -> Any:
    value = spec.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            integer and not isinstance(value, int)):
        raise FaultError("%s must be a %s" % (name, "integer" if integer else "number"))
    if not low <= value <= high:
        raise FaultError("%s must be between %s and %s" % (name, low, high))
    return value


def _quota_settings(spec: dict[str, Any]) -> Fault:
    rps = _number(spec, "rps", 0, 10 ** 6)
    if rps is None:
        raise FaultError("a quota needs rps")
    return {"rps": rps}


def _error_settings(spec: dict[str, Any]) -> Fault:
    code = spec.get("code", "ServiceUnavailable")
    if not isinstance(code, str) or not code:
        raise FaultError("code must be a non-empty string")
    status = _number(spec, "status", 400, 599, default=503, integer=True)
    message = spec.get("message") or "The request has failed due to an injected fault."
    if not isinstance(message, str):
        raise FaultError("message must be a string")
    return {"code": code, "status": status, "message": message}


def validate(spec: object) -> Fault:
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError("kind must be one of %s" % ", ".join(KINDS))
    action = spec.get("action")
    if action is not None and not isinstance(action, str):
        raise FaultError("action must be a string or null")
    fault: Fault = {
        "kind": kind,
        "action": action,
        "count": _number(spec, "count", 1, 10 ** 9, integer=True),
        "every": _number(spec, "every", 1, 10 ** 6, default=1, integer=True),
    }
    if kind in ("latency", "hold_after"):
        fault["seconds"] = _number(spec, "seconds", 0, 60, default=0.1)
    elif kind == "quota":
        fault.update(_quota_settings(spec))
    elif kind == "error":
        fault.update(_error_settings(spec))
    return fault


class Decision:
    """What the faults that fired on one call do to it."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.terminal: Fault | None = None   # the fault that decides the outcome, if any
        self.drop_after = False
        self.hold_after = 0.0     # seconds the answer waits after the call was applied
        self.disk_full = False    # the call's writes fail as on a full disk
        self.names: list[str] = []

    @property
    def name(self) -> str | None:
        return "+".join(self.names) if self.names else None

    def add(self, fault: Fault) -> None:
        """A fault fired: its effect joins those of the faults before it."""
        kind = fault["kind"]
        self.names.append(kind)
        if kind == "latency":
            self.latency += fault["seconds"]
        elif kind == "drop_after":
            self.drop_after = True
        elif kind == "hold_after":
            self.hold_after += fault["seconds"]
        elif kind == "disk_full":
            self.disk_full = True
        else:
            self.terminal = fault

    def settle(self) -> None:
        """A call that is not applied has no answer to lose: a terminal fault wins over
        drop_after."""
        if self.terminal is not None and self.drop_after:
            self.drop_after = False
            self.names.remove("drop_after")


def _applies(fault: Fault, action: str, decision: Decision) -> bool:
    """Does this fault take part in this call (action, outcome decided, count used up)?"""
    if fault["action"] is not None and fault["action"] != action:
        return False
    if decision.terminal is not None and fault["kind"] != "latency":
        return False
    return fault["count"] is None or fault["fired"] < fault["count"]


def _fires(fault: Fault, now: float) -> bool:
    """Count the call as seen; True when the fault fires on it (a quota: over its rate;
    any other: every Nth call)."""
    fault["seen"] += 1
    if fault["kind"] == "quota":
        window = fault["_window"]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) < fault["rps"]:
            window.append(now)
            return False
        return True
    return bool(fault["seen"] % fault["every"] == 0)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: collections.OrderedDict[str, Fault] = collections.OrderedDict()
        self._ids = itertools.count(1)

    def add(self, spec: object) -> str:
        fault = validate(spec)
        with self._lock:
            fault_id = "fault-%d" % next(self._ids)
            fault.update(id=fault_id, seen=0, fired=0)
            if fault["kind"] == "quota":
                fault["_window"] = collections.deque()
            self._faults[fault_id] = fault
        return fault_id

    def list(self) -> list[Fault]:
        with self._lock:
            return [{k: v for k, v in f.items() if not k.startswith("_")}
                    for f in self._faults.values()]

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            return self._faults.pop(fault_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def evaluate(self, action: str, now: float | None = None) -> Decision:
        """The faults that fire on this call, in the order they were added."""
        now = time.monotonic() if now is None else now
        decision = Decision()
        with self._lock:
            for fault in list(self._faults.values()):
                if _applies(fault, action, decision) and _fires(fault, now):
                    fault["fired"] += 1
                    decision.add(fault)
            decision.settle()
        return decision
