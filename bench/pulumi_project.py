"""A Pulumi project driven by plain `pulumi` commands, as a user with an official install runs them.

Where the official Python language host (`pulumi-language-python`, with its
`pulumi-language-python-exec` and the official `pulumi-resource-pulumi-python` launcher beside
it) is found - on PATH, else beside the CLI, the order the CLI itself looks - its folder goes
first on the CLI's PATH and commands are plain (`pulumi up --yes`): the CLI starts the host,
the host runs the program in the project's virtualenv. Otherwise the Python SDK's own
LanguageServer (harness/language_host.py) serves the program through the CLI's `--client`
flag. `host` says which ran, and the results record it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from harness.environment import CREDENTIAL_PREFIXES
from harness.pulumi_cli import LanguageHost

LANGUAGE_HOST = "pulumi-language-python"


def find_language_host(cli: str) -> str | None:
    """The official host the CLI would start: on PATH first, then beside the CLI's binary."""
    on_path = shutil.which(LANGUAGE_HOST)
    if on_path:
        return on_path
    beside = os.path.join(os.path.dirname(os.path.realpath(cli)), LANGUAGE_HOST)
    return beside if os.access(beside, os.X_OK) else None


@dataclass(frozen=True)
class Run:
    """One command: its wall time from start to exit, as the user waits for it."""

    args: list[str]
    code: int
    seconds: float
    output: str

    @property
    def ok(self) -> bool:
        return self.code == 0


class ProgramHost:
    """The official host (nothing to start) or the SDK's LanguageServer (started here)."""

    def __init__(self, cli: str) -> None:
        self.official = find_language_host(cli)
        self._fallback = None if self.official else LanguageHost()
        self.kind = "official" if self.official else "fallback"

    def describe(self) -> str:
        if self.official:
            return f"the official Python language host, {self.official}"
        assert self._fallback is not None
        return f"no {LANGUAGE_HOST} found: the SDK's LanguageServer at {self._fallback.address} (--client)"

    def path_dirs(self) -> list[str]:
        return [os.path.dirname(self.official)] if self.official else []

    def cli_args(self) -> list[str]:
        return [f"--client={self._fallback.address}"] if self._fallback is not None else []

    def stop(self) -> None:
        if self._fallback is not None:
            self._fallback.stop()


PROJECT = """name: {name}
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {virtualenv}
"""


class PulumiProject:
    """A project folder (Pulumi.yaml naming this virtualenv, `__main__.py`), a file backend and
    one stack configured for the emulator."""

    def __init__(self, cli: str, host: ProgramHost, work_dir: str, name: str, endpoint: str,
                 extra_env: dict[str, str] | None = None) -> None:
        self.cli = cli
        self.host = host
        self.dir = os.path.join(work_dir, name)
        backend = os.path.join(work_dir, name + "-backend")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(backend, exist_ok=True)
        with open(os.path.join(self.dir, "Pulumi.yaml"), "w", encoding="utf-8") as out:
            out.write(PROJECT.format(name=name, virtualenv=sys.prefix))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", *CREDENTIAL_PREFIXES))},
            "PATH": os.pathsep.join([*host.path_dirs(), os.path.dirname(os.path.realpath(cli)),
                                     os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": "file://" + backend,
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": os.path.join(work_dir, "pulumi-home"),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "NO_COLOR": "1",
            **(extra_env or {}),
        }
        self.run("stack", "select", "--create", "dev", "--non-interactive", check=True)
        for key, value in (("alicloud:region", "cn-hangzhou"), ("alicloud:accessKey", "emulator-demo-key"),
                           ("slb-master-slave:endpoint", endpoint)):
            self.run("config", "set", key, value, check=True)
        self.run("config", "set", "--secret", "alicloud:secretKey", "emulator-demo-secret", check=True)

    def write_program(self, source: str) -> None:
        with open(os.path.join(self.dir, "__main__.py"), "w", encoding="utf-8") as out:
            out.write(source)

    def command(self, *args: str, timeout: float = 600) -> Run:
        """`pulumi <args> --non-interactive` of a program-running command, reaching the host."""
        return self.run(*args, "--non-interactive", *self.host.cli_args(), timeout=timeout)

    def run(self, *args: str, check: bool = False, timeout: float = 120) -> Run:
        started = time.perf_counter()
        try:
            done = subprocess.run([self.cli, *args], cwd=self.dir, env=self.env, text=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout, check=False)
            code, output = done.returncode, done.stdout
        except subprocess.TimeoutExpired as expired:
            partial = expired.stdout or ""
            text = partial if isinstance(partial, str) else partial.decode(errors="replace")
            code, output = -9, f"{text}\n[killed after {timeout} s]"
        result = Run(list(args), code, time.perf_counter() - started, output)
        if check and not result.ok:
            raise RuntimeError(f"pulumi {' '.join(args)} -> exit {code}\n{output[-3000:]}")
        return result
