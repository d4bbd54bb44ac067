"""Which packages the root distribution carries (see build_backend/workspace_backend.py)."""

import os

from setuptools import setup

packages = {"slb_master_slave": "provider/slb_master_slave"}
if os.environ.get("SLB_WORKSPACE_EDITABLE"):
    packages["slb_emulator"] = "emulator/slb_emulator"
setup(packages=list(packages), package_dir=packages)
