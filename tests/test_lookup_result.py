"""The look-up's result as pulumi-alicloud's: awaiting it gives the plain result, and every
ordinary way of combining it with Outputs resolves, for both forms (here under Pulumi's mocks;
tests/real_engine/test_lookup_result_cli.py does the same under the engine).

Before, awaiting the result gave the awaitable result itself: `Output.from_input` (and so
`Output.all`, and `pulumi.export`, which goes through it) awaited it again, forever, spinning
a core. A result that never resolves fails here by its test's timeout, with its name.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from slb_master_slave import (
    AwaitableGetMasterSlaveServerGroupsResult,
    GetMasterSlaveServerGroupsResult,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)

from harness.program import collect_registrations

from .test_lookup_mocks import WEB, LookupMocks

# Each test resolves in well under a second. One that never resolves is stopped by name; by a
# thread, because the spin swallows the signal method's exception in one of its tasks and spins on.
pytestmark = pytest.mark.timeout(20, method="thread")

FORMS: dict[str, Callable[[], Any]] = {
    "plain": lambda: get_master_slave_server_groups("lb-unit"),
    "output": lambda: get_master_slave_server_groups_output("lb-unit"),
}
COMBINATORS: dict[str, Callable[[Any], pulumi.Output[Any]]] = {
    "from_input": pulumi.Output.from_input,
    "all": lambda result: pulumi.Output.all(result, "other").apply(lambda values: values[0]),
    "all_by_name": lambda result: pulumi.Output.all(found=result).apply(lambda values: values["found"]),
    "apply": lambda result: pulumi.Output.from_input("lb-unit").apply(lambda _: result),
    "apply_from_input": lambda result: pulumi.Output.from_input("lb-unit").apply(
        lambda _: pulumi.Output.from_input(result)),
}


def run(program: Callable[[], Any], outputs: dict[str, Any] | None = None) -> None:
    collect_registrations(program, project="unit", config={"alicloud:region": "cn-hangzhou"}, mocks=LookupMocks(),
                          stack_outputs=outputs)


def assert_the_mocks_answer(result: Any) -> None:
    assert type(result) is GetMasterSlaveServerGroupsResult, f"a plain result, not {type(result).__name__}"
    assert result.ids == ["rsp-mock-web"] and result.names == ["web"]
    assert result.groups[0].servers[0].server_id == "i-web-1" and result.groups[0].servers[0].port == 80


def test_awaiting_the_result_gives_the_plain_result() -> None:
    seen: list[Any] = []

    async def program() -> None:
        result = get_master_slave_server_groups("lb-unit")
        seen.extend([result, await result])

    run(program)
    result, awaited = seen
    assert isinstance(result, AwaitableGetMasterSlaveServerGroupsResult)
    assert_the_mocks_answer(awaited)
    assert not inspect.isawaitable(awaited)
    assert dataclasses.asdict(awaited) == dataclasses.asdict(result)


@pytest.mark.parametrize("combine", sorted(COMBINATORS))
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_combinator_resolves_to_the_plain_result(form: str, combine: str) -> None:
    seen: list[Any] = []
    run(lambda: COMBINATORS[combine](FORMS[form]()).apply(seen.append))
    [value] = seen
    assert_the_mocks_answer(value)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_exporting_the_whole_result_stores_its_fields(form: str) -> None:
    outputs: dict[str, Any] = {}
    run(lambda: pulumi.export("found", FORMS[form]()), outputs)
    found = outputs["found"]
    assert (found["load_balancer_id"], found["region_id"], found["ids"], found["names"]) == \
        ("lb-unit", "cn-hangzhou", ["rsp-mock-web"], ["web"])
    [group] = found["groups"]
    assert (group["id"], group["name"], group["tags"]) == (WEB["id"], WEB["name"], WEB["tags"])
    assert group["servers"][0] == {"server_id": "i-web-1", "port": 80, "weight": 60, "server_type": "Master",
                                   "type": "ecs", "description": "primary"}
