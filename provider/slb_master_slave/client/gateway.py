"""The SLB gateway: one operation's view of SLB, with calls named for the wire actions.

It takes and returns domain types (`GroupSpec`, `LiveGroup`, `LoadBalancer`); `wire` holds
the API's field names, `signing` the SDK, `transport` the HTTP, `retry_policy` the cadence,
`api_errors` and `hints` what a failure says. One loop here (`SlbGateway._call`) sends a
`Call` until it is answered, retrying what can heal within the operation's deadline.

A create that may have been applied (sent, and its answer lost, cut or not the API's) is
never sent again from here: the API takes no client token, so `create_group` raises that
attempt's error at once and the caller (ownership/create.py) finds out whether a group was made
before it asks for another attempt (`pause_before_resend`). A 200 that does not say what it
should (no group id, no two servers, no listing) is an invalid answer: retried, then
surfaced, never stored. This module knows nothing of Pulumi or of ownership.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.model import GroupSpec, LiveGroup, LoadBalancer
from .api_error import (
    FAILURE_KINDS,
    GATEWAY_STATUSES,
    INVALID_RESPONSE,
    TRANSPORT_CODES,
    ErrorKind,
    SlbApiError,
)
from .codec import (
    create_params,
    created_problem,
    group_problem,
    list_params,
    listed_groups,
    listing_problem,
    live_group_from_api,
    load_balancer_from_api,
    next_page_params,
    tag_resource_params,
    untag_resource_params,
)
from .hints import hint_for
from .proxies import UnsupportedProxy
from .retry import PROCESS_QUOTA, Backoff, Retry, RetryQuota, retry_cost, retry_decision
from .scrubbing import scrub, summarize, trim_api_message
from .settings import Settings
from .signing import EndpointNotResolved, SignedRequest, signer_for
from .transport import Answer, Sender, Target, Transport, TransportFailure

# Time create and delete keep back from the budget for one look-up after them: the lost
# create's tag, or the listeners holding a group, within the operation's budget.
LOOKUP_RESERVE_SECONDS = 2.0
MAX_LIST_PAGES = 100
# How often a retry waiting for the retry quota looks again (an answered call may give tokens back).
QUOTA_POLL_SECONDS = 0.1

Answered = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One API call for the retry loop: what to send, about what, and how to treat its answers.

    `validate` names what a 2xx answer lacks (it is then an invalid answer);
    `stop_if_applied` raises an attempt that may have been applied instead of sending it
    again (a create: the caller settles it); `reserve` is time kept back from the deadline
    for a call after it.
    """

    action: str
    params: Mapping[str, Any]
    subject: str
    load_balancer_id: str | None = None
    wait_out_listener: bool = False
    stop_if_applied: bool = False
    validate: Callable[[Mapping[str, Any]], str | None] | None = None
    reserve: float = 0.0


_transport = Transport()


