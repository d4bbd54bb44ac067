"""The audit's decisions (pure, no I/O): which owner values are this stack's, what each group
the state does not hold probably is, which state entries lost their group, and the reading of
`pulumi stack export` / `pulumi config --json`. The real CLI and the emulator play the same
stories end to end in tests/real_engine/test_audit_cli.py."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from slb_master_slave.audit.findings import (
    Certainty,
    Circumstances,
    Kind,
    ScannedLoadBalancer,
    classify,
    recognise,
)
from slb_master_slave.audit.report import report_document, short_age
from slb_master_slave.audit.stack_reader import (
    DYNAMIC_TYPE,
    SECRET_SIGNATURE,
    StackSnapshot,
    StateGroup,
    parse_config,
    parse_export,
)
from slb_master_slave.domain.model import LiveGroup
from slb_master_slave.ownership.fence import WINDOW_SECONDS
from slb_master_slave.ownership.maker import Maker
from slb_master_slave.ownership.tag import OWNER_TAG_KEY, owner_value, pending_value

PROJECT, STACK = "shop", "prod"
LB, REGION = "lb-1", "cn-hangzhou"
NOW = 2_000_000_000.0
GONE_MAKER = Maker("0a1b2c3d4e", 4242, 100)  # maker_gone says True
RUNNING_MAKER = Maker("0a1b2c3d4e", 4343, 200)  # maker_gone says False (this machine, running)
FOREIGN_MAKER = Maker("ffffff3d4e", 4444, 300)  # maker_gone says None (another machine)


def urn(name: str, stack: str = STACK, project: str = PROJECT) -> str:
    return f"urn:pulumi:{stack}::{project}::{DYNAMIC_TYPE}::{name}"


def long_urn(name: str, stack: str = STACK, project: str = PROJECT) -> str:
    return urn("n" * 140 + name, stack, project)


def release_0_4_value(owner: str) -> str:
    """What releases 0.3/0.4 wrote for a URN past 128 characters (no stack key)."""
    head = owner[:40] + ".." + owner[-(128 - 1 - 20 - 40 - 2):]
    return head + "~" + hashlib.sha256(owner.encode()).hexdigest()[:20]


def release_0_2_value(owner: str) -> str:
    return owner[:63] + "~" + hashlib.sha256(owner.encode()).hexdigest()


def created(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - seconds_ago))


def group(group_id: str, value: str | None, seconds_ago: float = 30, name: str = "g") -> LiveGroup:
    tags = {} if value is None else {OWNER_TAG_KEY: value}
    return LiveGroup(group_id, name, LB, tags={"team": "a", **tags}, create_time=created(seconds_ago))


def maker_gone(maker: Maker) -> bool | None:
    return {GONE_MAKER: True, RUNNING_MAKER: False}.get(maker)


AT = Circumstances(NOW, maker_gone, REGION)


def snapshot(*held: StateGroup, pending_creates: tuple[str, ...] = ()) -> StackSnapshot:
    urns = {g.urn for g in held} | {g.owner for g in held if g.owner} | set(pending_creates)
    return StackSnapshot(PROJECT, STACK, held, frozenset(urns), frozenset(pending_creates))


def held(name: str, group_id: str, load_balancer_id: str = LB) -> StateGroup:
    return StateGroup(urn(name), group_id, load_balancer_id, REGION, urn(name))


def scan(*groups: LiveGroup, listed: set[str] | None = None, gone: bool = False) -> ScannedLoadBalancer:
    ids = None if listed is None else frozenset(listed)
    return ScannedLoadBalancer(LB, REGION, tuple(groups), ids, gone)


def only(findings, kind):
    [found] = [f for f in findings if f.kind is kind]
    return found


# -- which values are this stack's ------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    (urn("web"), Certainty.EXACT),
    (owner_value(long_urn("web")), Certainty.EXACT),  # this release's long form: the stack key
    (pending_value(urn("web"), GONE_MAKER.token), Certainty.EXACT),
    (pending_value(long_urn("web"), GONE_MAKER.token), Certainty.EXACT),
    ("pending:" + urn("web"), Certainty.EXACT),  # release 0.3/0.4 pending: the URN names the stack
    (release_0_4_value(long_urn("web")), Certainty.PROBABLE),
    ("pending:" + release_0_4_value(long_urn("web")), Certainty.PROBABLE),
    (release_0_2_value(long_urn("web")), Certainty.PROBABLE),
    (urn("web", stack="dev"), None),
    (urn("web", project="shop2"), None),
    (owner_value(long_urn("web", stack="dev")), None),
    (pending_value(urn("web", stack="dev"), GONE_MAKER.token), None),
    (release_0_4_value(long_urn("web", stack="dev")), None),
    ("pending:" + release_0_4_value(long_urn("web", project="other")), None),
    ("team-a", None),
    ("", None),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_every_owner_value_of_this_stack_is_recognised_and_no_other(value, expected):
    assert recognise(value, PROJECT, STACK) is expected


def test_a_legacy_head_cut_inside_the_project_name_matches_as_far_as_it_goes():
    """0.3/0.4 kept 40 characters of a long URN: a long project name is cut, and the head can
    only say `probably` (a project whose name starts the same would match too)."""
    project = "a-project-with-a-rather-long-name"
    owner = long_urn("web", project=project)
    value = release_0_4_value(owner)
    assert recognise(value, project, STACK) is Certainty.PROBABLE
    assert recognise(value, project + "-and-more", STACK) is Certainty.PROBABLE
    assert recognise(value, "b-project", STACK) is None


# -- pending groups: the fence ---------------------------------------------------------------
def test_a_pending_group_whose_maker_is_gone_is_an_abandoned_create_at_once():
    value = pending_value(urn("web"), GONE_MAKER.token)
    [finding] = classify(snapshot(), [scan(group("rsp-1", value, seconds_ago=5, name="web"))], AT)
    assert (finding.kind, finding.status, finding.leftover) == (Kind.ABANDONED_CREATE, "pending", True)
    assert finding.resource is None  # no state names web: the resource key alone cannot name it
    assert "process 4242 on this machine, has ended" in finding.story and finding.age_seconds == 5


def test_a_pending_group_of_a_running_maker_or_another_machine_is_in_progress_until_the_window():
    running = pending_value(urn("web"), RUNNING_MAKER.token)
    foreign = pending_value(urn("api"), FOREIGN_MAKER.token)
    findings = classify(snapshot(held("web", "rsp-held")), [scan(group("rsp-1", running), group("rsp-2", foreign))],
                        AT)
    assert [(f.group_id, f.kind, f.leftover) for f in findings] == [
        ("rsp-1", Kind.CREATE_IN_PROGRESS, False), ("rsp-2", Kind.CREATE_IN_PROGRESS, False)]
    assert "of web that may still be running (made 30 s ago, on this machine by process 4343, still running)" \
        in findings[0].story
    assert findings[0].resource == urn("web")
    assert "on another machine" in findings[1].story
    old = classify(snapshot(), [scan(group("rsp-2", foreign, seconds_ago=WINDOW_SECONDS + 1))], AT)
    assert [(f.kind, f.leftover) for f in old] == [(Kind.ABANDONED_CREATE, True)]
    assert "past the 15-minute window" in old[0].story


def test_a_release_0_4_pending_group_counts_by_age_alone():
    value = "pending:" + urn("old")
    young = classify(snapshot(), [scan(group("rsp-1", value, seconds_ago=60))], AT)
    old = classify(snapshot(), [scan(group("rsp-1", value, seconds_ago=WINDOW_SECONDS + 60))], AT)
    assert young[0].kind is Kind.CREATE_IN_PROGRESS and "release 0.3/0.4 (maker unknown)" in young[0].story
    assert old[0].kind is Kind.ABANDONED_CREATE and "maker unknown" in old[0].story
    assert old[0].resource == urn("old")


# -- completed groups the state does not hold --------------------------------------------------
def test_a_completed_group_no_resource_of_the_state_names_is_retained_or_forgotten():
    [finding] = classify(snapshot(held("web", "rsp-web")), [scan(group("rsp-web", urn("web")),
                                                                 group("rsp-kept", urn("kept")))], AT)
    assert (finding.group_id, finding.kind, finding.status, finding.leftover) == (
        "rsp-kept", Kind.NOT_IN_STATE, "completed", False)
    assert finding.resource == urn("kept") and finding.certainty is Certainty.EXACT
    assert "retained (retain_on_delete)" in finding.story and "--release rsp-kept" in finding.story


def test_a_group_sharing_the_owner_of_a_held_one_is_a_rolled_back_leftover_and_a_same_owner_pair():
    value = owner_value(long_urn("web"))
    state = StackSnapshot(PROJECT, STACK, (StateGroup(long_urn("web"), "rsp-now", LB, REGION, long_urn("web")),),
                          frozenset({long_urn("web")}))
    findings = classify(state, [scan(group("rsp-now", value), group("rsp-old", value))], AT)
    assert [(f.kind, f.group_ids) for f in findings] == [
        (Kind.NOT_IN_STATE, ("rsp-old",)), (Kind.SAME_OWNER, ("rsp-now", "rsp-old"))]
    assert "holds group rsp-now in this state" in findings[0].story and "rolled-back" in findings[0].story
    assert findings[1].group_id is None and "the state holds rsp-now" in findings[1].story


def test_a_completed_group_of_an_interrupted_create_the_state_records_says_how_to_import_it():
    state = snapshot(pending_creates=(urn("web"),))
    [finding] = classify(state, [scan(group("rsp-1", urn("web")))], AT)
    assert finding.kind is Kind.NOT_IN_STATE and "--import-pending-creates" in finding.story


def test_a_release_0_4_long_value_is_reported_as_probably_this_stacks():
    [finding] = classify(snapshot(), [scan(group("rsp-1", release_0_4_value(long_urn("web"))))], AT)
    assert finding.certainty is Certainty.PROBABLE and finding.story.startswith("probably this stack's")
    assert finding.resource is None


def test_groups_of_other_stacks_or_without_an_owner_and_held_groups_are_not_findings():
    groups = [group("rsp-dev", urn("web", stack="dev")), group("rsp-none", None),
              group("rsp-held", urn("web")), group("rsp-other", pending_value(urn("x", project="p"), "a"))]
    assert classify(snapshot(held("web", "rsp-held")), [scan(*groups)], AT) == []


# -- state entries whose group is gone ---------------------------------------------------------
def test_a_state_entry_is_gone_only_when_a_listing_lacks_it_or_its_load_balancer_is_gone():
    state = snapshot(held("web", "rsp-web"), held("api", "rsp-api"))
    [lacking] = classify(state, [scan(group("rsp-web", urn("web")), listed={"rsp-web", "rsp-stranger"})], AT)
    assert (lacking.kind, lacking.group_id, lacking.resource) == (Kind.GROUP_GONE, "rsp-api", urn("api"))
    assert "lists no such group" in lacking.story and "`pulumi refresh`" in lacking.story
    assert classify(state, [scan(listed=None)], AT) == [], "not listed: nothing confirmed"
    lost = classify(state, [scan(gone=True, listed=set())], AT)
    assert [f.group_id for f in lost] == ["rsp-web", "rsp-api"] and "is gone" in lost[0].story
    elsewhere = StateGroup(urn("db"), "rsp-db", "lb-2", REGION, urn("db"))
    assert classify(snapshot(elsewhere), [scan(listed=set())], AT) == [], "another load balancer: not scanned"


# -- reading the CLI's answers -----------------------------------------------------------------
def secret(value: str) -> dict[str, str]:
    return {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(value)}


def test_the_export_gives_held_groups_their_place_and_owner_and_pending_creates():
    document = {"deployment": {"resources": [
        {"urn": f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}", "type": "pulumi:pulumi:Stack"},
        {"urn": urn("web"), "type": DYNAMIC_TYPE, "id": "rsp-web",
         "inputs": {"load_balancer_id": secret(LB)}, "outputs": {"load_balancer_id": secret(LB), "region_id": REGION,
                                                         "owner": urn("web")}},
        {"urn": urn("other"), "type": "pulumi:providers:pulumi-python", "id": "rsp-not-ours"},
    ], "pending_operations": [
        {"type": "creating", "resource": {"urn": urn("api"), "type": DYNAMIC_TYPE,
                                          "inputs": {"owner": urn("api"), "load_balancer_id": "lb-2"}}},
        {"type": "creating", "resource": {"urn": urn("db"), "type": DYNAMIC_TYPE, "id": "rsp-db",
                                          "inputs": {"load_balancer_id": LB}}},
    ]}}
    state = parse_export(document)
    assert (state.project, state.stack) == (PROJECT, STACK)
    assert state.groups == (StateGroup(urn("web"), "rsp-web", LB, REGION, urn("web")),
                            StateGroup(urn("db"), "rsp-db", LB, None, None, pending_create=True))
    assert state.urns == {urn("web"), urn("api"), urn("db")} and state.pending_creates == {urn("api"), urn("db")}
    assert state.holding("rsp-db") is not None and state.holding("rsp-not-ours") is None
    assert state.places == {(LB, REGION), (LB, None), ("lb-2", None)}, "a create in flight names its load balancer too"


def test_an_empty_state_takes_project_and_stack_from_beside_it_or_says_it_cannot():
    from slb_master_slave.errors import AuditUnavailable

    assert parse_export({"deployment": {}}, project=PROJECT, stack=STACK).groups == ()
    with pytest.raises(AuditUnavailable, match="names no project and stack"):
        parse_export({"version": 3, "deployment": {}})


def test_the_config_is_read_as_namespaced_text():
    document = {"alicloud:region": {"value": REGION, "secret": False},
                "alicloud:secretKey": {"value": "s3cr3t-key", "secret": True},
                "slb-master-slave:timeoutSeconds": {"value": "30", "objectValue": 30}, "empty": {"secret": False}}
    assert parse_config(document) == {"alicloud:region": REGION, "alicloud:secretKey": "s3cr3t-key",
                                      "slb-master-slave:timeoutSeconds": "30"}


# -- the report ------------------------------------------------------------------------------
def test_short_ages():
    assert [short_age(s) for s in (None, 0, 59, 60, 3599, 3600, 86400 * 3)] == ["-", "0s", "59s", "1m", "59m", "1h",
                                                                                  "3d"]


def test_the_json_document_names_every_field_with_plain_values():
    from slb_master_slave.audit.api import AuditReport, Place

    findings = classify(snapshot(), [scan(group("rsp-1", pending_value(urn("web"), GONE_MAKER.token)))], AT)
    report = AuditReport(PROJECT, STACK, (Place(LB, REGION),), tuple(findings), None, None)  # type: ignore[arg-type]
    document = json.loads(json.dumps(report_document(report)))
    assert document["format"] == 1 and document["found"] is True and document["actions"] == []
    assert document["scanned"] == [{"load_balancer_id": LB, "region_id": REGION, "gone": False}]
    [finding] = document["findings"]
    assert set(finding) == {"kind", "group_id", "group_ids", "name", "load_balancer_id", "region_id", "owner",
                            "status", "created", "age_seconds", "certainty", "resource", "story", "leftover"}
    assert (finding["kind"], finding["group_ids"], finding["certainty"]) == ("abandoned-create", ["rsp-1"], "exact")
