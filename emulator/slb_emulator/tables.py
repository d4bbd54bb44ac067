"""The tables: the emulator's rows in sqlite, read and written as model objects.

Owns the schema and its migrations (a ``--db`` file written by an older emulator gets the new
columns), and every statement: ``Tables`` turns rows into model objects and back (a group's
servers are kept as JSON under the API's names) and keeps the used nonces. It runs inside a
transaction that storage.py opens and never applies a rule of SLB's. Imports models.py only.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from .models import (
    Account,
    BackendServer,
    Group,
    Listener,
    LoadBalancer,
    Server,
)

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

# Columns added after a release: a --db file written by an older emulator lacks them.
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "load_balancers": (
        ("delete_protection", "TEXT NOT NULL DEFAULT 'off'"),
        ("status", "TEXT NOT NULL DEFAULT 'active'"),
        ("spec", "TEXT NOT NULL DEFAULT 'slb.s1.small'"),
        ("address_type", "TEXT NOT NULL DEFAULT 'internet'"),
        ("network_type", "TEXT NOT NULL DEFAULT 'vpc'"),
    ),
}
# Load balancers and listeners are read column by column in their model's field order (the
# names are the same), whatever order an older file's columns were added in.
LOAD_BALANCER_COLUMNS = ", ".join(f.name for f in dataclasses.fields(LoadBalancer))
LISTENER_COLUMNS = ", ".join(f.name for f in dataclasses.fields(Listener))
GROUPS_WITH_TAGS = ("SELECT g.*, t.key AS tag_key, t.value AS tag_value FROM groups g "
                    "LEFT JOIN tags t ON t.group_id = g.id")
TABLES = ("groups", "tags", "listeners", "accounts", "load_balancers", "backend_servers",
          "nonces")


@functools.lru_cache(maxsize=4096)
def stored_servers(text: str) -> tuple[Server, ...]:
    """A group's servers from their stored JSON. Decoded once per distinct text and shared
    (Servers are frozen): most actions load groups whose servers they never read."""
    return tuple(Server.from_api(item) for item in json.loads(text))


def servers_to_store(servers: Sequence[Server]) -> str:
    """The JSON a group's servers are stored as, under the API's names, ServerIp included."""
    return json.dumps([s.to_api() for s in servers])


class Tables:
    """The rows, as model objects, within one transaction of a Store (never outside one)."""

    @staticmethod
    def create(conn: sqlite3.Connection) -> None:
        """The tables a new file needs, and the columns an older file lacks."""
        conn.executescript(SCHEMA)
        for table, columns in ADDED_COLUMNS.items():
            have = {r["name"] for r in conn.execute("PRAGMA table_info(%s)" % table)}
            for name, decl in columns:
                if name not in have:
                    conn.execute("ALTER TABLE %s ADD COLUMN %s %s" % (table, name, decl))

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _changed(self, sql: str, args: Sequence[Any]) -> int:
        return self._conn.execute(sql, args).rowcount

    def clear(self) -> None:
        """Every row of every table, used nonces included."""
        for table in TABLES:
            self._conn.execute("DELETE FROM %s" % table)

    def remember_nonce(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Forget the nonces expired by now, then keep this one; False if it is kept already."""
        self._conn.execute("DELETE FROM nonces WHERE expires_at < ?", (now,))
        if self._conn.execute("SELECT 1 FROM nonces WHERE access_key_id = ? AND nonce = ?",
                              (key_id, nonce)).fetchone():
            return False
        self._conn.execute("INSERT INTO nonces VALUES (?, ?, ?)", (key_id, nonce, expires_at))
        return True

    # --- accounts and backend servers (seeded) --------------------------------------

    def account(self, access_key_id: str) -> Account | None:
        row = self._conn.execute("SELECT * FROM accounts WHERE access_key_id = ?",
                                 (access_key_id,)).fetchone()
        return None if row is None else Account(row["access_key_id"], row["access_key_secret"],
                                                row["security_token"])

    def put_account(self, account: Account) -> None:
        self._conn.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)",
                           (account.access_key_id, account.access_key_secret,
                            account.security_token))

    def backend_server(self, server_id: str) -> BackendServer | None:
        row = self._conn.execute("SELECT * FROM backend_servers WHERE server_id = ?",
                                 (server_id,)).fetchone()
        return None if row is None else BackendServer(row["server_id"], row["region_id"],
                                                      row["type"], row["ip"])

    def put_backend_server(self, server: BackendServer) -> None:
        self._conn.execute("INSERT OR REPLACE INTO backend_servers VALUES (?, ?, ?, ?)",
                           (server.server_id, server.region_id, server.type, server.ip))

    # --- load balancers ------------------------------------------------------------

    def load_balancer(self, load_balancer_id: str) -> LoadBalancer | None:
        row = self._conn.execute("SELECT %s FROM load_balancers WHERE load_balancer_id = ?"
                                 % LOAD_BALANCER_COLUMNS, (load_balancer_id,)).fetchone()
        return None if row is None else LoadBalancer(*row)

    def load_balancers(self) -> list[LoadBalancer]:
        return [LoadBalancer(*row) for row in self._conn.execute(
            "SELECT %s FROM load_balancers ORDER BY region_id, load_balancer_id"
            % LOAD_BALANCER_COLUMNS)]

    def put_load_balancer(self, lb: LoadBalancer) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO load_balancers (load_balancer_id, region_id, name, "
            "address, delete_protection, status, spec, address_type, network_type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (lb.load_balancer_id, lb.region_id, lb.name, lb.address, lb.delete_protection,
             lb.status, lb.spec, lb.address_type, lb.network_type))

    def set_delete_protection(self, load_balancer_id: str, value: str) -> bool:
        return self._changed("UPDATE load_balancers SET delete_protection = ? WHERE "
                             "load_balancer_id = ?", (value, load_balancer_id)) > 0

    def set_group_create_time(self, group_id: str, create_time: str) -> bool:
        return self._changed("UPDATE groups SET create_time = ? WHERE id = ?", (create_time, group_id)) > 0

    def delete_load_balancer(self, load_balancer_id: str) -> bool:
        """The load balancer's row and the rows that hang off it (listeners, groups, their
        tags); False when there was none."""
        if self._changed("DELETE FROM load_balancers WHERE load_balancer_id = ?",
                         (load_balancer_id,)) == 0:
            return False
        self._conn.execute("DELETE FROM listeners WHERE load_balancer_id = ?",
                           (load_balancer_id,))
        self._conn.execute("DELETE FROM tags WHERE group_id IN (SELECT id FROM groups WHERE "
                           "load_balancer_id = ?)", (load_balancer_id,))
        self._conn.execute("DELETE FROM groups WHERE load_balancer_id = ?",
                           (load_balancer_id,))
        return True

    # --- groups and their tags -----------------------------------------------------

    def _groups(self, where: str, args: Sequence[Any]) -> list[Group]:
        """Groups with their tags, in one statement: groups in creation order, each one's
        tags in the order they were set (a tag set again moves to the end)."""
        groups: list[Group] = []
        current: Group | None = None
        tags: dict[str, str] = {}
        for row in self._conn.execute(GROUPS_WITH_TAGS + where + " ORDER BY g.rowid, t.rowid",
                                      args):
            if current is None or current.id != row["id"]:
                tags = {}
                current = Group(row["id"], row["name"], row["load_balancer_id"],
                                row["region_id"], row["create_time"],
                                stored_servers(row["servers"]), tags)
                groups.append(current)
            if row["tag_key"] is not None:
                tags[row["tag_key"]] = row["tag_value"]
        return groups

    def group(self, group_id: str) -> Group | None:
        found = self._groups(" WHERE g.id = ?", (group_id,))
        return found[0] if found else None

    def group_exists(self, group_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM groups WHERE id = ?",
                                  (group_id,)).fetchone() is not None

    def groups(self, load_balancer_id: str | None = None,
               region_id: str | None = None) -> list[Group]:
        """Groups in creation order, of one load balancer or one region when given."""
        if load_balancer_id is not None:
            return self._groups(" WHERE g.load_balancer_id = ?", (load_balancer_id,))
        if region_id is not None:
            return self._groups(" WHERE g.region_id = ?", (region_id,))
        return self._groups("", ())

    def insert_group(self, group: Group) -> None:
        self._conn.execute("INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?)",
                           (group.id, group.name, group.load_balancer_id, group.region_id,
                            servers_to_store(group.servers),
                            group.create_time))
        for key, value in group.tags.items():
            self._conn.execute("INSERT INTO tags VALUES (?, ?, ?)", (group.id, key, value))

    def delete_group(self, group_id: str) -> None:
        self._conn.execute("DELETE FROM groups WHERE id = ?", (group_id,))
        self._conn.execute("DELETE FROM tags WHERE group_id = ?", (group_id,))

    def put_tag(self, group_id: str, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO tags VALUES (?, ?, ?)",
                           (group_id, key, value))

    def delete_tags(self, group_id: str, keys: Sequence[str] | None = None) -> None:
        """The group's tags with these keys, or all of them (None)."""
        if keys is None:
            self._conn.execute("DELETE FROM tags WHERE group_id = ?", (group_id,))
            return
        for key in keys:
            self._conn.execute("DELETE FROM tags WHERE group_id = ? AND key = ?",
                               (group_id, key))

    # --- listeners -----------------------------------------------------------------

    def listener(self, load_balancer_id: str, protocol: str, port: int) -> Listener | None:
        row = self._conn.execute("SELECT %s FROM listeners WHERE load_balancer_id = ? AND "
                                 "protocol = ? AND port = ?" % LISTENER_COLUMNS,
                                 (load_balancer_id, protocol, port)).fetchone()
        return None if row is None else Listener(*row)

    def listeners(self, load_balancer_id: str | None = None,
                  group_id: str | None = None) -> list[Listener]:
        """Listeners by load balancer, port and protocol: of one load balancer, or bound to
        one group, when given."""
        sql, args = "SELECT %s FROM listeners" % LISTENER_COLUMNS, []
        if load_balancer_id is not None:
            sql, args = sql + " WHERE load_balancer_id = ?", [load_balancer_id]
        elif group_id is not None:
            sql, args = sql + " WHERE master_slave_server_group_id = ?", [group_id]
        return [Listener(*row) for row in self._conn.execute(
            sql + " ORDER BY load_balancer_id, port, protocol", args)]

    def group_has_listener(self, group_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM listeners WHERE "
                                  "master_slave_server_group_id = ?",
                                  (group_id,)).fetchone() is not None

    def insert_listener(self, listener: Listener) -> None:
        self._conn.execute("INSERT INTO listeners VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (listener.load_balancer_id, listener.protocol, listener.port,
                            listener.backend_port, listener.bandwidth,
                            listener.master_slave_server_group_id, listener.vserver_group_id))

    def bind_listener(self, load_balancer_id: str, protocol: str, port: int,
                      group_id: str | None) -> None:
        """Bind the listener to a group, or unbind it (None)."""
        self._conn.execute("UPDATE listeners SET master_slave_server_group_id = ? WHERE "
                           "load_balancer_id = ? AND protocol = ? AND port = ?",
                           (group_id, load_balancer_id, protocol, port))

    def delete_listeners(self, load_balancer_id: str, port: int,
                         protocol: str | None) -> int:
        """The listeners on that port (of that protocol, when given); how many there were."""
        sql = "DELETE FROM listeners WHERE load_balancer_id = ? AND port = ?"
        args: list[str | int] = [load_balancer_id, port]
        if protocol:
            sql += " AND protocol = ?"
            args.append(protocol)
        return self._changed(sql, args)
