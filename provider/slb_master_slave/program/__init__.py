"""The program side: what runs in the user's Pulumi program, never in the provider process.

It owns the resource a stack declares (`resource.MasterSlaveServerGroup`, with the args and
output types generated from the field table into `generated_types.py`; `inputs.py` and
`outputs.py` hold what is written by hand around them) and the look-up
(`lookup.get_master_slave_server_groups`, answered under unit-test mocks by
`lookup_mocks.py`). Programs import these names from `slb_master_slave` itself. It may import
`provider` (the resource hands the engine its provider instance), `client` (the look-up's
own calls), `domain` and `errors`; the provider process never imports it.
"""
