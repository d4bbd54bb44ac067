"""Maker tokens for tests (maker.py): one of a process on this machine that has ended, and one
of another machine, whose liveness this machine cannot know."""

from __future__ import annotations

import subprocess

from slb_master_slave.ownership import maker


def gone_maker_token() -> str:
    """A provider process of this machine and boot that has ended (a killed CLI's provider)."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    here = maker.this_process().machine
    return maker.Maker(here, ended.pid, 1).token


def foreign_maker_token() -> str:
    """A provider process on another machine: maybe still running, as far as this one can tell."""
    here = maker.this_process().machine
    other = format((int(here[:maker.MACHINE_CHARS], 16) + 1) % 16**maker.MACHINE_CHARS, "06x")
    return maker.Maker(other + here[maker.MACHINE_CHARS:], 4242, 987654321).token
