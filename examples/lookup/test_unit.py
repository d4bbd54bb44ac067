"""A unit test of this program: Pulumi's mocks answer the look-up, nothing is sent to SLB.

    python -m pytest examples/lookup/test_unit.py     # no emulator, no credentials needed

Under `pulumi.runtime.set_mocks`, `get_master_slave_server_groups` (and its `_output` form)
is an invoke of `slb_master_slave.LOOKUP_TOKEN` that `Mocks.call` answers, with the look-up's
own argument names; the answer is a dict shaped like its result.
"""

import runpy
from pathlib import Path

import pulumi
from slb_master_slave import LOOKUP_TOKEN


class Mocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.lookups = []

    def new_resource(self, args):
        # A group's name defaults to its resource name, as the provider chooses it.
        return f"rsp-{args.name}", {**args.inputs, "name": args.inputs.get("name") or args.name}

    def call(self, args):
        if args.token == LOOKUP_TOKEN:
            self.lookups.append(args.args)
            return {"groups": [{"id": "rsp-legacy", "name": "legacy",
                                "servers": [{"server_id": "i-old-1", "port": 80},
                                            {"server_id": "i-old-2", "port": 80, "server_type": "Slave"}]}]}
        return {}


mocks = Mocks()
pulumi.runtime.set_mocks(mocks, project="slb-master-slave-lookup", stack="dev", preview=False)
program = runpy.run_path(str(Path(__file__).with_name("__main__.py")))


@pulumi.runtime.test
def test_the_program_sees_the_groups_the_mock_answers():
    assert program["existing"].names == ["legacy"]
    assert program["existing"].groups[0].servers[0].port == 80
    assert mocks.lookups[0] == {"load_balancer_id": "lb-demo-hangzhou"}

    def check(result):
        assert mocks.lookups[1] == {"load_balancer_id": "lb-demo-hangzhou", "name_regex": "^protected$"}
        assert result.ids == ["rsp-legacy"]  # the mock answers every call alike

    return program["mine"].apply(check)
