"""Benchmarks at city scale; each module is runnable alone (`python -m bench.NAME`).

Not part of `make test` (beyond tests/bench/test_smoke.py). See BENCHMARKS.md.
"""
