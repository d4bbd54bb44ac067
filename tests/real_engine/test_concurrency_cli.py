"""Through the real CLI: one provider process runs more than the host's 4 operations at once
(`slb-master-slave:maxConcurrentOperations`, worker_pool.py), and when it cannot, the user is
told in the command's output; and `pulumi refresh` reads in two provider processes, one per
phase, so a read cannot be kept from one phase for the other (README, Refresh).

What is counted: the emulator holds every call of one action (a latency fault) for `HELD`
seconds, counts each call as it arrives and logs it when done, so "arrived and not yet
logged" is the number in flight at that moment. Pulumi's own host would let at most 4 in:
these tests fail if the widening falls back, with or without a word.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.emulator_process import EmulatorProcess
from harness.pulumi_cli import CliResult, CliStack
from harness.waiting import wait_for

from . import programs
from .invariants import live_group_ids
from .processes import provider_pids

HELD = 8.0  # seconds the emulator holds each call of the action counted
GROUPS = 8  # programs.EIGHT_GROUPS
SETTING = "slb-master-slave:maxConcurrentOperations"


def _in_flight(emu: EmulatorProcess, action: str) -> int:
    arrived = sum(int(f["fired"]) for f in emu.faults() if f["kind"] == "latency" and f["action"] == action)
    done = sum(1 for r in emu.requests() if r["action"] == action and "latency" in (r["fault"] or ""))
    return arrived - done


def _most_at_once(stack: CliStack, emu: EmulatorProcess, action: str, *command: str) -> tuple[int, CliResult]:
    """Run `pulumi <command>` with every `action` call held; the most seen in flight at once."""
    emu.clear_requests()
    fault = emu.add_fault(kind="latency", seconds=HELD, action=action)
    most = [0]

    def count() -> bool:
        most[0] = max(most[0], _in_flight(emu, action))
        return most[0] >= GROUPS

    def watch(_process: subprocess.Popen[str]) -> None:
        wait_for(count, timeout=3 * HELD)

    try:
        result = stack.run(*command, "--parallel", "16", on_start=watch)
    finally:
        emu.remove_fault(fault)
    return most[0], result


def test_more_than_four_creates_reads_and_deletes_at_once(make_stack, emu):
    stack = make_stack()
    stack.write_program(programs.EIGHT_GROUPS)
    for action, command in (("CreateMasterSlaveServerGroup", ("up", "--skip-preview")),
                            ("DescribeMasterSlaveServerGroupAttribute", ("refresh", "--skip-preview")),
                            ("DeleteMasterSlaveServerGroup", ("destroy", "--skip-preview"))):
        most, result = _most_at_once(stack, emu, action, *command)
        assert most == GROUPS, (f"`pulumi {' '.join(command)}`: at most {most} {action} calls in flight at once; "
                                f"the host's 4 workers were not raised\n{result.output[-3000:]}")
        assert SETTING not in result.output, result.output
    assert live_group_ids(emu) == set()


SDK_WITH_ANOTHER_POOL = '''"""A pulumi SDK whose provider host makes its pool with 5 workers instead of 4."""
import concurrent.futures.thread as _thread

_init = _thread.ThreadPoolExecutor.__init__


def _five_for_four(self, max_workers=None, *args, **kwargs):
    _init(self, 5 if max_workers == 4 else max_workers, *args, **kwargs)


_thread.ThreadPoolExecutor.__init__ = _five_for_four
'''


def test_a_fallback_is_said_in_the_commands_output(make_stack, emu, tmp_path: Path):
    """Where the host is not the one this was checked on, the provider keeps the host's bound
    and the user reads why, as a warning of the command (through the engine's Log service)."""
    stack = make_stack()
    stack.write_program(programs.ONE_GROUP)
    site = tmp_path / "another-sdk"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SDK_WITH_ANOTHER_POOL, encoding="utf-8")
    stack.env["PYTHONPATH"] = str(site)
    result = stack.run("preview")
    assert (f"warning: {SETTING} is 32, but this provider process runs at most 5 calls at once: "
            "the host's thread pool has 5 workers, not the SDK's 4.") in result.output, result.output


def test_refresh_reads_in_two_provider_processes_one_per_phase(make_stack, emu):
    """`pulumi refresh --yes` reads each group in its preview and again in its apply, each phase
    in a provider process of its own: nothing one read learns can reach the other, so the
    provider keeps no answer between them. Should an engine ever serve both phases from one
    process, this fails, and a short-lived read cache could then save the second read."""
    stack = make_stack()
    stack.write_program(programs.ONE_GROUP)
    stack.run("up")
    emu.clear_requests()
    emu.add_fault(kind="latency", seconds=2.0, action="DescribeMasterSlaveServerGroupAttribute")
    seen: set[int] = set()

    def ended(process: subprocess.Popen[str]) -> bool:
        seen.update(provider_pids(process.pid))
        return process.poll() is not None

    def watch(process: subprocess.Popen[str]) -> None:
        wait_for(lambda: ended(process), timeout=120)

    stack.run("refresh", on_start=watch)
    reads = [r for r in emu.requests() if r["action"] == "DescribeMasterSlaveServerGroupAttribute"]
    assert len(reads) == 2, [r["action"] for r in emu.requests()]
    assert len(seen) == 2, f"provider processes during `pulumi refresh --yes`: {sorted(seen)}"
