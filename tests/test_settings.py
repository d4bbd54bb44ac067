"""Settings: stack config first, then the environment, key by key; https unless http:// is written."""

from __future__ import annotations

import pytest
from slb_master_slave.client.settings import (
    Endpoint,
    SettingsError,
    parse_endpoint,
    resolve_settings,
)


def test_config_wins_over_environment_key_by_key() -> None:
    env = {"ALICLOUD_ACCESS_KEY": "env-id", "ALICLOUD_SECRET_KEY": "env-secret", "ALICLOUD_REGION": "cn-beijing"}
    settings = resolve_settings({"alicloud:accessKey": "cfg-id", "alicloud:region": "cn-shanghai"}, env)
    assert (settings.access_key_id, settings.access_key_secret, settings.region) == ("cfg-id", "env-secret", "cn-shanghai")


def test_both_environment_spellings_in_documented_order() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "b-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "b-secret",
           "ALIBABA_CLOUD_SECURITY_TOKEN": "b-token", "ALIBABA_CLOUD_REGION_ID": "cn-b"}
    settings = resolve_settings({}, env)
    assert (settings.access_key_id, settings.security_token, settings.region) == ("b-id", "b-token", "cn-b")
    env["ALICLOUD_ACCESS_KEY"] = "a-id"
    assert resolve_settings({}, env).access_key_id == "a-id"


def test_endpoint_scheme() -> None:
    assert parse_endpoint("http://127.0.0.1:8080") == Endpoint("127.0.0.1:8080", https=False)
    assert parse_endpoint("https://slb.example") == Endpoint("slb.example", https=True)
    assert parse_endpoint("slb.cn-hangzhou.aliyuncs.com") == Endpoint("slb.cn-hangzhou.aliyuncs.com", https=True)
    with pytest.raises(SettingsError, match="endpoint"):
        parse_endpoint("ftp://x")


def test_endpoint_from_config_or_environment() -> None:
    from_environment = resolve_settings({}, {"ALICLOUD_SLB_ENDPOINT": "http://127.0.0.1:1"}).endpoint
    assert from_environment is not None and from_environment.https is False
    settings = resolve_settings({"slb-master-slave:endpoint": "https://a"}, {"ALICLOUD_SLB_ENDPOINT": "http://b"})
    assert settings.endpoint == Endpoint("a", https=True)


def test_timeouts_configurable_and_checked() -> None:
    assert resolve_settings({"slb-master-slave:timeoutSeconds": "12"}, {}).timeout_seconds == 12.0
    with pytest.raises(SettingsError, match="timeoutSeconds"):
        resolve_settings({"slb-master-slave:timeoutSeconds": "soon"}, {})


def test_missing_credentials_name_both_ways() -> None:
    with pytest.raises(SettingsError) as info:
        resolve_settings({}, {}).require_credentials()
    text = str(info.value)
    assert "alicloud:accessKey" in text and "ALICLOUD_ACCESS_KEY" in text and "ALICLOUD_SECRET_KEY" in text


def test_secret_never_in_repr() -> None:
    settings = resolve_settings({"alicloud:secretKey": "s3cr3t", "alicloud:securityToken": "t0k3n"}, {})
    assert "s3cr3t" not in repr(settings) and "t0k3n" not in repr(settings)
