"""A group and the TCP listener that forwards to it, declared with pulumi-alicloud.

Changing the group's servers or port replaces it. Replacement is create-before-delete:
Pulumi creates the new group, updates the listener's master_slave_server_group_id to the
new id (an in-place update), and only then deletes the old group, which no listener
holds any more. With delete-before-replace the delete would fail with RspoolVipExist.
"""

import pulumi
import pulumi_alicloud as alicloud
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

config = pulumi.Config()
backend_port = config.get_int("backendPort") or 80

group = MasterSlaveServerGroup(
    "web",
    load_balancer_id="lb-demo-hangzhou",
    servers=[
        BackendServerArgs(server_id="i-demo-web-1", port=backend_port),
        BackendServerArgs(server_id="i-demo-web-2", port=backend_port, server_type="Slave"),
    ],
)

listener = alicloud.slb.Listener(
    "tcp-80",
    load_balancer_id=group.load_balancer_id,
    frontend_port=80,
    protocol="tcp",
    bandwidth=-1,
    master_slave_server_group_id=group.id,
)

pulumi.export("group_id", group.id)
pulumi.export("listener_id", listener.id)
