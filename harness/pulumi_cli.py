"""Drive the real `pulumi` CLI against the emulator: stacks in a local file backend, the
program run by the official Python language host where one is found (`find_language_host`:
`pulumi-language-python` on PATH, then beside the CLI, as the CLI itself looks) and else
served by `harness.language_host` through the CLI's `--client` flag, the engine's gRPC calls
recorded on request.

Why a driver and not the Automation API: the tests need the CLI's own commands and flags
exactly as a user types them (`up --replace`, `state taint`, `stack rename`,
`refresh --clear-pending-creates`, a provider killed mid-create), and the exit code and
first error line a user would read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from .environment import CREDENTIAL_PREFIXES
from .provider_process import project_name
from .waiting import first_line, stop_process

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI_SCRIPT = os.path.join(REPO, "scripts", "pulumi-cli.sh")
DYNAMIC_TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
PROVIDER_METHODS = ("Check", "Diff", "Create", "Read", "Update", "Delete")

__all__ = [
    "DYNAMIC_TYPE",
    "LANGUAGE_HOST",
    "CliResult",
    "CliStack",
    "LanguageHost",
    "OfficialHost",
    "ProgramHost",
    "checkout_virtualenv",
    "cli_environment",
    "descendants",
    "find_cli",
    "find_language_host",
    "kill_tree",
    "program_host",
    "provider_calls",
    "use_virtualenv",
]

LANGUAGE_HOST_START_TIMEOUT = 60.0
Json = dict[str, Any]


def find_cli() -> tuple[str | None, str]:
    """The CLI binary and '' , or None and why not. `PULUMI_CLI` (set by scripts/test.sh)
    wins; else scripts/pulumi-cli.sh --no-build: a test never starts a 6-minute build."""
    given = os.environ.get("PULUMI_CLI")
    if given:
        if os.access(given, os.X_OK):
            return given, ""
        return None, f"PULUMI_CLI={given} is not an executable"
    done = subprocess.run(["bash", CLI_SCRIPT, "--no-build"], capture_output=True, text=True, timeout=60,
                          check=False)
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip().splitlines()[-1], ""
    return None, ("no pulumi CLI: not on PATH, not in ~/.pulumi/bin, not built yet; "
                  "run scripts/pulumi-cli.sh (builds it from the Go module proxy, ~6 min once)")


LANGUAGE_HOST = "pulumi-language-python"


def find_language_host(cli: str) -> str | None:
    """The official Python language host the CLI would start, or None: `pulumi-language-python`
    on PATH first, then beside the CLI's own binary (symlinks resolved), the order in which
    the CLI looks for a plugin it bundles (`workspace.GetPluginPath`)."""
    on_path = shutil.which(LANGUAGE_HOST)
    if on_path:
        return on_path
    beside = os.path.join(os.path.dirname(os.path.realpath(cli)), LANGUAGE_HOST)
    return beside if os.access(beside, os.X_OK) else None


class ProgramHost(Protocol):
    """What runs a project's `__main__.py` for the CLI's program-running commands."""

    def cli_args(self) -> list[str]:
        """Arguments the CLI needs to reach this host on preview, up, refresh and destroy."""
        ...

    def path_dirs(self) -> list[str]:
        """Folders to put first on the CLI's PATH."""
        ...

    def stop(self) -> None: ...


