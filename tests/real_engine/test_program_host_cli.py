"""Which process runs the tests' programs and starts the dynamic provider: the official Python
language host where the CLI finds one (its own process per program, in the project's
virtualenv, and the official `pulumi-resource-pulumi-python` launcher beside it, never the
two-line one scripts/pulumi-cli.sh writes beside a CLI it built), else the fallback
(harness/language_host.py through --client), and the run's header names the one in use."""

from __future__ import annotations

import os
import re

from harness.pulumi_cli import LanguageHost, OfficialHost, checkout_virtualenv

from . import programs

# The group makes the engine start the dynamic provider; the exports say what ran the program.
WHO_RUNS = programs.ONE_GROUP + """
import os, sys
with open(f"/proc/{os.getppid()}/cmdline", "rb") as parent:
    pulumi.export("parent", os.path.basename(parent.read().split(b"\\0")[0].decode()))
pulumi.export("python", sys.prefix)
"""
LAUNCHED = re.compile(r"Launching plugin '([^']+)' from '([^']+)'")


def test_the_program_and_the_provider_run_where_the_header_says(make_stack, emu, language_host):
    stack = make_stack(None)
    stack.write_program(WHO_RUNS)
    up = stack.run("up", "-v=9", "--logtostderr")
    outputs = stack.outputs()
    launched = dict(LAUNCHED.findall(up.output))
    if isinstance(language_host, OfficialHost):
        assert outputs["parent"] == "pulumi-language-python", "the official host runs the program in a process of its own"
        assert outputs["python"] == checkout_virtualenv(), "in the project's virtualenv"
        assert launched["python"] == language_host.path
        assert os.path.dirname(launched["pulumi-python (resource)"]) == language_host.directory, \
            "the provider launcher beside the official host, not the one beside a built CLI"
    else:
        assert isinstance(language_host, LanguageHost)
        assert outputs["parent"] != "pulumi-language-python" and "python" not in launched
    stack.run("destroy")
