"""The look-up's result under the engine, as pulumi-alicloud's: awaiting it gives the plain
result, and `Output.from_input`, `Output.all`, `apply` and `pulumi.export` of the whole result
resolve (tests/test_lookup_result.py does the same under mocks). Before, each of these awaited
the result forever and the program never ended."""

from __future__ import annotations

import json

from .invariants import live_group_ids

PROGRAM = """
import pulumi
from slb_master_slave import (BackendServerArgs, MasterSlaveServerGroup, get_master_slave_server_groups,
                              get_master_slave_server_groups_output)

web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=[
    BackendServerArgs(server_id="i-demo-web-1", port=80),
    BackendServerArgs(server_id="i-demo-web-2", port=80, server_type="Slave")])
before = get_master_slave_server_groups("lb-demo-hangzhou")  # what is there when the program starts
mine = get_master_slave_server_groups_output(load_balancer_id=web.load_balancer_id, ids=web.id.apply(lambda i: [i]))


async def awaited():
    result = await before
    return {"type": type(result).__name__, "ids": result.ids}


pulumi.export("awaited", pulumi.Output.from_input(awaited()))
pulumi.export("from_input", pulumi.Output.from_input(before).apply(lambda r: r.ids))
pulumi.export("all", pulumi.Output.all(before, mine).apply(lambda results: [r.ids for r in results]))
pulumi.export("apply", web.id.apply(lambda _: before).apply(lambda r: r.names))
pulumi.export("whole", before)
pulumi.export("whole_output", mine)
"""


def test_every_way_of_combining_the_result_resolves_under_the_engine(make_stack, emu):
    legacy = emu.call("CreateMasterSlaveServerGroup", LoadBalancerId="lb-demo-hangzhou",
                      MasterSlaveServerGroupName="legacy", MasterSlaveBackendServers=json.dumps([
                          {"ServerId": "i-demo-web-1", "Port": "8080", "Weight": "100", "ServerType": "Master"},
                          {"ServerId": "i-demo-web-3", "Port": "8080", "Weight": "100", "ServerType": "Slave"},
                      ]))["MasterSlaveServerGroupId"]
    stack = make_stack(None)
    stack.write_program(PROGRAM)
    stack.run("preview", timeout=90)  # a result that never resolves keeps the program from ending
    stack.run("up", timeout=90)
    web = stack.resources()["web"]["id"]
    outputs = stack.outputs()
    assert outputs["awaited"] == {"type": "GetMasterSlaveServerGroupsResult", "ids": [legacy]}
    assert outputs["from_input"] == [legacy]
    assert outputs["all"] == [[legacy], [web]]
    assert outputs["apply"] == ["legacy"]
    assert (outputs["whole"]["ids"], outputs["whole"]["names"]) == ([legacy], ["legacy"])
    assert outputs["whole"]["groups"][0]["servers"][1]["server_id"] == "i-demo-web-3"
    assert outputs["whole_output"]["ids"] == [web]
    assert outputs["whole_output"]["groups"][0]["servers"][0] == {
        "server_id": "i-demo-web-1", "port": 80, "weight": 100, "server_type": "Master", "type": "ecs"}
    stack.run("destroy")
    assert live_group_ids(emu) == {legacy}
