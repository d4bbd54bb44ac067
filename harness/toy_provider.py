"""A tiny dynamic provider for the engine harness's own tests (not the product).

It keeps "objects" in a JSON file (the store) so tests can watch what the real provider
process did. The store path comes from configure() (config key `toy:store`) or the
`TOY_STORE` environment variable. The store also holds an ordered event log
(`events`: check/diff/create/read/update/delete/configure) and the highest number of
create/update/delete calls seen in flight at once (`max_inflight`).

Inputs the toy understands (all optional except `key`):
  key                    a logical name, repeated in every event
  replace_on             list of input names whose change requires a replacement
  delete_before_replace  returned by diff() when replacing
  fail                   "check" | "diff" | "create" | "update" | "delete" | "read":
                         raise an exception in that method
  bad                    check() reports a failure on property "bad"
  sleep                  seconds create/update/delete sleep (to observe concurrency)
  crash_window           seconds create/update/delete/read sleep AFTER applying, before
                         answering: a window in which a test kills the process
                         (Engine.crash_during) once the store shows the effect
  bare_diff              diff() returns a bare DiffResult() (the "unknown" diff)
  report_inputs          read() returns inputs= as well
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

STORE_ENV = "TOY_STORE"
STORE_CONFIG_KEY = "toy:store"
OUTPUT_ONLY = ("types", "serial")
CONTROL_KEYS = ("replace_on", "delete_before_replace", "fail", "sleep", "bare_diff", "report_inputs", "crash_window")

_thread_lock = threading.Lock()
# The store path configure() received (config wins over TOY_STORE); tests set it as well,
# to open the store from the test process (tests/test_engine_harness.py).
_store_path: str | None = None


def _path() -> str:
    path = _store_path or os.environ.get(STORE_ENV)
    if not path:
        raise RuntimeError("toy provider: no store (config toy:store or env TOY_STORE)")
    return path


@contextlib.contextmanager
def _store() -> Iterator[dict[str, Any]]:
    """Lock the store (threads and processes), yield its data, write it back."""
    path = _path()
    with _thread_lock, open(path + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = read_store(path)
            yield data
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_store(path: str) -> dict[str, Any]:
    """The store as the toy last wrote it (tests use this to observe the provider)."""
    try:
        with open(path, encoding="utf-8") as f:
            data: dict[str, Any] = json.load(f)
    except FileNotFoundError:
        data = {}
    data.setdefault("objects", {})
    data.setdefault("events", [])
    data.setdefault("inflight", 0)
    data.setdefault("max_inflight", 0)
    return data


def _unknown_paths(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, pulumi.output.Unknown):
        return [prefix]
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _unknown_paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _unknown_paths(v, f"{prefix}[{i}]")
    return out


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


def _event(data: dict[str, Any], op: str, key: Any, **extra: Any) -> None:
    data["events"].append({"seq": len(data["events"]), "op": op, "key": key, **extra})


def _crash_window(props: dict[str, Any]) -> None:
    if props.get("crash_window"):
        time.sleep(float(props["crash_window"]))


def _maybe_fail(props: dict[str, Any], op: str) -> None:
    if props.get("fail") == op:
        raise RuntimeError(f"toy {op} failed on purpose for {props.get('key')!r}")


class ToyProvider(ResourceProvider):
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        global _store_path  # noqa: PLW0603  # one store per process, which tests set too (above)
        raw = req.config._props  # the dynamic Config keeps the raw dict here
        store = req.config.get(STORE_CONFIG_KEY)
        if store:
            _store_path = store
        seen = {
            k: {"type": type(v).__name__, "sha256": hashlib.sha256(str(v).encode()).hexdigest()}
            for k, v in raw.items()
        }
        with _store() as data:
            _event(data, "configure", None, config=seen)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        with _store() as data:
            _event(
                data, "check", news.get("key"),
                olds_empty=not _plain(olds),
                unknown=_unknown_paths(_plain(news)),
                types={k: type(v).__name__ for k, v in _plain(news).items()},
            )
        _maybe_fail(news, "check")
        failures = []
        if "bad" in news:
            failures.append(CheckFailure("bad", f"BAD_VALUE: bad is {news['bad']!r}"))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        _maybe_fail(news, "diff")
        olds_p = {k: v for k, v in _plain(olds).items() if k not in OUTPUT_ONLY}
        news_p = _plain(news)
        changed = sorted(
            k for k in set(olds_p) | set(news_p)
            if isinstance(news_p.get(k), pulumi.output.Unknown) or olds_p.get(k) != news_p.get(k)
        )
        with _store() as data:
            _event(data, "diff", news.get("key"), id=id_, changed=changed,
                   provider_in_olds="__provider" in olds)
        if news.get("bare_diff"):
            return DiffResult()
        replace_on = news.get("replace_on") or []
        replaces = [k for k in changed if k in replace_on]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(news.get("delete_before_replace")) if replaces else None,
        )

    def _inflight(self, delta: int) -> None:
        with _store() as data:
            data["inflight"] += delta
            data["max_inflight"] = max(data["max_inflight"], data["inflight"])

    def _work(self, props: dict[str, Any], op: str) -> None:
        self._inflight(+1)
        try:
            if props.get("sleep"):
                time.sleep(float(props["sleep"]))
            _maybe_fail(props, op)
        finally:
            self._inflight(-1)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._work(props, "create")
        id_ = f"toy-{uuid.uuid4().hex[:12]}"
        obj = _plain(props)
        with _store() as data:
            obj["types"] = {k: type(v).__name__ for k, v in _plain(props).items()}
            obj["serial"] = len(data["events"])
            data["objects"][id_] = obj
            _event(data, "create", props.get("key"), id=id_)
        _crash_window(props)
        return CreateResult(id_, dict(obj))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _maybe_fail(props, "read")
        with _store() as data:
            obj = data["objects"].get(id_)
            _event(data, "read", props.get("key"), id=id_, found=obj is not None)
        _crash_window(props)
        if obj is None:
            return ReadResult("", {})
        inputs = None
        if obj.get("report_inputs"):
            inputs = {k: v for k, v in obj.items() if k not in OUTPUT_ONLY}
        return ReadResult(id_, dict(obj), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._work(news, "update")
        with _store() as data:
            obj = _plain(news)
            obj["types"] = {k: type(v).__name__ for k, v in _plain(news).items()}
            obj["serial"] = len(data["events"])
            data["objects"][id_] = obj
            _event(data, "update", news.get("key"), id=id_)
        _crash_window(news)
        return UpdateResult(dict(obj))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._work(props, "delete")
        with _store() as data:
            existed = data["objects"].pop(id_, None) is not None
            _event(data, "delete", props.get("key"), id=id_, existed=existed)
        _crash_window(props)


class ToyThing(Resource, module="toy", name="Thing"):
    """`pulumi-python:dynamic/toy:Thing`."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        props = dict(props)
        props.setdefault("key", name)
        super().__init__(ToyProvider(), name, props, opts)


class SecretToyProvider(ToyProvider):
    """Same toy, default `serialize_as_secret_always` (True): `__provider` is a secret."""

    serialize_as_secret_always = True


class SecretToyThing(Resource, module="toy", name="SecretThing"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        props = dict(props)
        props.setdefault("key", name)
        super().__init__(SecretToyProvider(), name, props, opts)
