"""`python -m slb_master_slave <command>`: what a user runs beside a stack. One command:
`audit` (audit/cli.py). The provider process never imports this."""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMANDS = ("audit",)
USAGE = "usage: python -m slb_master_slave audit [--help] ..."


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "audit":
        from .audit.cli import main as audit

        return audit(args[1:])
    if args and args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    given = f"unknown command {args[0]!r}" if args else "no command"
    print(f"{USAGE}\n{given}: the one command is `audit`.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
