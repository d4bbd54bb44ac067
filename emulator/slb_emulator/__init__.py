"""A local emulator of the Alibaba Cloud SLB RPC API (master/slave server groups).

Run it with ``python -m slb_emulator``; see emulator/README.md. It shares no code with
the provider package: it is the other side of the wire. Standard library only.

The rooms, each importing only those below it on its side, and the HTTP side importing
the domain side, never the other way round:

- the HTTP side: ``__main__`` (the command line) and ``server`` (composes the parts, routes
  by path) over ``slb_api`` (one SLB call) and ``admin`` (the admin API; ``admin_guard``
  says who may use it, ``console`` renders its page), ``request_log``, ``http_base`` (one
  connection's exchange), ``responses`` (the action table), ``auth`` (signatures),
  ``parameters`` (the one parameter parser), ``server_list`` and ``wire`` (the formats);
- the domain side: ``backend`` (the domain actions) over ``validation``, ``seed``,
  ``storage`` (the database) and ``tables`` (the rows), over ``models`` (the model types),
  ``faults``, ``rules`` and ``exceptions``.
"""

__version__ = "0.1.0"
