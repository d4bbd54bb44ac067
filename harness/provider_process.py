"""Start the real `python -m pulumi.dynamic` provider process and call it over gRPC.

This is the engine's side of the provider protocol, reduced to what a Python dynamic
provider serves: Configure, Check, Diff, Create, Read, Update, Delete. Properties go
over the wire as the engine sends them (harness/rpc_properties.py).

A test tool, not the engine: see ENGINE_HARNESS.md.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import grpc
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .rpc_properties import (
    PROVIDER_KEY,
    UNKNOWN,
    Props,
    from_wire,
    optional_wire,
    strip_secrets,
    to_wire,
)
from .waiting import first_line, stop_process

__all__ = [
    "PROVIDER_KEY",
    "UNKNOWN",
    "CheckOutcome",
    "DiffOutcome",
    "Props",
    "ProviderCrashed",
    "ProviderError",
    "ProviderProcess",
    "ProviderStartError",
    "ReadOutcome",
    "SpawnOptions",
    "from_wire",
    "project_name",
    "strip_secrets",
    "to_wire",
]

_T = TypeVar("_T")


@runtime_checkable
class _RpcStatus(Protocol):
    """What a failed call's grpc.RpcError also is (a grpc.Call): its status."""

    def code(self) -> grpc.StatusCode: ...

    def details(self) -> str | None: ...




class ProviderError(Exception):
    """A gRPC error returned by the provider process.

    `details` is the text the dynamic provider sends: on an exception in the provider it is
    the full Python traceback (`_abort_with_traceback` in pulumi/dynamic/__main__.py).
    """

    def __init__(self, method: str, status_code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed ({status_code.name}): {details}")
        self.method = method
        self.status_code = status_code
        self.details = details or ""


class ProviderCrashed(ProviderError):
    """The call failed because the provider process died while it was in flight (or
    before it was sent). The engine harness records the call as a pending operation."""


class ProviderStartError(RuntimeError):
    """The provider process did not print its port."""


@dataclass
class CheckOutcome:
    inputs: Props
    failures: list[tuple[str, str]]  # (property, reason)


@dataclass
class DiffOutcome:
    changes: str  # "some" | "none" | "unknown"
    replaces: list[str]
    delete_before_replace: bool


@dataclass
class ReadOutcome:
    id: str
    outputs: Props
    inputs: Props | None


# ---------------------------------------------------------------------------------------
# Wire conversion


def project_name(project_dir: str) -> str | None:
    """The `name:` of the Pulumi.yaml in project_dir, if any (no YAML library needed)."""
    for fname in ("Pulumi.yaml", "Pulumi.yml"):
        path = os.path.join(project_dir, fname)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("name:"):
                        return line.split(":", 1)[1].strip().strip("'\"") or None
    return None


# ---------------------------------------------------------------------------------------


_RUNNING: weakref.WeakSet[ProviderProcess] = weakref.WeakSet()


@atexit.register
def _stop_every_provider() -> None:
    """No provider process outlives the test run that started it (an engine hands its
    last process to the caller, and a failed test may never stop it)."""
    for process in list(_RUNNING):
        process.kill()


@dataclass(frozen=True)
class SpawnOptions:
    """How a provider process is started: kept so a crashed one can be started again alike."""

    python: str = sys.executable
    env: dict[str, str] | None = None
    extra_pythonpath: tuple[str, ...] = ()
    stack: str = "dev"
    start_timeout: float = 30.0
    call_timeout: float | None = 300.0

    def environment(self, project: str) -> dict[str, str]:
        """The process's environment: ours, the engine's PULUMI_PROJECT/STACK, `env`, and
        `extra_pythonpath` in front of PYTHONPATH."""
        full = dict(os.environ)
        full.setdefault("PULUMI_PROJECT", project)
        full.setdefault("PULUMI_STACK", self.stack)
        if self.env:
            full.update(self.env)
        extra = [os.path.abspath(p) for p in self.extra_pythonpath]
        if extra:
            old = full.get("PYTHONPATH")
            full["PYTHONPATH"] = os.pathsep.join(extra + ([old] if old else []))
        return full


@dataclass
class _Configuration:
    config: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)


def _drain(stream: Any) -> None:
    """Read a pipe to its end, so a chatty child never blocks on a full pipe."""
    with contextlib.suppress(OSError, ValueError):
        for _ in iter(stream.readline, b""):
            pass


