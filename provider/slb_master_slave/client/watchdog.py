"""The total deadline urllib3 does not have: one thread that shuts a request's socket down
when the request's time is up.

urllib3's (and http.client's) timeouts bound each socket operation, so an answer dripped
one byte at a time never ends. Shutting the socket down from another thread wakes the
blocked read at once, whatever phase the request is in; the request then reports a read
timeout because its watch says it `fired`. One thread serves every request: a heap of
watches by time, woken when an earlier one is armed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
from collections.abc import Callable
from typing import Any, Protocol


class _HasSocket(Protocol):
    sock: Any


class Watch:
    """One request's deadline and the connection it is using."""

    def __init__(self, at: float, deadline: float, read_seconds: float, clock: Callable[[], float]) -> None:
        self.at = at
        self.deadline = deadline
        self.read_seconds = read_seconds
        self.connection: _HasSocket | None = None
        self.began = False  # the request started to go out (after connecting, for https)
        self.sent = False
        self.fired = False
        self.done = False
        self._clock = clock
        self._lock = threading.Lock()
        self.rearm: Callable[[Watch], None] = lambda watch: None

    def sending(self, connection: _HasSocket) -> None:
        """The request starts to go out on `connection`: its answer gets `read_seconds` from now."""
        self.connection = connection
        self.began = True
        at = min(self.deadline, self._clock() + self.read_seconds)
        if at != self.at:
            self.at = at
            self.rearm(self)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            sock = getattr(self.connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self.done = True


class Watchdog:
    """Fires each armed watch at its time unless it was disarmed first."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, watch: Watch) -> None:
        watch.rearm = self._push
        self._push(watch)

    def disarm(self, watch: Watch) -> None:
        watch.finish()

    def _push(self, watch: Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (watch.at, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slb-deadline", daemon=True)
                self._thread.start()
            if self._heap[0][2] is watch:
                self._wake.notify()

    def _due(self) -> Watch | None:
        """The next watch whose time has come, or None after waiting for the next change."""
        while self._heap and (self._heap[0][2].done or self._heap[0][0] != self._heap[0][2].at):
            heapq.heappop(self._heap)  # finished, or re-armed for a later time
        if not self._heap:
            self._wake.wait()
            return None
        left = self._heap[0][0] - self._clock()
        if left > 0:
            self._wake.wait(left)
            return None
        return heapq.heappop(self._heap)[2]

    def _run(self) -> None:
        while True:
            with self._wake:
                due = self._due()
            if due is not None:
                due.fire()
