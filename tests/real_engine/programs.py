"""Programs the sequence tests write into their project copy (the engine runs them as is)."""

from __future__ import annotations

HEADER = """import pulumi
from slb_master_slave import BackendServerArgs, MasterSlaveServerGroup

def servers(port, slave="i-demo-web-2"):
    return [BackendServerArgs(server_id="i-demo-web-1", port=port),
            BackendServerArgs(server_id=slave, port=port, server_type="Slave")]
"""

TWO_GROUPS = HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80), tags={"tier": "web"})
api = MasterSlaveServerGroup("api", load_balancer_id="lb-demo-hangzhou", servers=servers(8080))
pulumi.export("web_group_id", web.id)
pulumi.export("api_group_id", api.id)
"""

WEB_SERVERS_CHANGED = TWO_GROUPS.replace('servers=servers(80)', 'servers=servers(80, slave="i-demo-web-3")')

ONE_GROUP = HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80), tags={"tier": "web"})
pulumi.export("web_group_id", web.id)
"""

# "web" renamed "web2" with an alias (the checkpoint moves, the group and its ownership
# tag stay as they were)...
RENAMED = HEADER + """
web2 = MasterSlaveServerGroup("web2", load_balancer_id="lb-demo-hangzhou", servers=servers(80), tags={"tier": "web"},
                              opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="web")]))
pulumi.export("web2_group_id", web2.id)
"""

# ...then a NEW resource named "web" with the same declaration, which the renamed one
# depends on: the engine creates the new one before it even reaches the renamed one, so
# nothing the provider saw earlier in this run protects the old group; only the cloud can.
RENAMED_AND_NEW_OF_OLD_NAME = HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80), tags={"tier": "web"})
web2 = MasterSlaveServerGroup("web2", load_balancer_id="lb-demo-hangzhou", servers=servers(80),
                              tags={"tier": "web", "peer": web.id})
pulumi.export("web_group_id", web.id)
pulumi.export("web2_group_id", web2.id)
"""

# Two rules broken in one declaration: a port out of range and a third server.
INVALID = HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou",
                             servers=[*servers(70000), BackendServerArgs(server_id="i-demo-web-3", port=80)])
"""

PROTECTED = HEADER + """
web = MasterSlaveServerGroup("web", load_balancer_id="lb-demo-hangzhou", servers=servers(80),
                             delete_protection_validation=True)
pulumi.export("web_group_id", web.id)
"""

# Eight groups, each on its own port: more than the dynamic provider host's 4 workers.
EIGHT_GROUPS = HEADER + """
for i in range(8):
    MasterSlaveServerGroup(f"group-{i}", load_balancer_id="lb-demo-hangzhou", servers=servers(1000 + i))
"""
