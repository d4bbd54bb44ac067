"""A crash inside the provider is a bug in the provider, never a verdict on the user's inputs.

Preview must never show a traceback, so check() turns an exception it did not expect into
a CheckFailure. That failure carries a code of its own, `ProviderInternalError`: neither one
of the API's codes nor `InvalidParameter` (which says "your inputs could not be read"), so
nobody reads a crash as "your input is invalid", and the tests can tell the two apart.

The message names the exception's type and the provider line it came from, and where to
report it. It never repeats the exception's text or any input value: either may hold a secret.
"""

from __future__ import annotations

import traceback
from pathlib import Path

INTERNAL_ERROR_CODE = "ProviderInternalError"
DISTRIBUTION = "pulumi-slb-master-slave"
REPORT_TO = f"the issues of the {DISTRIBUTION} repository"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # slb_master_slave/, every room of it


def internal_error_reason(error: BaseException, *, operation: str) -> str:
    """The CheckFailure reason for an exception `operation` raised: the code, that it is a
    bug, the exception's type and the provider line it came from, and where to report it."""
    return (
        f"{INTERNAL_ERROR_CODE}: {operation}() hit a bug in the {DISTRIBUTION} provider ({_version()}), "
        f"not a problem with your inputs: {_type_name(error)} at {_where(error)}. "
        f"Please report it in {REPORT_TO} with this message (and no secrets or input values)."
    )


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _where(error: BaseException) -> str:
    """The innermost frame inside this package, as `slb_master_slave/domain/normalize.py:88 in coerce_int`."""
    ours = [frame for frame in traceback.extract_tb(error.__traceback__)
            if Path(frame.filename).resolve().is_relative_to(_PACKAGE_DIR)]
    if not ours:
        return "an unknown place"
    frame = ours[-1]
    relative = Path(frame.filename).resolve().relative_to(_PACKAGE_DIR.parent)
    return f"{relative.as_posix()}:{frame.lineno} in {frame.name}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"version {version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return "version unknown"
