"""The engine's step scheduling: steps run as their dependencies finish, a bounded number
at a time, and nothing new starts after a failure (in-flight steps finish)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from .state_file import Entry

__all__ = ["DeleteKey", "delete_graph", "run_graph"]

DeleteKey = tuple[str, "str | None", int]  # (urn, id, position): one entry being deleted
_K = TypeVar("_K", bound=Hashable)


def run_graph(keys: list[_K], waits_for: dict[_K, set[_K]], fn: Callable[[_K], None],
              parallelism: int) -> tuple[list[_K], list[_K]]:
    """Run fn(key) for every key once all keys it waits for are done, up to
    `parallelism` at a time. After the first failure no new key starts (the engine
    stops issuing steps; in-flight ones finish). Returns (failed, never started)."""
    keyset = set(keys)
    waits = {k: set(waits_for.get(k, ())) & keyset - {k} for k in keys}
    pending = list(keys)
    done: list[_K] = []
    failed: list[_K] = []
    running: dict[Future[None], _K] = {}
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="engine-step") as ex:
        while True:
            if not failed:
                doneset = set(done)
                for k in [k for k in pending if waits[k] <= doneset]:
                    pending.remove(k)
                    running[ex.submit(fn, k)] = k
            if not running:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for f in finished:
                k = running.pop(f)
                (failed if f.exception() is not None else done).append(k)
    return failed, pending


def delete_graph(entries: list[Entry]) -> tuple[list[DeleteKey], dict[DeleteKey, set[DeleteKey]]]:
    """Keys and waits for deleting `entries`: an entry waits until every other entry
    being deleted that depends on it is gone (reverse dependency order)."""
    keys: list[DeleteKey] = [(e["urn"], e.get("id"), i) for i, e in enumerate(entries)]
    waits: dict[DeleteKey, set[DeleteKey]] = {k: set() for k in keys}
    for k, e in zip(keys, entries):
        for k2, e2 in zip(keys, entries):
            if e2["urn"] != e["urn"] and e["urn"] in e2.get("dependencies", []):
                waits[k].add(k2)
    return keys, waits
