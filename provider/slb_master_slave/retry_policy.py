"""When to send a failed SLB call again, and how long to wait first (docs/RELIABILITY.md).

Shaped like botocore's `retries/standard.py`: small checkers, each naming one kind of
failure and the cadence it gets, asked in order; and a backoff that turns a decision into
a delay, with its randomness injected so tests can pin it. The SDK retries nothing for
SLB; the gateway's one loop asks this module.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from .api_errors import LISTENER_HOLDS_GROUP, ErrorKind, SlbApiError

# Fast: full-jitter exponential backoff.
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 1.5
# Permanent-looking failures (refused, DNS, TLS against plain http, not the API): two quick retries.
QUICK_RETRY_DELAYS = (0.5, 1.0)
# A listener holding a group on delete: seconds between tries, a bounded number of tries.
LISTENER_WAIT_BASE_SECONDS = 1.0
LISTENER_WAIT_CAP_SECONDS = 10.0
LISTENER_WAIT_MAX_TRIES = 40


class Retry(enum.Enum):
    NO = "no"
    FAST = "fast"  # full-jitter exponential backoff until the deadline
    QUICK = "quick"  # at most len(QUICK_RETRY_DELAYS) retries
    WAIT_OUT = "wait-out"  # a listener holds the group: slow cadence, bounded tries


@dataclass(frozen=True)
class ListenerHoldsGroup:
    """Delete only: a listener still uses the group; it goes when the listener does."""

    decision = Retry.WAIT_OUT

    @staticmethod
    def applies(error: SlbApiError, wait_out_listener: bool) -> bool:
        return wait_out_listener and error.kind is ErrorKind.API and error.code == LISTENER_HOLDS_GROUP


@dataclass(frozen=True)
class Transient:
    """Throttling, busy, 5xx with an API body, timeouts, dropped connections: heal by themselves."""

    decision = Retry.FAST

    @staticmethod
    def applies(error: SlbApiError, wait_out_listener: bool) -> bool:
        return error.retryable


@dataclass(frozen=True)
class PermanentLooking:
    """Refused, DNS, TLS, not the API, invalid answers: heal only if someone fixes them meanwhile."""

    decision = Retry.QUICK

    @staticmethod
    def applies(error: SlbApiError, wait_out_listener: bool) -> bool:
        return error.permanent_looking


CHECKERS = (ListenerHoldsGroup(), Transient(), PermanentLooking())


def retry_decision(error: SlbApiError, *, wait_out_listener: bool = False) -> Retry:
    """The first checker that applies decides; none: no retry."""
    return next((c.decision for c in CHECKERS if c.applies(error, wait_out_listener)), Retry.NO)


class Backoff:
    """The delays of one call's retries; None once a decision's tries are used up."""

    def __init__(self, rng: Callable[[], float]) -> None:
        self._rng = rng
        self._quick = 0
        self._waited = 0

    def delay(self, decision: Retry, attempt: int) -> float | None:
        if decision is Retry.QUICK:
            if self._quick >= len(QUICK_RETRY_DELAYS):
                return None
            self._quick += 1
            return QUICK_RETRY_DELAYS[self._quick - 1]
        if decision is Retry.WAIT_OUT:
            self._waited += 1
            if self._waited >= LISTENER_WAIT_MAX_TRIES:
                return None
            ceiling = min(LISTENER_WAIT_CAP_SECONDS, LISTENER_WAIT_BASE_SECONDS * 1.5 ** (self._waited - 1))
            return ceiling * (0.75 + 0.25 * self._rng())
        if decision is Retry.FAST:
            return self._rng() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
        return None
