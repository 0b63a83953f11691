"""JSON access lines, one per request, handed to the `gateway.access` logger in batches.

A logging call per request (record, caller lookup, a write syscall) measured at ~15 % of the
gateway's CPU under load; batching the lines of ~20 ms into one record keeps the output the
same (one JSON object per line with the gateway's plain formatter) at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

_FLUSH_AFTER_S = 0.02
_MAX_BATCH = 512


class AccessLog:
    def __init__(self, enabled: bool) -> None:
        self.logger = logging.getLogger("gateway.access")
        self.enabled = enabled
        self.lines: list[str] = []
        self.timer: asyncio.TimerHandle | None = None

    def wanted(self) -> bool:
        return self.enabled and self.logger.isEnabledFor(logging.INFO)

    def write(self, entry: dict[str, object]) -> None:
        self.lines.append(orjson.dumps(entry).decode())
        if len(self.lines) >= _MAX_BATCH:
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(_FLUSH_AFTER_S, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.lines:
            lines, self.lines = self.lines, []
            self.logger.info("\n".join(lines))
