"""The one field table: every property of a server and of a group, with its rules.

A server is spelled in several places (the program's args and outputs, normalization,
validation, the wire, the look-up's results, the README's tables); each reads its names,
defaults, wire names, ranges, allowed values and documented error codes from here, so a
rule changed once is changed everywhere. The program's types (the args classes, their
TypedDicts, the servers' output type, the resource's signature and outputs) are generated
from it into program/generated_types.py by `python -m tools.generate_types`. The emulator keeps its
own copy on purpose (it is the other side of the wire): tests/test_field_table.py compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One property: how the program names it, how the API names it, and what the API accepts.

    `int_range` and `length` are inclusive bounds; `choices` are the API's spellings (input
    in any case is brought to them); `code` is the API's documented error code for a value
    that breaks the rule, the code a preview failure carries too.

    The program's types are generated from the rest: `input_type` is what a program may give
    (inside `pulumi.Input[...]`), `output_type` what it reads back, both Python annotations
    (left empty: `python_type`, and for the output `| None` when the field may be absent);
    `output_alias` is a second read-only name for the output (another SDK's name for it).
    """

    name: str
    python_type: str
    wire: str | None
    doc: str
    required: bool = False
    default: int | str | bool | None = None
    choices: tuple[str, ...] = ()
    int_range: tuple[int, int] | None = None
    length: tuple[int, int] | None = None
    code: str | None = None
    replaces: bool = False
    input_type: str = ""
    output_type: str = ""
    output_alias: str | None = None

    @property
    def arg_type(self) -> str:
        """The annotation of a value the program gives, inside `pulumi.Input[...]`."""
        return self.input_type or self.python_type

    @property
    def result_type(self) -> str:
        """The annotation of the value the program reads back."""
        if self.output_type:
            return self.output_type
        return self.python_type if self.required or self.default is not None else f"{self.python_type} | None"

    @property
    def camel_name(self) -> str:
        """The camelCase spelling (`server_id` -> `serverId`), which other SDKs use for it."""
        first, *rest = self.name.split("_")
        return first + "".join(part.capitalize() for part in rest)

    @property
    def rule(self) -> str:
        """The rule in words, as the README's arguments table states it."""
        parts: list[str] = []
        if self.required:
            parts.append("required")
        if self.int_range:
            parts.append(f"{self.int_range[0]}-{self.int_range[1]}")
        if self.choices:
            parts.append(" / ".join(f"`{c}`" for c in self.choices))
        if self.length:
            parts.append(f"{self.length[0]}-{self.length[1]} characters")
        if self.default is not None:
            parts.append(f"default `{self.default}`")
        return ", ".join(parts)


# -- a server -----------------------------------------------------------------------------
MAX_PORT = 65535
MAX_WEIGHT = 100
MAX_DESCRIPTION = 80
DEFAULT_WEIGHT = 100
DEFAULT_SERVER_TYPE = "Master"
DEFAULT_BACKEND_TYPE = "ecs"

# pulumi-alicloud's look-up names the server id `instance_id`: its results read it under both names.
SERVER_ID = Field("server_id", "str", "ServerId", "the ECS instance, ENI or ECI id (i-..., eni-..., eci-...)",
                  required=True, code="BACKEND_SERVER_ID_CAN_NOT_EMPTY", output_alias="instance_id")
# Ports and weights may be given as ints or numeric strings (the API's own examples use strings);
# they are read back as ints.
PORT = Field("port", "int", "Port", "the backend port", required=True, int_range=(1, MAX_PORT),
             code="RealServerPortNotSupport", input_type="int | str")
WEIGHT = Field("weight", "int", "Weight", "the server's weight", default=DEFAULT_WEIGHT, int_range=(0, MAX_WEIGHT),
               code="InvalidParameter.Weight", input_type="int | str")
SERVER_TYPE = Field("server_type", "str", "ServerType", "which of the pair is active", default=DEFAULT_SERVER_TYPE,
                    choices=("Master", "Slave"), code="INVALID_SERVER_TYPE")
BACKEND_TYPE = Field("type", "str", "Type", "what the server_id names", default=DEFAULT_BACKEND_TYPE,
                     choices=("ecs", "eni", "eci"), code="InvalidParameter.Type")
DESCRIPTION = Field("description", "str", "Description",
                    "the server's description: letters, digits, Chinese characters, `-`, `/`, `.`, `_` (no spaces)",
                    length=(1, MAX_DESCRIPTION), code="InvalidParameter.Description")
SERVER_IP = Field("server_ip", "str", "ServerIp", "the ENI's or ECI's private IP address",
                  code="InvalidParameter.ServerIp")

