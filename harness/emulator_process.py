"""Run the SLB emulator as a real process for tests, and talk to its admin API.

    with EmulatorProcess() as emu:
        client = emu.sdk_client()
        ...
        emu.state(); emu.actions(); emu.add_fault(kind="drop_after", count=1)
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

# urllib without proxies: the emulator is on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorProcess:
    """A context manager around ``python -m slb_emulator --port 0``."""

    def __init__(self, seed=None, db=None, extra_args=()):
        self.seed = seed
        self.db = db
        self.extra_args = list(extra_args)
        self.proc = None
        self.url = None
        self.endpoint = None
        self._stderr_lines = []

    # --- lifecycle ------------------------------------------------------------------

    def start(self):
        if self.proc is not None:
            raise RuntimeError("emulator already started")
        cmd = [sys.executable, "-m", "slb_emulator", "--port", "0"]
        if self.seed:
            cmd += ["--seed", str(self.seed)]
        if self.db:
            cmd += ["--db", str(self.db)]
        cmd += self.extra_args
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()),
                         daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the emulator printed no URL within %.0f s: %s"
                               % (START_TIMEOUT, self._stderr_text())) from None
        first = first.strip()
        if not first.startswith("http"):
            self.proc.wait(timeout=5) if self.proc.poll() is None else None
            code = self.proc.poll()
            self.stop()
            raise RuntimeError("the emulator did not start (exit %s): %s"
                               % (code, self._stderr_text()))
        self.url = first
        self.endpoint = first
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        return self

    def _drain_stdout(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (OSError, ValueError):
            pass

    def _drain_stderr(self):
        try:
            for line in self.proc.stderr:
                self._stderr_lines.append(line)
                del self._stderr_lines[:-200]
        except (OSError, ValueError):
            pass

    def _stderr_text(self):
        return "".join(self._stderr_lines[-50:]).strip() or "(no stderr)"

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT)
        self.returncode = proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- admin API ------------------------------------------------------------------

    def _admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + "/_emulator" + path, data=data,
                                         method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(request, timeout=10) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise RuntimeError("admin %s %s failed: %s %s"
                               % (method, path, e.code, e.read().decode("utf-8", "replace"))) from None

    def health(self):
        return self._admin("GET", "/health")

    def reset(self):
        self._admin("POST", "/reset", {})

    def requests(self):
        return self._admin("GET", "/requests")["requests"]

    def clear_requests(self):
        self._admin("DELETE", "/requests")

    def actions(self):
        return [r["action"] for r in self.requests()]

    def state(self):
        return self._admin("GET", "/state")

    def add_fault(self, **fault):
        return self._admin("POST", "/faults", fault)["id"]

    def faults(self):
        return self._admin("GET", "/faults")["faults"]

    def remove_fault(self, fault_id):
        self._admin("DELETE", "/faults/" + fault_id)

    def clear_faults(self):
        self._admin("DELETE", "/faults")

    def storage(self):
        """{"page_count", "max_page_count", "limited"}: the database's size and its limit."""
        return self._admin("GET", "/storage")

    def set_storage(self, max_pages):
        """Limit the database to max_pages (sqlite's max_page_count: writes that would grow it
        fail with "database or disk is full"); None lifts the limit."""
        return self._admin("POST", "/storage", {"max_pages": max_pages})

    def add_load_balancer(self, **lb):
        """A load balancer as a seed entry (load_balancer_id, region_id, spec, status, ...)."""
        self._admin("POST", "/load_balancers", lb)

    def set_delete_protection(self, load_balancer_id, on=True):
        self._admin("PATCH", "/load_balancers/" + load_balancer_id,
                    {"delete_protection": "on" if on else "off"})

    def groups_by_id(self):
        """id -> the group as the emulator holds it (load balancer, servers, tags)."""
        return {group["id"]: group for group in self.state()["groups"]}

    # --- the official SDK -----------------------------------------------------------

    def call(self, action, region="cn-hangzhou", **params):
        """Any SLB action through the official SDK over http, as a user's script (or the
        console) would make it out of band: the answer as a dict, an error as the SDK raises it."""
        from aliyunsdkcore.http import protocol_type
        from aliyunsdkcore.request import RpcRequest

        request = RpcRequest("Slb", "2014-05-15", action)
        request.set_endpoint(self.url.split("://", 1)[1])
        request.set_protocol_type(protocol_type.HTTP)
        request.set_method("POST")
        request.add_query_param("RegionId", region)
        for key, value in params.items():
            request.add_query_param(key, value)
        return json.loads(self.sdk_client().do_action_with_exception(request))

    def sdk_client(self, access_key_id="emulator-demo-key", secret="emulator-demo-secret",
                   region="cn-hangzhou", security_token=None, **kwargs):
        """An AcsClient whose Slb calls (any region) go to this emulator over http."""
        return make_sdk_client(self.url, access_key_id, secret, region, security_token,
                               **kwargs)


