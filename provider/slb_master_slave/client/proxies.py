"""Which proxy a request to the SLB endpoint goes through, from the environment.

Users write proxies every way curl accepts: `proxy:3128` (no scheme: http), `http://`,
`https://` (TLS to the proxy itself), IPv6 literals in brackets, credentials in the URL
(percent-encoded). `NO_PROXY` is honoured and loopback never goes through a proxy. A SOCKS
proxy is refused with the setting and the fix named: sent to urllib3 as a CONNECT proxy it
would fail with a confusing error, and SOCKS support would need another dependency.
"""

from __future__ import annotations

import base64
import ipaddress
import urllib.request
from urllib.parse import unquote, urlsplit, urlunsplit

PROXY_VARIABLES = {"https": "HTTPS_PROXY", "http": "HTTP_PROXY"}


class UnsupportedProxy(ValueError):
    """A proxy setting this provider cannot use; the message says which and what to do."""


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def normalize_proxy(value: str, scheme: str) -> str:
    """`host:port` -> `http://host:port`; http(s) URLs as they are; anything else refused."""
    url = value.strip()
    if "://" not in url:
        url = "http://" + url
    proxy_scheme = urlsplit(url).scheme.lower()
    if proxy_scheme not in ("http", "https"):
        variable = PROXY_VARIABLES.get(scheme, "HTTPS_PROXY")
        raise UnsupportedProxy(
            f"The proxy {scheme} requests would use ({variable} or ALL_PROXY = {proxy_scheme}://...) is not supported: "
            f"only http:// and https:// proxies are. Set {variable} to an HTTP proxy (http://host:port), or add the "
            "SLB endpoint's host to NO_PROXY.")
    return url


def proxy_for(host: str, scheme: str) -> str | None:
    """The proxy URL for a request to `host` over `scheme`, or None to connect directly."""
    if not host or _is_loopback(host) or urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    value = proxies.get(scheme) or proxies.get("all")
    return normalize_proxy(value, scheme) if value else None


def split_credentials(proxy: str) -> tuple[str, dict[str, str]]:
    """The proxy URL without its user:password, and the Proxy-Authorization header they make
    (decoded: `p%40ss` in the URL is the password `p@ss`)."""
    parts = urlsplit(proxy)
    if parts.username is None:
        return proxy, {}
    host = parts.netloc.rpartition("@")[2]
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    header = "Basic " + base64.b64encode(credentials.encode()).decode()
    return urlunsplit(parts._replace(netloc=host)), {"Proxy-Authorization": header}
