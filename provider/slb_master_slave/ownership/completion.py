"""Completing a group: the owner value written over the pending one, as the last call before a
create (or an adoption, or a take-over) returns the group to the engine (docs/ARCHITECTURE.md,
"Ownership"). Only a completed group is ever returned, and never one the engine would not record.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from ..client.api_error import SlbApiError
from ..client.gateway import SlbGateway
from ..domain.model import GroupSpec
from ..errors import ProviderError
from . import tagging
from .engine_presence import engine_gone
from .fence import COMPLETION_CUTOFF_SECONDS, WINDOW_SECONDS
from .tag import OWNER_TAG_KEY, owner_value

AUDIT_COMMAND = "python -m slb_master_slave audit"


class NotCompleted(Exception):
    """A group that was made (or taken over, or adopted) and not marked complete; `keep_pending`:
    leave it as it is (the engine is gone) rather than clean it up."""

    def __init__(self, reason: str, *, keep_pending: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.keep_pending = keep_pending


def complete(gateway: SlbGateway, group_id: str, old_tags: Mapping[str, str], spec: GroupSpec, owner: str,
             pending: str, *, started: float, made: str, keep_for_follow_up: bool) -> None:
    """Bring the group's user tags to the declared ones and write the owner value over the
    pending one, in one TagResources: only a completed group is ever returned to the engine.

    Raises NotCompleted when the engine that asked is gone (no state would record the group:
    it stays pending), past the fence's cutoff, or when the call fails. After the call the
    engine is asked again: gone meanwhile, the group goes back to pending. `keep_for_follow_up`
    keeps time back for the caller's clean-up.
    """
    if engine_gone():
        raise NotCompleted(_engine_gone_message(group_id, made, pending), keep_pending=True)
    if time.time() - started > COMPLETION_CUTOFF_SECONDS:
        raise NotCompleted(
            f"Group {group_id} was {made} more than {COMPLETION_CUTOFF_SECONDS // 60} minutes ago, past the point after "
            "which another deployment may take a pending group for abandoned, so it is not completed.")
    try:
        tagging.reconcile(gateway, group_id, old_tags, spec.tag_dict, extra={OWNER_TAG_KEY: owner_value(owner)},
                          keep_for_follow_up=keep_for_follow_up)
    except SlbApiError as error:
        raise NotCompleted(f"{error}\nGroup {group_id} was {made} but could not be marked complete (above).") from None
    if not engine_gone():
        return
    try:
        gateway.tag_group(group_id, {OWNER_TAG_KEY: pending})
    except SlbApiError:
        raise ProviderError(
            f"Group {group_id} was {made} and completed, but the Pulumi engine that asked for it was gone by then "
            f"(the CLI was killed), and marking it pending again failed: it carries {OWNER_TAG_KEY}="
            f"{owner_value(owner)} and no state holds it. `{AUDIT_COMMAND}` lists it; `{AUDIT_COMMAND} --delete "
            f"{group_id}` removes it, or adopt it with adopt_id after `{AUDIT_COMMAND} --release {group_id}`.") from None
    raise NotCompleted(_engine_gone_message(group_id, made, pending), keep_pending=True)


def _engine_gone_message(group_id: str, made: str, pending: str) -> str:
    return (
        f"Group {group_id} was {made}, but the Pulumi engine that asked for it is gone (the CLI was killed or "
        f"lost), so it is left pending ({OWNER_TAG_KEY}={pending}) rather than completed where no state records "
        "it. The next `pulumi up` of this resource on this machine takes it over (or removes it if the declaration "
        f"changed); from anywhere, `{AUDIT_COMMAND} --delete-leftovers` removes it after {WINDOW_SECONDS // 60} "
        "minutes.")