def make_sdk_client(url, access_key_id="emulator-demo-key", secret="emulator-demo-secret",
                    region="cn-hangzhou", security_token=None, **kwargs):
    from aliyunsdkcore.client import AcsClient

    # Explicit no-proxy mapping: the SDK reads HTTP_PROXY whenever proxy is falsy.
    kwargs.setdefault("proxy", {"http": None, "https": None})
    kwargs.setdefault("auto_retry", False)
    if security_token:
        from aliyunsdkcore.auth.credentials import StsTokenCredential
        client = AcsClient(region_id=region, credential=StsTokenCredential(
            access_key_id, secret, security_token), **kwargs)
    else:
        # ak/secret passed explicitly: otherwise ALIYUN_ACCESS_KEY_* would win.
        client = AcsClient(ak=access_key_id, secret=secret, region_id=region, **kwargs)
    # An endpoint with an http:// scheme is used as is, whatever the request's protocol.
    for r in ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", region):
        client.add_endpoint(r, "Slb", url)
    return client


# --- raw signed requests (for what the SDK cannot send) -----------------------------
# An implementation of signature 1.0 separate from the emulator's, so a bug cannot
# hide on both sides.

def _percent(value):
    from urllib.parse import quote
    return quote(str(value).encode("utf-8"), safe="~")


def signed_params(action, params=None, access_key_id="emulator-demo-key",
                  secret="emulator-demo-secret", method="POST", timestamp=None, nonce=None,
                  region="cn-hangzhou", security_token=None, version="2014-05-15"):
    """Common parameters plus ``params``, signed; returns the dict to send."""
    import base64
    import hashlib
    import hmac
    import time
    import uuid

    full = {
        "Action": action, "Version": version, "Format": "JSON",
        "AccessKeyId": access_key_id, "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": timestamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "RegionId": region,
    }
    if security_token is not None:
        full["SecurityToken"] = security_token
    full.update(params or {})
    full = {k: v for k, v in full.items() if v is not None}
    canonical = "&".join("%s=%s" % (_percent(k), _percent(v)) for k, v in sorted(full.items()))
    to_sign = method + "&%2F&" + _percent(canonical)
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    full["Signature"] = base64.b64encode(digest).decode()
    return full


def raw_call(url, method="POST", query=None, body=None, headers=None, path="/", timeout=5.0):
    """One HTTP request with http.client; returns (status, parsed JSON or raw bytes).

    ``query``/``body`` may be dicts (urlencoded RFC 3986 style) or bytes/str sent as is.
    """
    import http.client
    from urllib.parse import urlsplit

    def encode(value):
        if isinstance(value, dict):
            return "&".join("%s=%s" % (_percent(k), _percent(v)) for k, v in value.items())
        return value

    target = path
    q = encode(query)
    if q:
        target += "?" + (q if isinstance(q, str) else q.decode("latin-1"))
    data = encode(body)
    if isinstance(data, str):
        data = data.encode("utf-8")
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if data is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, target, body=data, headers=hdrs)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return response.status, raw
    finally:
        conn.close()
