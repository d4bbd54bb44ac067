"""Where the provider's region, credentials, endpoint, time budgets and concurrency come from.

Stack config wins over the environment, key by key, so a stack can pin a region while
credentials come from the shell (the way pulumi-alicloud users already work). Nothing
here does I/O beyond reading the mapping it is given, and the secret never appears in a
repr, so a Settings object in a traceback cannot leak it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CONFIG_ACCESS_KEY = "alicloud:accessKey"
CONFIG_SECRET_KEY = "alicloud:secretKey"
CONFIG_SECURITY_TOKEN = "alicloud:securityToken"
CONFIG_REGION = "alicloud:region"
CONFIG_ENDPOINT = "slb-master-slave:endpoint"
CONFIG_TIMEOUT = "slb-master-slave:timeoutSeconds"
CONFIG_REQUEST_TIMEOUT = "slb-master-slave:requestTimeoutSeconds"
CONFIG_PREVIEW_CHECKS = "slb-master-slave:previewChecks"
CONFIG_MAX_CONCURRENT_OPERATIONS = "slb-master-slave:maxConcurrentOperations"
CONFIG_KEYS = (CONFIG_ACCESS_KEY, CONFIG_SECRET_KEY, CONFIG_SECURITY_TOKEN, CONFIG_REGION, CONFIG_ENDPOINT,
               CONFIG_TIMEOUT, CONFIG_REQUEST_TIMEOUT, CONFIG_PREVIEW_CHECKS, CONFIG_MAX_CONCURRENT_OPERATIONS)

ENV_ACCESS_KEY = ("ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID")
ENV_SECRET_KEY = ("ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
ENV_SECURITY_TOKEN = ("ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN")
ENV_REGION = ("ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID")
ENV_ENDPOINT = ("ALICLOUD_SLB_ENDPOINT",)

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_REQUEST_TIMEOUT_SECONDS = 10.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5.0
# A day: no single operation needs more, and a socket timeout far beyond it overflows the
# platform's time_t (1e12 s raised OverflowError deep in the transport).
MAX_SECONDS = 86400.0
# Creates, reads, updates and deletes one provider process runs at once (provider/worker_pool.py): 4 is
# the dynamic provider host's own bound (the behaviour before 0.5); the engine's --parallel
# (default 4 x cores) bounds them too, so on up to 8 cores the engine's default decides.
DEFAULT_MAX_CONCURRENT_OPERATIONS = 32
MIN_CONCURRENT_OPERATIONS = 4
MAX_CONCURRENT_OPERATIONS = 64


class SettingsError(ValueError):
    """A configuration problem the user fixes in stack config or the environment."""


@dataclass(frozen=True)
class Endpoint:
    """An SLB endpoint: host[:port] plus whether to speak https.

    https is the default; only an explicit ``http://`` turns it off, so a typo can
    never silently downgrade a real account's traffic to plain text.
    """

    host: str
    https: bool = True

    @property
    def url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}"

    @property
    def hostname(self) -> str:
        return urlsplit(self.url).hostname or self.host


@dataclass(frozen=True)
class Settings:
    region: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    endpoint: Endpoint | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
    connect_timeout_seconds: float = DEFAULT_CONNECT_TIMEOUT_SECONDS
    max_concurrent_operations: int = DEFAULT_MAX_CONCURRENT_OPERATIONS

    def __post_init__(self) -> None:
        """Settings built in code (the look-up's `settings=`, tests) obey the config's rule:
        an infinite budget retries throttling forever, and nan fails every comparison."""
        for name in ("timeout_seconds", "request_timeout_seconds", "connect_timeout_seconds"):
            value = getattr(self, name)
            if not is_budget(value):
                raise SettingsError(f"Settings.{name} must be a finite number of seconds, greater than 0 and at "
                                    f"most {MAX_SECONDS:g}; got {value!r}.")

    def secrets(self) -> list[str]:
        """Values that must never appear in any message we produce."""
        return [s for s in (self.access_key_secret, self.security_token) if s]

    def require_credentials(self) -> None:
        missing = []
        if not self.access_key_id:
            missing.append("access key id")
        if not self.access_key_secret:
            missing.append("access key secret")
        if missing:
            raise SettingsError(
                f"Alibaba Cloud credentials are missing ({' and '.join(missing)}). Give them "
                f"either as stack config (`pulumi config set {CONFIG_ACCESS_KEY} <id>` and "
                f"`pulumi config set --secret {CONFIG_SECRET_KEY} <secret>`) or in the "
                f"environment ({ENV_ACCESS_KEY[0]} / {ENV_ACCESS_KEY[1]} and "
                f"{ENV_SECRET_KEY[0]} / {ENV_SECRET_KEY[1]}). For the local emulator use "
                "emulator-demo-key / emulator-demo-secret."
            )

    def require_region(self, *, own_setting: str = "set `region_id` on the resource") -> str:
        """The region, or an error naming where it can come from; `own_setting` is the caller's
        own way (a resource's `region_id` input, a look-up's `region_id=` argument)."""
        if not self.region:
            raise SettingsError(
                f"No region: {own_setting}, set stack config "
                f"`{CONFIG_REGION}`, or {ENV_REGION[0]} / {ENV_REGION[1]} in the environment."
            )
        return self.region


def parse_endpoint(raw: str) -> Endpoint:
    """``http://h:p`` -> plain http; ``https://h`` or a bare ``h[:p]`` -> https.

    A path, query or fragment is refused (at preview, through check()): SLB's RPC API
    lives at the root of its host, and silently dropping `/api` would send requests
    somewhere the user did not write.
    """
    text = raw.strip()
    if not text:
        raise SettingsError(f"{CONFIG_ENDPOINT} is empty; remove it or give host[:port].")
    has_scheme = "://" in text
    parts = urlsplit(text if has_scheme else f"//{text}")
    if has_scheme and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise SettingsError(
            f"{CONFIG_ENDPOINT} {raw!r} is not an http(s) endpoint; "
            "write it as https://host[:port], http://host:port (emulator) or host[:port]."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or not parts.netloc:
        raise SettingsError(
            f"{CONFIG_ENDPOINT} {raw!r} has a path, query or fragment; the SLB API is served at the root "
            "of its host: write it as https://host[:port] (or http://host:port for the emulator)."
        )
    if "@" in parts.netloc:
        raise SettingsError(f"{CONFIG_ENDPOINT} must not carry a user name or password; write it as https://host[:port].")
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        raise SettingsError(f"{CONFIG_ENDPOINT} {raw!r} has an invalid port.") from None
    return Endpoint(host=parts.netloc, https=parts.scheme != "http" if has_scheme else True)


def _first(config: Mapping[str, Any], key: str, environ: Mapping[str, str], env_names: tuple[str, ...]) -> str | None:
    value = config.get(key)
    if value is not None and str(value) != "":
        return str(value)
    for name in env_names:
        env_value = environ.get(name)
        if env_value:
            return env_value
    return None


def is_budget(value: object) -> bool:
    """A time we can wait: a finite number of seconds in (0, MAX_SECONDS]; never inf or nan."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 < value <= MAX_SECONDS)


def _seconds(raw: str | None, key: str, default: float) -> float:
    """A time setting from config: refused (at preview, through check()) unless `is_budget`.

    float() reads "inf", "Infinity", "1e400" (inf) and "nan" without complaint: an infinite
    budget retried throttling forever, and nan failed every operation with a traceback.
    """
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not is_budget(value):
        raise SettingsError(
            f"{key} must be a finite number of seconds, greater than 0 and at most {MAX_SECONDS:g} (one day); "
            f"got {raw!r}. Set it with `pulumi config set {key} {default:g}`, or remove it "
            f"(`pulumi config rm {key}`) to use the default of {default:g} seconds."
        )
    return value


def max_concurrent_operations(config: Mapping[str, Any]) -> int:
    """`maxConcurrentOperations` from config: a whole number from 4 to 64; absent, the default.

    Fewer than 4 cannot be had here (the host already runs 4 threads); `pulumi up --parallel N`
    bounds the operations the engine sends at once, for every provider."""
    raw = config.get(CONFIG_MAX_CONCURRENT_OPERATIONS)
    if raw is None or str(raw).strip() == "":
        return DEFAULT_MAX_CONCURRENT_OPERATIONS
    text = str(raw).strip()
    value = int(text) if text.isascii() and text.isdigit() else None
    if value is None or not MIN_CONCURRENT_OPERATIONS <= value <= MAX_CONCURRENT_OPERATIONS:
        raise SettingsError(
            f"{CONFIG_MAX_CONCURRENT_OPERATIONS} must be a whole number from {MIN_CONCURRENT_OPERATIONS} to "
            f"{MAX_CONCURRENT_OPERATIONS}; got {raw!r}. Set it with `pulumi config set "
            f"{CONFIG_MAX_CONCURRENT_OPERATIONS} {DEFAULT_MAX_CONCURRENT_OPERATIONS}`, or remove it to use the "
            f"default of {DEFAULT_MAX_CONCURRENT_OPERATIONS}; for fewer operations at once, run the command with "
            "`--parallel N`.")
    return value


def resolve_region(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str | None:
    """The region alone: check() needs it at preview, when nothing else may be required."""
    return _first(config, CONFIG_REGION, os.environ if environ is None else environ, ENV_REGION)


def resolve_settings(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Stack config first, then the environment, key by key (the contract, docs/ARCHITECTURE.md)."""
    env = os.environ if environ is None else environ
    endpoint_raw = _first(config, CONFIG_ENDPOINT, env, ENV_ENDPOINT)
    return Settings(
        region=resolve_region(config, env),
        access_key_id=_first(config, CONFIG_ACCESS_KEY, env, ENV_ACCESS_KEY),
        access_key_secret=_first(config, CONFIG_SECRET_KEY, env, ENV_SECRET_KEY),
        security_token=_first(config, CONFIG_SECURITY_TOKEN, env, ENV_SECURITY_TOKEN),
        endpoint=parse_endpoint(endpoint_raw) if endpoint_raw else None,
        timeout_seconds=_seconds(_first(config, CONFIG_TIMEOUT, env, ()), CONFIG_TIMEOUT, DEFAULT_TIMEOUT_SECONDS),
        request_timeout_seconds=_seconds(
            _first(config, CONFIG_REQUEST_TIMEOUT, env, ()), CONFIG_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT_SECONDS
        ),
        max_concurrent_operations=max_concurrent_operations(config),
    )
