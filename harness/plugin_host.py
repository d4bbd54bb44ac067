"""The engine's plugin host as the engine harness plays it: which provider process serves
each call, a record of every call, and fault injection (a crash of the process mid-call).

- A process per command (`process_per_command=True`, the default): the engine loads the
  provider plugin afresh for every command and for each phase of `up` and `refresh` (two
  Handshakes per `up` in its gRPC log). Checked against the real engine by
  tests/test_harness_matches_engine.py::test_a_fresh_provider_process_serves_each_command.
  The next command's process starts in the background while the current one runs, so the
  harness does not pay the plugin start. `False` keeps one process (the benchmark's older
  figures and the stateful test's speed; never for a test of the provider's decisions).
- A process that died is replaced at the next command by `ProviderProcess.restarted()`
  (same project, environment and config: Configure again); `restarts` counts those.
- Configure before the first resource call, as the engine always sends one.
- Every call is recorded twice: `calls` [(method, urn)] for the harness's own tests, and
  `trace` [{method, urn, name, olds, id}], the form the golden traces of the real engine
  are compared in (tests/real_engine/trace_scenarios.normalize).
- `crash_during` arms a SIGKILL of the process while one chosen call is in flight
  (harness/crash.py); the call then fails with `ProviderCrashed`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Concatenate, ParamSpec, TypeVar

from .crash import CrashTrigger
from .provider_process import ProviderProcess

__all__ = ["PluginHost"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Where each method carries the "olds" the engine's gRPC log shows (Check: olds; Diff and
# Update: the old outputs), and which methods name the resource's id first.
_OLDS_ARGUMENT = {"Check": 0, "Diff": 1, "Update": 1}
_ID_FIRST = ("Diff", "Update", "Delete", "Read")


def _stop_all(processes: list[ProviderProcess]) -> None:
    """Spares started and never handed out die with the host; a process it handed out
    (host.provider) is the caller's, stopped at the test process's exit at the latest
    (provider_process._stop_every_provider)."""
    for process in processes:
        process.stop()


def traced_call(method: str, urn: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """A call as the engine's gRPC log shows it: whether olds were sent, and the id."""
    olds_at = _OLDS_ARGUMENT.get(method)
    id_ = args[0] if method in _ID_FIRST else None
    return {"method": method, "urn": urn, "name": urn.split("::")[-1],
            "olds": olds_at is not None and bool(args[olds_at]), "id": id_ or None}


class PluginHost:
    """The provider processes one engine uses and the calls it makes to them."""

    def __init__(self, provider: ProviderProcess, *, process_per_command: bool = True) -> None:
        self.provider = provider
        self.process_per_command = process_per_command
        self.processes = 1  # provider processes used so far
        self.restarts = 0  # fresh processes started after a crash
        self.calls: list[tuple[str, str]] = []
        self.trace: list[dict[str, Any]] = []
        self.max_inflight = 0  # most calls in flight at once
        self._lock = threading.RLock()
        self._inflight = 0
        self._crash: CrashTrigger | None = None
        self._callers_process = provider  # never stopped here: the caller's to stop
        self._used = False
        self._spawned: list[ProviderProcess] = []  # started here, stopped with the host
        self._spare: Future[ProviderProcess] | None = None  # the next command's process
        weakref.finalize(self, _stop_all, self._spawned)

    def crash_during(self, method: str, *, urn: str | None = None, after: float = 0.0,
                     when: Callable[[], bool] | None = None, timeout: float = 30.0) -> CrashTrigger:
        """Arm a crash of the provider process during the next `method` call ("Create",
        "Update", "Delete", "Read", "Check", "Diff"), optionally only for `urn`. See
        CrashTrigger for `after` / `when`. Typical use: an emulator latency fault holds the
        API request, `after` kills the process while it is held (the request is still
        applied when the emulator wakes up: "applied, answer lost, process gone")."""
        trigger = CrashTrigger(method, urn, after, when, timeout)
        with self._lock:
            self._crash = trigger
        return trigger

    def _start_command(self) -> None:
        """A `pulumi` command (or phase) starts: a fresh process after a crash, and with
        process_per_command a new one whenever the current one has served calls."""
        if not self.provider.alive():
            self.provider = self.provider.restarted()
            self.restarts += 1
            self.processes += 1
        elif self.process_per_command and self._used:
            previous = self.provider
            self.provider = self._take_spare(previous)
            if previous is not self._callers_process:
                threading.Thread(target=previous.stop, daemon=True).start()
            self.processes += 1
        self._used = True
        if self.process_per_command and self._spare is None:
            self._start_spare()

    def _start_spare(self) -> None:
        """Start the next command's process now, in the background: a fresh, configured,
        never-called process, exactly what the next command would start."""
        template = self.provider
        spare: Future[ProviderProcess] = Future()

        def spawn() -> None:
            try:
                process = template.sibling()
            except BaseException as error:  # surfaced when the spare is taken
                spare.set_exception(error)
                return
            self._spawned.append(process)  # list.append is atomic; never self._lock: _start_command may hold it
            spare.set_result(process)

        threading.Thread(target=spawn, name="engine-spare-provider", daemon=True).start()
        self._spare = spare

    def _take_spare(self, previous: ProviderProcess) -> ProviderProcess:
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                taken = spare.result(timeout=60)
                self._spawned.remove(taken)  # handed out: no longer a spare to clean up
                return taken
            except Exception:
                pass  # start one the plain way, below, and let its error speak
        return previous.sibling()

    def call(self, method: str, urn: str, fn: Callable[Concatenate[str, _P], _R],
             *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """One provider call, `fn` a method of self.provider: Configure first if the process
        has none yet, recorded, and killed under if a crash is armed for it."""
        with self._lock:
            if not self.provider.configured:
                self.provider.configure({})  # the engine configures before any resource call
            trigger = self._crash if self._crash is not None and self._crash.matches(method, urn) else None
            if trigger is not None:
                self._crash = None
            self.calls.append((method, urn))
            self.trace.append(traced_call(method, urn, args))
            self._inflight += 1
            self.max_inflight = max(self.max_inflight, self._inflight)
        call_done = threading.Event()
        if trigger is not None:
            trigger.start(self.provider, call_done)
        try:
            return fn(urn, *args, **kwargs)
        finally:
            if trigger is not None:
                trigger.finish(call_done)
            with self._lock:
                self._inflight -= 1
