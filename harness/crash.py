"""A crash of the provider process, armed for one call (Engine.crash_during)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .provider_process import ProviderProcess
from .waiting import wait_for

__all__ = ["CrashTrigger"]


class CrashTrigger:
    """A one-shot crash armed by Engine.crash_during(): when the engine next sends `method`
    (for `urn`, if given), a thread waits `after` seconds from the start of that call and
    then, if `when` is given, until when() is true (polled every 10 ms, up to `timeout`),
    and SIGKILLs the provider process, but only while the call is still in flight: if the
    call returned first, nothing is killed and `missed` is set. `fired` says it killed."""

    def __init__(self, method: str, urn: str | None, after: float, when: Callable[[], bool] | None,
                 timeout: float) -> None:
        self.method, self.urn, self.after, self.when, self.timeout = method, urn, after, when, timeout
        self.fired = False
        self.missed = False
        self.started = False  # the call it waits for was sent
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def matches(self, method: str, urn: str) -> bool:
        return not self.started and method == self.method and (self.urn is None or self.urn == urn)

    def start(self, provider: ProviderProcess, call_done: threading.Event) -> None:
        self.started = True
        self._thread = threading.Thread(target=self._run, args=(provider, call_done), daemon=True,
                                        name=f"crash-{self.method}")
        self._thread.start()

    def _run(self, provider: ProviderProcess, call_done: threading.Event) -> None:
        call_done.wait(self.after)
        if self.when is not None:
            # when() reads another process's state (the emulator's log, a store file): a
            # poll, which the call's end cuts short.
            wait_for(self.when, self.timeout, interval=0.01, cancel=call_done)
        with self._lock:
            if call_done.is_set():
                self.missed = True
                return
            provider.kill()
            self.fired = True

    def finish(self, call_done: threading.Event) -> None:
        """The call returned: after this the trigger can no longer kill."""
        with self._lock:
            call_done.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
