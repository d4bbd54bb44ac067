"""Emulator state in sqlite, and the actions on it (the value rules they apply are in
validation.py, their numbers in rules.py).

One connection (``check_same_thread=False``) guarded by one lock: every public method
runs as a single transaction, so concurrent requests served by ThreadingHTTPServer see
a consistent state, and a request that fails half way changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypedDict, cast

from . import exceptions as exc
from .rules import (
    BACKEND_TYPES,
    DEFAULT_SERVER_TYPE,
    DESCRIPTION,
    GROUP_ID_LENGTH,
    GROUP_ID_PREFIX,
    LOAD_BALANCER_DEFAULTS,
    MAX_GROUP_NAME,
    MAX_TAGS,
    SERVER_TYPES,
)
from .validation import Server, TagFilter, matches, normalize_servers, validate_tags

# The rule names and checks models.py has always offered, re-exported (a test compares the
# rule names with the provider's).
__all__ = ["BACKEND_TYPES", "DESCRIPTION", "MAX_TAGS", "SERVER_TYPES", "Backend", "Group",
           "Server", "normalize_servers", "storage_failure", "validate_tags"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    access_key_id TEXT PRIMARY KEY,
    access_key_secret TEXT NOT NULL,
    security_token TEXT
);
CREATE TABLE IF NOT EXISTS load_balancers (
    load_balancer_id TEXT PRIMARY KEY,
    region_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    delete_protection TEXT NOT NULL DEFAULT 'off',
    status TEXT NOT NULL DEFAULT 'active',
    spec TEXT NOT NULL DEFAULT 'slb.s1.small',
    address_type TEXT NOT NULL DEFAULT 'internet',
    network_type TEXT NOT NULL DEFAULT 'vpc'
);
CREATE TABLE IF NOT EXISTS nonces (
    access_key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (access_key_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_expiry ON nonces (expires_at);
CREATE TABLE IF NOT EXISTS backend_servers (
    server_id TEXT PRIMARY KEY,
    region_id TEXT NOT NULL,
    type TEXT NOT NULL,
    ip TEXT
);
CREATE TABLE IF NOT EXISTS groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    load_balancer_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    servers TEXT NOT NULL,
    create_time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (
    group_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (group_id, key)
);
CREATE TABLE IF NOT EXISTS listeners (
    load_balancer_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    port INTEGER NOT NULL,
    backend_port INTEGER,
    bandwidth INTEGER,
    master_slave_server_group_id TEXT,
    vserver_group_id TEXT,
    PRIMARY KEY (load_balancer_id, protocol, port)
);
"""

ID_ALPHABET = string.ascii_lowercase + string.digits

class Group(TypedDict):
    id: str
    name: str
    load_balancer_id: str
    region_id: str
    create_time: str
    servers: list[Server]
    tags: dict[str, str]


class ListenerRef(TypedDict):
    Protocol: str
    Port: int


class GroupWithListeners(Group, total=False):
    """DescribeMasterSlaveServerGroups with IncludeListener: the listeners bound to it."""
    listeners: list[ListenerRef]



JsonObject = dict[str, Any]


def new_group_id() -> str:
    return GROUP_ID_PREFIX + "".join(secrets.choice(ID_ALPHABET) for _ in range(GROUP_ID_LENGTH))


# sqlite's answers when the storage, not the request, is at fault: a full disk (or the
# max_page_count limit), an I/O error, another writer holding the file, a file that cannot
# be opened or written. Error names need Python 3.11; the messages are sqlite's own.
_STORAGE_ERROR_NAMES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED",
                        "SQLITE_CANTOPEN", "SQLITE_READONLY")
_STORAGE_ERROR_TEXTS = ("database or disk is full", "disk i/o error", "database is locked",
                        "database table is locked", "unable to open database file",
                        "attempt to write a readonly database")


