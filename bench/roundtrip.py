"""Diagnostic: the emulator's own round trip for one signed API call, on a fresh
connection and on a reused (keep-alive) one, as the SDK's connection pool reuses them."""

from __future__ import annotations

import http.client
import urllib.parse

from support.emulator_process import raw_call, signed_params

from .common import EmulatorProcess, median, now

PARAMS = {"LoadBalancerId": "lb-demo-hangzhou", "RegionId": "cn-hangzhou"}
ACTION = "DescribeMasterSlaveServerGroups"


def run(emu: EmulatorProcess, n: int = 20) -> dict:
    emu.clear_faults()

    def fresh() -> None:
        raw_call(emu.url, query=signed_params(ACTION, PARAMS))

    host, port = urllib.parse.urlsplit(emu.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def keepalive() -> None:
        query = urllib.parse.urlencode(signed_params(ACTION, PARAMS))
        conn.request("POST", "/?" + query, body=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status

    out = {}
    try:
        for name, fn in (("fresh_ms", fresh), ("keepalive_ms", keepalive)):
            fn()
            samples = []
            for _ in range(n):
                t0 = now()
                fn()
                samples.append((now() - t0) * 1000.0)
            out[name] = median(samples)
    finally:
        conn.close()
        emu.clear_requests()
    return out
