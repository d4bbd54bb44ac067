"""Quickstart stack: two active/standby groups on the emulator's demo load balancer.

scripts/quickstart.sh starts the emulator and points the stack at it; the same program
runs against Alibaba Cloud once the ids below are real ones and credentials are set.
"""

import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

web = MasterSlaveServerGroup(
    "web",
    load_balancer_id="lb-demo-hangzhou",
    servers=[
        BackendServerArgs(server_id="i-demo-web-1", port=80),
        BackendServerArgs(server_id="i-demo-web-2", port=80, server_type="Slave"),
    ],
    tags={"app": "quickstart", "tier": "web"},
)

api = MasterSlaveServerGroup(
    "api",
    load_balancer_id="lb-demo-hangzhou",
    servers=[
        {"server_id": "eni-demo-1", "port": "8080", "type": "eni", "server_ip": "192.168.0.21"},
        {"server_id": "eci-demo-1", "port": "8080", "type": "eci", "server_ip": "192.168.0.31", "server_type": "Slave"},
    ],
)

pulumi.export("web_group_id", web.id)
pulumi.export("api_group_id", api.id)
pulumi.export("web_servers", web.servers)
