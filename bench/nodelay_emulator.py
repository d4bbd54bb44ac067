"""`python -m bench.nodelay_emulator`: the stock emulator with Nagle's algorithm disabled on
its sockets (diagnostic only; the emulator package itself is not changed).

The stock emulator answers a keep-alive (HTTP/1.1) request with two writes (headers, then
body); with Nagle on, the second waits for the client's delayed ACK, about 40 ms per
call on Linux loopback. The benchmark's headline figures use the stock emulator; this
variant shows how much of the scale figures that artifact accounts for.
"""

import sys

from slb_emulator import server
from slb_emulator.__main__ import main

server.Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    sys.exit(main())
