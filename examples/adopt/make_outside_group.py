"""Create the 'legacy' group on the emulator the way another tool would, with the SDK.

    python examples/adopt/make_outside_group.py [http://127.0.0.1:8080]
"""

from __future__ import annotations

import json
import sys

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http import protocol_type
from aliyunsdkslb.request.v20140515.CreateMasterSlaveServerGroupRequest import (
    CreateMasterSlaveServerGroupRequest,
)


def make_group(endpoint: str = "http://127.0.0.1:8080") -> str:
    client = AcsClient(ak="emulator-demo-key", secret="emulator-demo-secret", region_id="cn-hangzhou",
                       proxy={"http": None, "https": None})
    request = CreateMasterSlaveServerGroupRequest()
    request.set_endpoint(endpoint.split("://", 1)[-1])
    request.set_protocol_type(protocol_type.HTTP if endpoint.startswith("http://") else protocol_type.HTTPS)
    request.set_LoadBalancerId("lb-demo-hangzhou")
    request.set_MasterSlaveServerGroupName("legacy")
    request.set_MasterSlaveBackendServers(json.dumps([
        {"ServerId": "i-demo-web-1", "Port": 8080, "Weight": 100, "ServerType": "Master", "Type": "ecs"},
        {"ServerId": "i-demo-web-3", "Port": 8080, "Weight": 100, "ServerType": "Slave", "Type": "ecs"},
    ]))
    return json.loads(client.do_action_with_exception(request))["MasterSlaveServerGroupId"]


if __name__ == "__main__":
    group_id = make_group(*sys.argv[1:2])
    print(f"made {group_id}; now: pulumi config set groupId {group_id}")
