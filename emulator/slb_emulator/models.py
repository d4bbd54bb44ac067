"""The model types: what the emulated SLB holds, as plain dataclasses (moto's model classes).

Owns Account, LoadBalancer, BackendServer (a server a group may use), Server (one of a
group's two), Group, Listener, ResourceTag and State (all of it at one moment), and the API's
spelling of a Server. They carry no behaviour beyond that spelling: tables.py turns rows into
them and back, backend.py applies SLB's rules to them, responses.py, admin.py and console.py
render them. Each is a snapshot that nobody changes; they are plain dataclasses, built on
every request (a frozen one takes five times as long to build), except Server, which is
frozen because decoded Servers are shared. Imports rules.py only (the load balancer
defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import LOAD_BALANCER_DEFAULTS

ApiServer = dict[str, Any]   # a Server under the API's names (ServerId, Port, ...)


@dataclass
class Account:
    """An access key; an STS key also has its security token."""
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None


@dataclass
class LoadBalancer:
    """A load balancer, as seeded or added through the admin API (the fields of
    DescribeLoadBalancerAttribute); its groups and listeners hang off it."""
    load_balancer_id: str
    region_id: str
    name: str = LOAD_BALANCER_DEFAULTS["name"]
    address: str = LOAD_BALANCER_DEFAULTS["address"]
    delete_protection: str = LOAD_BALANCER_DEFAULTS["delete_protection"]
    status: str = LOAD_BALANCER_DEFAULTS["status"]
    spec: str = LOAD_BALANCER_DEFAULTS["spec"]
    address_type: str = LOAD_BALANCER_DEFAULTS["address_type"]
    network_type: str = LOAD_BALANCER_DEFAULTS["network_type"]


@dataclass
class BackendServer:
    """A server that a group may use: an ECS instance, an ENI or an ECI, in one region."""
    server_id: str
    region_id: str
    type: str
    ip: str | None = None


@dataclass(frozen=True)
class Server:
    """One of a group's two backend servers, its defaults filled (frozen: tables.py shares
    the Servers it decodes from a stored server list)."""
    server_id: str
    port: int
    weight: int
    server_type: str
    type: str
    description: str
    server_ip: str

    def to_api(self) -> ApiServer:
        """Under the API's names, ServerIp included (the storage keeps it so, the admin
        state shows it so; the SLB API's answers leave ServerIp out)."""
        return {"ServerId": self.server_id, "Port": self.port, "Weight": self.weight,
                "ServerType": self.server_type, "Type": self.type,
                "Description": self.description, "ServerIp": self.server_ip}

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Server:
        return cls(item["ServerId"], item["Port"], item["Weight"], item["ServerType"],
                   item["Type"], item.get("Description", ""), item.get("ServerIp", ""))


@dataclass
class Group:
    """A master/slave server group: its two servers (Master first) and its tags (in the
    order they were set)."""
    id: str
    name: str
    load_balancer_id: str
    region_id: str
    create_time: str
    servers: tuple[Server, ...]
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Listener:
    """A TCP or UDP listener of a load balancer, bound to a group or not."""
    load_balancer_id: str
    protocol: str
    port: int
    backend_port: int | None = None
    bandwidth: int | None = None
    master_slave_server_group_id: str | None = None
    vserver_group_id: str | None = None


@dataclass
class ResourceTag:
    """One tag of one group, as ListTagResources lists it."""
    resource_id: str
    key: str
    value: str


@dataclass
class State:
    """Everything the emulator holds at one moment (the admin API's state, the console)."""
    load_balancers: tuple[LoadBalancer, ...]
    groups: tuple[Group, ...]
    listeners: tuple[Listener, ...]
