"""The SLB client: one operation's calls to the SLB API, knowing nothing of Pulumi.

It owns the gateway (`gateway.py`: calls named for the wire actions, one retry loop, one
deadline), the API's field names and shapes (`codec.py`), signing through the official SDK
(`signing.py`), HTTP with hard deadlines (`transport.py`, `watchdog.py`, `proxies.py`), the
error model and what a failure says (`api_error.py`, `hints.py`, `scrubbing.py`), when to
send again (`retry.py`), where the settings come from (`settings.py`) and the one place that
decides that a group or a load balancer is gone (`gone.py`). It speaks in the domain's types
and imports no `pulumi` module. It may import `domain` and `errors`.
"""
