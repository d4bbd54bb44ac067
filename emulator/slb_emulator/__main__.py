"""``python -m slb_emulator [--host H] [--port P] [--db FILE] [--seed FILE] [--verbose]
[--admin-token TOKEN]``

Prints the base URL as the first line of stdout, then serves until SIGTERM/SIGINT. Owns the
command line and its exit codes (2: a bad seed, a database that cannot be opened, a busy
port). Imports seed.py and server.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .seed import SeedError, load_seed
from .server import make_server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slb_emulator",
                                     description="A local Alibaba Cloud SLB API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080,
                        help="port to listen on (0 picks a free one; default 8080)")
    parser.add_argument("--db", default=None,
                        help="sqlite file that keeps state across restarts "
                             "(default: in memory)")
    parser.add_argument("--seed", default=None,
                        help="seed JSON file (default: the packaged demo seed)")
    parser.add_argument("--verbose", action="store_true",
                        help="log every request to stderr (tokens and signatures masked)")
    parser.add_argument("--admin-token", default=None,
                        help="require this token on every /_emulator/ call (header "
                             "X-Emulator-Token or ?token=); default: none")
    args = parser.parse_args(argv)
    if args.admin_token is None:
        args.admin_token = os.environ.get("SLB_EMULATOR_ADMIN_TOKEN") or None

    try:
        seed = load_seed(args.seed)
    except SeedError as e:
        print("slb_emulator: %s" % e, file=sys.stderr)
        return 2
    if args.db:
        folder = os.path.dirname(os.path.abspath(args.db))
        if not os.path.isdir(folder):
            print("slb_emulator: cannot open database %s: the folder %s does not exist"
                  % (args.db, folder), file=sys.stderr)
            return 2
    try:
        server = make_server(args.host, args.port, args.db, seed, args.verbose,
                             admin_token=args.admin_token)
    except sqlite3.Error as e:
        print("slb_emulator: cannot open database %s: %s" % (args.db, e), file=sys.stderr)
        return 2
    except OSError as e:
        print("slb_emulator: cannot listen on %s:%s: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="slb-emulator", daemon=True)
    thread.start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    try:
        stop.wait()   # until SIGTERM or SIGINT sets it
    finally:
        server.shutdown()
        server.server_close()   # closes the storage too
    return 0


if __name__ == "__main__":
    sys.exit(main())
