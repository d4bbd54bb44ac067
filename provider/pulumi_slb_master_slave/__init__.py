"""What Pulumi's Python language host reads about the distribution `pulumi-slb-master-slave`.

The host takes every installed distribution named `pulumi-*` for a provider SDK and looks for
`pulumi-plugin.json` in the import package named after it (`pulumi_slb_master_slave`); without
that file it reports a resource plugin `slb-master-slave`, which `pulumi install` then tries to
download and which does not exist. The file here says `{"resource": false}`: no plugin (the
provider is a dynamic one, run by `pulumi-resource-pulumi-python`). The package to import is
`slb_master_slave`; this one holds nothing else.
"""