class OfficialHost:
    """The official `pulumi-language-python` (with `pulumi-language-python-exec` and the official
    `pulumi-resource-pulumi-python` beside it): nothing to start, the CLI starts it per command
    and it runs the program in a new process of the project's virtualenv, as for every user."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.directory = os.path.dirname(path)

    def cli_args(self) -> list[str]:
        return []

    def path_dirs(self) -> list[str]:
        # First on PATH: the CLI takes a bundled plugin from PATH before the copy beside its
        # binary, so the official launcher of dynamic providers beside this host wins over
        # the two-line one scripts/pulumi-cli.sh writes beside a CLI it built.
        return [self.directory]

    def stop(self) -> None:
        """Nothing runs between commands."""


class LanguageHost:
    """The fallback: `python -m harness.language_host` in its own process, for the tests'
    lifetime, reached through the CLI's `--client` flag (the Python SDK's own LanguageServer
    running the project's `__main__.py`)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "harness.language_host"], cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")},
        )
        assert self.process.stdout is not None
        self.address = (first_line(self.process.stdout, LANGUAGE_HOST_START_TIMEOUT) or "").strip()
        if not self.address:
            self.stop()
            raise RuntimeError(f"the language host printed no address within {LANGUAGE_HOST_START_TIMEOUT:g} s")

    def cli_args(self) -> list[str]:
        return [f"--client={self.address}"]

    def path_dirs(self) -> list[str]:
        return []

    def stop(self) -> None:
        self.process.kill()
        stop_process(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()


def program_host(cli: str) -> OfficialHost | LanguageHost:
    """The official host where the CLI would find one, else the fallback (started here)."""
    found = find_language_host(cli)
    return OfficialHost(found) if found else LanguageHost()


def use_virtualenv(project_dir: str, virtualenv: str) -> None:
    """Point a copied project's `virtualenv:` runtime option at `virtualenv` (absolute), so the
    official host runs the copy in an existing virtualenv instead of making one beside it; a
    bare `runtime: python` gets the option."""
    path = os.path.join(project_dir, "Pulumi.yaml")
    with open(path, encoding="utf-8") as source:
        text = source.read()
    text, count = re.subn(r"(?m)^([ \t]+virtualenv:[ \t]*)\S.*$", lambda m: m.group(1) + virtualenv, text)
    if count == 0:
        text, count = re.subn(r"(?m)^runtime:[ \t]*python[ \t]*$",
                              f"runtime:\n  name: python\n  options:\n    virtualenv: {virtualenv}", text)
    if count != 1:
        raise ValueError(f"{path}: expected one `virtualenv:` runtime option (or `runtime: python`) to point at "
                         f"{virtualenv}, found {count}")
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def checkout_virtualenv() -> str:
    """The virtualenv the tests run in (scripts/venv.sh's .venv): it has this checkout installed."""
    if sys.prefix == sys.base_prefix:
        raise RuntimeError(f"{sys.executable} is not a virtualenv's python: run the real-engine tests from the "
                           "project's virtualenv (scripts/test.sh makes .venv)")
    return sys.prefix


@dataclass
class CliResult:
    args: list[str]
    code: int
    output: str
    seconds: float  # from start to exit, as the user waits for it
    trace: list[Json] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == 0

    def __str__(self) -> str:
        return f"pulumi {' '.join(self.args)} -> exit {self.code}\n{self.output[-4000:]}"


def cli_environment(cli: str, host: ProgramHost, work_dir: str, *, as_user: bool = False) -> dict[str, str]:
    """The CLI's environment for the tests: its own file backend (`work_dir`/backend, made
    here), PULUMI_HOME and passphrase, the host's folder then the CLI's first on PATH, no
    cloud credentials. as_user=False adds the tests' virtualenv to PATH and turns off plugin
    downloads; as_user=True is what a user's shell has (a fresh clone, `pulumi new`)."""
    backend = os.path.join(work_dir, "backend")
    os.makedirs(backend, exist_ok=True)
    bin_dirs = [*host.path_dirs(), os.path.dirname(os.path.realpath(cli))]
    if not as_user:
        bin_dirs.append(os.path.dirname(sys.executable))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", *CREDENTIAL_PREFIXES))},
        "PATH": os.pathsep.join([*bin_dirs, os.environ.get("PATH", "")]),
        "PULUMI_BACKEND_URL": "file://" + backend,
        "PULUMI_CONFIG_PASSPHRASE": "real-engine-tests",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_HOME": os.path.join(work_dir, "pulumi-home"),
        "NO_COLOR": "1",
    }
    if not as_user:
        env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    return env


