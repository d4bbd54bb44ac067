"""`python -m slb_master_slave audit` against a real stack: the real CLI's state, the emulator's
groups, the command as a user runs it (its output, exit code and questions).

One stack is littered with every kind of thing a stack can leave behind, each made the way it
happens: a rolled-back state (`stack export`, a replacing `up`, `stack import` of the old export,
`refresh`, `up`), a resource removed with `retain_on_delete`, a group deleted out of band; and,
made out of band with the values the provider writes, a killed create's pending group (its maker
gone), a concurrent deployment's (another machine, young), an old pending group of release 0.4,
a release 0.4 long owner value, and another stack's group. The read-only tests look at it; the
story test then clears it, as a user would, down to nothing. The last test is a concurrent `up`
while the audit runs (it resets the emulator: keep it last).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slb_master_slave.audit.api import AuditReport, audit_stack
from slb_master_slave.client.settings import parse_endpoint
from slb_master_slave.ownership import journal
from slb_master_slave.ownership.journal import JOURNAL_DIR_ENV
from slb_master_slave.ownership.tag import (
    OWNER_TAG_KEY,
    legacy_values,
    owner_value,
    pending_value,
)

from harness.emulator_process import EmulatorProcess
from harness.makers import foreign_maker_token, gone_maker_token
from harness.pulumi_cli import CliStack, LanguageHost
from harness.waiting import wait_until

from . import programs

REPO = Path(__file__).resolve().parents[2]
LB = "lb-demo-hangzhou"
REGION = "cn-hangzhou"
# A resource whose URN is past 128 characters: its owner value is the hashed form with the stack key.
KEPT = "kept-" + "k" * 50
SECRET = "emulator-demo-secret"

LITTERED_V1 = programs.HEADER + f"""
web = MasterSlaveServerGroup("web", load_balancer_id="{LB}", servers=servers(80))
kept = MasterSlaveServerGroup("{KEPT}", name="kept", load_balancer_id="{LB}", servers=servers(81),
                              opts=pulumi.ResourceOptions(retain_on_delete=True))
doomed = MasterSlaveServerGroup("doomed", load_balancer_id="{LB}", servers=servers(82))
"""
# web's servers change: a replacement (a new group, the old one deleted)
LITTERED_V2 = LITTERED_V1.replace("servers=servers(80)", 'servers=servers(80, slave="i-demo-web-3")')
# the retained resource leaves the program (and so the state; its group stays)
LITTERED_V3 = LITTERED_V2.replace(LITTERED_V2[LITTERED_V2.index("kept = "):LITTERED_V2.index("doomed = ")], "")


def taking_back(group_id: str) -> str:
    """The retained resource declared again, adopting its old group."""
    return LITTERED_V3 + f"""
kept = MasterSlaveServerGroup("{KEPT}", name="kept", load_balancer_id="{LB}", servers=servers(81),
                              adopt_id="{group_id}")
"""


# -- running the audit ------------------------------------------------------------------------
def audit_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "slb_master_slave", "audit", *args]


def audit(stack: CliStack, *args: str, answer: str = "", env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(audit_command(*args), cwd=stack.project_dir, env=env or stack.env, input=answer,
                          capture_output=True, text=True, timeout=120, check=False)


class AskingAudit:
    """An audit run without --yes, held at its question until `answer` (what happens meanwhile
    happens between its listing and its deletes)."""

    def __init__(self, stack: CliStack, *args: str) -> None:
        self.process = subprocess.Popen(audit_command(*args), cwd=stack.project_dir, env=stack.env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._stderr: list[str] = []
        assert self.process.stderr is not None
        stream = self.process.stderr
        self._reader = threading.Thread(target=lambda: self._stderr.extend(iter(lambda: stream.read(1), "")),
                                        daemon=True)
        self._reader.start()
        wait_until(lambda: "[y/N]" in self.stderr or self.process.poll() is not None, 60, "the audit's question")
        assert self.process.poll() is None, f"the audit ended without asking: {self.stderr}"

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def answer(self, text: str) -> subprocess.CompletedProcess[str]:
        stdout, _ = self.process.communicate(text + "\n", timeout=120)
        self._reader.join(timeout=10)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, self.stderr)


def rows(output: str) -> dict[str, str]:
    """The table's rows: group id(s) -> kind."""
    return {line.split()[0]: line.split()[1] for line in output.splitlines() if line.startswith("rsp-")}


