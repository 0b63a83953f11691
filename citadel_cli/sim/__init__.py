"""A vLLM-compatible simulator: the same OpenAI routes, SSE streams, /health and /metrics as vLLM's
server, with configured latencies and fault knobs, and no weights.

    python -m citadel_cli.sim --model NAME --port PORT [--ttft-ms N] [--itl-ms N] ...

It is a raw ASGI app (no framework) on uvicorn with uvloop and httptools, so that it is never the
bottleneck when the gateway in front of it is measured (benchmarks/sim_accuracy.py measures it).
"""

from citadel_cli.sim.state import Faults, SimOptions

__all__ = ["Faults", "SimOptions"]
