"""A trivial dynamic provider: the cold-start and gRPC baseline of the benchmark.

It imports nothing beyond what `python -m pulumi.dynamic` already loaded, and its
check() returns the inputs unchanged. Pickled by reference (importable module), like ours.
"""

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider


class TrivialProvider(ResourceProvider):
    serialize_as_secret_always = False

    def check(self, _olds, news):
        return CheckResult(news, [])

    def diff(self, _id, _olds, _news):
        return DiffResult(changes=False, replaces=[])

    def create(self, inputs):
        return CreateResult("trivial", inputs)
