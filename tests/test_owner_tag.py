"""The ownership tag's values (pure): valid for any Pulumi name, distinct per owner, and a
pending value never mistaken for a completed one."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st
from slb_master_slave.owner_tag import (
    MAX_TAG_VALUE,
    PENDING_PREFIX,
    is_pending,
    is_valid_tag_value,
    legacy_values,
    names_owner,
    owner_value,
    pending_value,
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


def assert_api_accepts(value: str) -> None:
    lowered = value.lower()
    assert len(value) <= MAX_TAG_VALUE
    assert "http://" not in lowered and "https://" not in lowered
    assert not lowered.startswith(("aliyun", "acs:"))


@settings(max_examples=400)
@given(OWNERS)
def test_every_owner_value_and_its_pending_form_are_valid_tag_values(owner: str) -> None:
    value = owner_value(owner)
    assert_api_accepts(value)
    assert_api_accepts(pending_value(value))
    assert owner_value(owner) == value, "deterministic"
    assert not is_pending(value) and is_pending(pending_value(value))
    assert names_owner(value, owner)


@given(OWNERS, OWNERS)
def test_two_owners_never_share_a_value(first: str, second: str) -> None:
    if first != second:
        assert owner_value(first) != owner_value(second)
        assert pending_value(owner_value(first)) != pending_value(owner_value(second))


def test_a_valid_urn_is_kept_as_release_0_2_wrote_it() -> None:
    urn = f"urn:pulumi:dev::project::{TYPE}::web"
    assert owner_value(urn) == urn and pending_value(urn) == PENDING_PREFIX + urn
    assert legacy_values(urn) == {urn}


def test_a_long_or_invalid_urn_keeps_a_readable_head_and_the_resource_name() -> None:
    long_urn = "urn:pulumi:production::payments::acme:Network$acme:Edge$" + TYPE + "::frontend-" + "x" * 40
    assert len(long_urn) > MAX_TAG_VALUE
    value = owner_value(long_urn)
    assert len(value) == MAX_TAG_VALUE and value.startswith("urn:pulumi:production::payments::")
    assert "::frontend-" + "x" * 40 + "~" in value, value
    https = owner_value(f"urn:pulumi:dev::project::{TYPE}::https://example.com/web")
    assert "example.com/web" in https and "://" not in https


def test_release_0_2_long_values_still_name_their_owner() -> None:
    long_urn = f"urn:pulumi:dev::project::{TYPE}::" + "w" * 130
    legacy = long_urn[:63] + "~" + hashlib.sha256(long_urn.encode()).hexdigest()
    assert legacy_values(long_urn) == {legacy} and names_owner(legacy, long_urn)
    assert owner_value(long_urn) != legacy and is_valid_tag_value(legacy)
