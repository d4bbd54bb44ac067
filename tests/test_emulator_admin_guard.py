"""Who may use the emulator's admin API (slb_emulator.admin_guard), as data and without
HTTP: each row is a request's headers and query, the emulator's bound address and admin
token, and the refusal it gets (None: let in). tests/test_emulator_safety.py checks the
same guard over the wire."""

from __future__ import annotations

import pytest
from slb_emulator.admin_guard import AdminGuard
from slb_emulator.parameters import Parameters

HOST = "the admin API answers only to a loopback Host or the bound address"
CROSS = "cross-site requests to the admin API are refused"
TOKEN = "this emulator needs its admin token (X-Emulator-Token header or ?token=)"

ROWS: list[tuple[str, dict[str, str], dict[str, str], str, str | None, str | None]] = [
    # (name, headers, query, bound address, admin token, refusal)
    ("loopback address", {"Host": "127.0.0.1:8080"}, {}, "127.0.0.1", None, None),
    ("localhost", {"Host": "localhost:8080"}, {}, "127.0.0.1", None, None),
    ("localhost with the root dot", {"Host": "LOCALHOST.:8080"}, {}, "127.0.0.1", None, None),
    ("a .localhost name", {"Host": "emu.localhost"}, {}, "127.0.0.1", None, None),
    ("IPv6 loopback", {"Host": "[::1]:8080"}, {}, "::1", None, None),
    ("another loopback address", {"Host": "127.0.0.2"}, {}, "127.0.0.1", None, None),
    ("the bound address", {"Host": "10.1.2.3:8080"}, {}, "10.1.2.3", None, None),
    ("no Host", {}, {}, "127.0.0.1", None, HOST),
    ("a rebound name", {"Host": "evil.example:8080"}, {}, "127.0.0.1", None, HOST),
    ("another address", {"Host": "10.1.2.4"}, {}, "10.1.2.3", None, HOST),
    ("a Host that does not parse", {"Host": "[::1"}, {}, "127.0.0.1", None, HOST),
    ("own origin", {"Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:8080"}, {},
     "127.0.0.1", None, None),
    ("foreign origin", {"Host": "127.0.0.1:8080", "Origin": "http://evil.example"}, {},
     "127.0.0.1", None, CROSS),
    ("null origin", {"Host": "127.0.0.1:8080", "Origin": "null"}, {}, "127.0.0.1", None, CROSS),
    ("cross-site fetch", {"Host": "127.0.0.1", "Sec-Fetch-Site": "Cross-Site"}, {},
     "127.0.0.1", None, CROSS),
    ("same-site fetch", {"Host": "127.0.0.1", "Sec-Fetch-Site": "same-origin"}, {},
     "127.0.0.1", None, None),
    ("token in the header", {"Host": "127.0.0.1", "X-Emulator-Token": "t"}, {}, "127.0.0.1", "t",
     None),
    ("token in the query", {"Host": "127.0.0.1"}, {"token": "t"}, "127.0.0.1", "t", None),
    ("the header wins over the query", {"Host": "127.0.0.1", "X-Emulator-Token": "x"},
     {"token": "t"}, "127.0.0.1", "t", TOKEN),
    ("no token", {"Host": "127.0.0.1"}, {}, "127.0.0.1", "t", TOKEN),
    ("wrong token", {"Host": "127.0.0.1"}, {"token": "T"}, "127.0.0.1", "t", TOKEN),
    ("the Host is checked before the token", {"Host": "evil.example"}, {"token": "t"},
     "127.0.0.1", "t", HOST),
]


@pytest.mark.parametrize(("headers", "query", "bound", "token", "refusal"),
                         [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_the_guard_refuses_as_the_table_says(headers, query, bound, token, refusal):
    assert AdminGuard(bound, token).refusal(headers, Parameters(query)) == refusal
