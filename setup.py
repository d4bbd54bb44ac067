"""Which packages the root distribution carries (see build_backend/workspace_backend.py).

`slb_master_slave` is the provider. `pulumi_slb_master_slave` holds `pulumi-plugin.json`, which
tells Pulumi's language host that this `pulumi-*` distribution has no plugin; an editable build
gets it as real files from the backend instead (the host reads it from site-packages, where an
editable install's import mapping puts nothing). An editable install of this checkout also maps
the emulator.
"""

import os

from setuptools import setup

packages = {"slb_master_slave": "provider/slb_master_slave"}
if os.environ.get("SLB_WORKSPACE_EDITABLE"):
    packages["slb_emulator"] = "emulator/slb_emulator"
else:
    packages["pulumi_slb_master_slave"] = "provider/pulumi_slb_master_slave"
setup(packages=list(packages), package_dir=packages)