class CliStack:
    """One project directory (a copy of a program, run in the tests' virtualenv), one file
    backend, one or more stacks."""

    _RUNS_PROGRAM = ("preview", "up", "refresh", "destroy")

    def __init__(self, cli: str, host: ProgramHost, work_dir: str, program_dir: str, *,
                 endpoint: str, stack: str = "dev", in_place: bool = False, configure: bool = True) -> None:
        """in_place: run the project where it is, in the virtualenv its Pulumi.yaml names, as a
        user would (a fresh clone): no copy, nothing of the tests' virtualenv on PATH, plugins
        acquired as the CLI does by default. configure=False: the stack exists with its config
        (`pulumi new` made it): select it, set nothing."""
        self.cli = cli
        self.host = host
        if in_place:
            self.project_dir = program_dir
        else:
            self.project_dir = os.path.join(work_dir, "project")
            shutil.copytree(program_dir, self.project_dir,
                            ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__", "venv", ".venv"))
            use_virtualenv(self.project_dir, checkout_virtualenv())
        self.env = cli_environment(cli, host, work_dir, as_user=in_place)
        self.backend = self.env["PULUMI_BACKEND_URL"].removeprefix("file://")
        self.home = self.env["PULUMI_HOME"]
        self.trace_dir = os.path.join(work_dir, "traces")
        os.makedirs(self.trace_dir, exist_ok=True)
        self.endpoint = endpoint
        self.stack = stack
        self._runs = 0
        if configure:
            self.init_stack(stack)
        else:
            self.select(stack)

    # -- commands -----------------------------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 180, trace: bool = False,
            on_start: Callable[[subprocess.Popen[str]], object] | None = None) -> CliResult:
        """Run `pulumi <args>` in the project directory; program-running commands get the
        language host and --non-interactive. `on_start(process)` may act while it runs."""
        argv = list(args)
        if argv and argv[0] in self._RUNS_PROGRAM:
            argv += ["--non-interactive", *self.host.cli_args()]
            if argv[0] != "preview":
                argv.append("--yes")
        env = dict(self.env)
        trace_path = ""
        if trace:
            self._runs += 1
            trace_path = os.path.join(self.trace_dir, f"{self._runs:03d}-{argv[0]}.jsonl")
            env["PULUMI_DEBUG_GRPC"] = trace_path
        started = time.perf_counter()
        process = subprocess.Popen([self.cli, *argv], cwd=self.project_dir, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        if on_start is not None:
            try:
                on_start(process)
            except BaseException:  # never leave a CLI running into the next test
                kill_tree(process.pid)
                process.communicate()
                raise
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            output, _ = process.communicate()
            output += f"\n[killed after {timeout} s]"
        result = CliResult(argv, process.returncode, output, time.perf_counter() - started,
                           provider_calls(trace_path) if trace_path else [])
        if check and not result.ok:
            raise AssertionError(str(result))
        return result

    def init_stack(self, stack: str) -> None:
        self.stack = stack
        self.run("stack", "select", "--create", stack, "--non-interactive")
        # One CLI run for the four (each run of the CLI costs about 0.2 s here, stacks are many).
        self.run("config", "set-all", "--plaintext", "alicloud:region=cn-hangzhou",
                 "--plaintext", "alicloud:accessKey=emulator-demo-key",
                 "--secret", "alicloud:secretKey=emulator-demo-secret",
                 "--plaintext", f"slb-master-slave:endpoint={self.endpoint}")

    def select(self, stack: str) -> None:
        self.stack = stack
        self.run("stack", "select", stack, "--non-interactive")

    def config_set(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", *(["--secret"] if secret else []), key, value)

    def export(self) -> Json:
        return cast(Json, json.loads(self.run("stack", "export", "--show-secrets").output))

    def export_raw(self) -> str:
        return self.run("stack", "export").output

    def outputs(self) -> Json:
        return cast(Json, json.loads(self.run("stack", "output", "--json", "--show-secrets").output or "{}"))

    def resources(self, type_: str = DYNAMIC_TYPE) -> dict[str, Json]:
        """name -> the resource's state entry, for resources of `type_`."""
        found = {}
        for resource in self.export()["deployment"].get("resources") or []:
            if resource.get("type") == type_:
                found[resource["urn"].split("::")[-1]] = resource
        return found

    def remove_locks(self) -> None:
        """What a killed CLI's error tells the user to do with a file backend: delete its lock."""
        shutil.rmtree(os.path.join(self.backend, ".pulumi", "locks"), ignore_errors=True)

    def pending_operations(self) -> list[Json]:
        return cast(list[Json], self.export()["deployment"].get("pending_operations") or [])

    def urn(self, name: str, type_: str = DYNAMIC_TYPE) -> str:
        return f"urn:pulumi:{self.stack}::{project_name(self.project_dir)}::{type_}::{name}"

    def write_program(self, source: str) -> None:
        with open(os.path.join(self.project_dir, "__main__.py"), "w", encoding="utf-8") as out:
            out.write(source)


def descendants(pid: int) -> dict[int, str]:
    """Every process under `pid`, with its command line (from /proc): the
    CLI's plugins (the language host, the program, the providers) run in process groups of
    their own, so its own group does not hold them."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                commands[int(entry)] = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found: dict[int, str] = {}
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found[child] = commands.get(child, "")
            pending.append(child)
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a CLI started in a session of its own, and every process under it."""
    under = descendants(pid)
    os.killpg(pid, signal.SIGKILL)
    for child in under:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def provider_calls(trace_path: str) -> list[Json]:
    """The engine's calls to our dynamic provider, from a PULUMI_DEBUG_GRPC file, in the
    order they started: {method, urn, name, olds (present and non-empty), id}."""
    calls: list[Json] = []
    if not os.path.exists(trace_path):
        return calls
    with open(trace_path, encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            service, _, method = entry.get("method", "").rpartition("/")
            if not service.endswith("ResourceProvider") or method not in PROVIDER_METHODS:
                continue
            if entry.get("progress") not in (None, "request_started"):
                continue
            request = entry.get("request") or {}
            if request.get("type") != DYNAMIC_TYPE and DYNAMIC_TYPE not in request.get("urn", ""):
                continue
            calls.append({
                "method": method,
                "urn": request.get("urn", ""),
                "name": request.get("urn", "").split("::")[-1],
                "olds": bool(request.get("olds")),
                "id": request.get("id") or None,
                "preview": bool(request.get("preview")),
            })
    return calls
