"""The lifecycle against real Alibaba Cloud, when an account is configured.

Runs only with ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY, ALICLOUD_REGION,
SLB_LIVE_LOAD_BALANCER_ID, SLB_LIVE_MASTER_SERVER_ID and SLB_LIVE_SLAVE_SERVER_ID set
(optionally SLB_LIVE_PORT, default 18080). It creates one group (with 19 tags), reads it,
retags it and deletes it, and always cleans up what it made.
"""

from __future__ import annotations

import os

import pytest
from slb_master_slave.provider import MasterSlaveServerGroupProvider

REQUIRED = ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_REGION", "SLB_LIVE_LOAD_BALANCER_ID",
            "SLB_LIVE_MASTER_SERVER_ID", "SLB_LIVE_SLAVE_SERVER_ID")
MISSING = [name for name in REQUIRED if not os.environ.get(name)]
FILLER = {f"filler-{i:02d}": "x" for i in range(18)}

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(bool(MISSING), reason=f"live Alibaba Cloud test: set {', '.join(MISSING)} to run it"),
]


def test_live_lifecycle() -> None:
    provider = MasterSlaveServerGroupProvider()  # credentials and region from the environment
    port = int(os.environ.get("SLB_LIVE_PORT", "18080"))
    checked = provider.check({}, {
        "load_balancer_id": os.environ["SLB_LIVE_LOAD_BALANCER_ID"],
        "name": "pulumi-slb-master-slave-live-test",
        "servers": [
            {"server_id": os.environ["SLB_LIVE_MASTER_SERVER_ID"], "port": port},
            {"server_id": os.environ["SLB_LIVE_SLAVE_SERVER_ID"], "port": port, "server_type": "Slave"},
        ],
        # 19 tags, the most a user may declare: the create's completion then overwrites the
        # ownership tag's value on a group with 20 tags, which the SLB reference does not
        # say TagResources allows (the emulator does); this settles it on a real account
        "tags": {"purpose": "live-test", **FILLER},
        # as the program side passes it: the create looks up, then tags, by this owner
        "owner": "urn:pulumi:live::pulumi-slb-master-slave::pulumi-python:dynamic/slb:MasterSlaveServerGroup::live-test",
    })
    assert checked.failures == []
    created = provider.create(checked.inputs)
    created_outs = created.outs
    assert created_outs is not None
    try:
        read = provider.read(created.id, created_outs)
        assert read.outs is not None
        assert read.id == created.id
        assert sorted(s["server_id"] for s in read.outs["servers"]) == sorted(
            [os.environ["SLB_LIVE_MASTER_SERVER_ID"], os.environ["SLB_LIVE_SLAVE_SERVER_ID"]])
        assert read.outs["owner_tag"] == checked.inputs["owner"] and read.outs["tags"] == {"purpose": "live-test", **FILLER}
        retagged = provider.update(created.id, read.outs, {**checked.inputs, "tags": {"purpose": "live-test-2"}})
        assert retagged.outs is not None and retagged.outs["tags"] == {"purpose": "live-test-2"}
    finally:
        provider.delete(created.id, created_outs)
    assert provider.read(created.id, created_outs).id == ""
