"""The environment the harness gives the processes it starts."""

from __future__ import annotations

import os
import urllib.request

__all__ = ["CREDENTIAL_PREFIXES", "LOOPBACK_OPENER", "clean_env"]

# urllib without the environment's proxies: what the harness talks to is on loopback.
LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Environment variables the aliyun SDKs and the provider read credentials from.
CREDENTIAL_PREFIXES = ("ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_")


def clean_env() -> dict[str, str]:
    """This process's environment without cloud credentials, for the processes the tests
    and the benchmark start: what they configure is the stack's config, not the shell's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CREDENTIAL_PREFIXES)}