def findings(output: str) -> dict[str, dict[str, Any]]:
    """The --json document's findings by group id (a same-owner set by its ids joined with ',')."""
    document = json.loads(output)
    return {finding["group_id"] or ",".join(finding["group_ids"]): finding for finding in document["findings"]}


def owner_of(emu: EmulatorProcess, group_id: str) -> str | None:
    value = emu.groups_by_id()[group_id]["tags"].get(OWNER_TAG_KEY)
    return str(value) if value is not None else None


def tagged_group(emu: EmulatorProcess, value: str, *, name: str, port: int) -> str:
    """A group made outside the provider, carrying `value` as its ownership tag (what a create
    of the provider leaves when it is interrupted)."""
    servers = [{"ServerId": "i-demo-web-1", "Port": str(port), "Weight": "100", "ServerType": "Master"},
               {"ServerId": "i-demo-web-2", "Port": str(port), "Weight": "100", "ServerType": "Slave"}]
    answer = emu.call("CreateMasterSlaveServerGroup", LoadBalancerId=LB, MasterSlaveServerGroupName=name,
                      MasterSlaveBackendServers=json.dumps(servers), **{"Tag.1.Key": OWNER_TAG_KEY, "Tag.1.Value": value})
    return str(answer["MasterSlaveServerGroupId"])


def export_to(stack: CliStack, path: Path) -> Path:
    path.write_text(stack.export_raw(), encoding="utf-8")
    return path


# -- the littered stack -----------------------------------------------------------------------
@dataclass
class Littered:
    stack: CliStack
    emu: EmulatorProcess
    ids: dict[str, str]
    holding_replaced: Path  # an export of a state that holds the replaced group


