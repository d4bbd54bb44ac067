"""The SLB gateway's public face, kept while importers move to the modules that now hold it.

api.py did eight jobs; each now has its own module: `api_errors` (the error model),
`hints` (what to do about an error), `scrubbing` (secrets out of texts, one-line summaries),
`retry_policy` (when and how soon to retry), `wire` (the API's fields and shapes),
`signing` (the SDK, public API only), `proxies` and `transport` (HTTP on urllib3), and
`gateway` (the retry loop and the calls).
"""

from __future__ import annotations

# re-exported until importers move
from .api_errors import (
    LISTENER_HOLDS_GROUP,
    CreateOutcomeUnknown,
    ErrorKind,
    SlbApiError,
)
from .gateway import SlbGateway
from .retry_policy import Retry, retry_decision
from .scrubbing import scrub, summarize
from .wire import live_group_from_api, server_from_api, server_to_api

__all__ = [
    "LISTENER_HOLDS_GROUP",
    "CreateOutcomeUnknown",
    "ErrorKind",
    "Retry",
    "SlbApiError",
    "SlbGateway",
    "live_group_from_api",
    "retry_decision",
    "scrub",
    "server_from_api",
    "server_to_api",
    "summarize",
]
