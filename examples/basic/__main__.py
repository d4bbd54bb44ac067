"""One active/standby group on the emulator's demo load balancer."""

import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

group = MasterSlaveServerGroup(
    "basic",
    load_balancer_id="lb-demo-hangzhou",
    servers=[
        BackendServerArgs(server_id="i-demo-web-1", port=80),
        BackendServerArgs(server_id="i-demo-web-2", port=80, server_type="Slave", weight=50),
    ],
    tags={"example": "basic"},
)

pulumi.export("group_id", group.id)
pulumi.export("region_id", group.region_id)
