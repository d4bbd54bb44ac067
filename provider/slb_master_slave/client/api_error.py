"""The error model: every failed SLB call leaves as one `SlbApiError`.

Its text names the operation, the group or load balancer, the region, the API's code,
message and RequestId, and (second line) the fix; the gateway scrubs what came from
outside before it gets here. `kind` says where the failure came from (the API's own error
body, or the way to it), so retrying and "may the request have been applied?" are decided
from fields, never from message text.
"""

from __future__ import annotations

import enum
from typing import Any

from .transport import Failure

INVALID_RESPONSE = "SDK.InvalidResponse"
NOT_FOUND_MESSAGE = "The specified MasterSlaveGroupId does not exist"
NOT_FOUND_CODES = ("InvalidLoadBalancerId.NotFound",)
LOAD_BALANCER_MISSING = ("InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist")
RESOURCE_GONE_ON_TAGGING = "InvalidResourceId.NotFound"
LISTENER_HOLDS_GROUP = "RspoolVipExist"
RETRYABLE_CODES = frozenset(
    {
        "ServiceIsConfiguring",
        "OperationBusy",
        "BackendServer.configuring",
        "ServiceIsStopping",
        "SystemBusy",
        "ProcessingSameRequest",
        "ServiceUnavailable",
        "InternalError",
    }
)
# Statuses a gateway in front of the API answers with when the request may have gone through.
GATEWAY_STATUSES = (502, 503, 504)


class ErrorKind(enum.Enum):
    """Where a failure came from: the API's own error body, or the way to it."""

    API = "api"
    REFUSED = "refused"  # connection refused, network unreachable
    DNS = "dns"
    TLS = "tls"  # e.g. https against a plain-http port
    CONNECT_TIMEOUT = "connect-timeout"  # no connection or TLS handshake in time: nothing was sent
    READ_TIMEOUT = "read-timeout"  # sent, no complete answer in time
    DROPPED = "dropped"  # reset or closed before a complete answer
    NOT_API = "not-api"  # an answer without an API error body (HTML, 404, 501, ...)
    TOO_LARGE = "too-large"
    INVALID = "invalid-answer"  # a 2xx that does not say what it must (mangled, fieldless, cut short)
    SETTING = "setting"  # a setting this provider cannot use (a SOCKS proxy, a region without an endpoint)


FAILURE_KINDS = {
    Failure.DNS: ErrorKind.DNS,
    Failure.REFUSED: ErrorKind.REFUSED,
    Failure.UNREACHABLE: ErrorKind.REFUSED,
    Failure.PROXY: ErrorKind.REFUSED,
    Failure.CONNECT_TIMEOUT: ErrorKind.CONNECT_TIMEOUT,
    Failure.TLS: ErrorKind.TLS,
    Failure.SEND_FAILED: ErrorKind.DROPPED,
    Failure.READ_TIMEOUT: ErrorKind.READ_TIMEOUT,
    Failure.DROPPED: ErrorKind.DROPPED,
    Failure.TOO_LARGE: ErrorKind.TOO_LARGE,
    Failure.BAD_HTTP: ErrorKind.NOT_API,
}
TRANSPORT_CODES = {
    ErrorKind.REFUSED: "ConnectionRefused",
    ErrorKind.DNS: "NameNotResolved",
    ErrorKind.TLS: "TlsHandshakeFailed",
    ErrorKind.CONNECT_TIMEOUT: "ConnectTimeout",
    ErrorKind.READ_TIMEOUT: "ReadTimeout",
    ErrorKind.DROPPED: "ConnectionDropped",
    ErrorKind.NOT_API: "NotSlbApi",
    ErrorKind.TOO_LARGE: "AnswerTooLarge",
    ErrorKind.INVALID: INVALID_RESPONSE,
}


class SlbApiError(Exception):
    """An SLB call that failed: what was asked, what came back, what to do.

    `may_have_applied` says whether the API may have acted on the request (it was sent
    and the answer was lost, or the server failed with 5xx); only then can a create have
    happened.
    """

    def __init__(self, action: str, code: str, message: str, *, request_id: str | None = None,
                 http_status: int | None = None, attempts: int = 1, kind: ErrorKind = ErrorKind.API,
                 may_have_applied: bool | None = None, subject: str = "", region: str | None = None,
                 endpoint: str = "", hint: str = "", seconds: float | None = None) -> None:
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.attempts = attempts
        self.kind = kind
        self.may_have_applied = (
            may_have_applied if may_have_applied is not None
            else kind is ErrorKind.API and http_status is not None and http_status >= 500
        )
        self.subject = subject
        self.region = region
        self.endpoint = endpoint
        self.hint = hint
        self.seconds = seconds
        super().__init__(self.describe())

    def describe(self) -> str:
        where = f" for {self.subject}" if self.subject else ""
        if self.region:
            where += f" in {self.region}"
        details = [f"RequestId {self.request_id}"] if self.request_id else []
        if self.http_status and self.kind is ErrorKind.API:
            details.append(f"HTTP {self.http_status}")
        if self.attempts > 1:
            details.append(f"{self.attempts} attempts" + (f" in {self.seconds:.1f} s" if self.seconds else ""))
        suffix = f" ({', '.join(details)})" if details else ""
        message = self.message.rstrip(".")
        first = f"SLB {self.action} failed{where}: {self.code}: {message}{suffix}."
        return f"{first}\n{self.hint}" if self.hint else first

    def with_context(self, **changes: Any) -> SlbApiError:
        """The same error with attempts, subject, hint or time told."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        for name, value in changes.items():
            if name not in self.__dict__:
                raise TypeError(f"SlbApiError has no field {name!r}")
            setattr(clone, name, value)
        Exception.__init__(clone, clone.describe())
        return clone

    @property
    def throttled(self) -> bool:
        return self.kind is ErrorKind.API and "Throttling" in self.code

    @property
    def retryable(self) -> bool:
        """Can heal by itself: throttling, busy, 5xx with an API body, timeouts, dropped connections."""
        if self.kind is ErrorKind.API:
            return self.throttled or self.code in RETRYABLE_CODES or (self.http_status or 0) >= 500
        return self.kind in (ErrorKind.CONNECT_TIMEOUT, ErrorKind.READ_TIMEOUT, ErrorKind.DROPPED)

    @property
    def permanent_looking(self) -> bool:
        """Will not heal by waiting, unless someone fixes it meanwhile: a couple of quick retries."""
        return self.kind in (ErrorKind.REFUSED, ErrorKind.DNS, ErrorKind.TLS, ErrorKind.NOT_API, ErrorKind.TOO_LARGE,
                             ErrorKind.INVALID)

    @property
    def timed_out(self) -> bool:
        """We stopped waiting for an answer; the server may still apply the request later."""
        return self.kind is ErrorKind.READ_TIMEOUT

    @property
    def not_found(self) -> bool:
        """Only the exact not-found signatures: any other InvalidParameter is a real error."""
        return self.kind is ErrorKind.API and (
            self.code in NOT_FOUND_CODES or (self.code == "InvalidParameter" and NOT_FOUND_MESSAGE in self.message))


class CreateOutcomeUnknown(SlbApiError):
    """A create that may have happened, and that we could not settle before the deadline."""
