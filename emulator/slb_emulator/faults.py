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
"""

import collections
import itertools
import threading
import time

KINDS = ("latency", "quota", "error", "drop_before", "drop_after", "hold_after", "disk_full")
TERMINAL = ("quota", "error", "drop_before")


class FaultError(ValueError):
    pass


def _number(spec, name, low, high, default=None, integer=False):
    value = spec.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            integer and not isinstance(value, int)):
        raise FaultError("%s must be a %s" % (name, "integer" if integer else "number"))
    if not low <= value <= high:
        raise FaultError("%s must be between %s and %s" % (name, low, high))
    return value


def validate(spec):
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError("kind must be one of %s" % ", ".join(KINDS))
    action = spec.get("action")
    if action is not None and not isinstance(action, str):
        raise FaultError("action must be a string or null")
    fault = {
        "kind": kind,
        "action": action,
        "count": _number(spec, "count", 1, 10 ** 9, integer=True),
        "every": _number(spec, "every", 1, 10 ** 6, default=1, integer=True),
    }
    if kind in ("latency", "hold_after"):
        fault["seconds"] = _number(spec, "seconds", 0, 60, default=0.1)
    elif kind == "quota":
        rps = _number(spec, "rps", 0, 10 ** 6)
        if rps is None:
            raise FaultError("a quota needs rps")
        fault["rps"] = rps
    elif kind == "error":
        code = spec.get("code", "ServiceUnavailable")
        if not isinstance(code, str) or not code:
            raise FaultError("code must be a non-empty string")
        status = _number(spec, "status", 400, 599, default=503, integer=True)
        message = spec.get("message") or "The request has failed due to an injected fault."
        if not isinstance(message, str):
            raise FaultError("message must be a string")
        fault.update(code=code, status=status, message=message)
    return fault


class Decision:
    def __init__(self):
        self.latency = 0.0
        self.terminal = None      # the fault dict that decides the outcome, if any
        self.drop_after = False
        self.hold_after = 0.0     # seconds the answer waits after the call was applied
        self.disk_full = False    # the call's writes fail as on a full disk
        self.names = []

    @property
    def name(self):
        return "+".join(self.names) if self.names else None


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = collections.OrderedDict()
        self._ids = itertools.count(1)

    def add(self, spec):
        fault = validate(spec)
        with self._lock:
            fault_id = "fault-%d" % next(self._ids)
            fault.update(id=fault_id, seen=0, fired=0)
            if fault["kind"] == "quota":
                fault["_window"] = collections.deque()
            self._faults[fault_id] = fault
        return fault_id

    def list(self):
        with self._lock:
            return [{k: v for k, v in f.items() if not k.startswith("_")}
                    for f in self._faults.values()]

    def remove(self, fault_id):
        with self._lock:
            return self._faults.pop(fault_id, None) is not None

    def clear(self):
        with self._lock:
            self._faults.clear()

    def evaluate(self, action, now=None):
        now = time.monotonic() if now is None else now
        decision = Decision()
        with self._lock:
            for fault in list(self._faults.values()):
                if fault["action"] is not None and fault["action"] != action:
                    continue
                kind = fault["kind"]
                if decision.terminal is not None and kind != "latency":
                    continue
                if fault["count"] is not None and fault["fired"] >= fault["count"]:
                    continue
                fault["seen"] += 1
                if kind == "quota":
                    window = fault["_window"]
                    while window and now - window[0] >= 1.0:
                        window.popleft()
                    if len(window) < fault["rps"]:
                        window.append(now)
                        continue
                elif fault["seen"] % fault["every"] != 0:
                    continue
                fault["fired"] += 1
                decision.names.append(kind)
                if kind == "latency":
                    decision.latency += fault["seconds"]
                elif kind == "drop_after":
                    decision.drop_after = True
                elif kind == "hold_after":
                    decision.hold_after += fault["seconds"]
                elif kind == "disk_full":
                    decision.disk_full = True
                else:
                    decision.terminal = fault
            if decision.terminal is not None and decision.drop_after:
                decision.drop_after = False
                decision.names.remove("drop_after")
        return decision