def storage_failure(error: BaseException) -> bool:
    """True when a failed transaction is the storage's fault (the client did nothing wrong)."""
    if isinstance(error, OSError):
        return True
    if not isinstance(error, sqlite3.OperationalError):
        return False
    name = getattr(error, "sqlite_errorname", None) or ""
    return name.startswith(_STORAGE_ERROR_NAMES) or any(
        text in str(error).lower() for text in _STORAGE_ERROR_TEXTS)


class Backend:
    """The emulator's state: one sqlite connection, one lock, one transaction per call."""

    def __init__(self, db_path: str | None = None) -> None:
        self.db_path = db_path or ":memory:"
        self._lock = threading.RLock()
        self._request = threading.local()   # per request thread: do its writes fail?
        self._conn = sqlite3.connect(self.db_path, check_same_thread=False,
                                     isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._unlimited_pages: int = self._conn.execute("PRAGMA max_page_count").fetchone()[0]
        with self._lock:
            if self.db_path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                # Every signed call now writes its nonce: no fsync per request (WAL keeps
                # the file consistent; an OS crash may lose the last few nonces).
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            self._migrate()

    # Columns added after a release: a --db file written by an older emulator lacks them.
    _ADDED_COLUMNS: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {
        "load_balancers": (
            ("delete_protection", "TEXT NOT NULL DEFAULT 'off'"),
            ("status", "TEXT NOT NULL DEFAULT 'active'"),
            ("spec", "TEXT NOT NULL DEFAULT 'slb.s1.small'"),
            ("address_type", "TEXT NOT NULL DEFAULT 'internet'"),
            ("network_type", "TEXT NOT NULL DEFAULT 'vpc'"),
        ),
    }

    def _migrate(self) -> None:
        for table, columns in self._ADDED_COLUMNS.items():
            have = {r["name"] for r in self._conn.execute("PRAGMA table_info(%s)" % table)}
            for name, decl in columns:
                if name not in have:
                    self._conn.execute("ALTER TABLE %s ADD COLUMN %s %s" % (table, name, decl))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole or rolled back whole. A storage failure (a full
        disk) becomes 503 ServiceUnavailable, as the real API answers its own trouble: the
        request was fine and may be sent again, and nothing of it was applied."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                changes = conn.total_changes
                try:
                    yield conn
                    if getattr(self._request, "disk_full", False) and conn.total_changes != changes:
                        raise sqlite3.OperationalError("database or disk is full")
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # sqlite may have rolled back already (a full disk does)
                        conn.execute("ROLLBACK")
                    raise
            except (sqlite3.OperationalError, OSError) as error:
                if storage_failure(error):
                    raise exc.ServiceUnavailable() from error
                raise

    # --- storage: a full disk, for the admin API and the disk_full fault ----------

    @contextlib.contextmanager
    def disk_full(self, on: bool = True) -> Iterator[None]:
        """Within this block (this request's thread), every transaction that writes fails
        as on a full disk and is rolled back; reads go on."""
        before = getattr(self._request, "disk_full", False)
        self._request.disk_full = bool(on) or before
        try:
            yield
        finally:
            self._request.disk_full = before

    def storage(self) -> JsonObject:
        with self._lock:
            pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
            limit = self._conn.execute("PRAGMA max_page_count").fetchone()[0]
        return {"page_count": pages, "max_page_count": limit, "limited": limit != self._unlimited_pages}

    def set_max_pages(self, max_pages: int | None) -> JsonObject:
        """sqlite's max_page_count: a write that would grow the database past it fails with
        "database or disk is full" (sqlite never sets it below the current size). None lifts it."""
        value = self._unlimited_pages if max_pages is None else int(max_pages)
        with self._lock:
            self._conn.execute("PRAGMA max_page_count = %d" % value)
        return self.storage()

    # --- seed and admin ---------------------------------------------------------

    def apply_seed(self, seed: Mapping[str, Any]) -> None:
        with self._tx() as c:
            self._upsert_seed(c, seed)

    @staticmethod
    def _upsert_seed(c: sqlite3.Connection, seed: Mapping[str, Any]) -> None:
        for a in seed.get("accounts", []):
            c.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)",
                      (a["access_key_id"], a["access_key_secret"], a.get("security_token")))
        for lb in seed.get("load_balancers", []):
            Backend._put_load_balancer(c, lb)
        for s in seed.get("backend_servers", []):
            c.execute("INSERT OR REPLACE INTO backend_servers VALUES (?, ?, ?, ?)",
                      (s["server_id"], s["region_id"], s.get("type") or "ecs", s.get("ip")))

    @staticmethod
    def _put_load_balancer(c: sqlite3.Connection, lb: Mapping[str, Any]) -> None:
        """Insert or replace one load balancer from a seed-shaped dict. A missing or empty
        field takes its default, except spec, where "" is a shared-performance instance."""
        values = {field: lb.get(field) or default for field, default in LOAD_BALANCER_DEFAULTS.items()}
        if lb.get("spec") is not None:
            values["spec"] = lb["spec"]
        c.execute("INSERT OR REPLACE INTO load_balancers (load_balancer_id, region_id, name, "
                  "address, delete_protection, status, spec, address_type, network_type) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (lb["load_balancer_id"], lb["region_id"], values["name"], values["address"],
                   values["delete_protection"], values["status"], values["spec"],
                   values["address_type"], values["network_type"]))

    def add_load_balancer(self, lb: Mapping[str, Any]) -> None:
        """Admin API: add (or replace) a load balancer; lb is validated like a seed entry."""
        with self._tx() as c:
            self._put_load_balancer(c, lb)

    def set_delete_protection(self, load_balancer_id: str, value: str) -> bool:
        with self._tx() as c:
            return c.execute("UPDATE load_balancers SET delete_protection = ? WHERE "
                             "load_balancer_id = ?", (value, load_balancer_id)).rowcount > 0

    def set_create_time(self, group_id: str, create_time: str) -> bool:
        """Admin API: the group's CreateTime (ISO 8601 UTC, checked by the caller), so a test can
        make a group that was created long ago; False when there is no such group."""
        with self._tx() as c:
            return c.execute("UPDATE groups SET create_time = ? WHERE id = ?",
                             (create_time, group_id)).rowcount > 0

    def remove_load_balancer(self, load_balancer_id: str) -> bool:
        """Admin API: the load balancer vanishes with its listeners and groups, as when
        it is released outside the stack (what a refresh then sees)."""
        with self._tx() as c:
            if c.execute("DELETE FROM load_balancers WHERE load_balancer_id = ?",
                         (load_balancer_id,)).rowcount == 0:
                return False
            c.execute("DELETE FROM listeners WHERE load_balancer_id = ?", (load_balancer_id,))
            c.execute("DELETE FROM tags WHERE group_id IN (SELECT id FROM groups WHERE "
                      "load_balancer_id = ?)", (load_balancer_id,))
            c.execute("DELETE FROM groups WHERE load_balancer_id = ?", (load_balancer_id,))
            return True

    def load_balancers(self) -> list[JsonObject]:
        with self._tx() as c:
            return [dict(r) for r in c.execute("SELECT * FROM load_balancers "
                                               "ORDER BY region_id, load_balancer_id")]

    def use_nonce(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Remember a nonce until expires_at; False if it is still remembered (a replay).

        Kept in the same sqlite file as the state, so with --db a restart does not
        reopen the replay window."""
        with self._tx() as c:
            c.execute("DELETE FROM nonces WHERE expires_at < ?", (now,))
            if c.execute("SELECT 1 FROM nonces WHERE access_key_id = ? AND nonce = ?",
                         (key_id, nonce)).fetchone():
                return False
            c.execute("INSERT INTO nonces VALUES (?, ?, ?)", (key_id, nonce, expires_at))
            return True

    def reset(self, seed: Mapping[str, Any]) -> None:
        with self._tx() as c:
            for table in ("groups", "tags", "listeners", "accounts", "load_balancers",
                          "backend_servers", "nonces"):
                c.execute("DELETE FROM %s" % table)
            self._upsert_seed(c, seed)

    def find_account(self, key_id: str) -> dict[str, str | None] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT access_key_secret, security_token FROM accounts "
                "WHERE access_key_id = ?", (key_id,)).fetchone()
        return dict(row) if row else None

    def dump_state(self) -> JsonObject:
        with self._tx() as c:
            groups = [self._group_dict(c, row, with_ip=True) for row in
                      c.execute("SELECT * FROM groups ORDER BY rowid").fetchall()]
            listeners = [
                {"load_balancer_id": r["load_balancer_id"], "protocol": r["protocol"],
                 "port": r["port"],
                 "master_slave_server_group_id": r["master_slave_server_group_id"]}
                for r in c.execute("SELECT * FROM listeners ORDER BY load_balancer_id, "
                                   "port, protocol")]
        state_groups = [
            {"id": g["id"], "name": g["name"], "load_balancer_id": g["load_balancer_id"],
             "region_id": g["region_id"], "servers": g["servers"], "tags": g["tags"],
             "create_time": g["create_time"]}
            for g in groups]
        return {"groups": state_groups, "listeners": listeners}

    # --- helpers ----------------------------------------------------------------

    @staticmethod
    def _load_balancer(c: sqlite3.Connection, load_balancer_id: str,
                       region_id: str | None) -> sqlite3.Row:
        row: sqlite3.Row | None = c.execute(
            "SELECT * FROM load_balancers WHERE load_balancer_id = ?", (load_balancer_id,)).fetchone()
        if row is None or (region_id and row["region_id"] != region_id):
            raise exc.InvalidLoadBalancerIdNotFound()
        return row

    @staticmethod
    def _group_row(c: sqlite3.Connection, group_id: str, region_id: str | None) -> sqlite3.Row:
        row: sqlite3.Row | None = c.execute("SELECT * FROM groups WHERE id = ?",
                                            (group_id,)).fetchone()
        if row is None or (region_id and row["region_id"] != region_id):
            raise exc.MasterSlaveGroupNotFound()
        return row

    @staticmethod
    def _tags_of(c: sqlite3.Connection, group_id: str) -> dict[str, str]:
        return {r["key"]: r["value"] for r in c.execute(
            "SELECT key, value FROM tags WHERE group_id = ? ORDER BY rowid", (group_id,))}

    def _group_dict(self, c: sqlite3.Connection, row: sqlite3.Row,
                    with_ip: bool = False) -> GroupWithListeners:
        servers: list[Server] = json.loads(row["servers"])
        if not with_ip:
            servers = [cast(Server, {k: v for k, v in s.items() if k != "ServerIp"})
                       for s in servers]
        return {
            "id": row["id"], "name": row["name"],
            "load_balancer_id": row["load_balancer_id"], "region_id": row["region_id"],
            "create_time": row["create_time"], "servers": servers,
            "tags": self._tags_of(c, row["id"]),
        }

    # --- master/slave server groups ---------------------------------------------

    def create_group(self, region_id: str, load_balancer_id: str,
                     parse_servers: Callable[[], object], name: str | None,
                     tags: Sequence[tuple[str | None, str | None]]) -> Group:
        """parse_servers: a callable returning the raw parsed list (it may raise)."""
        with self._tx() as c:
            lb = self._load_balancer(c, load_balancer_id, region_id)
            servers = normalize_servers(parse_servers())
            for s in servers:
                row = c.execute("SELECT * FROM backend_servers WHERE server_id = ?",
                                (s["ServerId"],)).fetchone()
                if (row is None or row["region_id"] != lb["region_id"]
                        or row["type"] != s["Type"]):
                    raise exc.BackendServerNotExist(s["ServerId"])
            if name is not None and len(name) > MAX_GROUP_NAME:
                raise exc.InvalidGroupName()
            tag_map = validate_tags(tags)
            # Master first, as the real API lists them.
            servers.sort(key=lambda s: s["ServerType"] != DEFAULT_SERVER_TYPE)
            while True:
                group_id = new_group_id()
                if c.execute("SELECT 1 FROM groups WHERE id = ?", (group_id,)).fetchone() is None:
                    break
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            c.execute("INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?)",
                      (group_id, name or "", lb["load_balancer_id"], lb["region_id"],
                       json.dumps(servers), created))
            for key, value in tag_map.items():
                c.execute("INSERT INTO tags VALUES (?, ?, ?)", (group_id, key, value))
            return self._group_dict(c, self._group_row(c, group_id, None))

    def delete_group(self, region_id: str | None, group_id: str) -> None:
        with self._tx() as c:
            self._group_row(c, group_id, region_id)
            if c.execute("SELECT 1 FROM listeners WHERE master_slave_server_group_id = ?",
                         (group_id,)).fetchone():
                raise exc.RspoolVipExist()
            c.execute("DELETE FROM groups WHERE id = ?", (group_id,))
            c.execute("DELETE FROM tags WHERE group_id = ?", (group_id,))

    def describe_group(self, region_id: str | None, group_id: str) -> Group:
        with self._tx() as c:
            return self._group_dict(c, self._group_row(c, group_id, region_id))

    def describe_groups(self, region_id: str | None, load_balancer_id: str,
                        tag_filter: TagFilter,
                        include_listeners: bool) -> list[GroupWithListeners]:
        """tag_filter: list of (key, value-or-None); a group must carry every one."""
        with self._tx() as c:
            self._load_balancer(c, load_balancer_id, region_id)
            result: list[GroupWithListeners] = []
            for row in c.execute("SELECT * FROM groups WHERE load_balancer_id = ? "
                                 "ORDER BY rowid", (load_balancer_id,)).fetchall():
                group = self._group_dict(c, row)
                if not matches(group["tags"], tag_filter):
                    continue
                if include_listeners:
                    group["listeners"] = [
                        {"Protocol": r["protocol"], "Port": r["port"]}
                        for r in c.execute(
                            "SELECT protocol, port FROM listeners WHERE "
                            "master_slave_server_group_id = ? ORDER BY port, protocol",
                            (row["id"],))]
                result.append(group)
            return result

    # --- tags -------------------------------------------------------------------

    def tag_groups(self, region_id: str | None, group_ids: Sequence[str],
                   tags: Sequence[tuple[str | None, str | None]]) -> None:
        with self._tx() as c:
            tag_map = validate_tags(tags)
            for gid in group_ids:
                self._resource(c, gid, region_id)
            for gid in group_ids:
                merged = dict(self._tags_of(c, gid))
                merged.update(tag_map)
                if len(merged) > MAX_TAGS:
                    raise exc.InvalidTagCount()
                for key, value in tag_map.items():
                    c.execute("INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", (gid, key, value))

    def untag_groups(self, region_id: str | None, group_ids: Sequence[str],
                     keys: Sequence[str], remove_all: bool) -> None:
        with self._tx() as c:
            for gid in group_ids:
                self._resource(c, gid, region_id)
            for gid in group_ids:
                if remove_all:
                    c.execute("DELETE FROM tags WHERE group_id = ?", (gid,))
                else:
                    for key in keys:
                        c.execute("DELETE FROM tags WHERE group_id = ? AND key = ?", (gid, key))

    def list_group_tags(self, region_id: str | None, group_ids: Sequence[str],
                        tag_filter: TagFilter) -> list[tuple[str, str, str]]:
        """(group id, key, value) of every tag of the matching groups, in creation order."""
        with self._tx() as c:
            if group_ids:
                rows = [self._resource(c, gid, region_id) for gid in group_ids]
            elif region_id:
                rows = c.execute("SELECT * FROM groups WHERE region_id = ? ORDER BY rowid",
                                 (region_id,)).fetchall()
            else:
                rows = c.execute("SELECT * FROM groups ORDER BY rowid").fetchall()
            result: list[tuple[str, str, str]] = []
            for row in rows:
                tags = self._tags_of(c, row["id"])
                if not matches(tags, tag_filter):
                    continue
                result.extend((row["id"], k, v) for k, v in tags.items())
            return result

    @staticmethod
    def _resource(c: sqlite3.Connection, group_id: str, region_id: str | None) -> sqlite3.Row:
        row: sqlite3.Row | None = c.execute("SELECT * FROM groups WHERE id = ?",
                                            (group_id,)).fetchone()
        if row is None or (region_id and row["region_id"] != region_id):
            raise exc.InvalidResourceIdNotFound(group_id)
        return row

    # --- load balancers and listeners -------------------------------------------

    def describe_load_balancer(self, region_id: str | None, load_balancer_id: str) -> JsonObject:
        with self._tx() as c:
            lb = dict(self._load_balancer(c, load_balancer_id, region_id))
            lb["listeners"] = [dict(r) for r in c.execute(
                "SELECT protocol, port FROM listeners WHERE load_balancer_id = ? "
                "ORDER BY port, protocol", (load_balancer_id,))]
            return lb

    @staticmethod
    def _check_group_for_listener(c: sqlite3.Connection, group_id: str | None,
                                  load_balancer_id: str) -> None:
        row = c.execute("SELECT load_balancer_id FROM groups WHERE id = ?",
                        (group_id,)).fetchone()
        if row is None or row["load_balancer_id"] != load_balancer_id:
            raise exc.GroupNotInLoadBalancer(group_id, load_balancer_id)

    def create_listener(self, region_id: str | None, load_balancer_id: str, protocol: str,
                        port: int, backend_port: int | None, bandwidth: int,
                        group_id: str | None, vserver_group_id: str | None) -> None:
        with self._tx() as c:
            self._load_balancer(c, load_balancer_id, region_id)
            if group_id:
                self._check_group_for_listener(c, group_id, load_balancer_id)
            if vserver_group_id:
                raise exc.InvalidParameter(
                    message="The specified VServerGroupId does not exist (the emulator "
                            "models no VServer groups).")
            if c.execute("SELECT 1 FROM listeners WHERE load_balancer_id = ? AND "
                         "protocol = ? AND port = ?",
                         (load_balancer_id, protocol, port)).fetchone():
                raise exc.ListenerAlreadyExists()
            c.execute("INSERT INTO listeners VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (load_balancer_id, protocol, port, backend_port, bandwidth,
                       group_id or None, None))

    def set_listener_group(self, region_id: str | None, load_balancer_id: str, protocol: str,
                           port: int, switch: str | None, group_id: str | None) -> None:
        """switch: 'on' binds group_id, 'off' unbinds."""
        with self._tx() as c:
            self._load_balancer(c, load_balancer_id, region_id)
            if c.execute("SELECT 1 FROM listeners WHERE load_balancer_id = ? AND "
                         "protocol = ? AND port = ?",
                         (load_balancer_id, protocol, port)).fetchone() is None:
                raise exc.ListenerNotFound()
            if switch == "on":
                self._check_group_for_listener(c, group_id, load_balancer_id)
                value = group_id
            elif switch == "off":
                value = None
            else:
                return
            c.execute("UPDATE listeners SET master_slave_server_group_id = ? WHERE "
                      "load_balancer_id = ? AND protocol = ? AND port = ?",
                      (value, load_balancer_id, protocol, port))

    def delete_listener(self, region_id: str | None, load_balancer_id: str, port: int,
                        protocol: str | None) -> None:
        with self._tx() as c:
            self._load_balancer(c, load_balancer_id, region_id)
            sql = "DELETE FROM listeners WHERE load_balancer_id = ? AND port = ?"
            args: list[str | int] = [load_balancer_id, port]
            if protocol:
                sql += " AND protocol = ?"
                args.append(protocol)
            if c.execute(sql, args).rowcount == 0:
                raise exc.ListenerNotFound()
