"""Requests signed by the official SDK, through its public API only.

The SDK's request class (`RpcRequest`) and signers (`AccessKeySigner`, `StsTokenSigner`,
which adds the STS token before signing) make the signed URL byte for byte as the SDK's
own client would; the headers the client adds (User-Agent from its public static helpers,
x-sdk-client) are added the same way. The default endpoint comes from the SDK's bundled
endpoint data and rules (the resolvers the client chains, minus the location service,
which would call the network with no deadline). The SDK is imported on first use so a
provider process that only previews never pays for it; its loggers are silenced, since
they would print the API's messages (the string to sign, token included).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .proxies import proxy_for
from .settings import CONFIG_ENDPOINT, Settings
from .transport import Target

PRODUCT = "Slb"
API_VERSION = "2014-05-15"
SDK_CLIENT_HEADER = "python/2.0.0"  # what the SDK's client sends as x-sdk-client


class EndpointNotResolved(ValueError):
    """No endpoint for the region in the SDK's data; the message names the setting to use."""


@dataclass(frozen=True)
class SignedRequest:
    target: Target
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None


def _quiet_sdk_loggers() -> None:
    """The SDK logs the API's error messages (SignatureDoesNotMatch carries the string to sign,
    token included) and, with DEBUG=sdk, whole requests. Nothing of it may reach stderr."""
    for name in ["aliyunsdkcore", *list(logging.root.manager.loggerDict)]:
        if name.startswith("aliyunsdkcore"):
            logger = logging.getLogger(name)
            logger.disabled = True
            logger.propagate = False


@functools.lru_cache(maxsize=1)
def _user_agent() -> str:
    """The User-Agent the SDK's client sends, from its public static helpers."""
    from aliyunsdkcore.client import AcsClient

    agent: str = AcsClient.user_agent_header()
    for key, value in AcsClient.default_user_agent().items():
        agent += f" {key}/{value}"
    return agent


@functools.lru_cache(maxsize=64)
def default_host(region: str) -> str:
    """The SLB endpoint of a region, as the SDK's bundled endpoint data and rules give it."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException
    from aliyunsdkcore.endpoint.chained_endpoint_resolver import ChainedEndpointResolver
    from aliyunsdkcore.endpoint.endpoint_resolver_rules import EndpointResolverRules
    from aliyunsdkcore.endpoint.local_config_global_endpoint_resolver import (
        LocalConfigGlobalEndpointResolver,
    )
    from aliyunsdkcore.endpoint.local_config_regional_endpoint_resolver import (
        LocalConfigRegionalEndpointResolver,
    )
    from aliyunsdkcore.endpoint.resolver_endpoint_request import ResolveEndpointRequest

    resolver = ChainedEndpointResolver([LocalConfigRegionalEndpointResolver(), EndpointResolverRules(),
                                        LocalConfigGlobalEndpointResolver()])
    try:
        host: str = resolver.resolve(ResolveEndpointRequest(region, PRODUCT, None, "openAPI"))
    except ClientException:
        raise EndpointNotResolved(
            f"The SDK knows no SLB endpoint for region {region}: check the region, or set {CONFIG_ENDPOINT} "
            "to the region's endpoint (https://slb.<region>.aliyuncs.com).") from None
    return host


def split_host(host: str, https: bool) -> tuple[str, int]:
    """'h', 'h:p', '[v6]:p' -> (hostname, port)."""
    default = 443 if https else 80
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default
    if host.count(":") == 1:
        name, _, port = host.partition(":")
        return name, int(port) if port.isdigit() else default
    return host, default


class RequestSigner:
    """Signs SLB calls for one set of settings: credentials, region, endpoint, proxy."""

    def __init__(self, settings: Settings) -> None:
        from aliyunsdkcore.auth.credentials import (
            AccessKeyCredential,
            StsTokenCredential,
        )
        from aliyunsdkcore.auth.signers.access_key_signer import AccessKeySigner
        from aliyunsdkcore.auth.signers.sts_token_signer import StsTokenSigner

        _quiet_sdk_loggers()
        key, secret = settings.access_key_id or "", settings.access_key_secret or ""
        self._signer: Any = (
            StsTokenSigner(StsTokenCredential(key, secret, settings.security_token)) if settings.security_token
            else AccessKeySigner(AccessKeyCredential(key, secret)))
        self.region = settings.require_region()
        endpoint = settings.endpoint
        self.https = endpoint is None or endpoint.https
        host = endpoint.host if endpoint is not None else default_host(self.region)
        self.hostname, self.port = split_host(host, self.https)
        _quiet_sdk_loggers()

    def target(self) -> Target:
        """Where the request goes; the proxy is read from the environment each time, as before."""
        return Target(self.https, self.hostname, self.port,
                      proxy_for(self.hostname, "https" if self.https else "http"))

    def sign(self, action: str, params: Mapping[str, Any]) -> SignedRequest:
        from aliyunsdkcore.http import protocol_type
        from aliyunsdkcore.request import RpcRequest

        request = RpcRequest(PRODUCT, API_VERSION, action)  # fresh per call: signing mutates it
        request.set_method("POST")
        request.set_accept_format("JSON")
        request.add_header("Accept-Encoding", "identity")
        request.set_protocol_type(protocol_type.HTTPS if self.https else protocol_type.HTTP)
        request.add_query_param("RegionId", self.region)
        for key, value in params.items():
            if value is not None:
                request.add_query_param(key, value)
        headers = dict(request.get_headers())
        signed_headers, path = self._signer.sign(self.region, request)
        headers.update(signed_headers)
        headers["User-Agent"] = _user_agent()
        headers["x-sdk-client"] = SDK_CLIENT_HEADER
        return SignedRequest(self.target(), request.get_method(), path, {str(k): str(v) for k, v in headers.items()},
                             None)


@functools.lru_cache(maxsize=8)
def signer_for(settings: Settings) -> RequestSigner:
    """One signer per distinct settings."""
    return RequestSigner(settings)
