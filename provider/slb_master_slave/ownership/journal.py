"""This machine's record of creates that began and have not finished (docs/ARCHITECTURE.md, "Ownership").

A pending ownership tag names its maker (maker.py), so only the maker can filter a listing on
it exactly. Before a create is sent, the provider writes one small file here naming the
pending value, the load balancer and where it was sent; once the group is completed (or the
create's own clean-up removed it) the file goes. A file whose maker is gone is what a later
create or delete on this machine needs to find the group that maker left, with one listing
filtered on that exact value, and take it over (or remove it) at once.

The journal only says where to look; what a group is, and whose, is read from the cloud.
It is best effort: a journal that cannot be written (a read-only home) costs only speed,
since a leftover the journal does not name is still found by a delete's sweep or the audit
once its window has passed. Files older than `MAX_AGE_SECONDS` are dropped.

Location: `$SLB_MASTER_SLAVE_JOURNAL_DIR`, else
`${XDG_CACHE_HOME:-~/.cache}/pulumi-slb-master-slave/unfinished-creates/`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace

try:
    import fcntl
except ImportError:  # not on Windows: no take-over through the journal there, the window applies
    fcntl = None  # type: ignore[assignment]

JOURNAL_DIR_ENV = "SLB_MASTER_SLAVE_JOURNAL_DIR"
MAX_AGE_SECONDS = 30 * 24 * 3600


def journal_dir() -> str:
    given = os.environ.get(JOURNAL_DIR_ENV)
    if given:
        return given
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "pulumi-slb-master-slave", "unfinished-creates")


@dataclass(frozen=True)
class Place:
    """Where creates went: one account's load balancer, in a region, at an endpoint."""

    load_balancer_id: str
    region: str
    endpoint: str  # the endpoint's URL, or "" for the regional default
    account: str  # a digest of the access key id, never the id itself

    @classmethod
    def of(cls, load_balancer_id: str, region: str, endpoint_url: str | None, access_key_id: str | None) -> Place:
        account = hashlib.sha256((access_key_id or "").encode()).hexdigest()[:12]
        return cls(load_balancer_id, region, endpoint_url or "", account)


@dataclass(frozen=True)
class UnfinishedCreate:
    value: str  # the pending ownership tag value the create sent
    place: Place
    started: float
    group_id: str | None = None
    engine: tuple[str, ...] = ()  # the maker's engine processes, as maker tokens (engine_presence)

    @property
    def file_name(self) -> str:
        key = json.dumps([self.value, *asdict(self.place).values()])
        return hashlib.sha256(key.encode()).hexdigest()[:24] + ".json"


def record(entry: UnfinishedCreate) -> None:
    """Write (or rewrite, with the group id once known) the entry; never raises."""
    folder = journal_dir()
    with contextlib.suppress(OSError):
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({**asdict(entry), "place": asdict(entry.place)}, out)
            os.replace(temporary, os.path.join(folder, entry.file_name))
        except OSError:
            os.unlink(temporary)
            raise


def with_group(entry: UnfinishedCreate, group_id: str) -> UnfinishedCreate:
    updated = replace(entry, group_id=group_id)
    record(updated)
    return updated


def forget(entry: UnfinishedCreate) -> None:
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(journal_dir(), entry.file_name))


@contextlib.contextmanager
def claimed(entry: UnfinishedCreate) -> Iterator[bool]:
    """Hold the entry for this process while it takes over the entry's group: True when held.

    An exclusive, non-blocking lock on the entry's file: two processes on this machine never
    take over the same group, and a holder that dies lets go with its process. False when
    another process holds it or it is gone (its group already settled)."""
    path = os.path.join(journal_dir(), entry.file_name)
    try:
        handle = os.open(path, os.O_RDWR)
    except OSError:
        yield False
        return
    try:
        try:
            if fcntl is None:
                raise OSError("no file locks here")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield os.path.exists(path)  # not forgotten by the holder before us
    finally:
        os.close(handle)


def unfinished(place: Place, *, now: float | None = None) -> list[UnfinishedCreate]:
    """Every entry for `place`, oldest first; entries past MAX_AGE_SECONDS are removed."""
    folder = journal_dir()
    try:
        names = [name for name in os.listdir(folder) if name.endswith(".json")]
    except OSError:
        return []
    now = time.time() if now is None else now
    found = []
    for name in names:
        entry = _load(os.path.join(folder, name))
        if entry is None:
            continue
        if now - entry.started > MAX_AGE_SECONDS:
            forget(entry)
        elif entry.place == place:
            found.append(entry)
    return sorted(found, key=lambda entry: entry.started)


def _load(path: str) -> UnfinishedCreate | None:
    try:
        with open(path, encoding="utf-8") as text:
            raw = json.load(text)
        return UnfinishedCreate(value=str(raw["value"]), place=Place(**raw["place"]), started=float(raw["started"]),
                                group_id=raw.get("group_id"), engine=tuple(str(token) for token in raw.get("engine", ())))
    except (OSError, ValueError, TypeError, KeyError):
        return None
