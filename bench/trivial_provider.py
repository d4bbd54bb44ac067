"""A trivial dynamic provider: the cold-start and gRPC baseline of the benchmark.

It imports nothing beyond what `python -m pulumi.dynamic` already loaded, and its
check() returns the inputs unchanged. Pickled by reference (importable module), like ours.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider


class TrivialProvider(ResourceProvider):
    serialize_as_secret_always = False

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False, replaces=[])

    def create(self, inputs: dict[str, Any]) -> CreateResult:
        return CreateResult("trivial", inputs)
