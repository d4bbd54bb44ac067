"""The audit: `python -m slb_master_slave audit`, a stack's state against the cloud.

It owns reading a stack through the user's own `pulumi` CLI (`stack_reader.py`), the pure
classification of what it finds (`findings.py`), the audit and its clearing steps from
Python (`api.py`: `audit_stack`, `delete_leftovers`, `release`, handed on here, so
`from slb_master_slave.audit import audit_stack` as README shows), their report
(`report.py`) and the command line (`cli.py`). It runs beside a project, never in the
provider process. It may import `ownership`, `client`, `domain` and `errors`.
"""

from __future__ import annotations

from .api import (
    Action,
    AuditReport,
    AuditUnavailable,
    Finding,
    Kind,
    Outcome,
    audit_stack,
    deletable,
    delete_groups,
    delete_leftovers,
    releasable,
    release,
)

__all__ = [
    "Action",
    "AuditReport",
    "AuditUnavailable",
    "Finding",
    "Kind",
    "Outcome",
    "audit_stack",
    "deletable",
    "delete_groups",
    "delete_leftovers",
    "releasable",
    "release",
]
