"""The emulator's one parameter parser (slb_emulator.parameters), as data: each row is a
request's parameters, one reading of them, and the value or the error that reading gives.
No HTTP: the SLB actions, the call's envelope, signature 1.0 and the admin API's forms all
read their parameters through this class, so a row here covers every one of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slb_emulator.exceptions import SlbError
from slb_emulator.parameters import Parameters
from slb_emulator.rules import MAX_INDEX


@dataclass(frozen=True)
class Error:
    code: str
    message: str


def missing(name: str) -> Error:
    return Error("MissingParameter", 'The input parameter "%s" that is mandatory for '
                                     "processing this request is not supplied." % name)


def invalid(name: str) -> Error:
    return Error("InvalidParameter", "The specified parameter %s is not valid." % name)


Reading = Callable[[Parameters], Any]


def required(name: str) -> Reading:
    return lambda p: p.required(name)


def integer(name: str, low: int = 1, high: int = 65535) -> Reading:
    return lambda p: p.integer(name, low, high)


def optional_integer(name: str, low: int = 1, high: int = 65535) -> Reading:
    return lambda p: p.optional_integer(name, low, high)


def flag(name: str) -> Reading:
    return lambda p: p.flag(name)


def choice(name: str) -> Reading:
    return lambda p: p.choice(name, ("on", "off"))


def indexed(name: str) -> Reading:
    return lambda p: p.indexed(name)


def tags(p: Parameters) -> list[dict[str, str]]:
    return p.indexed_members("Tag", ("Key", "Value"))


ROWS: list[tuple[str, dict[str, str], Reading, Any]] = [
    # plain values
    ("get as sent", {"A": " x "}, lambda p: p.get("A"), " x "),
    ("get absent", {}, lambda p: p.get("A"), None),
    ("text trimmed", {"A": " x "}, lambda p: p.text("A"), "x"),
    ("text absent", {}, lambda p: p.text("A"), ""),
    ("optional empty", {"A": ""}, lambda p: p.optional("A"), None),
    ("optional blank is a value", {"A": " "}, lambda p: p.optional("A"), " "),
    ("required as sent", {"A": " x "}, required("A"), " x "),
    ("required absent", {}, required("A"), missing("A")),
    ("required empty", {"A": ""}, required("A"), missing("A")),
    # integers: decimal, at most 9 digits, an optional minus, white space around allowed
    ("integer", {"P": " 80 "}, integer("P"), 80),
    ("integer lowest", {"P": "1"}, integer("P"), 1),
    ("integer highest", {"P": "65535"}, integer("P"), 65535),
    ("integer negative", {"B": "-1"}, integer("B", -1, 5120), -1),
    ("integer below", {"P": "0"}, integer("P"), invalid("P")),
    ("integer above", {"P": "65536"}, integer("P"), invalid("P")),
    ("integer exponent", {"P": "1e3"}, integer("P"), invalid("P")),
    ("integer plus sign", {"P": "+5"}, integer("P"), invalid("P")),
    ("integer ten digits", {"P": "1234567890"}, integer("P", 1, 10 ** 10), invalid("P")),
    ("integer blank", {"P": "  "}, integer("P"), invalid("P")),
    ("integer absent", {}, integer("P"), missing("P")),
    ("integer empty", {"P": ""}, integer("P"), missing("P")),
    ("optional integer absent", {}, optional_integer("P"), None),
    ("optional integer empty", {"P": ""}, optional_integer("P"), None),
    ("optional integer bad", {"P": "x"}, optional_integer("P"), invalid("P")),
    # flags: only "true", any case
    ("flag true", {"F": " TRUE "}, flag("F"), True),
    ("flag yes", {"F": "yes"}, flag("F"), False),
    ("flag absent", {}, flag("F"), False),
    # choices: trimmed and lower-cased; absent is None, empty is not a choice
    ("choice", {"C": " ON "}, choice("C"), "on"),
    ("choice absent", {}, choice("C"), None),
    ("choice empty", {"C": ""}, choice("C"), invalid("C")),
    ("choice other", {"C": "maybe"}, choice("C"), invalid("C")),
    # Name.N: in N order, gaps skipped, N from 1 to MAX_INDEX
    ("indexed in N order", {"R.2": "b", "R.10": "c", "R.1": "a"}, indexed("R"), ["a", "b", "c"]),
    ("indexed with gaps", {"R.3": "c", "R.1": "a"}, indexed("R"), ["a", "c"]),
    ("indexed none", {"R": "x"}, indexed("R"), []),
    ("indexed only its own name", {"R.1": "a", "R.1.Key": "x", "RR.2": "y", "XR.3": "z"},
     indexed("R"), ["a"]),
    ("indexed name taken literally", {"AxB.1": "x"}, indexed("A.B"), []),
    ("indexed N = 0", {"R.0": "a"}, indexed("R"), invalid("R.0")),
    ("indexed N = MAX_INDEX", {"R.%d" % MAX_INDEX: "a"}, indexed("R"), ["a"]),
    ("indexed N above MAX_INDEX", {"R.%d" % (MAX_INDEX + 1): "a"}, indexed("R"),
     invalid("R.%d" % (MAX_INDEX + 1))),
    ("indexed first bad one named", {"R.1": "a", "R.0": "b", "R.2000": "c"}, indexed("R"),
     invalid("R.0")),
    ("indexed N spelled twice: the later wins", {"R.1": "a", "R.01": "b"}, indexed("R"), ["b"]),
    # Name.N.Member: grouped by N, only the members asked for
    ("members grouped in N order", {"Tag.2.Key": "k2", "Tag.1.Value": "v1", "Tag.1.Key": "k1"},
     tags, [{"Key": "k1", "Value": "v1"}, {"Key": "k2"}]),
    ("members value alone", {"Tag.1.Value": "v"}, tags, [{"Value": "v"}]),
    ("members other member ignored", {"Tag.1.Other": "x", "Tag.1": "y"}, tags, []),
    ("members N = 0", {"Tag.0.Key": "k"}, tags, invalid("Tag.0.Key")),
    ("members N above MAX_INDEX", {"Tag.1001.Value": "v"}, tags, invalid("Tag.1001.Value")),
]


@pytest.mark.parametrize(("params", "reading", "expected"), [row[1:] for row in ROWS],
                         ids=[row[0] for row in ROWS])
def test_the_parser_reads_each_row_as_the_table_says(params, reading, expected):
    parameters = Parameters(params)
    if isinstance(expected, Error):
        with pytest.raises(SlbError) as info:
            reading(parameters)
        assert (info.value.code, info.value.message) == (expected.code, expected.message)
    else:
        assert reading(parameters) == expected
