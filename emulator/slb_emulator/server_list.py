"""The server list parameter: strict JSON, or the single-quoted pseudo-JSON peers send.

The API reference's own example has single quotes and a missing comma
(``'Weight':'100''ServerType':'Slave'``), so both are accepted; everything else is JSON's.
Owns that parser; what the list must hold is validation.py's. Imports exceptions.py only.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from . import exceptions as exc


class _ParseError(Exception):
    pass


class _LenientParser:
    """JSON plus: strings in single quotes, and a missing comma between two object
    members (the API reference's own example has one: ``'100''ServerType'``)."""

    MAX_DEPTH = 8
    ESCAPES: ClassVar[dict[str, str]] = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b",
                                         "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
    NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?")

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def parse(self) -> Any:
        value = self.value(0)
        self.ws()
        if self.i != len(self.s):
            raise _ParseError("trailing data")
        return value

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def value(self, depth: int) -> Any:
        if depth > self.MAX_DEPTH:
            raise _ParseError("too deep")
        ch = self.peek()
        if ch == "{":
            return self.obj(depth)
        if ch == "[":
            return self.arr(depth)
        if ch in ("'", '"'):
            return self.string()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return val
        m = self.NUMBER.match(self.s, self.i)
        if m and m.group(0):
            self.i = m.end()
            if m.group(2) or m.group(3):
                return float(m.group(0))
            return int(m.group(0))
        raise _ParseError("unexpected character")

    def string(self) -> str:
        quote = self.s[self.i]
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= len(self.s):
                raise _ParseError("unterminated string")
            ch = self.s[self.i]
            self.i += 1
            if ch == quote:
                return "".join(out)
            if ch == "\\":
                out.append(self.escape())
            elif ch < " ":
                raise _ParseError("control character in string")
            else:
                out.append(ch)

    def escape(self) -> str:
        """The character a backslash escape stands for (the backslash is read)."""
        if self.i >= len(self.s):
            raise _ParseError("bad escape")
        esc = self.s[self.i]
        self.i += 1
        if esc in self.ESCAPES:
            return self.ESCAPES[esc]
        if esc != "u":
            raise _ParseError("bad escape")
        hexa = self.s[self.i:self.i + 4]
        if len(hexa) != 4 or not all(h in "0123456789abcdefABCDEF" for h in hexa):
            raise _ParseError("bad unicode escape")
        code = int(hexa, 16)
        if 0xD800 <= code <= 0xDFFF:
            raise _ParseError("surrogate escape")
        self.i += 4
        return chr(code)

    def obj(self, depth: int) -> dict[str, Any]:
        self.i += 1
        result: dict[str, Any] = {}
        if self.peek() == "}":
            self.i += 1
            return result
        while True:
            if self.peek() not in ("'", '"'):
                raise _ParseError("expected a key")
            key = self.string()
            if self.peek() != ":":
                raise _ParseError("expected ':'")
            self.i += 1
            result[key] = self.value(depth + 1)
            ch = self.peek()
            if ch == ",":
                self.i += 1
            elif ch == "}":
                self.i += 1
                return result
            elif ch in ("'", '"'):
                continue  # a missing comma before the next key: tolerated
            else:
                raise _ParseError("expected ',' or '}'")

    def arr(self, depth: int) -> list[Any]:
        self.i += 1
        result: list[Any] = []
        if self.peek() == "]":
            self.i += 1
            return result
        while True:
            result.append(self.value(depth + 1))
            ch = self.peek()
            if ch == ",":
                self.i += 1
            elif ch == "]":
                self.i += 1
                return result
            else:
                raise _ParseError("expected ',' or ']'")


def parse_server_list(text: str) -> Any:
    try:
        return _LenientParser(text).parse()
    except (_ParseError, RecursionError, ValueError) as e:
        raise exc.InvalidServerList() from e
