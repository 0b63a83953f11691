"""Serving the app with uvicorn (uvloop + httptools), and the gateway's log format."""

from __future__ import annotations

import logging
import os
import sys

from gateway.settings import SETTINGS_ENV, GatewaySettings, settings_from_environment


def configure_logging(level: str) -> None:
    """Plain message lines on stderr: access lines are JSON already, journald adds the time."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("gateway")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def app_from_environment():  # noqa: ANN201 - uvicorn factory for worker processes
    from gateway.app import create_app

    settings = settings_from_environment()
    configure_logging(settings.log_level)
    return create_app(settings)


def serve(settings: GatewaySettings) -> None:
    import uvicorn

    configure_logging(settings.log_level)
    options = dict(host=settings.host, port=settings.port, loop="uvloop", http="httptools",
                   access_log=False, log_level=settings.log_level, lifespan="on",
                   timeout_graceful_shutdown=settings.drain_timeout_s, server_header=False)
    if settings.workers > 1:
        # Worker processes rebuild the app from these exact settings (they cannot be pickled
        # into uvicorn's spawn; the environment is how they reach the children).
        os.environ[SETTINGS_ENV] = settings.model_dump_json()
        uvicorn.run("gateway.serve:app_from_environment", factory=True, workers=settings.workers, **options)
        return
    from gateway.app import create_app

    uvicorn.run(create_app(settings), **options)
