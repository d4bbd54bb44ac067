"""The package's public names load on first use: every one resolves, and the provider
process (which imports `slb_master_slave.provider`) does not pay for the program side. The
import paths of earlier releases still hand out the same names."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import slb_master_slave


def test_every_public_name_resolves_to_its_home_module() -> None:
    assert set(slb_master_slave.__all__) == set(slb_master_slave._HOMES)
    for name in slb_master_slave.__all__:
        home = importlib.import_module(f"slb_master_slave.{slb_master_slave._HOMES[name]}")
        assert getattr(slb_master_slave, name) is getattr(home, name), name
    assert set(slb_master_slave.__all__) <= set(dir(slb_master_slave))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        getattr(slb_master_slave, "NoSuchName")  # noqa: B009  # the point: a name the package lacks


def test_the_provider_module_imports_without_the_program_side() -> None:
    """A cold provider process unpickles `slb_master_slave.provider` only: the resource,
    args and look-up modules must not load with it (bench: cold start)."""
    code = ("import sys, slb_master_slave.provider; "
            "print(sorted(m for m in sys.modules if m.startswith('slb_master_slave.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    for program_side in ("slb_master_slave.resource'", "slb_master_slave.inputs'", "slb_master_slave.lookup'",
                         "slb_master_slave.outputs'", "slb_master_slave.program"):
        assert program_side not in loaded, f"{program_side} loaded with the provider: {loaded}"
    assert "slb_master_slave.provider" in loaded


def test_the_provider_process_never_loads_the_audit() -> None:
    """The audit (`python -m slb_master_slave audit`) runs beside a project: the provider
    process, its operations included, imports none of it."""
    code = ("import sys, slb_master_slave.provider, slb_master_slave.provider.lifecycle; "
            "print(sorted(m for m in sys.modules if m.startswith('slb_master_slave.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    assert "slb_master_slave.provider.lifecycle" in loaded
    for audit_side in ("slb_master_slave.audit", "slb_master_slave.audit.stack_reader", "slb_master_slave.__main__"):
        assert f"'{audit_side}" not in loaded, f"{audit_side} loaded with the provider: {loaded}"


def test_the_runtime_package_never_imports_the_generators() -> None:
    """tools/ (the code and docs generators) is not shipped: importing every module of the
    runtime package loads none of it."""
    code = ("import pkgutil, importlib, sys, slb_master_slave; "
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(slb_master_slave.__path__, 'slb_master_slave.')"
            " if m.name != 'slb_master_slave.__main__']; "
            "print(sorted(m for m in sys.modules if m == 'tools' or m.startswith('tools.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    assert loaded.strip() == "[]", f"the runtime package loaded the generators: {loaded}"


# Where programs written for releases up to 0.4 import from (0.4's package face named these
# modules as the homes of its public names), and the audit's documented path (README).
EARLIER_PATHS = {
    "slb_master_slave.resource": ("MasterSlaveServerGroup", "BackendServerArgs", "BackendServerArgsDict",
                                  "MasterSlaveServerGroupArgs", "MasterSlaveServerGroupArgsDict",
                                  "MasterSlaveServerGroupServer"),
    "slb_master_slave.inputs": ("BackendServerArgs", "BackendServerArgsDict", "MasterSlaveServerGroupArgs",
                                "MasterSlaveServerGroupArgsDict", "MasterSlaveServerGroupServerArgs",
                                "MasterSlaveServerGroupServerArgsDict"),
    "slb_master_slave.outputs": ("MasterSlaveServerGroupServer",),
    "slb_master_slave.lookup": ("LOOKUP_TOKEN", "AwaitableGetMasterSlaveServerGroupsResult",
                                "GetMasterSlaveServerGroupsResult", "LookupFailed", "get_master_slave_server_groups",
                                "get_master_slave_server_groups_output"),
    "slb_master_slave.provider": ("MasterSlaveServerGroupProvider",),
}


@pytest.mark.parametrize("module", sorted(EARLIER_PATHS))
def test_an_earlier_releases_import_path_hands_out_the_same_names(module: str) -> None:
    loaded = importlib.import_module(module)
    for name in EARLIER_PATHS[module]:
        assert getattr(loaded, name) is getattr(slb_master_slave, name), f"{module}.{name}"


def test_the_provider_class_is_defined_where_state_names_it() -> None:
    """State pickles the class by its own `__module__` and `__qualname__` (dill, by reference):
    a class defined elsewhere and handed on from `slb_master_slave.provider` would write its
    own module into new state, which earlier releases cannot read."""
    cls = slb_master_slave.MasterSlaveServerGroupProvider
    assert (cls.__module__, cls.__qualname__) == ("slb_master_slave.provider", "MasterSlaveServerGroupProvider")


def test_the_audit_is_imported_from_python_as_readme_shows() -> None:
    from slb_master_slave.audit import audit_stack, delete_leftovers, release
    from slb_master_slave.audit.api import audit_stack as home_audit_stack

    assert audit_stack is home_audit_stack and callable(delete_leftovers) and callable(release)
