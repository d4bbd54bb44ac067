"""Every example stack through the real CLI: preview, up, a second preview that must show
no change (--expect-no-changes), refresh, destroy, and nothing left in the emulator.

With the official language host, basic, lookup and adopt run that sequence in a fresh clone
instead, in place and in the virtualenv their own requirements make (test_fresh_clone_cli.py):
the same assertions, once, where users run them. The root stack runs here either way."""

from __future__ import annotations

import os

import pytest

from harness.pulumi_cli import OfficialHost

from .invariants import assert_adoption_lifecycle, assert_lifecycle

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


@pytest.fixture()
def example_stack(make_stack, language_host):
    if isinstance(language_host, OfficialHost):
        pytest.skip("with the official host the example runs in a fresh clone (test_fresh_clone_cli.py)")
    return lambda name: make_stack(os.path.join(EXAMPLES, name))


def test_quickstart_root_stack(make_stack, emu):
    stack = make_stack(None)
    assert_lifecycle(stack, emu, {"web_group_id": "web", "api_group_id": "api"}, 2)


def test_basic_example(example_stack, emu):
    assert_lifecycle(example_stack("basic"), emu, {"group_id": "basic"}, 1)


def test_lookup_example(example_stack, emu):
    assert_lifecycle(example_stack("lookup"), emu, {}, 1)


def test_adopt_example_keeps_the_outside_group_until_destroy(example_stack, emu):
    assert_adoption_lifecycle(example_stack("adopt"), emu)
