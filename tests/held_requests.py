"""Waiting for API requests an emulator latency fault holds, instead of sleeping past them.

The emulator counts a fault's firing when the request arrives and logs the request only when
it is done with it (applied, refused or dropped), so "every fired hold is in the log" is the
exact moment a test may look at the emulator's state.
"""

from __future__ import annotations

from harness.emulator_process import EmulatorProcess
from harness.waiting import wait_for


def last_logged(emu: EmulatorProcess) -> int:
    """The sequence number of the emulator's latest logged request (0: none yet)."""
    return max((int(r["seq"]) for r in emu.requests()), default=0)


def held_requests_landed(emu: EmulatorProcess, since: int) -> bool:
    """Every request a latency fault fired on has been logged after entry `since`."""
    fired = 0
    for fault in emu.faults():
        if fault["kind"] == "latency":
            fired += int(fault["fired"])
    landed = len([r for r in emu.requests() if r["seq"] > since and "latency" in (r["fault"] or "")])
    return landed >= fired


def wait_for_held_requests(emu: EmulatorProcess, since: int, seconds: float) -> None:
    """Block until the held requests landed; fail the test if one is still held after `seconds`."""
    assert wait_for(lambda: held_requests_landed(emu, since), timeout=seconds), \
        f"a request held by a latency fault never finished within {seconds} s: {emu.faults()}"


def wait_until_held(emu: EmulatorProcess, seconds: float = 10) -> None:
    """Block until a latency fault has fired: a request is being held at the API."""
    assert wait_for(lambda: any(f["fired"] for f in emu.faults() if f["kind"] == "latency"), timeout=seconds), \
        "the request never reached the API"
