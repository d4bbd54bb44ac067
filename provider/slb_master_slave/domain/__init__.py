"""The domain: a server group as data, with no I/O.

It owns the field table (`fields.py`: every property of a server and of a group, its wire
name, default, range and documented error code), the one normalized form of a declaration
(`normalize.py`), the values the rest of the package passes around (`model.py`: `GroupSpec`,
`BackendServer`, `LiveGroup`, `LoadBalancer`, and the form state stores) and validation as
data (`validation.py`: one table of rules, each with its code and a breaking example). It may
import nothing else of this package (of Pulumi, only the unknown value of pulumi.output).
"""
