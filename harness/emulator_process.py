"""Run the SLB emulator as a real process for tests, and talk to its admin API.

    with EmulatorProcess() as emu:
        client = emu.sdk_client()
        ...
        emu.state(); emu.actions(); emu.add_fault(kind="drop_after", count=1)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import IO, Any, cast
from urllib.parse import quote, urlsplit

from .environment import LOOPBACK_OPENER
from .waiting import first_line, stop_process

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

Json = dict[str, Any]



def _keep_tail(stream: IO[str], lines: list[str], keep: int = 200) -> None:
    """Read a child's pipe to its end, keeping its last `keep` lines (for error messages)."""
    with contextlib.suppress(OSError, ValueError):
        for line in stream:
            lines.append(line)
            del lines[:-keep]


class EmulatorProcess:
    """A context manager around ``python -m slb_emulator --port 0``."""

    def __init__(self, seed: str | os.PathLike[str] | None = None, db: str | os.PathLike[str] | None = None,
                 extra_args: Iterable[str] = ()) -> None:
        self.seed = seed
        self.db = db
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self._stderr_lines: list[str] = []

    # --- lifecycle ------------------------------------------------------------------

    def _command(self) -> list[str]:
        cmd = [sys.executable, "-m", "slb_emulator", "--port", "0"]
        if self.seed:
            cmd += ["--seed", str(self.seed)]
        if self.db:
            cmd += ["--db", str(self.db)]
        return cmd + self.extra_args

    def start(self) -> EmulatorProcess:
        if self.proc is not None:
            raise RuntimeError("emulator already started")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = self.proc = subprocess.Popen(self._command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            stdin=subprocess.DEVNULL, env=env, text=True)
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=_keep_tail, args=(proc.stderr, self._stderr_lines), daemon=True).start()
        first = first_line(proc.stdout, START_TIMEOUT)
        if first is None:
            self.stop()
            raise RuntimeError("the emulator printed no URL within %.0f s: %s"
                               % (START_TIMEOUT, self._stderr_text())) from None
        first = first.strip()
        if not first.startswith("http"):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            code = proc.poll()
            self.stop()
            raise RuntimeError("the emulator did not start (exit %s): %s"
                               % (code, self._stderr_text()))
        self.url = first
        threading.Thread(target=_keep_tail, args=(proc.stdout, [], 1), daemon=True).start()
        return self

    def _stderr_text(self) -> str:
        return "".join(self._stderr_lines[-50:]).strip() or "(no stderr)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process(proc, STOP_TIMEOUT)

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- admin API ------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: Json | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + "/_emulator" + path, data=data,
                                         method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with LOOPBACK_OPENER.open(request, timeout=10) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise RuntimeError("admin %s %s failed: %s %s"
                               % (method, path, e.code, e.read().decode("utf-8", "replace"))) from None

    def health(self) -> Json:
        return cast(Json, self._admin("GET", "/health"))

    def reset(self) -> None:
        self._admin("POST", "/reset", {})

    def requests(self) -> list[Json]:
        return cast(list[Json], self._admin("GET", "/requests")["requests"])

    def clear_requests(self) -> None:
        self._admin("DELETE", "/requests")

    def actions(self) -> list[str]:
        return [r["action"] for r in self.requests()]

    def state(self) -> Json:
        return cast(Json, self._admin("GET", "/state"))

    def add_fault(self, **fault: Any) -> str:
        return cast(str, self._admin("POST", "/faults", fault)["id"])

    def faults(self) -> list[Json]:
        return cast(list[Json], self._admin("GET", "/faults")["faults"])

    def remove_fault(self, fault_id: str) -> None:
        self._admin("DELETE", "/faults/" + fault_id)

    def clear_faults(self) -> None:
        self._admin("DELETE", "/faults")

    def storage(self) -> Json:
        """{"page_count", "max_page_count", "limited"}: the database's size and its limit."""
        return cast(Json, self._admin("GET", "/storage"))

    def set_storage(self, max_pages: int | None) -> Json:
        """Limit the database to max_pages (sqlite's max_page_count: writes that would grow it
        fail with "database or disk is full"); None lifts the limit."""
        return cast(Json, self._admin("POST", "/storage", {"max_pages": max_pages}))

    def add_load_balancer(self, **lb: Any) -> None:
        """A load balancer as a seed entry (load_balancer_id, region_id, spec, status, ...)."""
        self._admin("POST", "/load_balancers", lb)

    def set_delete_protection(self, load_balancer_id: str, on: bool = True) -> None:
        self._admin("PATCH", "/load_balancers/" + load_balancer_id,
                    {"delete_protection": "on" if on else "off"})

    def set_create_time(self, group_id: str, seconds_ago: float) -> None:
        """Make the group look created `seconds_ago` seconds ago (its CreateTime, to the second)."""
        create_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))
        self._admin("PATCH", "/groups/" + group_id, {"create_time": create_time})

    def groups_by_id(self) -> dict[str, Json]:
        """id -> the group as the emulator holds it (load balancer, servers, tags)."""
        return {group["id"]: group for group in self.state()["groups"]}

    # --- the official SDK -----------------------------------------------------------

    def call(self, action: str, region: str = "cn-hangzhou", **params: Any) -> Json:
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
        return cast(Json, json.loads(self.sdk_client().do_action_with_exception(request)))

    def sdk_client(self, access_key_id: str = "emulator-demo-key", secret: str = "emulator-demo-secret",
                   region: str = "cn-hangzhou", security_token: str | None = None, **kwargs: Any) -> Any:
        """An AcsClient whose Slb calls (any region) go to this emulator over http."""
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
            client.add_endpoint(r, "Slb", self.url)
        return client


# --- raw signed requests (for what the SDK cannot send) -----------------------------
# An implementation of signature 1.0 separate from the emulator's, so a bug cannot
# hide on both sides.

def _percent(value: object) -> str:
    return quote(str(value).encode("utf-8"), safe="~")


def _form(value: dict[str, Any]) -> str:
    """RFC 3986 style urlencoding, in the dict's order."""
    return "&".join(f"{_percent(k)}={_percent(v)}" for k, v in value.items())


def signed_params(action: str, params: dict[str, Any] | None = None, access_key_id: str = "emulator-demo-key",
                  secret: str = "emulator-demo-secret", method: str = "POST", timestamp: str | None = None,
                  nonce: str | None = None, region: str = "cn-hangzhou", security_token: str | None = None,
                  version: str = "2014-05-15") -> dict[str, Any]:
    """Common parameters plus ``params``, signed; returns the dict to send."""
    full: dict[str, Any] = {
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
    canonical = _form(dict(sorted(full.items())))
    to_sign = method + "&%2F&" + _percent(canonical)
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    full["Signature"] = base64.b64encode(digest).decode()
    return full


def _encoded(value: dict[str, Any] | str | bytes | None) -> str | bytes | None:
    return _form(value) if isinstance(value, dict) else value


def raw_call(url: str, method: str = "POST", query: dict[str, Any] | str | bytes | None = None,
             body: dict[str, Any] | str | bytes | None = None, headers: dict[str, str] | None = None,
             path: str = "/", timeout: float = 5.0) -> tuple[int, Any]:
    """One HTTP request with http.client; returns (status, parsed JSON or raw bytes).

    ``query``/``body`` may be dicts (urlencoded RFC 3986 style) or bytes/str sent as is.
    """
    target = path
    q = _encoded(query)
    if q:
        target += "?" + (q if isinstance(q, str) else q.decode("latin-1"))
    data = _encoded(body)
    if isinstance(data, str):
        data = data.encode("utf-8")
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=timeout)
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
