"""The request log: the last calls the SLB API answered, for the admin API and the console.

Owns the bounded, thread-safe list of entries (``seq``, ``time``, ``action``, ``params``
with secrets masked, ``status``, ``code``, ``fault``, ``signature``, ``latency_ms``).
Imports wire.py only (the masking).
"""

from __future__ import annotations

import collections
import itertools
import threading
import time

from .wire import JsonObject, masked_params


class RequestLog:
    """The last ``maxlen`` requests, oldest first; secrets masked as they are added."""

    def __init__(self, maxlen: int = 10000) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque[JsonObject] = collections.deque(maxlen=maxlen)
        self._seq = itertools.count(1)

    def add(self, action: str | None, params: dict[str, str], status: int | None,
            code: str | None, fault: str | None, signature: str | None = None,
            latency_ms: float | None = None) -> None:
        safe = masked_params(params)
        with self._lock:
            self._entries.append({"seq": next(self._seq), "time": time.time(),
                                  "action": action, "params": safe, "status": status,
                                  "code": code, "fault": fault, "signature": signature,
                                  "latency_ms": latency_ms})

    def list(self) -> list[JsonObject]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
