"""Take over a group made outside Pulumi (console, CLI, another tool).

`pulumi import` cannot work for Python dynamic resources, so adoption is an input:
declare the group as it is and give its id as adopt_id. The provider checks that the
live group matches the declaration (reporting every difference and changing nothing
when it does not), then manages it as if it had created it. make_outside_group.py
makes such a group on the emulator and prints the config command to run.
"""

import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

config = pulumi.Config()

adopted = MasterSlaveServerGroup(
    "legacy",
    name="legacy",
    load_balancer_id="lb-demo-hangzhou",
    servers=[
        BackendServerArgs(server_id="i-demo-web-1", port=8080),
        BackendServerArgs(server_id="i-demo-web-3", port=8080, server_type="Slave"),
    ],
    adopt_id=config.require("groupId"),
    tags={"managed-by": "pulumi"},
)

pulumi.export("group_id", adopted.id)
