"""The fence: may this process take over, or remove, a pending group? Pure (docs/ARCHITECTURE.md, "Ownership").

A pending group is in no stack's state (only a completed group is ever returned to the
engine), so taking it over or removing it can never take a group from a state. What it can
do is take a group from a create still in flight: another deployment of the same names
(two checkouts, CI and a laptop) or another resource's create in this very process. The
fence keeps those apart:

- made by this process: its own create decides while it runs (`MINE`); once that create
  has ended (it failed and could not clean up), `ABANDONED`;
- made by a process known to be gone (this machine: another boot, or no process with the
  maker's pid and start time): `ABANDONED` at once, so recovery after a killed CLI is fast;
- otherwise (another machine, a release whose pending value names no maker, a maker still
  running): `IN_PROGRESS` while younger than `WINDOW_SECONDS`, `ABANDONED` after.

The window is safe because a maker never completes a group it sent more than
`COMPLETION_CUTOFF_SECONDS` earlier (it removes it instead): past the window, nobody will.
Age is the API's CreateTime against this machine's clock; the margin between cutoff and
window absorbs clock skew.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timezone

from .maker import Maker
from .tag import PendingMark

WINDOW_SECONDS = 15 * 60
COMPLETION_CUTOFF_SECONDS = 10 * 60


class Standing(enum.Enum):
    MINE = "made by this process"
    IN_PROGRESS = "a create that may still be in progress"
    ABANDONED = "left by a create that will never complete it"


def created_at(create_time: str | None) -> float | None:
    """The API's CreateTime (ISO 8601, `2026-12-07T06:32:43Z`) as a Unix time, or None."""
    if not create_time:
        return None
    text = create_time.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def standing(mark: PendingMark, value: str, create_time: str | None, *, now: float, me: Maker,
             maker_gone: Callable[[Maker], bool | None], running_here: Callable[[str], bool]) -> Standing:
    """Where a pending group (tag value `value`) stands for this process (see the module's
    docstring); `running_here` says whether a create of this process with that value runs now."""
    maker = Maker.parse(mark.maker)
    if maker is not None and maker == me:
        return Standing.MINE if running_here(value) else Standing.ABANDONED
    if maker is not None and maker_gone(maker):
        return Standing.ABANDONED
    created = created_at(create_time)
    if created is not None and now - created >= WINDOW_SECONDS:
        return Standing.ABANDONED
    return Standing.IN_PROGRESS


def age_text(create_time: str | None, now: float) -> str:
    created = created_at(create_time)
    if created is None:
        return "of unknown age"
    seconds = max(0, int(now - created))
    return f"made {seconds // 60} min {seconds % 60} s ago" if seconds >= 60 else f"made {seconds} s ago"
