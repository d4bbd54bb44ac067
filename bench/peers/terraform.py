"""Drive a built Terraform + terraform-provider-alicloud against the emulator.

Why a driver of the CLI and not of the provider's gRPC: the comparison is about what a user
of each tool sees (calls, time, the first error line), so each tool runs as its user runs it.
Everything lives in one scratch directory: the configuration, a CLI config whose only
provider source is the filesystem mirror build.sh filled (no registry, no network), the
local state file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

from .result import CommandResult

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build.sh"


def built_paths() -> tuple[tuple[str, str] | None, str]:
    """(terraform, provider) from `build.sh --print-paths`, or None and why not (it builds nothing)."""
    done = subprocess.run(["bash", str(BUILD_SCRIPT), "--print-paths"], capture_output=True, text=True,
                          timeout=30, check=False)
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        return None, ("the peers are not built: run bench/peers/build.sh (Terraform and "
                      "terraform-provider-alicloud from the Go module proxy; a long build once)")
    return (lines[0], lines[1]), ""


def provider_version(provider_path: str) -> str:
    """The version in the binary's name (terraform-provider-alicloud_v1.240.0)."""
    return os.path.basename(provider_path).rsplit("_v", 1)[-1]


class TfResult(CommandResult):
    def first_error(self) -> str:
        """The first line a user reads as the error (Terraform prints `Error: ...`; the
        provider's carries ANSI colour codes even with -no-color), plus its `ErrorCode:` line."""
        lines = [ANSI.sub("", line).strip(" │╷╵") for line in self.output.splitlines()]
        first = next((t for t in lines if t.startswith("Error:")), "")
        code = next((t for t in lines if t.startswith("ErrorCode:")), "")
        return f"{first} ... {code}" if first and code else first


def group_config(endpoint: str, version: str, count: int, slave: str = "i-demo-web-2",
                 protection: bool = False) -> str:
    """`count` groups on the demo load balancer, the same declaration as ours (names peer-N,
    ports 80+N, Master i-demo-web-1, Slave `slave`, weight 100)."""
    host = endpoint.split("://", 1)[-1]
    return f'''terraform {{
  required_providers {{
    alicloud = {{
      source  = "aliyun/alicloud"
      version = "{version}"
    }}
  }}
}}

provider "alicloud" {{
  access_key             = "emulator-demo-key"
  secret_key             = "emulator-demo-secret"
  region                 = "cn-hangzhou"
  protocol               = "HTTP"
  account_type           = "Domestic"
  skip_region_validation = true
  endpoints {{
    slb = "{host}"
  }}
}}

resource "alicloud_slb_master_slave_server_group" "g" {{
  count            = {count}
  load_balancer_id = "lb-demo-hangzhou"
  name             = "peer-${{count.index}}"
  delete_protection_validation = {"true" if protection else "false"}
  servers {{
    server_id   = "i-demo-web-1"
    port        = 80 + count.index
    weight      = 100
    server_type = "Master"
  }}
  servers {{
    server_id   = "{slave}"
    port        = 80 + count.index
    weight      = 100
    server_type = "Slave"
  }}
}}
'''


class TerraformWorkspace:
    """One configuration directory with its own CLI config and local state."""

    def __init__(self, terraform: str, provider: str, work_dir: str, endpoint: str) -> None:
        self.terraform = terraform
        self.version = provider_version(provider)
        self.dir = Path(work_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.endpoint = endpoint
        mirror = Path(provider).resolve().parent.parent / "plugins"
        cli_config = self.dir / "cli.tfrc"
        cli_config.write_text(
            'provider_installation {\n'
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["registry.terraform.io/aliyun/alicloud"]\n  }}\n'
            '  direct {\n    exclude = ["registry.terraform.io/aliyun/alicloud"]\n  }\n}\n')
        self.env = {
            **{k: v for k, v in os.environ.items()
               if not k.startswith(("TF_", "ALICLOUD_", "ALIBABA_CLOUD_", "ALIYUN_"))},
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def write(self, count: int, slave: str = "i-demo-web-2", protection: bool = False) -> None:
        (self.dir / "main.tf").write_text(group_config(self.endpoint, self.version, count, slave, protection))

    def run(self, *args: str, timeout: float = 180) -> TfResult:
        argv = [*args, "-no-color", "-input=false"]
        started = time.perf_counter()
        try:
            done = subprocess.run([self.terraform, *argv], cwd=self.dir, env=self.env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False)
            code, output = done.returncode, done.stdout
        except subprocess.TimeoutExpired as e:
            out = e.stdout or ""
            code, output = -9, (out if isinstance(out, str) else out.decode()) + f"\n[killed after {timeout} s]"
        return TfResult(argv, code, output, time.perf_counter() - started)

    # -- the user's commands --------------------------------------------------------------
    def init(self) -> TfResult:
        return self.run("init")

    def apply(self, timeout: float = 180) -> TfResult:
        return self.run("apply", "-auto-approve", timeout=timeout)

    def plan(self) -> TfResult:
        """Exit 0: no changes; 2: changes (-detailed-exitcode); 1: error."""
        return self.run("plan", "-detailed-exitcode")

    def refresh(self) -> TfResult:
        return self.run("apply", "-refresh-only", "-auto-approve")

    def destroy(self, timeout: float = 180) -> TfResult:
        return self.run("destroy", "-auto-approve", timeout=timeout)

    def state_ids(self) -> list[str]:
        """Group ids in the local state file."""
        path = self.dir / "terraform.tfstate"
        if not path.exists():
            return []
        state = json.loads(path.read_text() or "{}")
        ids = []
        for resource in state.get("resources") or []:
            if resource.get("type") == "alicloud_slb_master_slave_server_group":
                ids += [i["attributes"]["id"] for i in resource.get("instances") or []]
        return ids
