"""When to send a failed SLB call again, and how long to wait first (docs/RELIABILITY.md).

Shaped like botocore's `retries/standard.py`: small checkers, each naming one kind of
failure and the cadence it gets, asked in order; a backoff that turns a decision into a
delay, with its randomness injected so tests can pin it; and a retry quota shared by every
call of the process (`RetryQuota`, botocore's RetryQuotaChecker), so a throttled or failing
API is not hammered by every thread at once. The SDK retries nothing for SLB; the gateway's
one loop asks this module.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .api_error import LISTENER_HOLDS_GROUP, ErrorKind, SlbApiError

# Fast: full-jitter exponential backoff.
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 1.5
# Throttled: the same from a larger base (the account's quota is shared: give it room), with a
# cap of one second, the window API quotas are counted in: a caller asleep for longer while the
# quota has room again only wastes it (measured: cap 3 s, 1.2-1.45x of the quota's floor for
# 60 groups at 20 requests/s; cap 1 s, 1.05-1.2x; bench/README.md).
THROTTLED_BASE_SECONDS = 0.25
THROTTLED_CAP_SECONDS = 1.0
# Permanent-looking failures (refused, DNS, TLS against plain http, not the API): two quick retries.
QUICK_RETRY_DELAYS = (0.5, 1.0)
# A listener holding a group on delete: seconds between tries, a bounded number of tries.
LISTENER_WAIT_BASE_SECONDS = 1.0
LISTENER_WAIT_CAP_SECONDS = 10.0
LISTENER_WAIT_MAX_TRIES = 40


class Retry(enum.Enum):
    NO = "no"
    THROTTLED = "throttled"  # full-jitter exponential backoff from a larger base, until the deadline
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
class Throttled:
    """Any code containing `Throttling` (as Terraform's alicloud provider reads them)."""

    decision = Retry.THROTTLED

    @staticmethod
    def applies(error: SlbApiError, wait_out_listener: bool) -> bool:
        return error.throttled


@dataclass(frozen=True)
class Transient:
    """Busy, 5xx with an API body, timeouts, dropped connections: heal by themselves."""

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


CHECKERS = (ListenerHoldsGroup(), Throttled(), Transient(), PermanentLooking())


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
        if decision is Retry.THROTTLED:
            return self._rng() * min(THROTTLED_CAP_SECONDS, THROTTLED_BASE_SECONDS * 2.0 ** (attempt - 1))
        if decision is Retry.FAST:
            return self._rng() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
        return None


# -- the retry quota: one per process, shared by every call ---------------------------------
QUOTA_CAPACITY = 500  # botocore's INITIAL_RETRY_TOKENS
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10  # a timeout held a connection for long: it costs more, as in botocore
FIRST_TRY_REFUND = 1  # a call answered at its first attempt puts one token back
# Tokens that come back with time alone. botocore fails a retry at once when the quota is
# empty; ours waits for tokens within the operation's deadline instead (throttling must not
# fail an `up`), and with every call waiting nothing else would refill it: 5 retries a second
# for the whole process, beyond those the answers pay for. Measured against a 20 requests/s
# quota with 32 operations at once: about half the throttled requests of retrying freely, for
# 5-10 % more time (10 tokens/s: 1.2-1.45x of the floor; bench/README.md).
QUOTA_REFILL_PER_SECOND = 25.0


def retry_cost(decision: Retry, error: SlbApiError) -> int:
    """What a retry takes from the quota: nothing to wait out a listener (not a failure of the
    API), more after a timeout."""
    if decision in (Retry.NO, Retry.WAIT_OUT):
        return 0
    return TIMEOUT_RETRY_COST if error.kind in (ErrorKind.CONNECT_TIMEOUT, ErrorKind.READ_TIMEOUT) else RETRY_COST


class RetryQuota:
    """A token bucket shared by every call of the process: a retry takes tokens, an answered
    call gives back what its last retry took (or one token when it needed none), and time
    refills the bucket slowly. When a retry finds too few tokens it waits for them (`take`
    says how long, by the refill alone), within its own deadline."""

    def __init__(self, capacity: int = QUOTA_CAPACITY, refill_per_second: float = QUOTA_REFILL_PER_SECOND,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self._refill = refill_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(capacity)
        self._at = clock()

    @property
    def tokens(self) -> float:
        with self._lock:
            self._catch_up()
            return self._tokens

    def take(self, cost: int) -> float:
        """Take `cost` tokens: 0.0 when taken, else the seconds until the refill alone would
        have them (nothing is taken; ask again then, or sooner: an answer may give some back)."""
        with self._lock:
            self._catch_up()
            if self._tokens >= cost:
                self._tokens -= cost
                return 0.0
            return (cost - self._tokens) / self._refill

    def answered(self, last_retry_cost: int) -> None:
        """A call was answered: give back what its last retry took, or one token."""
        with self._lock:
            self._catch_up()
            self._tokens = min(self.capacity, self._tokens + (last_retry_cost or FIRST_TRY_REFUND))

    def _catch_up(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._at) * self._refill)
        self._at = now


# The process's quota: every gateway (one per operation) shares it.
PROCESS_QUOTA = RetryQuota()
