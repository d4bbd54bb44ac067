"""The ownership tag's values (pure): valid for any Pulumi name, distinct per owner, a pending
value never mistaken for a completed one, and every value telling its stack (for the audit)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st
from slb_master_slave.domain.fields import MAX_TAG_VALUE
from slb_master_slave.ownership.tag import (
    PENDING_PREFIX,
    completed_stack_key,
    is_pending,
    is_valid_tag_value,
    legacy_values,
    names_owner,
    owner_value,
    parse_pending,
    pending_value,
    resource_key,
    stack_key,
)

TYPE = "pulumi-python:dynamic/slb:MasterSlaveServerGroup"
NAMES = st.text(min_size=1, max_size=300) | st.sampled_from(
    ["web", "https://example.com/web", "HTTP://x", "aliyun", "acs:x", "pending:x", "a:///b", "ü" * 200])


@st.composite
def urns(draw) -> str:
    """URNs as the engine spells them, with any stack, project, parent types and name."""
    stack, project = draw(NAMES), draw(NAMES)
    parents = draw(st.lists(NAMES, max_size=3))
    return f"urn:pulumi:{stack}::{project}::" + "".join(p + "$" for p in parents) + TYPE + "::" + str(draw(NAMES))


OWNERS = urns() | NAMES
# A maker token as maker.py writes it: machine and boot digits, pid, start ticks.
MAKER = "0a1b2c3d4e.4242.987654321"
MAKERS = st.builds(lambda m, p, t: f"{m}.{p}.{t}", st.text("0123456789abcdef", min_size=10, max_size=10),
                   st.integers(1, 2**22), st.integers(0, 10**13))


def assert_api_accepts(value: str) -> None:
    lowered = value.lower()
    assert len(value) <= MAX_TAG_VALUE
    assert "http://" not in lowered and "https://" not in lowered
    assert not lowered.startswith(("aliyun", "acs:"))


@settings(max_examples=400)
@given(OWNERS, MAKERS)
def test_every_owner_value_and_its_pending_form_are_valid_tag_values(owner: str, maker: str) -> None:
    value = owner_value(owner)
    pending = pending_value(owner, maker)
    assert_api_accepts(value)
    assert_api_accepts(pending)
    assert owner_value(owner) == value, "deterministic"
    assert not is_pending(value) and is_pending(pending)
    assert names_owner(value, owner) and not names_owner(pending, owner)
    mark = parse_pending(pending)
    assert mark is not None and mark.maker == maker and mark.is_for(owner)
    assert parse_pending(value) is None


@given(OWNERS, OWNERS)
def test_two_owners_never_share_a_value(first: str, second: str) -> None:
    if first != second:
        assert owner_value(first) != owner_value(second)
        assert pending_value(first, MAKER) != pending_value(second, MAKER)
        mark = parse_pending(pending_value(first, MAKER))
        assert mark is not None and not mark.is_for(second)


@given(OWNERS, MAKERS, MAKERS)
def test_two_makers_of_one_resource_never_share_a_pending_value(owner: str, one: str, other: str) -> None:
    if one != other:
        assert pending_value(owner, one) != pending_value(owner, other)


def test_a_valid_urn_is_kept_as_release_0_2_wrote_it() -> None:
    urn = f"urn:pulumi:dev::project::{TYPE}::web"
    assert owner_value(urn) == urn and legacy_values(urn) == {urn}
    assert pending_value(urn, MAKER) == f"{PENDING_PREFIX}2.{stack_key('project', 'dev')}.{resource_key(urn)}.{MAKER}"


def test_every_value_names_its_stack_exactly() -> None:
    """What the audit recognises: a URN value, a long value, a pending value, all keyed by project and stack."""
    key = stack_key("payments", "production")
    short = f"urn:pulumi:production::payments::{TYPE}::web"
    long_urn = "urn:pulumi:production::payments::acme:Network$acme:Edge$" + TYPE + "::frontend-" + "x" * 40
    assert completed_stack_key(short) == key and completed_stack_key(owner_value(long_urn)) == key
    for owner in (short, long_urn):
        mark = parse_pending(pending_value(owner, MAKER))
        assert mark is not None and mark.stack == key
    assert completed_stack_key(f"urn:pulumi:dev::payments::{TYPE}::web") != key
    assert completed_stack_key("team-a") is None and completed_stack_key(pending_value(short, MAKER)) is None


def test_release_0_4_pending_values_parse_as_legacy_with_no_maker() -> None:
    urn = f"urn:pulumi:dev::project::{TYPE}::web"
    mark = parse_pending(PENDING_PREFIX + urn)
    assert mark is not None and mark.maker is None and mark.stack == stack_key("project", "dev")
    assert mark.is_for(urn) and not mark.is_for(urn + "2")


def test_a_long_or_invalid_urn_keeps_a_readable_head_and_the_resource_name() -> None:
    long_urn = "urn:pulumi:production::payments::acme:Network$acme:Edge$" + TYPE + "::frontend-" + "x" * 40
    assert len(long_urn) > MAX_TAG_VALUE
    value = owner_value(long_urn)
    assert len(value) == MAX_TAG_VALUE and value.startswith("urn:pulumi:production::payments::")
    assert "::frontend-" + "x" * 40 + "~" + stack_key("payments", "production") + "." in value, value
    https = owner_value(f"urn:pulumi:dev::project::{TYPE}::https://example.com/web")
    assert "example.com/web" in https and "://" not in https


def test_release_0_2_long_values_still_name_their_owner() -> None:
    long_urn = f"urn:pulumi:dev::project::{TYPE}::" + "w" * 130
    legacy = long_urn[:63] + "~" + hashlib.sha256(long_urn.encode()).hexdigest()
    assert legacy in legacy_values(long_urn) and names_owner(legacy, long_urn)
    assert owner_value(long_urn) != legacy and is_valid_tag_value(legacy)


def test_release_0_4_long_values_still_name_their_owner() -> None:
    """0.3 and 0.4 cut a long URN to a head, a tail and a digest, without the stack key this
    release adds: such a group is recognised (and retagged in place by the next `up`)."""
    long_urn = f"urn:pulumi:dev::project::{TYPE}::" + "w" * 130
    head = long_urn[:40] + ".." + long_urn[-(128 - 1 - 20 - 40 - 2):]
    release_0_4 = head + "~" + hashlib.sha256(long_urn.encode()).hexdigest()[:20]
    assert len(release_0_4) == MAX_TAG_VALUE and names_owner(release_0_4, long_urn)
    assert owner_value(long_urn) != release_0_4
