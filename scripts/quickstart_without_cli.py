"""The quickstart stack through preview, up, refresh and destroy WITHOUT the Pulumi CLI.

For machines where the CLI cannot be installed. The engine's part is played by the
project's engine-protocol test harness (harness/engine_harness.py: a test tool,
not the engine); everything else is real: the root program (__main__.py) under Pulumi's
mocks for its registrations, the real `python -m pulumi.dynamic` provider process in this
directory over gRPC, the official SDK over HTTP, and the local emulator.

    .venv/bin/python scripts/quickstart_without_cli.py
"""

from __future__ import annotations

import collections
import runpy
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.emulator_process import EmulatorProcess  # noqa: E402
from harness.engine_harness import Engine  # noqa: E402
from harness.program import collect_registrations  # noqa: E402
from harness.provider_process import ProviderProcess  # noqa: E402


def main() -> int:
    with EmulatorProcess() as emu, tempfile.TemporaryDirectory() as scratch:
        print(f"emulator at {emu.url}")
        config = {
            "alicloud:region": "cn-hangzhou",
            "alicloud:accessKey": "emulator-demo-key",
            "alicloud:secretKey": "emulator-demo-secret",
            "slb-master-slave:endpoint": emu.url,
        }
        registrations = collect_registrations(lambda: runpy.run_path(str(ROOT / "__main__.py")),
                                              project="slb-master-slave-quickstart", config=config)
        with ProviderProcess(str(ROOT)) as provider:
            provider.configure(config, secret_keys=["alicloud:secretKey"])
            engine = Engine(provider, str(Path(scratch) / "state.json"))
            plan = engine.preview(registrations)
            print("preview:", ", ".join(f"{s.name} {s.op}" for s in plan.steps) or "nothing", "| failures:", plan.failures)
            up = engine.up(registrations)
            print("up:", "ok" if up.ok else f"FAILED {up.errors}", "|", ", ".join(f"{r['name']}={r['id']}" for r in engine.state["resources"]))
            refresh = engine.refresh()
            print("refresh:", "ok" if refresh.ok else f"FAILED {refresh.errors}", f"| removed {len(refresh.removed)}, changed {len(refresh.updated)}")
            destroy = engine.destroy()
            print("destroy:", "ok" if destroy.ok else f"FAILED {destroy.errors}")
        calls = collections.Counter(r["action"] for r in emu.requests())
        left = len(emu.state()["groups"])
        print(f"SLB API calls seen by the emulator: {dict(calls)}")
        print(f"groups left after destroy: {left}")
        return 0 if plan.ok and up.ok and refresh.ok and destroy.ok and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