@pytest.fixture(scope="module")
def littered(pulumi_cli: str, language_host: LanguageHost, emulator: EmulatorProcess,
             tmp_path_factory: pytest.TempPathFactory) -> Littered:
    emulator.reset()
    work = tmp_path_factory.mktemp("littered")
    program = work / "program"  # the root quickstart's project file; the program is written below
    program.mkdir()
    (program / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    stack = CliStack(pulumi_cli, language_host, str(work), str(program), endpoint=emulator.url)
    stack.env[JOURNAL_DIR_ENV] = str(work / "journal")  # never the user's cache
    stack.write_program(LITTERED_V1)
    stack.run("up")
    first = {name: r["id"] for name, r in stack.resources().items()}
    before_replace = export_to(stack, work / "before-replace.json")
    stack.write_program(LITTERED_V2)
    stack.run("up")
    replaced = stack.resources()["web"]["id"]
    holding_replaced = export_to(stack, work / "holding-replaced.json")
    stack.run("stack", "import", "--file", str(before_replace))  # the rollback: web's group is the deleted one
    stack.run("refresh")  # drops web (its group is gone)
    stack.write_program(LITTERED_V3)
    stack.run("up")  # web again (a third group); the retained resource leaves the state
    ids = {"web": stack.resources()["web"]["id"], "replaced": replaced, "kept": first[KEPT], "doomed": first["doomed"]}
    emulator.call("DeleteMasterSlaveServerGroup", MasterSlaveServerGroupId=ids["doomed"])
    ids["killed"] = tagged_group(emulator, pending_value(stack.urn("web"), gone_maker_token()), name="web", port=90)
    ids["concurrent"] = tagged_group(emulator, pending_value(stack.urn("api"), foreign_maker_token()), name="api",
                                     port=91)
    ids["legacy"] = tagged_group(emulator, "pending:" + stack.urn("old"), name="old", port=92)  # release 0.4
    emulator.set_create_time(ids["legacy"], 20 * 60)
    long_urn = stack.urn("legacy-" + "l" * 60)
    [release_0_4_long] = [value for value in legacy_values(long_urn) if ".." in value]
    ids["legacy_long"] = tagged_group(emulator, release_0_4_long, name="legacy-long", port=93)
    ids["other_stack"] = tagged_group(emulator, stack.urn("web").replace(":dev::", ":prod::"), name="web", port=94)
    return Littered(stack, emulator, ids, holding_replaced)


def test_the_audit_lists_each_thing_the_stack_left_with_what_it_probably_is(littered: Littered) -> None:
    ids = littered.ids
    done = audit(littered.stack)
    assert done.returncode == 1, done
    same_owner = ",".join(sorted([ids["web"], ids["replaced"]]))
    assert rows(done.stdout) == {
        ids["killed"]: "abandoned-create", ids["legacy"]: "abandoned-create",
        ids["concurrent"]: "create-in-progress",
        ids["kept"]: "not-in-state", ids["replaced"]: "not-in-state", ids["legacy_long"]: "not-in-state",
        same_owner: "same-owner", ids["doomed"]: "group-gone",
    }, done.stdout
    text = " ".join(done.stdout.split())  # the stories wrap
    assert "on this machine, has ended" in text and "on another machine" in text
    assert "(release 0.3/0.4: maker unknown): made 20 min" in text
    assert f"resource web holds group {ids['web']} in this state" in text and "retained (retain_on_delete)" in text
    assert "probably this stack's" in text and "lists no such group" in text
    assert f"--delete-leftovers deletes the 2 abandoned create(s) ({ids['killed']}, {ids['legacy']})" in text \
        or f"({ids['legacy']}, {ids['killed']})" in text
    assert SECRET not in done.stdout + done.stderr


def test_the_json_document(littered: Littered) -> None:
    ids, stack = littered.ids, littered.stack
    done = audit(stack, "--json")
    assert done.returncode == 1, done
    document = json.loads(done.stdout)
    assert (document["project"], document["stack"], document["found"]) == ("slb-master-slave-quickstart", "dev", True)
    assert document["scanned"] == [{"load_balancer_id": LB, "region_id": REGION, "gone": False}]
    found = findings(done.stdout)
    kept = found[ids["kept"]]
    assert kept["owner"] == owner_value(stack.urn(KEPT)) and "~" in kept["owner"], "the hashed form, recognised"
    assert (kept["status"], kept["certainty"], kept["leftover"]) == ("completed", "exact", False)
    assert (found[ids["legacy_long"]]["certainty"], found[ids["legacy_long"]]["status"]) == ("probable", "completed")
    assert [found[ids[k]]["leftover"] for k in ("killed", "legacy", "concurrent")] == [True, True, False]
    assert found[ids["killed"]]["status"] == "pending" and found[ids["killed"]]["age_seconds"] < 600
    assert found[ids["replaced"]]["resource"] == stack.urn("web")
    [same] = [f for f in found.values() if f["kind"] == "same-owner"]
    assert same["group_ids"] == sorted([ids["web"], ids["replaced"]]) and same["owner"] == stack.urn("web")
    assert found[ids["doomed"]]["resource"] == stack.urn("doomed") and found[ids["doomed"]]["owner"] is None
    assert ids["web"] not in found and ids["other_stack"] not in found
    # the same audit from Python: data classes, the same findings
    report = audit_stack(stack.project_dir, environ=stack.env)
    assert isinstance(report, AuditReport) and report.stack == "dev"
    assert {(f.group_id, f.group_ids, f.kind.value, f.story.split(" (")[0]) for f in report.findings} == {
        (f["group_id"], tuple(f["group_ids"]), f["kind"], f["story"].split(" (")[0]) for f in found.values()}
    assert sorted(report.leftover_ids()) == sorted([ids["killed"], ids["legacy"]])


def test_what_the_audit_cannot_do_exits_2_and_says_why(littered: Littered) -> None:
    stack, ids = littered.stack, littered.ids
    before = littered.emu.groups_by_id()
    refused = audit(stack, "--delete", ids["web"], "--delete", ids["other_stack"], "--delete", ids["killed"], "--yes")
    assert refused.returncode == 2, refused
    assert f"Group {ids['web']} is held by stack dev's state" in refused.stderr
    assert f"Group {ids['other_stack']} is not among what this audit found" in refused.stderr
    assert "carries no owner of project slb-master-slave-quickstart's stack dev" in refused.stderr
    assert littered.emu.groups_by_id() == before, "nothing deleted or untagged"
    no_stack = audit(stack, "--stack", "nosuchstack")
    assert no_stack.returncode == 2 and "Could not audit: `pulumi config --json --show-secrets` failed" \
        in no_stack.stderr, no_stack
    stack.run("stack", "init", "bare")  # a stack of the same project with no config: no credentials
    stack.select("dev")
    bare = audit(stack, "--stack", "bare", "--load-balancer", f"{LB}@{REGION}")
    assert bare.returncode == 2 and "Could not audit: Alibaba Cloud credentials are missing" in bare.stderr, bare
    nothing_named = audit(stack, "--stack", "bare")
    assert nothing_named.returncode == 2 and "Nothing to scan: the state of stack bare names no load balancer" \
        in nothing_named.stderr, nothing_named
    without_cli = {**stack.env, "PATH": os.path.dirname(sys.executable)}
    no_cli = audit(stack, env=without_cli)
    assert no_cli.returncode == 2 and "No pulumi CLI" in no_cli.stderr and not no_cli.stdout, no_cli


def test_clearing_what_the_stack_left_then_taking_the_retained_group_back(littered: Littered) -> None:
    """The user's path, in order (this test changes the littered stack: it runs after the others)."""
    stack, emu, ids = littered.stack, littered.emu, littered.ids

    # --delete-leftovers deletes the abandoned creates, and nothing else
    swept = audit(stack, "--delete-leftovers", "--yes")
    assert swept.returncode == 1, swept
    assert f"deleted: {ids['killed']}" in swept.stdout and f"deleted: {ids['legacy']}" in swept.stdout
    assert set(emu.groups_by_id()) == {ids[k] for k in ("web", "replaced", "kept", "concurrent", "legacy_long",
                                                         "other_stack")}

    # a state that cannot be read again just before the delete: nothing is touched
    asking = AskingAudit(stack, "--delete", ids["replaced"])
    hidden = Path(stack.backend + "-elsewhere")
    os.rename(stack.backend, hidden)
    try:
        unread = asking.answer("y")
    finally:
        os.rename(hidden, stack.backend)
    assert unread.returncode == 2 and f"failed: {ids['replaced']} (the state could not be read again" in unread.stdout
    assert ids["replaced"] in emu.groups_by_id()

    # a state that holds the named group by the time of its delete (here: imported meanwhile) keeps it
    now = export_to(stack, littered.holding_replaced.with_name("now.json"))
    asking = AskingAudit(stack, "--delete", ids["replaced"])
    stack.run("stack", "import", "--file", str(littered.holding_replaced))
    kept = asking.answer("y")
    assert kept.returncode == 2 and f"kept: {ids['replaced']} (the state holds it now" in kept.stdout, kept
    assert ids["replaced"] in emu.groups_by_id()
    stack.run("stack", "import", "--file", str(now))

    # a group whose ownership tag changed meanwhile (the other deployment completed its create) is kept
    asking = AskingAudit(stack, "--delete", ids["concurrent"])
    emu.call("TagResources", ResourceType="masterslaveservergroup", **{
        "ResourceId.1": ids["concurrent"], "Tag.1.Key": OWNER_TAG_KEY, "Tag.1.Value": stack.urn("api")})
    changed = asking.answer("y")
    assert changed.returncode == 2 and f"kept: {ids['concurrent']} (its ownership tag changed" in changed.stdout
    assert ids["concurrent"] in emu.groups_by_id()

    # named completed groups go when asked
    named = audit(stack, "--delete", ids["replaced"], "--delete", ids["concurrent"], "--delete", ids["legacy_long"],
                  "--yes")
    assert named.returncode == 1, named
    assert set(emu.groups_by_id()) == {ids["web"], ids["kept"], ids["other_stack"]}

    # the retained group: adopt_id is refused and names the step, the step releases it, adopt_id takes it
    stack.write_program(taking_back(ids["kept"]))
    refused = stack.run("up", check=False)
    assert not refused.ok and f"python -m slb_master_slave audit --release {ids['kept']}" in refused.output, refused
    released = audit(stack, "--release", ids["kept"], answer="y\n")
    assert released.returncode == 0, released
    assert "make sure none does" in released.stderr and f"released: {ids['kept']}" in released.stdout
    assert owner_of(emu, ids["kept"]) is None
    stack.run("up")
    assert stack.resources()[KEPT]["id"] == ids["kept"] and owner_of(emu, ids["kept"]) == owner_value(stack.urn(KEPT))

    stack.run("destroy")
    assert set(emu.groups_by_id()) == {ids["other_stack"]}, "destroy leaves nothing of this stack"
    clean = audit(stack, "--load-balancer", LB)
    assert clean.returncode == 0 and "nothing found" in clean.stdout, clean


def test_a_concurrent_up_never_loses_its_group_to_the_audit(make_stack, emu: EmulatorProcess) -> None:
    """Its create in progress (completion held by the emulator) is listed and left alone by
    --delete-leftovers; a group it takes over between the audit's listing and its delete is kept."""
    stack = make_stack(None)
    stack.write_program(programs.ONE_GROUP)
    emu.add_fault(kind="latency", action="TagResources", seconds=6, count=1)
    during: list[subprocess.CompletedProcess[str]] = []

    def audit_while_pending(process: subprocess.Popen[str]) -> None:
        wait_until(lambda: any(str(g["tags"].get(OWNER_TAG_KEY, "")).startswith("pending:")
                               for g in emu.groups_by_id().values()), 60, "the up's pending group")
        during.append(audit(stack, "--delete-leftovers", "--yes", "--json"))

    stack.run("up", on_start=audit_while_pending)
    [web] = emu.groups_by_id()
    assert during[0].stdout, during[0]
    [(group_id, finding)] = findings(during[0].stdout).items()
    assert group_id == web and finding["kind"] == "create-in-progress", during[0]
    assert "on this machine by process" in finding["story"] and "still running" in finding["story"]
    assert during[0].returncode == 1 and json.loads(during[0].stdout)["actions"] == []
    assert stack.resources()["web"]["id"] == web and owner_of(emu, web) == stack.urn("web")

    # a create of "api" killed earlier on this machine: its group pending, its maker gone, the journal naming it
    value = pending_value(stack.urn("api"), gone_maker_token())
    api = tagged_group(emu, value, name="api", port=8080)
    place = journal.Place.of(LB, REGION, parse_endpoint(emu.url).url, "emulator-demo-key")
    journal.record(journal.UnfinishedCreate(value, place, started=time.time(), group_id=api))
    asking = AskingAudit(stack, "--delete-leftovers")
    assert f"{api} (abandoned-create)" in asking.stderr
    stack.write_program(programs.TWO_GROUPS)
    stack.run("up")  # takes the group over: the state holds it now
    assert stack.resources()["api"]["id"] == api
    answered = asking.answer("y")
    assert answered.returncode == 1 and f"kept: {api} (the state holds it now" in answered.stdout, answered
    assert owner_of(emu, api) == stack.urn("api")
