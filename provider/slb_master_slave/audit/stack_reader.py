"""A stack's state and config as the audit sees them, read through the user's own Pulumi CLI.

The audit (api.py) runs beside a project, never inside the provider process: it asks the
CLI the user deploys with, in the project's directory and with the user's environment (the
backend, the passphrase, the selected stack), for

- `pulumi stack export --show-secrets`: every group the state holds (`StateGroup`), with its
  load balancer, region and owner, and the groups of creates the state records as pending
  operations (a killed CLI);
- `pulumi config --json --show-secrets`: the stack's config, for the provider's own settings
  (settings.resolve_settings), so the cloud is read with the credentials the stack uses.

Project and stack are those the state's URNs name; a stack whose state holds nothing yet
takes them from Pulumi.yaml and `pulumi stack --show-name`. Parsing is pure (`parse_export`,
`parse_config`); `StackReader` does the I/O. Nothing here prints: a failure is an
`AuditUnavailable` saying which command failed and why, with the stack's secrets scrubbed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..client.scrubbing import scrub
from ..errors import AuditUnavailable
from ..ownership.tag import urn_scope

DYNAMIC_TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
CLI_ENV = "PULUMI_CLI"
CLI_TIMEOUT_SECONDS = 120.0
# How a secret value looks in `pulumi stack export --show-secrets` (the signature key of Pulumi's
# secret envelope; `plaintext` holds the value as JSON text).
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
_PROJECT_NAME = re.compile(r"""^name:[ \t]*(["']?)(?P<name>[A-Za-z0-9_.-]+)\1[ \t]*(?:#.*)?$""", re.M)


@dataclass(frozen=True)
class StateGroup:
    """A group the state holds: a resource of ours with an id, or a create it records as pending."""

    urn: str
    group_id: str
    load_balancer_id: str | None
    region_id: str | None
    owner: str | None  # the resource's identity as the program passed it (its URN)
    pending_create: bool = False

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class StackSnapshot:
    project: str
    stack: str
    groups: tuple[StateGroup, ...] = ()
    # every URN of ours the state names (resources, owners, pending creates with or without an id)
    urns: frozenset[str] = field(default_factory=frozenset)
    # the URNs of creates the state records as pending operations (a killed CLI)
    pending_creates: frozenset[str] = field(default_factory=frozenset)
    # (load balancer, region or None) of every resource of ours, pending operations included
    places: frozenset[tuple[str, str | None]] = field(default_factory=frozenset)

    def holding(self, group_id: str) -> StateGroup | None:
        return next((group for group in self.groups if group.group_id == group_id), None)


def _plain(value: Any) -> Any:
    """A value from the export, out of Pulumi's secret envelope if it is in one."""
    if isinstance(value, Mapping) and SECRET_SIGNATURE in value:
        plaintext = value.get("plaintext")
        if isinstance(plaintext, str):
            try:
                return json.loads(plaintext)
            except ValueError:
                return plaintext
        return value.get("value")
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(*values: Any) -> str | None:
    for value in values:
        plain = _plain(value)
        if isinstance(plain, str) and plain:
            return plain
    return None


def _state_group(resource: Mapping[str, Any], *, pending_create: bool) -> StateGroup:
    """The entry as a StateGroup; its group_id is "" when it has none (a create in flight)."""
    outputs, inputs = _mapping(resource.get("outputs")), _mapping(resource.get("inputs"))

    def read(key: str) -> str | None:
        return _text(outputs.get(key), inputs.get(key))

    return StateGroup(str(resource.get("urn") or ""), _text(resource.get("id")) or "", read("load_balancer_id"),
                      read("region_id"), read("owner"), pending_create=pending_create)


def parse_export(document: Mapping[str, Any], *, project: str | None = None,
                 stack: str | None = None) -> StackSnapshot:
    """The snapshot in `pulumi stack export` output; `project`/`stack` are used when no URN in
    the state names them (a stack never deployed, or destroyed)."""
    deployment = _mapping(document.get("deployment"))
    resources = [r for r in deployment.get("resources") or [] if isinstance(r, Mapping)]
    pending = [_mapping(op.get("resource")) for op in deployment.get("pending_operations") or []
               if isinstance(op, Mapping)]
    scopes = [scope for scope in (urn_scope(str(r.get("urn") or "")) for r in resources) if scope is not None]
    if scopes:
        stack, project = scopes[0]
    if not project or not stack:
        raise AuditUnavailable("The state names no project and stack, and none was found beside it "
                               "(Pulumi.yaml's `name:`, `pulumi stack --show-name`).")
    entries = [_state_group(resource, pending_create=pending_create)
               for found, pending_create in ((resources, False), (pending, True))
               for resource in found if resource.get("type") == DYNAMIC_TYPE]
    return StackSnapshot(
        project, stack, tuple(entry for entry in entries if entry.group_id),
        frozenset(urn for entry in entries for urn in (entry.urn, entry.owner) if urn),
        frozenset(entry.urn for entry in entries if entry.pending_create and entry.urn),
        frozenset((entry.load_balancer_id, entry.region_id) for entry in entries if entry.load_balancer_id))


def parse_config(document: Mapping[str, Any]) -> dict[str, str]:
    """`pulumi config --json --show-secrets` output as key -> text (namespaced keys, as the
    provider's configure() receives them)."""
    config = {}
    for key, entry in document.items():
        value = entry.get("value") if isinstance(entry, Mapping) else entry
        if value is not None:
            config[str(key)] = value if isinstance(value, str) else json.dumps(value)
    return config


def find_cli(environ: Mapping[str, str]) -> str:
    given = environ.get(CLI_ENV)
    if given:
        if os.access(given, os.X_OK):
            return given
        raise AuditUnavailable(f"{CLI_ENV}={given} is not an executable; point it at the pulumi CLI, or unset it "
                               "to use `pulumi` from PATH.")
    found = shutil.which("pulumi", path=environ.get("PATH"))
    if found is None:
        raise AuditUnavailable(f"No pulumi CLI: `pulumi` is not on PATH and {CLI_ENV} is not set. The audit reads "
                               "the stack's state through the CLI you deploy with: put it on PATH, or set "
                               f"{CLI_ENV} to its path.")
    return found


def project_name(cwd: str) -> str | None:
    """The top-level `name:` of the Pulumi.yaml in `cwd` or the nearest folder above it (as the
    CLI finds it). A project name is letters, digits, `-`, `_` and `.`: one line says it."""
    folder = Path(cwd).resolve()
    for candidate in (folder, *folder.parents):
        for file_name in PROJECT_FILES:
            path = candidate / file_name
            if path.is_file():
                try:
                    match = _PROJECT_NAME.search(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as error:
                    raise AuditUnavailable(f"{path} could not be read: {error}") from None
                return match["name"] if match else None
    return None


class StackReader:
    """Runs the user's Pulumi CLI in `cwd` for one stack (`stack`, or the selected one)."""

    def __init__(self, cwd: str = ".", stack: str | None = None, *, environ: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        self.stack = stack
        self.environ = dict(os.environ if environ is None else environ)
        self.cli = find_cli(self.environ)
        self.secrets: list[str] = []  # known once the config is read: scrubbed from every message

    def _run(self, *args: str) -> str:
        argv = [self.cli, *args, *(["--stack", self.stack] if self.stack else []), "--non-interactive"]
        shown = "pulumi " + " ".join(args)
        try:
            done = subprocess.run(argv, cwd=self.cwd, env=self.environ, capture_output=True, text=True,
                                  timeout=CLI_TIMEOUT_SECONDS, check=False, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise AuditUnavailable(scrub(f"`{shown}` could not run in {self.cwd}: {error}", self.secrets)) from None
        if done.returncode != 0:
            said = " ".join((done.stderr.strip() or done.stdout.strip()).splitlines()[-3:])[:600]
            raise AuditUnavailable(scrub(f"`{shown}` failed in {os.path.abspath(self.cwd)} (exit {done.returncode}): "
                                         f"{said or 'no output'}", self.secrets))
        return done.stdout

    def _json(self, *args: str) -> dict[str, Any]:
        output = self._run(*args)
        try:
            document = json.loads(output or "{}")
        except ValueError:
            raise AuditUnavailable(f"`pulumi {' '.join(args)}` did not print JSON.") from None
        if not isinstance(document, dict):
            raise AuditUnavailable(f"`pulumi {' '.join(args)}` printed {type(document).__name__}, not an object.")
        return document

    def config(self) -> dict[str, str]:
        config = parse_config(self._json("config", "--json", "--show-secrets"))
        self.secrets = [value for key, value in config.items() if key.endswith((":secretKey", ":securityToken"))
                        and value]
        return config

    def snapshot(self) -> StackSnapshot:
        """The state as it is now: read afresh on every call (a concurrent `up` may change it)."""
        document = self._json("stack", "export", "--show-secrets")
        try:
            return parse_export(document)
        except AuditUnavailable:
            stack = self._run("stack", "--show-name").strip().rsplit("/", 1)[-1]
            return parse_export(document, project=project_name(self.cwd), stack=stack)
