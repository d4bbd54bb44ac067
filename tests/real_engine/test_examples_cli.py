"""Every example stack through the real CLI: preview, up, a second preview that must show
no change (--expect-no-changes), refresh, destroy, and nothing left in the emulator."""

from __future__ import annotations

import os

from .invariants import assert_adoption_lifecycle, assert_lifecycle

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def test_quickstart_root_stack(make_stack, emu):
    stack = make_stack(None)
    assert_lifecycle(stack, emu, {"web_group_id": "web", "api_group_id": "api"}, 2)


def test_basic_example(make_stack, emu):
    stack = make_stack(os.path.join(EXAMPLES, "basic"))
    assert_lifecycle(stack, emu, {"group_id": "basic"}, 1)


def test_lookup_example(make_stack, emu):
    stack = make_stack(os.path.join(EXAMPLES, "lookup"))
    assert_lifecycle(stack, emu, {}, 1)


def test_adopt_example_keeps_the_outside_group_until_destroy(make_stack, emu):
    assert_adoption_lifecycle(make_stack(os.path.join(EXAMPLES, "adopt")), emu)
