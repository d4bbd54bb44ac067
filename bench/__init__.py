"""The performance benchmark of the SLB master/slave dynamic provider.

Run from the repository root: `.venv/bin/python -m bench` (see bench/README.md).
"""
