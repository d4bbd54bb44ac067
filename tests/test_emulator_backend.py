"""The emulator's domain over its storage, without HTTP: the backend's actions (backend.py)
on a Store (storage.py, tables.py). Whole transactions, the simulated full disk, and a
--db file as this version writes it, read back and written again in the same format."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from slb_emulator import exceptions as exc
from slb_emulator.backend import SlbBackend
from slb_emulator.models import Account, BackendServer, Listener, LoadBalancer, Server
from slb_emulator.seed import Seed
from slb_emulator.storage import Store

SEED = Seed(accounts=(Account("k", "s"),),
            load_balancers=(LoadBalancer("lb-1", "cn-hangzhou"),),
            backend_servers=(BackendServer("i-1", "cn-hangzhou", "ecs", "10.0.0.1"),
                             BackendServer("i-2", "cn-hangzhou", "ecs", "10.0.0.2")))
SERVERS = [{"ServerId": "i-2", "Port": 80, "ServerType": "Slave", "ServerIp": "10.0.0.2"},
           {"ServerId": "i-1", "Port": 80, "Description": "web"}]


@pytest.fixture
def store():
    store = Store()
    yield store
    store.close()


@pytest.fixture
def backend(store: Store) -> SlbBackend:
    backend = SlbBackend(store)
    backend.apply_seed(SEED)
    return backend


def create(backend: SlbBackend, tags: list[tuple[str | None, str | None]] | None = None) -> str:
    return backend.create_group("cn-hangzhou", "lb-1", lambda: SERVERS, "g", tags or []).id


def test_a_group_is_created_as_model_objects_master_first(backend: SlbBackend):
    group = backend.describe_group("cn-hangzhou", create(backend, [("a", "1")]))
    assert group.servers == (Server("i-1", 80, 100, "Master", "ecs", "web", ""),
                             Server("i-2", 80, 100, "Slave", "ecs", "", "10.0.0.2"))
    assert (group.name, group.load_balancer_id, dict(group.tags)) == ("g", "lb-1", {"a": "1"})
    with pytest.raises(exc.MasterSlaveGroupNotFound):
        backend.describe_group("cn-shanghai", group.id)


def test_an_action_that_fails_half_way_changes_nothing(backend: SlbBackend):
    """TagResources on two groups: the second would carry 21 tags, so the first keeps its own."""
    first, second = create(backend), create(backend, [("k%d" % i, "v") for i in range(19)])
    with pytest.raises(exc.InvalidTagCount):
        backend.tag_groups(None, [first, second], [("new-1", "x"), ("new-2", "y")])
    assert dict(backend.describe_group(None, first).tags) == {}
    assert len(backend.describe_group(None, second).tags) == 19


def test_a_full_disk_fails_every_write_of_the_request_and_lets_reads_go_on(store: Store,
                                                                           backend: SlbBackend):
    kept = create(backend)
    with store.disk_full():
        with pytest.raises(exc.ServiceUnavailable):
            create(backend)
        with pytest.raises(exc.ServiceUnavailable):
            store.use_nonce("k", "n-1", 2e9, 1e9)
        assert backend.describe_group(None, kept).id == kept
        assert [g.id for g in backend.state().groups] == [kept]
    assert store.use_nonce("k", "n-1", 2e9, 1e9)   # the refused call did not use it up
    assert len(backend.state().groups) == 1 and create(backend)


def test_reset_forgets_groups_listeners_and_nonces_and_keeps_the_seed(store: Store,
                                                                      backend: SlbBackend):
    gid = create(backend)
    backend.create_listener(None, Listener("lb-1", "tcp", 80, None, -1, gid))
    assert store.use_nonce("k", "n", 2e9, 1e9)
    backend.reset(SEED)
    state = backend.state()
    assert (state.groups, state.listeners, state.load_balancers) == ((), (), SEED.load_balancers)
    assert store.use_nonce("k", "n", 2e9, 1e9)
    assert backend.account("k") == Account("k", "s")


# --- a --db file as this version writes it ---------------------------------------------------

STORED_SERVERS = ('[{"ServerId": "i-1", "Port": 80, "Weight": 100, "ServerType": "Master", '
                  '"Type": "ecs", "Description": "web", "ServerIp": ""}, '
                  '{"ServerId": "i-2", "Port": 80, "Weight": 100, "ServerType": "Slave", '
                  '"Type": "ecs", "Description": "", "ServerIp": "10.0.0.2"}]')


def write_db_as_this_version_does(path: Path) -> None:
    """Tables, columns and rows exactly as emulator 0.1.0 leaves them."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE accounts (access_key_id TEXT PRIMARY KEY, access_key_secret TEXT NOT NULL,
            security_token TEXT);
        CREATE TABLE load_balancers (load_balancer_id TEXT PRIMARY KEY, region_id TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',
            delete_protection TEXT NOT NULL DEFAULT 'off', status TEXT NOT NULL DEFAULT 'active',
            spec TEXT NOT NULL DEFAULT 'slb.s1.small',
            address_type TEXT NOT NULL DEFAULT 'internet',
            network_type TEXT NOT NULL DEFAULT 'vpc');
        CREATE TABLE nonces (access_key_id TEXT NOT NULL, nonce TEXT NOT NULL,
            expires_at REAL NOT NULL, PRIMARY KEY (access_key_id, nonce));
        CREATE INDEX nonces_expiry ON nonces (expires_at);
        CREATE TABLE backend_servers (server_id TEXT PRIMARY KEY, region_id TEXT NOT NULL,
            type TEXT NOT NULL, ip TEXT);
        CREATE TABLE groups (id TEXT PRIMARY KEY, name TEXT NOT NULL,
            load_balancer_id TEXT NOT NULL, region_id TEXT NOT NULL, servers TEXT NOT NULL,
            create_time TEXT NOT NULL);
        CREATE TABLE tags (group_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (group_id, key));
        CREATE TABLE listeners (load_balancer_id TEXT NOT NULL, protocol TEXT NOT NULL,
            port INTEGER NOT NULL, backend_port INTEGER, bandwidth INTEGER,
            master_slave_server_group_id TEXT, vserver_group_id TEXT,
            PRIMARY KEY (load_balancer_id, protocol, port));
    """)
    conn.execute("INSERT INTO accounts VALUES ('k', 's', NULL)")
    conn.execute("INSERT INTO load_balancers VALUES ('lb-1', 'cn-hangzhou', 'n', '1.2.3.4', 'on', "
                 "'active', '', 'intranet', 'classic')")
    conn.execute("INSERT INTO backend_servers VALUES ('i-1', 'cn-hangzhou', 'ecs', '10.0.0.1')")
    conn.execute("INSERT INTO backend_servers VALUES ('i-2', 'cn-hangzhou', 'ecs', NULL)")
    conn.execute("INSERT INTO groups VALUES ('rsp-old0000001', 'old', 'lb-1', 'cn-hangzhou', ?, "
                 "'2026-01-02T03:04:05Z')", (STORED_SERVERS,))
    conn.executemany("INSERT INTO tags VALUES ('rsp-old0000001', ?, ?)", [("b", "2"), ("a", "1")])
    conn.execute("INSERT INTO listeners VALUES ('lb-1', 'tcp', 80, NULL, -1, 'rsp-old0000001', NULL)")
    conn.execute("INSERT INTO nonces VALUES ('k', 'used', 4e9)")
    conn.commit()
    conn.close()


def test_a_db_file_of_this_version_loads_and_is_written_in_the_same_format(tmp_path: Path):
    path = tmp_path / "state.db"
    write_db_as_this_version_does(path)
    store = Store(str(path))
    backend = SlbBackend(store)
    old = backend.describe_group("cn-hangzhou", "rsp-old0000001")
    assert old.servers == (Server("i-1", 80, 100, "Master", "ecs", "web", ""),
                           Server("i-2", 80, 100, "Slave", "ecs", "", "10.0.0.2"))
    assert (old.name, old.create_time, list(old.tags.items())) == (
        "old", "2026-01-02T03:04:05Z", [("b", "2"), ("a", "1")])
    lb, listeners = backend.describe_load_balancer(None, "lb-1")
    assert lb == LoadBalancer("lb-1", "cn-hangzhou", "n", "1.2.3.4", "on", "active", "",
                              "intranet", "classic")
    assert listeners == [Listener("lb-1", "tcp", 80, None, -1, "rsp-old0000001")]
    with pytest.raises(exc.RspoolVipExist):
        backend.delete_group(None, "rsp-old0000001")
    assert not store.use_nonce("k", "used", 4e9, 1e9)   # a replay stays a replay
    new = create(backend)
    store.close()

    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT servers FROM groups WHERE id = ?", (new,)).fetchone()[0]
    conn.close()
    assert stored == STORED_SERVERS
    assert json.loads(stored)[0] == {"ServerId": "i-1", "Port": 80, "Weight": 100,
                                     "ServerType": "Master", "Type": "ecs",
                                     "Description": "web", "ServerIp": ""}
