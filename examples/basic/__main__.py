"""One active/standby group on the emulator's demo load balancer, in pulumi-alicloud's form:
`MasterSlaveServerGroup(name, args, opts)`, and typed outputs (`s.server_id`)."""

import pulumi
from slb_master_slave import (
    BackendServerArgs,
    MasterSlaveServerGroup,
    MasterSlaveServerGroupArgs,
)

group = MasterSlaveServerGroup(
    "basic",
    MasterSlaveServerGroupArgs(
        load_balancer_id="lb-demo-hangzhou",
        servers=[
            BackendServerArgs(server_id="i-demo-web-1", port=80),
            BackendServerArgs(server_id="i-demo-web-2", port=80, server_type="Slave", weight=50),
        ],
        tags={"example": "basic"},
    ),
)

pulumi.export("group_id", group.id)
pulumi.export("region_id", group.region_id)
pulumi.export("master_server_id", group.servers.apply(lambda servers: servers[0].server_id))
pulumi.export("slave_weight", group.servers.apply(lambda servers: servers[1].weight))