class ProviderProcess:
    """The real dynamic provider process, driven as the engine drives it.

    Spawns ``[python, "-u", "-m", "pulumi.dynamic"]`` in ``project_dir`` (the engine runs
    it in the project directory), reads the port from the first stdout line and opens an
    insecure channel to it.
    """

    def __init__(
        self,
        project_dir: str,
        *,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
        extra_pythonpath: Iterable[str] = (),
        stack: str = "dev",
        start_timeout: float = 30.0,
        call_timeout: float | None = 300.0,
    ) -> None:
        self.project_dir = os.path.abspath(project_dir)
        self.call_timeout = call_timeout
        self._spawn = SpawnOptions(python=python, env=env, extra_pythonpath=tuple(extra_pythonpath), stack=stack,
                                   start_timeout=start_timeout, call_timeout=call_timeout)
        self._configured_with: _Configuration | None = None
        self.killed = False
        self.project = project_name(self.project_dir) or "project"
        # Open for the object's life, not a block: stderr_text() still reads it after stop().
        self._stderr_file = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [python, "-u", "-m", "pulumi.dynamic"],
            cwd=self.project_dir,
            env=self._spawn.environment(self.project),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
        )
        self.pid = self._proc.pid
        _RUNNING.add(self)
        self._channel: grpc.Channel | None = None
        self._stopped = False
        self.configured = False  # the engine always calls Configure before anything else
        try:
            self.port = self._read_port(start_timeout)
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
            grpc.channel_ready_future(self._channel).result(timeout=start_timeout)
            self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        except BaseException:
            self.stop()
            raise

    # -- process ---------------------------------------------------------------------

    def _read_port(self, timeout: float) -> int:
        stdout = self._proc.stdout
        assert stdout is not None
        text = first_line(stdout, timeout)
        if text is None:
            raise ProviderStartError(
                f"provider process {self.pid} printed no port within {timeout}s; stderr:\n{self.stderr_text()}"
            )
        threading.Thread(target=_drain, args=(stdout,), name=f"provider-stdout-{self.pid}", daemon=True).start()
        try:
            return int(text.strip())
        except ValueError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            raise ProviderStartError(
                f"provider process {self.pid} did not print a port (first line {text.strip()!r}, "
                f"exit code {self._proc.poll()}); stderr:\n{self.stderr_text()}"
            ) from None

    def stderr_text(self) -> str:
        try:
            self._stderr_file.flush()
            self._stderr_file.seek(0)
            return self._stderr_file.read().decode(errors="replace")
        except ValueError:  # closed
            return ""

    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the process at once, as a crash would: no cleanup in the provider, calls
        in flight fail with UNAVAILABLE. Used by Engine.crash_during()."""
        self.killed = True
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def sibling(self) -> ProviderProcess:
        """A fresh process started and configured like this one, which stays running: the
        next command's plugin, while the caller keeps (and stops) the one it made."""
        spawn = self._spawn
        fresh = ProviderProcess(self.project_dir, python=spawn.python, env=spawn.env,
                                extra_pythonpath=spawn.extra_pythonpath, stack=spawn.stack,
                                start_timeout=spawn.start_timeout, call_timeout=spawn.call_timeout)
        if self._configured_with is not None:
            fresh.configure(self._configured_with.config, self._configured_with.secret_keys)
        return fresh

    def restarted(self) -> ProviderProcess:
        """A fresh process started like this one, and configured again with the same config
        if this one was: what the next `pulumi` command does after a crash (a new plugin
        process per run, Configure first). Stops this one."""
        self.stop()
        return self.sibling()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._channel is not None:
            self._channel.close()
        stop_process(self._proc)
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:  # best effort: never leave a provider process behind
        with contextlib.suppress(Exception):
            self.stop()

    # -- calls -----------------------------------------------------------------------

    def _call(self, method: str, send: Callable[[float | None], _T]) -> _T:
        """send(timeout): one call on the stub; its gRPC error as a ProviderError, or as
        ProviderCrashed when the process died under it."""
        try:
            return send(self.call_timeout)
        except grpc.RpcError as e:
            status = e if isinstance(e, _RpcStatus) else None
            code = status.code() if status is not None else grpc.StatusCode.UNKNOWN
            details = (status.details() or "") if status is not None else str(e)
            if self._died(wait=code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)):
                raise ProviderCrashed(method, code, f"the provider process died: {details}") from None
            raise ProviderError(method, code, details) from None

    def _died(self, wait: bool) -> bool:
        """True when the process is gone; on a transport error, give a process killed from
        outside a moment to be reaped (a provider's own exception never waits)."""
        if self.killed or self._proc.poll() is not None:
            return True
        if not wait:
            return False
        try:
            self._proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            return False
        return True

    @staticmethod
    def _name_type(urn: str) -> tuple[str, str]:
        parts = urn.split("::")
        if len(parts) >= 4:
            return parts[-1], parts[-2].split("$")[-1]
        return "", ""

    def configure(self, config: dict[str, str], secret_keys: Iterable[str] = ()) -> None:
        """ConfigureRequest with namespaced keys in `variables` (plain strings) and `args`
        (a Struct in which the values of `secret_keys` are wrapped as rpc secrets, as the
        engine sends decrypted secret config)."""
        secrets = set(secret_keys)
        args = {k: (rpc.wrap_rpc_secret(v) if k in secrets else v) for k, v in config.items()}
        req = provider_pb2.ConfigureRequest(
            variables={k: str(v) for k, v in config.items()},
            args=to_wire(args, keep_secrets=True),
            acceptSecrets=True,
            acceptResources=True,
        )
        self._call("Configure", lambda timeout: self.stub.Configure(req, timeout=timeout))
        self.configured = True
        self._configured_with = _Configuration(dict(config), sorted(secrets))

    def check(self, urn: str, olds: Props, news: Props) -> CheckOutcome:
        name, typ = self._name_type(urn)
        req = provider_pb2.CheckRequest(
            urn=urn, olds=to_wire(olds), news=to_wire(news), name=name, type=typ
        )
        resp = self._call("Check", lambda timeout: self.stub.Check(req, timeout=timeout))
        return CheckOutcome(
            inputs=from_wire(resp.inputs),
            failures=[(f.property, f.reason) for f in resp.failures],
        )

    def diff(
        self, urn: str, id: str, olds: Props, news: Props, old_inputs: Props | None = None
    ) -> DiffOutcome:
        name, typ = self._name_type(urn)
        req = provider_pb2.DiffRequest(
            id=id,
            urn=urn,
            olds=to_wire(olds),
            news=to_wire(news),
            old_inputs=optional_wire(old_inputs),
            name=name,
            type=typ,
        )
        resp = self._call("Diff", lambda timeout: self.stub.Diff(req, timeout=timeout))
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: "some",
            provider_pb2.DiffResponse.DIFF_NONE: "none",
        }.get(resp.changes, "unknown")
        return DiffOutcome(
            changes=changes,
            replaces=list(resp.replaces),
            delete_before_replace=bool(resp.deleteBeforeReplace),
        )

    def create(self, urn: str, props: Props, *, timeout: float | None = None) -> tuple[str, Props]:
        name, typ = self._name_type(urn)
        req = provider_pb2.CreateRequest(
            urn=urn, properties=to_wire(props), timeout=timeout or 0.0, preview=False,
            name=name, type=typ,
        )
        resp = self._call("Create", lambda call_timeout: self.stub.Create(req, timeout=call_timeout))
        return resp.id, from_wire(resp.properties)

    def read(self, urn: str, id: str, props: Props, inputs: Props | None = None) -> ReadOutcome:
        name, typ = self._name_type(urn)
        req = provider_pb2.ReadRequest(
            id=id,
            urn=urn,
            properties=to_wire(props),
            inputs=optional_wire(inputs),
            name=name,
            type=typ,
        )
        resp = self._call("Read", lambda timeout: self.stub.Read(req, timeout=timeout))
        return ReadOutcome(
            id=resp.id,
            outputs=from_wire(resp.properties),
            inputs=from_wire(resp.inputs) if resp.HasField("inputs") else None,
        )

    def update(
        self, urn: str, id: str, olds: Props, news: Props, old_inputs: Props | None = None,
        *, timeout: float | None = None,
    ) -> Props:
        name, typ = self._name_type(urn)
        req = provider_pb2.UpdateRequest(
            id=id,
            urn=urn,
            olds=to_wire(olds),
            news=to_wire(news),
            old_inputs=optional_wire(old_inputs),
            timeout=timeout or 0.0,
            preview=False,
            name=name,
            type=typ,
        )
        resp = self._call("Update", lambda call_timeout: self.stub.Update(req, timeout=call_timeout))
        return from_wire(resp.properties)

    def delete(
        self, urn: str, id: str, props: Props, old_inputs: Props | None = None,
        *, timeout: float | None = None,
    ) -> None:
        name, typ = self._name_type(urn)
        req = provider_pb2.DeleteRequest(
            id=id,
            urn=urn,
            properties=to_wire(props),
            old_inputs=optional_wire(old_inputs),
            timeout=timeout or 0.0,
            name=name,
            type=typ,
        )
        self._call("Delete", lambda call_timeout: self.stub.Delete(req, timeout=call_timeout))