SERVER: tuple[Field, ...] = (SERVER_ID, PORT, WEIGHT, SERVER_TYPE, BACKEND_TYPE, DESCRIPTION, SERVER_IP)
SERVER_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in SERVER)
# What makes a server the same server (the API refuses two entries with both equal).
SERVER_KEY_FIELDS: tuple[str, ...] = (SERVER_ID.name, PORT.name)
SERVER_ATTRIBUTE_FIELDS: tuple[str, ...] = tuple(n for n in SERVER_FIELD_NAMES if n not in SERVER_KEY_FIELDS)
SERVER_DEFAULTS: dict[str, int | str | bool] = {f.name: f.default for f in SERVER if f.default is not None}
INT_SERVER_FIELDS: tuple[str, ...] = tuple(f.name for f in SERVER if f.python_type == "int")
OPTIONAL_TEXT_SERVER_FIELDS: tuple[str, ...] = tuple(
    f.name for f in SERVER if f.python_type == "str" and not f.required and f.default is None)

# -- a group ------------------------------------------------------------------------------
SERVER_COUNT = 2
MAX_NAME = 80
# Every group the provider creates or adopts carries the ownership tag (ownership/tag.py):
# the API allows 20 tags, users keep 19.
MAX_TAGS = 20
MAX_USER_TAGS = MAX_TAGS - 1
MAX_TAG_KEY = 64
# The API's rules for any tag key or value (validation checks users' tags with them; the
# ownership tag's values keep them too).
MAX_TAG_VALUE = 128
RESERVED_TAG_PREFIXES = ("aliyun", "acs:")
URL_MARKERS = ("http://", "https://")
# Tag keys under this prefix are the provider's own (the ownership tag, ownership/tag.py): users may
# not declare one, and none shows in outputs or diffs.
OWNER_TAG_PREFIX = "slb-master-slave:"
# An output only, never an input: the exact ownership tag value the provider wrote, so a diff
# can tell a group whose tag still has to be brought to the current form and update it in place.
OWNER_TAG_OUTPUT = "owner_tag"

# Outputs repeat the inputs normalized: a region, a name and tags always (resolved, chosen,
# `{}`), the servers as the program's server type (generated_types.MasterSlaveServerGroupServer).
LOAD_BALANCER_ID = Field("load_balancer_id", "str", "LoadBalancerId", "the SLB instance (lb-...)", required=True,
                         code="MissingParameter.LoadBalancerId", replaces=True)
SERVERS = Field("servers", "list", "MasterSlaveBackendServers",
                f"exactly {SERVER_COUNT} servers, one `Master` and one `Slave`", required=True,
                code="BACKEND_SERVERS_NUM_MUST_BE_TWO", replaces=True,
                input_type="Sequence[ServerInput]", output_type="list[MasterSlaveServerGroupServer]")
NAME = Field("name", "str", "MasterSlaveServerGroupName", "the group's name; default: the resource name",
             length=(1, MAX_NAME), code="InvalidParameter.Name", replaces=True, output_type="str")
REGION_ID = Field("region_id", "str", "RegionId", "the group's region; default: `alicloud:region`, then `ALICLOUD_REGION`",
                  code="InvalidParameter.RegionId", replaces=True, output_type="str")
TAGS = Field("tags", "dict", "Tag", f"the group's tags, at most {MAX_USER_TAGS} (one slot holds the ownership tag)",
             code="InvalidTagCount", input_type="Mapping[str, pulumi.Input[str]]", output_type="dict[str, str]")
ADOPT_ID = Field("adopt_id", "str", None, "an existing group (rsp-...) to take over instead of creating one",
                 code="InvalidParameter.AdoptId", replaces=True)
DELETE_PROTECTION_VALIDATION = Field(
    "delete_protection_validation", "bool", None,
    "refuse to delete while the load balancer has DeleteProtection on", default=False)

# The contract's order (docs/ARCHITECTURE.md): the resource's keyword arguments read in this order.
GROUP: tuple[Field, ...] = (LOAD_BALANCER_ID, SERVERS, NAME, REGION_ID, TAGS, ADOPT_ID, DELETE_PROTECTION_VALIDATION)
GROUP_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in GROUP)
# Not an argument: the resource's URN, which the program side passes with the arguments (only it
# knows project, stack, type and name) and the provider names the group's owner after.
OWNER = Field("owner", "str", None, "the resource's URN, which the ownership tag names", output_type="str")
# What the resource's outputs carry for the program (state holds `owner_tag` too, for diff's use).
RESOURCE_OUTPUTS: tuple[Field, ...] = (*GROUP, OWNER)
# Ids the API stores trimmed: trimming them here keeps the stored and the declared equal.
TRIMMED_FIELDS: tuple[str, ...] = ("load_balancer_id", "adopt_id", "region_id")
