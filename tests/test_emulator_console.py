"""The console page at /_emulator/: over plain HTTP (content, forms, safety headers) and
in a real browser (Debian's chromium, headless), skipped with its reason without one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
from aliyunsdkslb.request.v20140515 import (
    CreateLoadBalancerTCPListenerRequest,
    CreateMasterSlaveServerGroupRequest,
)

from harness.emulator_process import EmulatorProcess, raw_call

LB = "lb-demo-hangzhou"


def populate(emu: EmulatorProcess) -> str:
    """One group with tags bound to a listener, a failed call and a fault; returns the id."""
    client = emu.sdk_client()
    r = CreateMasterSlaveServerGroupRequest.CreateMasterSlaveServerGroupRequest()
    r.set_LoadBalancerId(LB)
    r.set_MasterSlaveServerGroupName("console-demo")
    r.set_MasterSlaveBackendServers(json.dumps([
        {"ServerId": "i-demo-web-1", "Port": 80, "ServerType": "Master"},
        {"ServerId": "i-demo-web-2", "Port": 8080, "ServerType": "Slave"}]))
    r.set_Tags([{"Key": "env", "Value": "<dev>"}])
    gid: str = json.loads(client.do_action_with_exception(r))["MasterSlaveServerGroupId"]
    listener = CreateLoadBalancerTCPListenerRequest.CreateLoadBalancerTCPListenerRequest()
    listener.set_LoadBalancerId(LB)
    listener.set_ListenerPort(443)
    listener.set_Bandwidth(-1)
    listener.set_MasterSlaveServerGroupId(gid)
    client.do_action_with_exception(listener)
    emu.add_fault(kind="error", action="DeleteMasterSlaveServerGroup", code="SystemBusy")
    return gid


def page(emu: EmulatorProcess, **headers: str) -> tuple[int, str]:
    status, body = raw_call(emu.url, method="GET", path="/_emulator/", headers=headers)
    return status, body.decode("utf-8") if isinstance(body, bytes) else json.dumps(body)


def test_console_page_shows_everything(emu):
    gid = populate(emu)
    status, html = page(emu)
    assert status == 200 and html.startswith("<!DOCTYPE html>")
    assert '<meta http-equiv="refresh"' in html
    for text in (LB, "lb-demo-shanghai", gid, "console-demo", "i-demo-web-1:80",
                 "i-demo-web-2:8080", "Master", "Slave", "&lt;dev&gt;", "tcp:443",
                 "CreateMasterSlaveServerGroup", "CreateLoadBalancerTCPListener", " ms",
                 "v1", "SystemBusy", "DeleteMasterSlaveServerGroup", "add fault"):
        assert text in html, text
    assert "<dev>" not in html  # escaped
    # Offline: no script, nothing loaded from elsewhere.
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)


def test_console_sends_safety_headers(emu):
    status, headers = None, None
    import http.client
    split = urlsplit(emu.url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    try:
        conn.request("GET", "/_emulator/")
        response = conn.getresponse()
        response.read()
        status, headers = response.status, dict(response.getheaders())
    finally:
        conn.close()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def _form_post(emu: EmulatorProcess, path: str, form: dict[str, str], origin: str | None = None) -> tuple[int, Any]:
    headers = {"Origin": origin or emu.url, "Sec-Fetch-Site": "same-origin"}
    return raw_call(emu.url, method="POST", path="/_emulator/console" + path, body=form,
                    headers=headers)


def test_console_forms_add_and_clear_faults(emu):
    status, _ = _form_post(emu, "/faults", {"kind": "latency", "seconds": "0.01",
                                            "action": "", "count": "3"})
    assert status == 303
    faults = emu.faults()
    assert [(f["kind"], f["seconds"], f["count"], f["action"]) for f in faults] == [
        ("latency", 0.01, 3, None)]
    assert faults[0]["id"] in page(emu)[1]
    status, _ = _form_post(emu, "/faults", {"kind": "nonsense"})
    assert status == 303 and emu.faults() == faults
    assert "kind must be one of" in raw_call(
        emu.url, method="GET", path="/_emulator/", query={"error": "kind must be one of x"})[1].decode()
    assert _form_post(emu, "/faults/%s/delete" % faults[0]["id"], {})[0] == 303
    assert emu.faults() == []
    _form_post(emu, "/faults", {"kind": "error", "code": "Throttling", "status": "400"})
    _form_post(emu, "/faults", {"kind": "drop_before", "action": "CreateMasterSlaveServerGroup"})
    assert len(emu.faults()) == 2
    assert _form_post(emu, "/faults/clear", {})[0] == 303
    assert emu.faults() == []
    # A page on another site cannot submit the form (CSRF).
    status, _ = _form_post(emu, "/faults", {"kind": "drop_before"},
                           origin="http://evil.example")
    assert status == 403 and emu.faults() == []


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--window-size=1400,1000", "--virtual-time-budget=3000"]


@pytest.mark.skipif(_chromium() is None,
                    reason="chromium is not installed (apt-get install chromium; .ci/run "
                           "installs it on CI when it can)")
def test_console_in_a_real_browser(emu, tmp_path):
    gid = populate(emu)
    url = emu.url + "/_emulator/"
    browser = _chromium()
    assert browser is not None
    base = [browser, *CHROMIUM_FLAGS]
    dom = subprocess.run([*base, "--user-data-dir=%s" % (tmp_path / "profile-dom"), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for element_id in ("load-balancers", "groups", "listeners", "faults", "requests",
                       "add-fault"):
        assert 'id="%s"' % element_id in html, element_id
    assert gid in html and "tcp:443" in html and "SystemBusy" in html
    shot = tmp_path / "console.png"
    run = subprocess.run([*base, "--user-data-dir=%s" % (tmp_path / "profile-shot"), "--screenshot=%s" % shot, url],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    # The browser's own requests reached the console (allowed Host, no cross-site flag).
    assert emu.state()["groups"][0]["id"] == gid
