"""Waiting on another process: its first line of output, its exit, or its state.

One place for it, so no harness or bench module grows its own sleep loop. Where the
thing waited for can signal (a thread's event, a pipe's readability, a process's exit)
the wait is on that signal; only another process's state (the emulator's request log,
a file a provider writes) is polled, here, with a deadline and a message that says what
never happened.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Any, AnyStr

__all__ = ["WaitTimeout", "first_line", "stop_process", "wait_for", "wait_until"]


class WaitTimeout(TimeoutError):
    """What a test waited for did not happen in time (the message says what)."""


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.05,
             *, cancel: threading.Event | None = None) -> bool:
    """Poll `predicate` until it is true; False when `timeout` passes (or `cancel` is set)
    first. For another process's state, which cannot signal this one; the pause between
    polls is an event's wait, so setting `cancel` ends it at once."""
    pause = cancel if cancel is not None else threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        left = deadline - time.monotonic()
        if left <= 0 or pause.wait(min(interval, left)):
            return False


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> None:
    """wait_for, failing with WaitTimeout naming `what` when it never happens."""
    if not wait_for(predicate, timeout, interval):
        raise WaitTimeout(f"{what}: not within {timeout:g} s")


def first_line(stream: IO[Any], timeout: float) -> str | None:
    """The first line a child process writes to the pipe `stream`, without its newline
    (what it wrote before closing the pipe, if it closed it first); None when nothing
    ended the line within `timeout`. Reads the file descriptor a byte at a time, so
    nothing after the line leaves the pipe and the stream's own buffer stays empty for
    whoever drains it next."""
    line = bytearray()
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            byte = os.read(stream.fileno(), 1)
            if byte in (b"", b"\n"):
                return line.decode(errors="replace").rstrip("\r")
            line += byte


def stop_process(process: subprocess.Popen[AnyStr], timeout: float = 10.0) -> int:
    """Terminate, and kill if it has not exited within `timeout`; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    return process.returncode
