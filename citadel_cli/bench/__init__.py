"""Benchmarks of a model server or the gateway: load generation, metrics, reports.

Nothing here is imported by `citadel-llm --help`; the command imports it inside its function.
"""
