"""The backend: SLB's domain actions on the model objects (moto's backend).

Owns what each action does to the emulated world and which error it answers when the world
says no: a load balancer or group that is not there (or not in the region asked), a server
that is not in the load balancer's region, a group still bound to a listener, a resource
with too many tags. Every public method is one transaction of the Store, so a request that
fails half way changes nothing. The values a request carries are checked by validation.py,
the rows are read and written by tables.py, the transactions are storage.py's. Imports
models.py, validation.py, storage.py, tables.py, seed.py (the Seed type), rules.py and
exceptions.py; nothing of the wire.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Sequence

from . import exceptions as exc
from .models import Account, Group, Listener, LoadBalancer, ResourceTag, State
from .rules import (
    DEFAULT_SERVER_TYPE,
    GROUP_ID_LENGTH,
    GROUP_ID_PREFIX,
    MAX_GROUP_NAME,
    MAX_TAGS,
)
from .seed import Seed
from .storage import Store
from .tables import Tables
from .validation import TagFilter, matches, normalize_servers, validate_tags

ID_ALPHABET = string.ascii_lowercase + string.digits
RequestTags = Sequence[tuple[str | None, str | None]]   # Tag.N (key, value) as sent


def new_group_id() -> str:
    return GROUP_ID_PREFIX + "".join(secrets.choice(ID_ALPHABET) for _ in range(GROUP_ID_LENGTH))


def _in_region(region_of_row: str, region_id: str | None) -> bool:
    """A request without a region (or with an empty one) finds rows in any region."""
    return not region_id or region_of_row == region_id


def _load_balancer(tables: Tables, load_balancer_id: str, region_id: str | None) -> LoadBalancer:
    lb = tables.load_balancer(load_balancer_id)
    if lb is None or not _in_region(lb.region_id, region_id):
        raise exc.InvalidLoadBalancerIdNotFound()
    return lb


def _group(tables: Tables, group_id: str, region_id: str | None) -> Group:
    group = tables.group(group_id)
    if group is None or not _in_region(group.region_id, region_id):
        raise exc.MasterSlaveGroupNotFound()
    return group


def _tagged_resource(tables: Tables, group_id: str, region_id: str | None) -> Group:
    """A group named by ResourceId.N: the tag actions name a missing one by its id."""
    group = tables.group(group_id)
    if group is None or not _in_region(group.region_id, region_id):
        raise exc.InvalidResourceIdNotFound(group_id)
    return group


def _check_group_for_listener(tables: Tables, group_id: str | None,
                              load_balancer_id: str) -> None:
    group = tables.group(group_id) if group_id else None
    if group is None or group.load_balancer_id != load_balancer_id:
        raise exc.GroupNotInLoadBalancer(group_id, load_balancer_id)


def _listener_exists(tables: Tables, load_balancer_id: str, protocol: str, port: int) -> bool:
    return tables.listener(load_balancer_id, protocol, port) is not None


class SlbBackend:
    """The emulated SLB of every region, over one Store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- the world outside the API: seed and admin -------------------------------------

    @staticmethod
    def _put_seed(tables: Tables, seed: Seed) -> None:
        for account in seed.accounts:
            tables.put_account(account)
        for lb in seed.load_balancers:
            tables.put_load_balancer(lb)
        for server in seed.backend_servers:
            tables.put_backend_server(server)

    def apply_seed(self, seed: Seed) -> None:
        """Seeded rows are replaced; groups, tags and listeners are kept."""
        with self._store.transaction() as tables:
            self._put_seed(tables, seed)

    def reset(self, seed: Seed) -> None:
        """Back to the seed alone: every group, tag, listener and used nonce is forgotten."""
        with self._store.transaction() as tables:
            tables.clear()
            self._put_seed(tables, seed)

    def account(self, access_key_id: str) -> Account | None:
        with self._store.reading() as tables:
            return tables.account(access_key_id)

    def add_load_balancer(self, lb: LoadBalancer) -> None:
        """Add (or replace) a load balancer."""
        with self._store.transaction() as tables:
            tables.put_load_balancer(lb)

    def set_delete_protection(self, load_balancer_id: str, value: str) -> bool:
        with self._store.transaction() as tables:
            return tables.set_delete_protection(load_balancer_id, value)

    def set_create_time(self, group_id: str, create_time: str) -> bool:
        """The group's CreateTime (ISO 8601 UTC, checked by the caller); False when there is no such group."""
        with self._store.transaction() as tables:
            return tables.set_group_create_time(group_id, create_time)

    def remove_load_balancer(self, load_balancer_id: str) -> bool:
        """The load balancer vanishes with its listeners and groups, as when it is released
        outside the stack (what a refresh then sees)."""
        with self._store.transaction() as tables:
            return tables.delete_load_balancer(load_balancer_id)

    def load_balancers(self) -> list[LoadBalancer]:
        with self._store.transaction() as tables:
            return tables.load_balancers()

    def state(self) -> State:
        with self._store.transaction() as tables:
            return State(tuple(tables.load_balancers()), tuple(tables.groups()),
                         tuple(tables.listeners()))

    # --- master/slave server groups ------------------------------------------------------

    def create_group(self, region_id: str, load_balancer_id: str,
                     parse_servers: Callable[[], object], name: str | None,
                     tags: RequestTags) -> Group:
        """parse_servers: a callable returning the raw parsed list (it may raise), so that a
        missing load balancer is the error even when the list is bad too."""
        with self._store.transaction() as tables:
            lb = _load_balancer(tables, load_balancer_id, region_id)
            servers = normalize_servers(parse_servers())
            for s in servers:
                known = tables.backend_server(s.server_id)
                if known is None or known.region_id != lb.region_id or known.type != s.type:
                    raise exc.BackendServerNotExist(s.server_id)
            if name is not None and len(name) > MAX_GROUP_NAME:
                raise exc.InvalidGroupName()
            tag_map = validate_tags(tags)
            # Master first, as the real API lists them.
            servers.sort(key=lambda s: s.server_type != DEFAULT_SERVER_TYPE)
            group_id = new_group_id()
            while tables.group_exists(group_id):
                group_id = new_group_id()
            group = Group(group_id, name or "", lb.load_balancer_id, lb.region_id,
                          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), tuple(servers),
                          tag_map)
            tables.insert_group(group)
            return group

    def delete_group(self, region_id: str | None, group_id: str) -> None:
        with self._store.transaction() as tables:
            _group(tables, group_id, region_id)
            if tables.group_has_listener(group_id):
                raise exc.RspoolVipExist()
            tables.delete_group(group_id)

    def describe_group(self, region_id: str | None, group_id: str) -> Group:
        with self._store.transaction() as tables:
            return _group(tables, group_id, region_id)

    def describe_groups(self, region_id: str | None, load_balancer_id: str,
                        tag_filter: TagFilter, include_listeners: bool
                        ) -> list[tuple[Group, list[Listener]]]:
        """The load balancer's groups that carry every tag of the filter, each with the
        listeners bound to it (none unless include_listeners)."""
        with self._store.transaction() as tables:
            _load_balancer(tables, load_balancer_id, region_id)
            return [(group, tables.listeners(group_id=group.id) if include_listeners else [])
                    for group in tables.groups(load_balancer_id=load_balancer_id)
                    if matches(group.tags, tag_filter)]

    # --- tags ------------------------------------------------------------------------------

    def tag_groups(self, region_id: str | None, group_ids: Sequence[str],
                   tags: RequestTags) -> None:
        with self._store.transaction() as tables:
            tag_map = validate_tags(tags)
            groups = [_tagged_resource(tables, gid, region_id) for gid in group_ids]
            for group in groups:
                if len({**group.tags, **tag_map}) > MAX_TAGS:
                    raise exc.InvalidTagCount()
                for key, value in tag_map.items():
                    tables.put_tag(group.id, key, value)

    def untag_groups(self, region_id: str | None, group_ids: Sequence[str],
                     keys: Sequence[str], remove_all: bool) -> None:
        with self._store.transaction() as tables:
            for gid in group_ids:
                _tagged_resource(tables, gid, region_id)
            for gid in group_ids:
                tables.delete_tags(gid, None if remove_all else keys)

    def list_group_tags(self, region_id: str | None, group_ids: Sequence[str],
                        tag_filter: TagFilter) -> list[ResourceTag]:
        """Every tag of the matching groups (the ones named, else those of the region, else
        all), in creation order."""
        with self._store.transaction() as tables:
            if group_ids:
                groups = [_tagged_resource(tables, gid, region_id) for gid in group_ids]
            else:
                groups = tables.groups(region_id=region_id or None)
            return [ResourceTag(group.id, key, value) for group in groups
                    if matches(group.tags, tag_filter) for key, value in group.tags.items()]

    # --- load balancers and listeners ------------------------------------------------------

    def describe_load_balancer(self, region_id: str | None, load_balancer_id: str
                               ) -> tuple[LoadBalancer, list[Listener]]:
        with self._store.transaction() as tables:
            lb = _load_balancer(tables, load_balancer_id, region_id)
            return lb, tables.listeners(load_balancer_id=load_balancer_id)

    def create_listener(self, region_id: str | None, listener: Listener) -> None:
        with self._store.transaction() as tables:
            _load_balancer(tables, listener.load_balancer_id, region_id)
            if listener.master_slave_server_group_id:
                _check_group_for_listener(tables, listener.master_slave_server_group_id,
                                          listener.load_balancer_id)
            if listener.vserver_group_id:
                raise exc.InvalidParameter(
                    message="The specified VServerGroupId does not exist (the emulator "
                            "models no VServer groups).")
            if _listener_exists(tables, listener.load_balancer_id, listener.protocol,
                                listener.port):
                raise exc.ListenerAlreadyExists()
            tables.insert_listener(listener)

    def set_listener_group(self, region_id: str | None, load_balancer_id: str, protocol: str,
                           port: int, switch: str | None, group_id: str | None) -> None:
        """switch: 'on' binds group_id, 'off' unbinds, None leaves the listener as it is."""
        with self._store.transaction() as tables:
            _load_balancer(tables, load_balancer_id, region_id)
            if not _listener_exists(tables, load_balancer_id, protocol, port):
                raise exc.ListenerNotFound()
            if switch == "on":
                _check_group_for_listener(tables, group_id, load_balancer_id)
                tables.bind_listener(load_balancer_id, protocol, port, group_id)
            elif switch == "off":
                tables.bind_listener(load_balancer_id, protocol, port, None)

    def delete_listener(self, region_id: str | None, load_balancer_id: str, port: int,
                        protocol: str | None) -> None:
        with self._store.transaction() as tables:
            _load_balancer(tables, load_balancer_id, region_id)
            if tables.delete_listeners(load_balancer_id, port, protocol) == 0:
                raise exc.ListenerNotFound()
