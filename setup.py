"""Which packages the root distribution carries (see build_backend/workspace_backend.py).

`slb_master_slave` is the provider. `pulumi_slb_master_slave` holds `pulumi-plugin.json`, which
tells Pulumi's language host that this `pulumi-*` distribution has no plugin; an editable build
gets it as real files from the backend instead (the host reads it from site-packages, where an
editable install's import mapping puts nothing). An editable install of this checkout also maps
the emulator.
"""

import os

from setuptools import find_packages, setup

package_dir = {"slb_master_slave": "provider/slb_master_slave"}
if os.environ.get("SLB_WORKSPACE_EDITABLE"):
    package_dir["slb_emulator"] = "emulator/slb_emulator"
else:
    package_dir["pulumi_slb_master_slave"] = "provider/pulumi_slb_master_slave"
# The provider's rooms (program/, provider/, ownership/, audit/, client/, domain/) are its subpackages.
packages = [*package_dir, *find_packages("provider", include=["slb_master_slave.*"])]
setup(packages=packages, package_dir=package_dir)
