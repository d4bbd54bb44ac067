"""Look-ups, get and delete protection: what pulumi-alicloud users had, on the emulator.

- `get_master_slave_server_groups` lists the groups already on the load balancer (read-only,
  so it runs at preview too) and `get_master_slave_server_groups_output` does the same
  from Inputs;
- `MasterSlaveServerGroup.get` reads one existing group into the program without managing it
  (set `existingGroupId` to try it: `python examples/adopt/make_outside_group.py` makes one);
- `delete_protection_validation=True` keeps destroy from deleting the managed group while
  the load balancer has DeleteProtection on.

`test_unit.py` beside it is a unit test of this program: under Pulumi's mocks the look-ups
are answered by `Mocks.call`, and nothing is sent to SLB.
"""

import pulumi
from slb_master_slave import (
    BackendServerArgs,
    MasterSlaveServerGroup,
    get_master_slave_server_groups,
    get_master_slave_server_groups_output,
)

config = pulumi.Config()
load_balancer_id = config.get("loadBalancerId") or "lb-demo-hangzhou"

existing = get_master_slave_server_groups(load_balancer_id=load_balancer_id)  # pulumi-alicloud's keywords
pulumi.export("existing_group_names", existing.names)
pulumi.export("existing_masters", [g.servers[0].server_id for g in existing.groups if g.servers])

group = MasterSlaveServerGroup(
    "protected",
    load_balancer_id=load_balancer_id,
    servers=[
        BackendServerArgs(server_id="i-demo-web-1", port=8443),
        BackendServerArgs(server_id="i-demo-web-2", port=8443, server_type="Slave"),
    ],
    delete_protection_validation=True,
)

# The Output form takes Inputs: here, the group's own name once it is known.
mine = get_master_slave_server_groups_output(load_balancer_id=group.load_balancer_id,
                                            name_regex=group.name.apply(lambda n: f"^{n}$"))
pulumi.export("protected_group_ids", mine.apply(lambda r: r.ids))

existing_id = config.get("existingGroupId")
if existing_id:
    outside = MasterSlaveServerGroup.get("outside", existing_id)
    pulumi.export("outside_servers", outside.servers)
