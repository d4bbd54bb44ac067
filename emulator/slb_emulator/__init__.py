"""A local emulator of the Alibaba Cloud SLB RPC API (master/slave server groups).

Run it with ``python -m slb_emulator``; see emulator/README.md. It shares no code with
the provider package: it is the other side of the wire.
"""

__version__ = "0.1.0"