class SlbGateway:
    """One operation's view of SLB: a deadline, and calls named for what they do on the wire."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random,
                 transport: Sender | None = None, quota: RetryQuota | None = None) -> None:
        settings.require_credentials()
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._transport: Sender = transport or _transport
        self._quota = quota or PROCESS_QUOTA
        self.started = clock()
        self.deadline = self.started + settings.timeout_seconds

    # -- one exchange on the wire -------------------------------------------------------
    def _sign(self, action: str, params: Mapping[str, Any]) -> SignedRequest:
        try:
            return signer_for(self.settings).sign(action, params)
        except (UnsupportedProxy, EndpointNotResolved) as error:
            raise self._error(action, type(error).__name__, str(error), kind=ErrorKind.SETTING,
                              may_have_applied=False, endpoint=self._endpoint_origin()) from None

    def _send(self, action: str, params: Mapping[str, Any], *, reserve: float = 0.0) -> Answered:
        """One request, ended `reserve` seconds before the operation's deadline."""
        request = self._sign(action, params)
        target = request.target
        deadline = self.deadline - reserve
        try:
            answer = self._transport.send(
                target, request.method, request.path, request.headers, request.body,
                connect_deadline=min(deadline, self._clock() + self.settings.connect_timeout_seconds),
                read_seconds=self.settings.request_timeout_seconds, deadline=deadline)
        except TransportFailure as failure:
            raise self._transport_error(action, failure, target) from None
        return self._parse(action, answer, target)

    def _transport_error(self, action: str, failure: TransportFailure, target: Target) -> SlbApiError:
        kind = FAILURE_KINDS[failure.failure]
        reached = failure.sent and (kind in (ErrorKind.READ_TIMEOUT, ErrorKind.DROPPED)
                                    or failure.status in GATEWAY_STATUSES)
        message = f"{target.origin}: {failure}"
        if failure.status:
            message += f" (HTTP {failure.status})"
        return self._error(action, TRANSPORT_CODES[kind], message, kind=kind, may_have_applied=reached,
                           endpoint=target.origin)

    def _parse(self, action: str, answer: Answer, target: Target) -> Answered:
        try:
            document = json.loads(answer.body)
        except ValueError:
            document = None
        accepted = 200 <= answer.status < 300
        if isinstance(document, dict) and accepted:
            return document
        if accepted:  # the API accepted the request; its answer did not survive
            raise self._error(action, INVALID_RESPONSE, f"{target.origin} answered HTTP {answer.status} "
                              f"with no readable API answer: {summarize(answer.body, 80) or 'an empty body'}",
                              kind=ErrorKind.INVALID, may_have_applied=True, http_status=answer.status,
                              endpoint=target.origin)
        if isinstance(document, dict) and isinstance(document.get("Code"), str) and answer.status >= 300:
            message, note = trim_api_message(str(document.get("Message") or ""))
            raise self._error(action, document["Code"], message, note=note,
                              request_id=str(document.get("RequestId") or "") or None, http_status=answer.status,
                              endpoint=target.origin)
        # anything else is not the API talking: a 2xx that is not a JSON object, an error
        # without the API's error body (HTML from a proxy or another server, an empty 502)
        what = f"HTTP {answer.status}" + (f" {answer.content_type}" if answer.content_type else "")
        summary = summarize(answer.body)
        raise self._error(
            action, "NotSlbApi", f"{target.origin} answered {what}" + (f": {summary}" if summary else ", no API answer"),
            kind=ErrorKind.NOT_API, may_have_applied=answer.status in GATEWAY_STATUSES, endpoint=target.origin)

    def _error(self, action: str, code: str, message: str, *, note: str = "", **kwargs: Any) -> SlbApiError:
        """The error with `message` (text from outside: scrubbed) and our `note` after it."""
        return SlbApiError(action, code, scrub(message, self.settings.secrets()) + note,
                           region=self.settings.region, **kwargs)

    # -- the one retry loop -------------------------------------------------------------
    def _call(self, call: Call) -> Answered:
        """Send until answered, retrying what can heal; see `Call` for the options. Each retry
        takes from the process's retry quota; the answer gives back what the last one took."""
        backoff = Backoff(self._rng)
        attempt = 0
        paid = 0
        while True:
            attempt += 1
            outcome = self._attempt(call, attempt)
            if not isinstance(outcome, SlbApiError):
                self._quota.answered(paid)
                return outcome
            if call.stop_if_applied and outcome.may_have_applied:
                raise outcome
            paid = self._wait_before_retry(outcome, backoff, attempt, wait_out_listener=call.wait_out_listener,
                                           reserve=call.reserve)

    def _wait_before_retry(self, error: SlbApiError, backoff: Backoff, attempt: int, *,
                           wait_out_listener: bool = False, reserve: float = 0.0) -> int:
        """Sleep as the retry policy says before attempt `attempt + 1`, then take the retry's
        tokens from the quota (waiting for them if need be); what it took. Raise `error` when
        the policy says no more, or no time is left for another attempt."""
        decision = retry_decision(error, wait_out_listener=wait_out_listener)
        delay = backoff.delay(decision, attempt) if decision is not Retry.NO else None
        if delay is None:
            raise error
        self._pause(delay, error, reserve=reserve)
        cost = retry_cost(decision, error)
        while (wait := self._quota.take(cost)) > 0.0:
            self._pause(min(wait, QUOTA_POLL_SECONDS), error, reserve=reserve)
        return cost

    def _attempt(self, call: Call, attempt: int) -> Answered | SlbApiError:
        """One try: the valid answer, or the error with the attempt, subject and fix told."""
        try:
            answer = self._send(call.action, call.params, reserve=call.reserve)
            problem = call.validate(answer) if call.validate is not None else None
            if problem is None:
                return answer
            raise self._error(call.action, INVALID_RESPONSE, problem, kind=ErrorKind.INVALID, may_have_applied=True,
                              http_status=200, request_id=str(answer.get("RequestId") or "") or None,
                              endpoint=self._endpoint_origin())
        except SlbApiError as raw:
            error = raw.with_context(attempts=attempt, subject=call.subject, seconds=self._clock() - self.started)
            return error.with_context(hint=hint_for(error, self.settings, load_balancer_id=call.load_balancer_id))

    def _pause(self, delay: float, error: SlbApiError, *, reserve: float = 0.0) -> None:
        """Sleep before the next attempt; if that leaves no time for it, the last error stands."""
        if self._clock() + delay + reserve >= self.deadline - 0.05:
            raise error
        self._sleep(delay)

    # -- create: one attempt at a time, the caller settles what may have been applied ------
    def create_group(self, spec: GroupSpec, tags: Mapping[str, str]) -> str:
        """The new group's id. Retries only what certainly was not applied; an attempt that may
        have been (sent and its answer lost, a 5xx, a 200 without a readable id) is raised at
        once with `may_have_applied`, for the caller to settle before `pause_before_resend`
        and another `create_group`. Time is kept back for the calls that complete the group."""
        answer = self._call(Call("CreateMasterSlaveServerGroup", create_params(spec, tags),
                                 subject=f"load balancer {spec.load_balancer_id}",
                                 load_balancer_id=spec.load_balancer_id, validate=created_problem,
                                 stop_if_applied=True, reserve=self.reserve_for_follow_up()))
        return str(answer["MasterSlaveServerGroupId"])

    def new_backoff(self) -> Backoff:
        return Backoff(self._rng)

    def pause_before_resend(self, error: SlbApiError, backoff: Backoff, attempt: int) -> None:
        """Before a create is sent again after `error` (settled: it made no group): wait as the
        retry policy says, or raise `error` when it says no or the budget has no room."""
        self._wait_before_retry(error, backoff, attempt, reserve=self.reserve_for_follow_up())

    def reserve_for_follow_up(self) -> float:
        """What a create, its completion and a delete keep back from the budget for the call
        after them (a look-up, a clean-up delete), within the operation's budget."""
        return min(LOOKUP_RESERVE_SECONDS, 0.2 * self.settings.timeout_seconds)

    def seconds_left(self) -> float:
        return self.deadline - self._clock()

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    # -- the other calls ------------------------------------------------------------------
    def describe_group(self, group_id: str) -> LiveGroup:
        """The group's attributes; an answer without the group's id and its two servers is
        invalid (retried, then surfaced), never taken for a group with no servers."""
        answer = self._call(Call("DescribeMasterSlaveServerGroupAttribute", {"MasterSlaveServerGroupId": group_id},
                                 subject=f"group {group_id}",
                                 validate=lambda answer: group_problem(group_id, answer)))
        return live_group_from_api({"MasterSlaveServerGroupId": group_id, **answer})

    def list_groups(self, load_balancer_id: str, *, include_listener: bool = False,
                    tags: Mapping[str, str | None] | None = None, max_pages: int = MAX_LIST_PAGES) -> list[LiveGroup]:
        """Every group of a load balancer (with a tag filter: every matching one; a tag whose
        value is None matches its key with any value), all pages.

        The API reference documents no paging for DescribeMasterSlaveServerGroups, and the
        emulator pages none: one answer holds every group. Should an answer ever carry
        NextToken, or a TotalCount beyond what was listed, the next pages are fetched (up to
        `max_pages`), so no caller can take a first page for the whole listing.
        """
        base = list_params(load_balancer_id, include_listener=include_listener, tags=tags)
        groups: list[LiveGroup] = []
        params: Mapping[str, Any] | None = base
        seen_tokens: set[str] = set()
        for page in range(1, max_pages + 1):
            if params is None:
                break
            answer = self._call(Call("DescribeMasterSlaveServerGroups", params,
                                     subject=f"load balancer {load_balancer_id}", load_balancer_id=load_balancer_id,
                                     validate=listing_problem))
            listed = listed_groups(answer, load_balancer_id)
            groups.extend(listed)
            params = next_page_params(base, answer, page, len(groups), len(listed))
            token = str(params.get("NextToken") or "") if params is not None else ""
            if token and token in seen_tokens:  # a token seen before would list the same pages again
                break
            seen_tokens.add(token)
        return groups


    def listeners_holding(self, load_balancer_id: str, group_id: str) -> list[str]:
        """'tcp:80'-style names of the listeners using a group, best effort, for an error message,
        within what is left of the budget (delete keeps some back for it)."""
        try:
            groups = self.list_groups(load_balancer_id, include_listener=True)
        except SlbApiError:
            return []
        return next((list(g.listeners) for g in groups if g.id == group_id), [])

    def delete_group(self, group_id: str) -> None:
        """A listener holding the group is waited out at a slow cadence, keeping back enough of
        the budget to name the listeners; a not-found answer is raised like any other, for the
        caller to confirm against a listing."""
        self._call(Call("DeleteMasterSlaveServerGroup", {"MasterSlaveServerGroupId": group_id},
                        subject=f"group {group_id}", wait_out_listener=True, reserve=self.reserve_for_follow_up()))

    def tag_group(self, group_id: str, tags: Mapping[str, str], *, keep_for_follow_up: bool = False) -> None:
        """TagResources; `keep_for_follow_up` keeps time back for a call after it (the clean-up
        of a create that could not be completed)."""
        if tags:
            self._call(Call("TagResources", tag_resource_params(group_id, tags), subject=f"group {group_id}",
                            reserve=self.reserve_for_follow_up() if keep_for_follow_up else 0.0))

    def untag_group(self, group_id: str, keys: list[str]) -> None:
        if keys:
            self._call(Call("UntagResources", untag_resource_params(group_id, keys), subject=f"group {group_id}"))

    def describe_load_balancer(self, load_balancer_id: str) -> LoadBalancer:
        """DescribeLoadBalancerAttribute: status, spec, network type, DeleteProtection."""
        answer = self._call(Call("DescribeLoadBalancerAttribute", {"LoadBalancerId": load_balancer_id},
                                 subject=f"load balancer {load_balancer_id}", load_balancer_id=load_balancer_id))
        return load_balancer_from_api(answer, load_balancer_id)

    def _endpoint_origin(self) -> str:
        endpoint = self.settings.endpoint
        return endpoint.url if endpoint is not None else "the regional SLB endpoint"
