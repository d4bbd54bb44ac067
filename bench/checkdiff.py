"""Provider cost of Check and Diff: N calls each through the real provider process (gRPC).

Requests are serialized once, up front, and sent with the raw gRPC stub, so the timing is
the round trip to the provider process (gRPC over loopback + the dynamic provider's
deserialization of the properties and of `__provider` + our check()/diff()), not the
harness's own serialization. The same is measured against the trivial provider, whose
check() returns its inputs, to show the floor the gRPC transport sets.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from .common import (
    ROOT,
    EmulatorProcess,
    ProviderProcess,
    clean_env,
    group_program,
    median,
    now,
    percentile,
    registrations,
    scratch_project,
    start_provider,
    to_wire,
)

URN = "urn:pulumi:dev::project::pulumi-python:dynamic:Resource::group-0"
TRIVIAL_URN = "urn:pulumi:dev::trivial::pulumi-python:dynamic:Resource::thing"


def _time_calls(fn: Callable[..., Any], request: Any, n: int) -> list[float]:
    """fn(request) n times after a warm-up; each call's milliseconds."""
    for _ in range(min(20, n)):  # warm up: first call loads the provider, imports, configure()
        fn(request, timeout=60)
    samples = []
    for _ in range(n):
        t0 = now()
        fn(request, timeout=60)
        samples.append((now() - t0) * 1000.0)
    return samples


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"n": len(samples), "median_ms": median(samples), "p95_ms": percentile(samples, 95),
            "max_ms": max(samples)}


def run(emu: EmulatorProcess, workdir: str, n: int) -> dict[str, Any]:
    emu.reset()
    emu.clear_faults()
    provider = start_provider(scratch_project(tempfile.mkdtemp(dir=workdir), "checkdiff"), emu)
    try:
        [reg] = registrations(group_program(tags={"env": "dev", "team": "web"}, description="primary-web"))
        checked = provider.check(URN, {}, reg.inputs).inputs
        gid, outputs = provider.create(URN, checked)
        emu.clear_requests()
        # Check as in an unchanged `pulumi up`: olds = prior inputs, news = the program's inputs.
        check_req = provider_pb2.CheckRequest(urn=URN, olds=to_wire(checked), news=to_wire(reg.inputs),
                                              name="group-0", type="pulumi-python:dynamic:Resource")
        diff_req = provider_pb2.DiffRequest(id=gid, urn=URN, olds=to_wire(outputs), news=to_wire(checked),
                                            old_inputs=to_wire(checked), name="group-0",
                                            type="pulumi-python:dynamic:Resource")
        assert provider.diff(URN, gid, outputs, checked, checked).changes == "none"
        check = _summary(_time_calls(provider.stub.Check, check_req, n))
        diff = _summary(_time_calls(provider.stub.Diff, diff_req, n))
        api_calls = len(emu.requests())
        provider.delete(URN, gid, outputs, checked)
    finally:
        provider.stop()

    from bench.trivial_provider import TrivialProvider

    trivial = ProviderProcess(scratch_project(tempfile.mkdtemp(dir=workdir), "trivial"), env=clean_env(),
                              extra_pythonpath=[str(ROOT)])
    try:
        trivial.configure({})
        inputs = dict(reg.inputs)
        inputs["__provider"] = serialize_provider(TrivialProvider())
        req = provider_pb2.CheckRequest(urn=TRIVIAL_URN, olds=to_wire(inputs), news=to_wire(inputs),
                                        name="thing", type="pulumi-python:dynamic:Resource")
        trivial_check = _summary(_time_calls(trivial.stub.Check, req, n))
    finally:
        trivial.stop()
    result = {"check": check, "diff": diff, "trivial_check": trivial_check, "api_calls_during": api_calls}
    result["check_preview_checks"] = run_preview_checks(emu, workdir, n)
    return result


def run_preview_checks(emu: EmulatorProcess, workdir: str, n: int) -> dict[str, Any]:
    """Check with `slb-master-slave:previewChecks: true`: the first Check of a load balancer pays
    one DescribeLoadBalancerAttribute round trip; every later one is answered from the cache."""
    emu.reset()
    emu.clear_faults()
    provider = start_provider(scratch_project(tempfile.mkdtemp(dir=workdir), "checkdiff-live"), emu,
                              **{"slb-master-slave:previewChecks": "true"})
    try:
        [reg] = registrations(group_program(tags={"env": "dev", "team": "web"}, description="primary-web"))
        request = provider_pb2.CheckRequest(urn=URN, olds=to_wire({}), news=to_wire(reg.inputs),
                                            name="group-0", type="pulumi-python:dynamic:Resource")
        t0 = now()
        response = provider.stub.Check(request, timeout=60)
        first_ms = (now() - t0) * 1000.0
        assert not response.failures, response.failures
        cached = _summary(_time_calls(provider.stub.Check, request, n))
        api_calls = emu.actions()
    finally:
        provider.stop()
    return {"first_ms": first_ms, "cached": cached, "api_calls": len(api_calls), "actions": api_calls}
