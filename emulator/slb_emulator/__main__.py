"""``python -m slb_emulator [--host H] [--port P] [--db FILE] [--seed FILE] [--verbose]``

Prints the base URL as the first line of stdout, then serves until SIGTERM/SIGINT.
"""

import argparse
import signal
import sys
import threading

from .seed import SeedError, load_seed
from .server import make_server


def main(argv=None):
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
                        help="log every request to stderr")
    args = parser.parse_args(argv)

    try:
        seed = load_seed(args.seed)
    except SeedError as e:
        print("slb_emulator: %s" % e, file=sys.stderr)
        return 2
    try:
        server = make_server(args.host, args.port, args.db, seed, args.verbose)
    except OSError as e:
        print("slb_emulator: cannot listen on %s:%s: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="slb-emulator", daemon=True)
    thread.start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        server.backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
