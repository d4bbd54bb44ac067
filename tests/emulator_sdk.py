"""Calls through the official SDK (aliyunsdkcore) that several emulator test modules make.

The SDK's client and request classes are untyped, and its answers are JSON: they are Any here.
"""

from __future__ import annotations

import json
from typing import Any

from aliyunsdkslb.request.v20140515 import DescribeLoadBalancerAttributeRequest

LB = "lb-demo-hangzhou"  # the seed's load balancer in cn-hangzhou


def call(client: Any, request: Any) -> Any:
    """One request; the parsed JSON answer (an API error raises ServerException)."""
    return json.loads(client.do_action_with_exception(request))


def describe_lb(client: Any, lb: str = LB) -> Any:
    """DescribeLoadBalancerAttribute: the cheapest signed call, for auth and fault tests."""
    r = DescribeLoadBalancerAttributeRequest.DescribeLoadBalancerAttributeRequest()
    r.set_LoadBalancerId(lb)
    return call(client, r)
