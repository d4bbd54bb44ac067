"""The mutation check: the functions the safety promise rests on, broken on purpose, must
make a test fail (`python -m harness.mutation`; the table is targets.py)."""
