"""The emulator's own table of SLB's rules: limits, allowed values, defaults.

The emulator is the other side of the wire, so it keeps these itself rather than import
the provider's; a test compares the two tables so they cannot drift. Every check in
validation.py, backend.py, responses.py, parameters.py and seed.py reads its numbers and
choices from here. Imports nothing of the package.
"""

from __future__ import annotations

import re

# --- a master/slave group's two servers -----------------------------------------------
SERVERS_PER_GROUP = 2
SERVER_TYPES = ("Master", "Slave")
DEFAULT_SERVER_TYPE = "Master"
BACKEND_TYPES = ("ecs", "eni", "eci")
DEFAULT_BACKEND_TYPE = "ecs"
MIN_PORT, MAX_PORT = 1, 65535
MIN_WEIGHT, MAX_WEIGHT = 0, 100
DEFAULT_WEIGHT = 100
MAX_INT_DIGITS = 9            # a Port or Weight string longer than this is not a number here
# Server Description (API reference): 1-80 letters, digits, Chinese characters, - / . _
# (empty means "not given"). The reference names no code points; "Chinese characters" is
# read as the CJK Unified Ideographs block, U+4E00-U+9FFF, as the provider reads it.
MAX_DESCRIPTION = 80
DESCRIPTION = re.compile(r"[A-Za-z0-9\u4e00-\u9fff\-/._]{1,%d}" % MAX_DESCRIPTION)

# --- a group --------------------------------------------------------------------------
MAX_GROUP_NAME = 80
GROUP_ID_PREFIX = "rsp-"
GROUP_ID_LENGTH = 10          # characters after the prefix, lower-case letters and digits

# --- tags -----------------------------------------------------------------------------
MAX_TAGS = 20                 # per request, and per resource afterwards
MIN_TAG_KEY, MAX_TAG_KEY = 1, 64
MAX_TAG_VALUE = 128
TAG_RESERVED_PREFIXES = ("aliyun", "acs:")      # neither a key nor a value may start so
TAG_FORBIDDEN_PARTS = ("http://", "https://")   # nor contain these (any case)
RESOURCE_TYPE = "masterslaveservergroup"
MAX_RESOURCE_IDS = 20         # "You can specify up to 20 resources" (SDK request models)
TAG_PAGE_SIZE = 50            # ListTagResources page size without MaxResult
MIN_TAG_PAGE_SIZE, MAX_TAG_PAGE_SIZE = 1, 1000

# --- listeners ------------------------------------------------------------------------
LISTENER_PROTOCOLS = ("tcp", "udp", "http", "https")
UNLIMITED_BANDWIDTH = -1
MIN_BANDWIDTH, MAX_BANDWIDTH = UNLIMITED_BANDWIDTH, 5120   # Mbit/s; 0 is refused
LISTENER_GROUP_SWITCH = ("on", "off")

# --- the wire -------------------------------------------------------------------------
API_VERSION = "2014-05-15"
MAX_INDEX = 1000              # the largest N of a Name.N parameter

# --- load balancers (seed and admin API) ----------------------------------------------
DELETE_PROTECTION = ("on", "off")
LOAD_BALANCER_STATUSES = ("active", "inactive", "locked")
ADDRESS_TYPES = ("internet", "intranet")
LOAD_BALANCER_DEFAULTS = {
    "name": "", "address": "", "delete_protection": "off", "status": "active",
    "spec": "slb.s1.small", "address_type": "internet", "network_type": "vpc",
}
