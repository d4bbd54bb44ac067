"""What one command of either tool left: the same fields for both, so scenarios compare them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CommandResult:
    args: list[str]
    code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.code == 0

    def first_error(self) -> str:
        """The first line a user reads as the error; each tool prints it its own way."""
        raise NotImplementedError
