"""An SLB active/standby (master/slave) server group, from pulumi-slb-master-slave's template.

Everything that differs between the local emulator and Alibaba Cloud is the stack's config
(Pulumi.<stack>.yaml): the load balancer, the two servers and their port, and the region,
credentials and endpoint the provider uses (`pulumi config set ...`; the secret with --secret).
"""

import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

config = pulumi.Config()
port = config.get_int("port") or 80

group = MasterSlaveServerGroup(
    "group",
    load_balancer_id=config.require("loadBalancerId"),
    servers=[
        BackendServerArgs(server_id=config.require("masterServerId"), port=port),
        BackendServerArgs(server_id=config.require("slaveServerId"), port=port, server_type="Slave"),
    ],
)

pulumi.export("group_id", group.id)
pulumi.export("group_name", group.name)
pulumi.export("servers", group.servers)
