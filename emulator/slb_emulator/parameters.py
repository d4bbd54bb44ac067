"""The one parameter parser: typed values out of a request's decoded parameters (moto's
``_get_param`` family, in SLB's spelling).

Every place that reads a parameter reads it here: the SLB actions (responses.py), the call's
envelope and signature 1.0 (slb_api.py, auth.py), the admin API's query and the console's
forms (admin.py). A required value that is missing or empty is MissingParameter, a malformed
one InvalidParameter naming it; repeated parameters, ``Name.N`` and ``Name.N.Member`` with
N from 1 to rules.MAX_INDEX, come back in N order. Decoding the bytes is wire.py's. Imports
rules.py and exceptions.py only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from . import exceptions as exc
from .rules import MAX_INDEX

_INTEGER = re.compile(r"-?[0-9]{1,9}$")


@functools.lru_cache(maxsize=64)
def _numbered_pattern(name: str, members: tuple[str, ...]) -> re.Pattern[str]:
    """``name.N`` (no members) or ``name.N.Member``; group 1 is N, group 2 the member."""
    member = r"\.(%s)" % "|".join(map(re.escape, members)) if members else "()"
    return re.compile(re.escape(name) + r"\.([0-9]{1,6})" + member + "$")


class Parameters(dict[str, str]):
    """A request's parameters, names and values as decoded (a dict), with typed readers."""

    def text(self, name: str) -> str:
        """The value without surrounding white space ("" when absent)."""
        return (self.get(name) or "").strip()

    def optional(self, name: str) -> str | None:
        """The value, None when absent or empty."""
        return self.get(name) or None

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise exc.MissingParameter(name)
        return value

    def flag(self, name: str) -> bool:
        """True only for ``true`` (any case, white space around it allowed)."""
        return self.text(name).lower() == "true"

    def choice(self, name: str, choices: Collection[str]) -> str | None:
        """The value, trimmed and lower-cased, when it is one of choices; None when absent."""
        value = self.get(name)
        if value is None:
            return None
        value = value.strip().lower()
        if value not in choices:
            raise exc.InvalidParameter(name)
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        """A required decimal integer from low to high."""
        number = self.optional_integer(name, low, high)
        if number is None:
            raise exc.MissingParameter(name)
        return number

    def optional_integer(self, name: str, low: int, high: int) -> int | None:
        """A decimal integer from low to high, None when absent or empty."""
        value = self.get(name)
        if not value:
            return None
        text = value.strip()
        if not _INTEGER.match(text) or not low <= int(text) <= high:
            raise exc.InvalidParameter(name)
        return int(text)

    def _numbered(self, name: str, members: tuple[str, ...]) -> list[dict[str, str]]:
        pattern = _numbered_pattern(name, members)
        found: dict[int, dict[str, str]] = {}
        for key, value in self.items():
            m = pattern.match(key)
            if m:
                n = int(m.group(1))
                if not 1 <= n <= MAX_INDEX:
                    raise exc.InvalidParameter(key)
                found.setdefault(n, {})[m.group(2)] = value
        return [found[n] for n in sorted(found)]

    def indexed(self, name: str) -> list[str]:
        """The values of ``name.1``, ``name.2``, ... in N order (gaps skipped)."""
        return [item[""] for item in self._numbered(name, ())]

    def indexed_members(self, name: str, members: tuple[str, ...]) -> list[dict[str, str]]:
        """``name.N.Member`` grouped by N, in N order: one dict of the members given per N."""
        return self._numbered(name, members)
